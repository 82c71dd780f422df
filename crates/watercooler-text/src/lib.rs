//! Everything watercooler knows about the text of a post: extraction of hashtags, mentions,
//! URLs and cashtags with byte ranges; normalised keys; validation and limits; safe HTML
//! rendering and hit highlighting.
//!
//! The crate is synchronous, allocation-aware and never panics or goes quadratic on any input.
//! It has no async runtime and no search engine in it, so a front end or a job that only
//! handles text can use it on its own.
//!
//! ```
//! use watercooler_text::{hashtag_key, render_html, EntityKind, Extractor, PathLinks};
//!
//! let text = "Dank je @jan.devries! Zie #Café en #CAFE\u{301} op intranet.example.nl";
//! let extractor = Extractor::default(); // the intranet profile
//! let entities = extractor.extract(text);
//!
//! let mentions: Vec<&str> = entities
//!     .iter()
//!     .filter(|e| e.kind() == EntityKind::Mention)
//!     .map(|e| e.value(text))
//!     .collect();
//! assert_eq!(mentions, ["jan.devries"]);
//!
//! // Differently typed tags share one key.
//! let tags: Vec<_> = entities
//!     .iter()
//!     .filter(|e| e.kind() == EntityKind::Hashtag)
//!     .map(|e| hashtag_key(e.value(text)))
//!     .collect();
//! assert_eq!(tags[0], tags[1]);
//!
//! // Rendering escapes the text and links the entities.
//! let html = render_html(text, &entities, &PathLinks::new("/tags/", "/people/"));
//! assert!(html.contains("href=\"/people/jan.devries\""));
//! ```
//!
//! The [`extract`] module documents the two extraction profiles and every way the default
//! (intranet) profile differs from twitter-text.
#![deny(missing_docs)]

mod entity;
pub mod extract;
mod highlight;
mod key;
mod offsets;
mod render;
mod tlds;
mod validate;

pub use entity::{Entity, EntityKind};
pub use extract::*;
pub use highlight::*;
pub use key::*;
pub use offsets::*;
pub use render::*;
pub use validate::*;

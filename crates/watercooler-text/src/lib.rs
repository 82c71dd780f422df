//! Everything watercooler knows about the text of a post: extraction of hashtags, mentions,
//! URLs and cashtags with byte ranges; normalised keys; validation and limits; safe HTML
//! rendering and hit highlighting.
//!
//! The crate is synchronous, allocation-aware and never panics or goes quadratic on any input.
#![deny(missing_docs)]

mod entity;
mod extract;
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

//! The core of watercooler: the model, ids and errors, the [`Directory`], [`Store`] and
//! [`search::SearchIndex`] traits and the query language, the [`Watercooler`] service, the
//! ranker, trends, live updates and the in-memory store. It compiles no search engine and
//! no database driver: those are `watercooler-tantivy`, `watercooler-sqlite` and
//! `watercooler-postgres`.
//!
//! Integrators add the `watercooler` facade, which re-exports all of this under the same
//! paths and the engine and stores behind features. Store and engine crates (ours, or a
//! host's own) depend on this crate.
#![deny(missing_docs)]

mod access;
mod clock;
pub mod directory;
mod error;
mod ids;
pub mod live;
pub mod model;
mod page;
pub mod rank;
pub mod search;
mod service;
pub mod store;
pub mod trends;

pub use access::{Access, Viewer};
pub use clock::{Clock, ManualClock, SystemClock, stored_precision};
pub use directory::{Directory, MemoryDirectory};
pub use error::{BoxError, Error, ErrorKind, Result};
pub use ids::{GroupId, MAX_ID_BYTES, PersonId, PostId, PostIdGenerator, Seq, TenantId, check_id};
pub use live::{Event, LiveSources, ResyncReason, SubscribeOptions, Subscription};
pub use model::*;
pub use page::{Cursor, MAX_PAGE_SIZE, Page, PageRequest};
pub use rank::{DefaultRanker, Explanation, FeedItem, FeedOptions, FeedPage, Ranker, RankerConfig};
pub use service::{
    Admin, ImportedPost, NewPost, Options, ParentRef, PersonExport, Thread, Watercooler,
    WatercoolerBuilder,
};
pub use store::{MemoryStore, Store};
pub use trends::{Trend, TrendOptions};

/// Re-exported so integrators need not depend on watercooler-text directly.
pub use watercooler_text;

/// Re-exported so a host can implement [`Directory`] and [`Store`] without adding the
/// dependency itself.
pub use async_trait::async_trait;

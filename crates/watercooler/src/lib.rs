//! watercooler: an internal social network for HR and intranet products — posts with
//! #hashtags and @mentions, ranked feeds, full-text search, trends and notifications —
//! multi-tenant and private by construction.
//!
//! The host plugs in its employee [`Directory`] and a [`Store`] (the in-memory
//! [`MemoryStore`] here; SQLite and PostgreSQL in their own crates; or its own database,
//! proven with `watercooler-testkit`) and calls the [`Watercooler`] service.
#![deny(missing_docs)]

mod access;
mod clock;
pub mod directory;
mod error;
mod ids;
pub mod model;
mod page;
pub mod rank;
pub mod search;
mod service;
pub mod store;
pub mod trends;

pub use access::{Access, Viewer};
pub use clock::{Clock, ManualClock, SystemClock};
pub use directory::{Directory, MemoryDirectory};
pub use error::{BoxError, Error, Result};
pub use ids::{GroupId, PersonId, PostId, PostIdGenerator, Seq, TenantId};
pub use model::*;
pub use page::{Cursor, MAX_PAGE_SIZE, Page, PageRequest};
pub use rank::{DefaultRanker, Explanation, FeedItem, FeedOptions, FeedPage, Ranker, RankerConfig};
pub use service::{
    ImportedPost, NewPost, Options, ParentRef, PersonExport, Thread, Watercooler,
    WatercoolerBuilder,
};
pub use store::{MemoryStore, Store};
pub use trends::{Trend, TrendOptions};

/// Re-exported so integrators need not depend on watercooler-text directly.
pub use watercooler_text;

//! watercooler: an internal social network for HR and intranet products — posts with
//! #hashtags and @mentions, ranked feeds, full-text search, trends and notifications —
//! multi-tenant and private by construction.
//!
//! The host plugs in its employee [`Directory`] and a [`Store`] (the in-memory
//! [`MemoryStore`] here; SQLite and PostgreSQL in their own crates; or its own database,
//! proven with `watercooler-testkit`) and calls the [`Watercooler`] service.
//!
//! # Wiring your own directory
//!
//! The directory is the host's HR data: watercooler only reads it, one tenant at a time.
//! Implement [`Directory`] over your own tables (or load a [`MemoryDirectory`]):
//!
//! ```
//! use std::sync::Arc;
//! use watercooler::watercooler_text::{handle_key, HandleKey};
//! use watercooler::{
//!     async_trait, Directory, Group, GroupId, MemoryStore, NewPost, Person, PersonId,
//!     Result, TenantId, Viewer, Watercooler,
//! };
//!
//! /// The host's HR data for one company (a real host would query its database).
//! struct Hr {
//!     tenant: TenantId,
//!     people: Vec<Person>,
//! }
//!
//! impl Hr {
//!     fn in_tenant<'a>(&'a self, tenant: &TenantId) -> &'a [Person] {
//!         if tenant == &self.tenant { &self.people } else { &[] }
//!     }
//! }
//!
//! #[async_trait]
//! impl Directory for Hr {
//!     async fn person(&self, t: &TenantId, id: &PersonId) -> Result<Option<Person>> {
//!         Ok(self.in_tenant(t).iter().find(|p| &p.id == id).cloned())
//!     }
//!     async fn people(&self, t: &TenantId, ids: &[PersonId]) -> Result<Vec<Person>> {
//!         Ok(self.in_tenant(t).iter().filter(|p| ids.contains(&p.id)).cloned().collect())
//!     }
//!     async fn resolve_handles(&self, t: &TenantId, keys: &[HandleKey]) -> Result<Vec<Person>> {
//!         let known = |p: &&Person| keys.contains(&handle_key(&p.handle));
//!         Ok(self.in_tenant(t).iter().filter(known).cloned().collect())
//!     }
//!     async fn groups_of(&self, _: &TenantId, _: &PersonId) -> Result<Vec<GroupId>> {
//!         Ok(Vec::new()) // this company has no groups yet
//!     }
//!     async fn group(&self, _: &TenantId, _: &GroupId) -> Result<Option<Group>> {
//!         Ok(None)
//!     }
//!     async fn is_member(&self, _: &TenantId, _: &GroupId, _: &PersonId) -> Result<bool> {
//!         Ok(false)
//!     }
//!     async fn suggest_people(&self, t: &TenantId, prefix: &str, limit: usize) -> Result<Vec<Person>> {
//!         let prefix = prefix.to_lowercase();
//!         let hit = |p: &&Person| p.handle.to_lowercase().starts_with(&prefix);
//!         Ok(self.in_tenant(t).iter().filter(hit).take(limit).cloned().collect())
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> watercooler::Result<()> {
//! let acme = TenantId::new("acme");
//! let hr = Hr {
//!     tenant: acme.clone(),
//!     people: vec![
//!         Person::new("p1", "jan.devries", "Jan de Vries"),
//!         Person::new("p2", "emma", "Emma Jansen"),
//!     ],
//! };
//! let wc = Watercooler::builder(Arc::new(MemoryStore::new()), Arc::new(hr)).build();
//!
//! let jan = Viewer::new("acme", "p1");
//! let emma = Viewer::new("acme", "p2");
//! let post = wc.publish(&jan, NewPost::new("Welkom @emma! #onboarding")).await?;
//! assert_eq!(post.mentions.len(), 1);
//!
//! // Emma is notified and sees the post in her feed, with the reason it is there.
//! let feed = wc.home_feed(&emma, None, 20).await?;
//! assert_eq!(feed.items[0].post.post.id, post.id);
//! assert!(feed.items[0].explanation.reasons().any(|r| r.contains("mentions you")));
//!
//! // A viewer the directory does not know (here: another company) is refused.
//! let other = Viewer::new("globex", "p2");
//! let refused = wc.home_feed(&other, None, 20).await;
//! assert!(matches!(refused, Err(watercooler::Error::Forbidden { .. })));
//! # Ok(())
//! # }
//! ```
//!
//! See `docs/architecture.md` for the model, the traits and the change log, and
//! `docs/getting-started.md` for a complete program with a durable store and search.
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
    ImportedPost, NewPost, Options, ParentRef, PersonExport, Thread, Watercooler,
    WatercoolerBuilder,
};
pub use store::{MemoryStore, Store};
pub use trends::{Trend, TrendOptions};

/// Re-exported so integrators need not depend on watercooler-text directly.
pub use watercooler_text;

/// Re-exported so a host can implement [`Directory`] and [`Store`] without adding the
/// dependency itself.
pub use async_trait::async_trait;

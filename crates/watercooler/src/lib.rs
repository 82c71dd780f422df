//! watercooler: an internal social network for HR and intranet products — posts with
//! #hashtags and @mentions, ranked feeds, full-text search, trends and notifications —
//! multi-tenant and private by construction.
//!
//! The host plugs in its employee [`Directory`] and a [`Store`] (the in-memory
//! [`MemoryStore`]; SQLite and PostgreSQL behind the `sqlite` and `postgres` features; or
//! its own database, proven with `watercooler-testkit`) and calls the [`Watercooler`]
//! service.
//!
//! # Features
//!
//! | feature | default | adds |
//! |---|---|---|
//! | `search` | yes | full-text search on tantivy: [`search::TantivyIndex`] |
//! | `sqlite` | | the embedded store: `sqlite::SqliteStore` |
//! | `postgres` | | the PostgreSQL store: `postgres::PgStore` |
//!
//! Without features this crate is `watercooler-core` alone: the service, feeds, trends,
//! notifications and live updates, with no search engine and no database driver compiled.
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
//!     async_trait, Directory, Group, GroupId, MemoryStore, NewPost, PageRequest, Person,
//!     PersonId, Result, TenantId, Viewer, Watercooler,
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
//! let feed = wc.home_feed(&emma, &PageRequest::first(20)).await?;
//! assert_eq!(feed.items[0].post.post.id, post.id);
//! assert!(feed.items[0].explanation.reasons().any(|r| r.contains("mentions you")));
//!
//! // A viewer the directory does not know (here: another company) is refused.
//! let other = Viewer::new("globex", "p2");
//! let refused = wc.home_feed(&other, &PageRequest::first(20)).await;
//! assert!(matches!(refused, Err(watercooler::Error::Forbidden { .. })));
//! # Ok(())
//! # }
//! ```
//!
//! See `docs/architecture.md` for the model, the traits and the change log, and
//! `docs/getting-started.md` for a complete program with a durable store and search.
#![deny(missing_docs)]

pub use watercooler_core::*;

/// Full-text search: the [`SearchIndex`](search::SearchIndex) boundary, the query language
/// and snippets (from the core) and, with the `search` feature, the built-in index on
/// tantivy ([`TantivyIndex`](search::TantivyIndex)).
pub mod search {
    pub use watercooler_core::search::*;
    #[cfg(feature = "search")]
    pub use watercooler_tantivy::{
        Highlighter, IndexLocation, IndexedPost, MAX_TOKEN_BYTES, OpenReport, Ranking,
        RebuildCause, TantivyIndex, TantivyOptions, Unusable, fold_word, highlights, snippet,
    };
}

/// The embedded SQLite store (the `sqlite` feature): `watercooler-sqlite`.
#[cfg(feature = "sqlite")]
pub use watercooler_sqlite as sqlite;

/// The PostgreSQL store (the `postgres` feature): `watercooler-postgres`.
#[cfg(feature = "postgres")]
pub use watercooler_postgres as postgres;

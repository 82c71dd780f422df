//! SQLite store for watercooler: the embedded, durable default.
//!
//! [`SqliteStore`] implements [`watercooler_core::Store`] on one SQLite file (or in memory for
//! tests) through sqlx, with runtime-checked queries and a schema migrated on open.
//!
//! - **Durable**: WAL journal with `synchronous=FULL` by default — a call that returned has
//!   its data on disk, also across power loss. [`Synchronous::Normal`] trades the last
//!   commits before a power loss for faster commits.
//! - **Private**: visibility is a `WHERE` clause of every read, so pages and cursors hold
//!   only visible posts; `secure_delete` overwrites deleted text in the file.
//! - **One writer**: writes go through a single connection (SQLite admits one writer at a
//!   time), each call one `BEGIN IMMEDIATE` transaction with its change-log entries; reads
//!   run in parallel on a set of reader connections.
//!
//! Open a file (created and migrated if missing) and hand it to the service:
//!
//! ```
//! use std::sync::Arc;
//! use watercooler_core::{MemoryDirectory, NewPost, PageRequest, Person, TenantId, Viewer, Watercooler};
//! use watercooler_sqlite::SqliteStore;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let dir = std::env::temp_dir().join(format!("wc-sqlite-doc-{}", std::process::id()));
//! # std::fs::create_dir_all(&dir)?;
//! let path = dir.join("watercooler.db");
//! let store = Arc::new(SqliteStore::open(&path).await?);
//!
//! let people = MemoryDirectory::new();
//! let acme = TenantId::new("acme");
//! people.add_person(&acme, Person::new("p1", "jan", "Jan de Vries"))?;
//! let wc = Watercooler::builder(store.clone(), Arc::new(people)).build();
//!
//! let jan = Viewer::new("acme", "p1");
//! let post = wc.publish(&jan, NewPost::new("Hello from SQLite #launch")).await?;
//! let mine = wc.profile_feed(&jan, &post.author, &PageRequest::first(20)).await?;
//! assert_eq!(mine.items[0].post.id, post.id);
//!
//! // Closed and reopened, the post is still there (the store is the system of record).
//! drop(wc);
//! store.close().await;
//! let reopened = SqliteStore::open(&path).await?;
//! assert_eq!(watercooler_core::Store::last_seq(&reopened).await?, watercooler_core::Seq(1));
//! # drop(reopened);
//! # std::fs::remove_dir_all(&dir)?;
//! # Ok(()) }
//! ```
//!
//! Options, for a bulk import or an in-memory database in tests:
//!
//! ```no_run
//! # async fn demo() -> watercooler_core::Result<()> {
//! use watercooler_sqlite::{SqliteOptions, SqliteStore, Synchronous};
//! let fast = SqliteStore::open_with(
//!     "scratch.db",
//!     SqliteOptions::new().synchronous(Synchronous::Normal),
//! )
//! .await?;
//! let scratch = SqliteStore::memory().await?;
//! # Ok(()) }
//! ```
//!
//! The design (schema, change log, durability settings) and the measured figures are in
//! the repository's `docs/storage.md`.
#![deny(missing_docs)]

mod codec;
mod error;
mod options;
mod schema;
mod store;

pub use error::SqliteError;
pub use options::{SqliteOptions, Synchronous};
pub use store::SqliteStore;

/// The schema version this library writes (`PRAGMA user_version` of its files).
pub const SCHEMA_VERSION: i64 = schema::LATEST;

//! SQLite store for watercooler: the embedded, durable default.
//!
//! [`SqliteStore`] implements [`watercooler::Store`] on one SQLite file (or in memory for
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
//! ```no_run
//! # async fn demo() -> watercooler::Result<()> {
//! use watercooler_sqlite::{SqliteOptions, SqliteStore, Synchronous};
//! let store = SqliteStore::open("watercooler.db").await?;
//! let fast = SqliteStore::open_with(
//!     "scratch.db",
//!     SqliteOptions::new().synchronous(Synchronous::Normal),
//! )
//! .await?;
//! # Ok(()) }
//! ```
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

//! A PostgreSQL [`Store`](watercooler_core::Store) for watercooler: for deployments with several
//! servers sharing one database.
//!
//! Connect (the schema is created and migrated on connect) and hand the store to the
//! service; every application server connects its own `PgStore` to the same schema:
//!
//! ```no_run
//! use std::sync::Arc;
//! use watercooler_core::{MemoryDirectory, NewPost, Person, TenantId, Viewer, Watercooler};
//! use watercooler_postgres::{PgOptions, PgStore};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let store = PgStore::connect(
//!     PgOptions::new("postgres://app@db/intranet")
//!         .schema("watercooler")
//!         .row_level_security(true),
//! )
//! .await?;
//!
//! let people = MemoryDirectory::new(); // the host's HR data, behind `Directory`
//! people.add_person(&TenantId::new("acme"), Person::new("p1", "jan", "Jan de Vries"))?;
//! let wc = Watercooler::builder(Arc::new(store.clone()), Arc::new(people)).build();
//!
//! let jan = Viewer::new("acme", "p1");
//! let post = wc.publish(&jan, NewPost::new("Hello from PostgreSQL #launch")).await?;
//! assert_eq!(post.hashtags.len(), 1);
//! store.close().await;
//! # Ok(()) }
//! ```
//!
//! - **Schema.** Everything lives in one schema ([`PgOptions::schema`]), created and
//!   migrated on connect by embedded migrations; a schema migrated by a newer build is
//!   refused with [`PgError::SchemaTooNew`]. Every primary key and index starts with the
//!   tenant.
//! - **Visibility** is filtered inside SQL with the same rule as
//!   [`watercooler_core::Access::can_see_parts`], so pages, counts and cursors never include
//!   invisible posts.
//! - **Atomicity.** Every write and its change-log entries commit in one transaction.
//! - **Change-log order.** Seqs come from a sequence taken under a per-schema advisory lock
//!   held to the commit, so they commit in order and a follower reading `seq > last` never
//!   skips a late commit.
//! - **Row-level security** ([`PgOptions::row_level_security`]): every table gets a
//!   `tenant = current_setting('watercooler.tenant')` policy, enabled and forced, and every
//!   tenant-scoped call sets the tenant transaction-locally first.
//! - **Bulk imports**: `insert_posts` and `add_reactions` write a batch with one multi-row
//!   statement per table; call [`PgStore::analyze`] afterwards.
//! - **Errors** are [`watercooler_core::Error`]s: lost connections, deadlocks and serialisation
//!   failures are retryable [`watercooler_core::Error::Backend`]s, duplicate ids
//!   [`watercooler_core::Error::AlreadyExists`]; driver errors travel inside [`PgError`].
//!
//! The design, its trade-offs and the measured figures are in the repository's
//! `docs/storage.md`.
#![deny(missing_docs)]

mod codec;
mod error;
mod options;
mod schema;
mod session;
mod sql;
mod store;
mod wake;

use std::str::FromStr;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use watercooler_core::Result;

pub use error::PgError;
pub use options::PgOptions;
pub use schema::SCHEMA_VERSION;

use crate::error::db;

/// Prepared statements kept per connection. The dynamic list and candidate queries come in
/// a few dozen shapes; this keeps them all prepared.
const STATEMENT_CACHE: usize = 256;

/// A pooled connection idle for at least this long is pinged before it is handed out.
const IDLE_CHECK: std::time::Duration = std::time::Duration::from_secs(1);

/// The PostgreSQL store. Cheap to clone (clones share the pool).
#[derive(Clone)]
pub struct PgStore {
    pool: PgPool,
    schema: String,
    rls: bool,
    /// The advisory-lock key that orders this schema's change log.
    log_lock: i64,
    /// `LISTEN`/`NOTIFY` for [`watercooler_core::Store::wait_for_change`].
    wake: std::sync::Arc<wake::Wake>,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore")
            .field("schema", &self.schema)
            .field("row_level_security", &self.rls)
            .finish_non_exhaustive()
    }
}

impl PgStore {
    /// Connects a pool, creates or migrates the schema, and (if asked) enables row-level
    /// security. Fails with [`PgError::InvalidSchemaName`], [`PgError::SchemaTooNew`],
    /// [`PgError::SchemaModified`], [`PgError::RowLevelSecurityMismatch`] or
    /// [`PgError::RowLevelSecurityBypassed`] (all inside [`watercooler_core::Error::Backend`],
    /// not retryable), or with a retryable error when the server cannot be reached.
    pub async fn connect(options: PgOptions) -> Result<PgStore> {
        if !options::valid_schema_name(&options.schema) {
            return Err(PgError::InvalidSchemaName {
                name: options.schema,
            }
            .into());
        }
        let connect = PgConnectOptions::from_str(&options.url)
            .map_err(|e| watercooler_core::Error::invalid("url", e.to_string()))?
            .application_name(&options.application_name)
            .statement_cache_capacity(STATEMENT_CACHE);
        let listen_options = connect.clone();
        let schema = options.schema.clone();
        let search_path = schema.clone();
        let pool = PgPoolOptions::new()
            .max_connections(options.max_connections.max(1))
            .acquire_timeout(options.acquire_timeout)
            // sqlx pings every connection it hands out by default: one extra round trip per
            // call, ~25 per home feed. A connection in use moments ago is alive (sqlx also
            // pings on release and drops a broken one), so only one idle for a while is
            // checked; a server restart within that while costs one retryable error per
            // pooled connection, as it would without the check.
            .test_before_acquire(false)
            .before_acquire(|conn, meta| {
                Box::pin(async move {
                    if meta.idle_for >= IDLE_CHECK {
                        sqlx::Connection::ping(conn).await?;
                    }
                    Ok(true)
                })
            })
            // Every pooled connection resolves our unqualified table names in the schema.
            // Set once per connection: unlike the tenant, it is the same for every user.
            .after_connect(move |conn, _meta| {
                let search_path = search_path.clone();
                Box::pin(async move {
                    sqlx::query("SELECT set_config('search_path', $1, false)")
                        .bind(search_path)
                        .execute(conn)
                        .await?;
                    Ok(())
                })
            })
            .connect_with(connect)
            .await
            .map_err(db)?;
        let migrated = match pool.acquire().await {
            Ok(mut conn) => schema::run(&mut conn, &schema, options.row_level_security).await,
            Err(e) => Err(db(e)),
        };
        if let Err(e) = migrated {
            // Close the connections now rather than whenever the dropped pool gets to it.
            pool.close().await;
            return Err(e);
        }
        Ok(PgStore {
            pool,
            log_lock: session::lock_key(&["watercooler.change_log", &schema]),
            wake: std::sync::Arc::new(wake::Wake::new(listen_options, schema.clone())),
            schema,
            rls: options.row_level_security,
        })
    }

    /// The schema this store uses.
    pub fn schema(&self) -> &str {
        &self.schema
    }

    /// Whether row-level security is on.
    pub fn row_level_security(&self) -> bool {
        self.rls
    }

    /// Refreshes PostgreSQL's planner statistics for the store's tables (`ANALYZE`). Call it
    /// after a bulk import: until autovacuum gets to it, the planner knows nothing about
    /// the new rows and may pick poor plans (a feed query then takes ten times longer).
    pub async fn analyze(&self) -> Result<()> {
        let tables = schema::TABLES.join(", ");
        // The table names are ours (constants): safe to splice.
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("ANALYZE {tables}")))
            .execute(&self.pool)
            .await
            .map_err(db)?;
        Ok(())
    }

    /// Closes the pool: waits for connections in use to come back, then closes them all.
    pub async fn close(&self) {
        self.wake.shut_down();
        self.pool.close().await;
    }
}

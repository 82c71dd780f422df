//! Opening a database: connection options, the writer and reader connections, the schema
//! check and the migrations.

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode};
use sqlx::{Connection, SqliteConnection};
use std::path::Path;
use watercooler_core::Result;

use crate::error::{SqliteError, map};
use crate::options::SqliteOptions;
use crate::schema;

/// Statements kept prepared per connection. The store runs a few dozen distinct
/// statements; list queries vary with their filter, so leave room.
const STATEMENT_CACHE: usize = 256;

/// SQLite's default page size, which every database this store creates has.
const PAGE_SIZE: u64 = 4096;

/// Options every connection shares: foreign keys enforced, deleted content overwritten.
fn base(options: &SqliteOptions) -> SqliteConnectOptions {
    SqliteConnectOptions::new()
        .foreign_keys(true)
        .busy_timeout(options.busy_timeout)
        .statement_cache_capacity(STATEMENT_CACHE)
        // Zero the bytes of deleted rows, so erased text does not linger in free pages.
        .pragma("secure_delete", "ON")
        // Scratch space of sorts and temporary tables stays in memory.
        .pragma("temp_store", "MEMORY")
        .pragma("wal_autocheckpoint", options.checkpoint_pages.to_string())
        // After a checkpoint the WAL file is cut back to this size (64 MiB).
        .pragma("journal_size_limit", "67108864")
        .synchronous(match options.synchronous {
            crate::Synchronous::Full => sqlx::sqlite::SqliteSynchronous::Full,
            crate::Synchronous::Normal => sqlx::sqlite::SqliteSynchronous::Normal,
        })
}

fn cache_pragma(kib: u32) -> String {
    // A negative cache_size is in KiB.
    format!("-{kib}")
}

/// Opens a database file: the writer connection and the reader connections.
pub(super) async fn file(
    path: &Path,
    options: &SqliteOptions,
) -> Result<(SqliteConnection, Vec<SqliteConnection>)> {
    // A file without write permission is opened read-only, so writes fail with a typed
    // error instead of the open failing (or, for root, the permission being ignored).
    let read_only = options.read_only
        || std::fs::metadata(path)
            .map(|m| m.permissions().readonly())
            .unwrap_or(false);
    let mut writer_opts = base(options)
        .filename(path)
        .read_only(read_only)
        .create_if_missing(options.create_if_missing && !read_only)
        .pragma("cache_size", cache_pragma(options.cache_kib));
    if !read_only {
        // WAL lets readers run beside the writer and commits cost one sequential write.
        writer_opts = writer_opts.journal_mode(SqliteJournalMode::Wal);
    }
    if let Some(bytes) = options.max_size_bytes {
        // Only the writer grows the file; SQLite refuses to grow past this many pages with
        // SQLITE_FULL, exactly as when the disk is full.
        writer_opts = writer_opts.pragma("max_page_count", bytes.div_ceil(PAGE_SIZE).to_string());
    }
    let mut writer = SqliteConnection::connect_with(&writer_opts)
        .await
        .map_err(map)?;
    prepare(&mut writer, read_only, options.check_on_open).await?;

    let reader_opts = base(options)
        .filename(path)
        .read_only(read_only)
        .pragma("cache_size", cache_pragma(options.cache_kib / 4))
        // Readers never write, whatever a bug might ask of them.
        .pragma("query_only", "ON");
    let mut readers = Vec::new();
    for _ in 0..options.readers.max(1) {
        readers.push(
            SqliteConnection::connect_with(&reader_opts)
                .await
                .map_err(map)?,
        );
    }
    Ok((writer, readers))
}

/// A private in-memory database on one connection.
pub(super) async fn memory() -> Result<SqliteConnection> {
    let opts = base(&SqliteOptions::new())
        .in_memory(true)
        .create_if_missing(true);
    let mut conn = SqliteConnection::connect_with(&opts).await.map_err(map)?;
    prepare(&mut conn, false, false).await?;
    Ok(conn)
}

/// Checks the file is ours and not too new, migrates it (unless read-only) and optionally
/// checks its integrity.
async fn prepare(conn: &mut SqliteConnection, read_only: bool, check: bool) -> Result<()> {
    let header = schema::read_header(conn).await?;
    schema::check(header)?;
    if read_only {
        if header.version < schema::LATEST {
            return Err(SqliteError::NeedsMigration {
                found: header.version,
                required: schema::LATEST,
            }
            .into());
        }
    } else {
        schema::migrate(conn).await?;
    }
    if check {
        let result: String = sqlx::query_scalar("PRAGMA quick_check(1)")
            .fetch_one(&mut *conn)
            .await
            .map_err(map)?;
        if result != "ok" {
            return Err(SqliteError::Corrupt { detail: result }.into());
        }
    }
    Ok(())
}

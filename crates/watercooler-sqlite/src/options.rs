//! How a [`crate::SqliteStore`] opens its database.

use std::time::Duration;

/// When SQLite forces written data to stable storage (`PRAGMA synchronous`), in WAL mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Synchronous {
    /// Every commit is synced to disk before it returns: a committed post survives a power
    /// loss or an OS crash. The default, because the store is the system of record.
    #[default]
    Full,
    /// The WAL is synced only at checkpoints. Commits are faster, the database never
    /// corrupts, but the last commits before a power loss or OS crash may be lost
    /// (a crash of the application alone loses nothing).
    Normal,
}

/// Options for [`crate::SqliteStore::open_with`]. Start from [`SqliteOptions::new`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SqliteOptions {
    /// Durability of commits (default [`Synchronous::Full`]).
    pub synchronous: Synchronous,
    /// How long a statement waits for a lock held by another process before failing with a
    /// retryable busy error (default 5 s).
    pub busy_timeout: Duration,
    /// Connections reading in parallel (default 4; at least 1). Writes always go through
    /// one connection, because SQLite allows one writer at a time.
    pub readers: u32,
    /// Open without writing: no file is created, no migration runs, every write fails
    /// with a typed read-only error (default false). A file without write permission is
    /// opened this way automatically.
    pub read_only: bool,
    /// Create the file if it does not exist (default true).
    pub create_if_missing: bool,
    /// Run `PRAGMA quick_check` when opening, to find corruption before the first read
    /// stumbles on it (default false: it reads the whole file).
    pub check_on_open: bool,
    /// WAL pages written before an automatic checkpoint copies them into the database file
    /// (default 10,000, ~40 MB). Larger means fewer, bigger checkpoints: a page changed by
    /// many commits is copied once, which speeds up bulk writes; smaller keeps the WAL file
    /// smaller.
    pub checkpoint_pages: u32,
    /// Page cache per connection, in KiB (default 16 MiB for the writer, a quarter of it
    /// for each reader).
    pub cache_kib: u32,
    /// A cap on the size of the database, in bytes (default none): a write that would grow
    /// it beyond fails with a typed [`crate::SqliteError::DiskFull`] and changes nothing, as
    /// on a full disk. A quota for a shared volume. SQLite counts it in pages (4 KiB), and
    /// never below the database's current size.
    pub max_size_bytes: Option<u64>,
}

impl SqliteOptions {
    /// The defaults: durable commits, 4 readers, created if missing.
    pub fn new() -> Self {
        SqliteOptions {
            synchronous: Synchronous::Full,
            busy_timeout: Duration::from_secs(5),
            readers: 4,
            read_only: false,
            create_if_missing: true,
            check_on_open: false,
            checkpoint_pages: 10_000,
            cache_kib: 16 * 1024,
            max_size_bytes: None,
        }
    }

    /// Sets [`SqliteOptions::synchronous`].
    #[must_use]
    pub fn synchronous(mut self, s: Synchronous) -> Self {
        self.synchronous = s;
        self
    }

    /// Sets [`SqliteOptions::busy_timeout`].
    #[must_use]
    pub fn busy_timeout(mut self, d: Duration) -> Self {
        self.busy_timeout = d;
        self
    }

    /// Sets [`SqliteOptions::readers`] (0 is taken as 1).
    #[must_use]
    pub fn readers(mut self, n: u32) -> Self {
        self.readers = n.max(1);
        self
    }

    /// Sets [`SqliteOptions::read_only`].
    #[must_use]
    pub fn read_only(mut self, yes: bool) -> Self {
        self.read_only = yes;
        self
    }

    /// Sets [`SqliteOptions::create_if_missing`].
    #[must_use]
    pub fn create_if_missing(mut self, yes: bool) -> Self {
        self.create_if_missing = yes;
        self
    }

    /// Sets [`SqliteOptions::check_on_open`].
    #[must_use]
    pub fn check_on_open(mut self, yes: bool) -> Self {
        self.check_on_open = yes;
        self
    }

    /// Sets [`SqliteOptions::checkpoint_pages`] (0 turns automatic checkpoints off: then
    /// only closing the store checkpoints, and the WAL grows until then).
    #[must_use]
    pub fn checkpoint_pages(mut self, pages: u32) -> Self {
        self.checkpoint_pages = pages;
        self
    }

    /// Sets [`SqliteOptions::max_size_bytes`].
    #[must_use]
    pub fn max_size_bytes(mut self, bytes: u64) -> Self {
        self.max_size_bytes = Some(bytes);
        self
    }

    /// Sets [`SqliteOptions::cache_kib`].
    #[must_use]
    pub fn cache_kib(mut self, kib: u32) -> Self {
        self.cache_kib = kib;
        self
    }
}

impl Default for SqliteOptions {
    fn default() -> Self {
        SqliteOptions::new()
    }
}

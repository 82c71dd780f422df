//! The typed errors of this crate and the one place where sqlx errors become
//! [`watercooler_core::Error`]s. No sqlx type crosses this module: callers get our
//! [`SqliteError`] inside [`watercooler_core::Error::Backend`], which they can inspect with
//! [`SqliteError::of`].

use watercooler_core::Error;

/// What went wrong in the SQLite store, carried as the source of
/// [`watercooler_core::Error::Backend`]. Find it with [`SqliteError::of`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SqliteError {
    /// The database was written by a newer version of this crate. It is left untouched:
    /// an older library never downgrades or reinterprets a newer schema.
    #[error(
        "the database schema is version {found}, newer than the newest this library knows \
         ({supported}); upgrade watercooler-sqlite to open it"
    )]
    NewerSchema {
        /// The schema version found in the file.
        found: i64,
        /// The newest schema version this library can use.
        supported: i64,
    },
    /// The file is an SQLite database of some other application (its application id or
    /// tables are not ours). It is left untouched.
    #[error("the file is not a watercooler database: {detail}")]
    ForeignDatabase {
        /// What gave it away.
        detail: String,
    },
    /// The file is corrupt or not an SQLite database at all.
    #[error("the database file is corrupt or not a database: {detail}")]
    Corrupt {
        /// SQLite's message.
        detail: String,
    },
    /// The database may not be written: opened read-only, a read-only file or file
    /// system. Nothing was changed.
    #[error("the database is read-only: {detail}")]
    ReadOnly {
        /// SQLite's message.
        detail: String,
    },
    /// A read-only database whose schema is older than this library's: it would need a
    /// migration, which needs write access.
    #[error(
        "the read-only database has schema version {found}; this library needs {required} \
         and cannot migrate a read-only file"
    )]
    NeedsMigration {
        /// The schema version found.
        found: i64,
        /// The version this library needs.
        required: i64,
    },
    /// The database stayed locked by another connection or process for longer than the
    /// busy timeout, or no connection became free in time. Worth retrying.
    #[error("the database is busy: {detail}")]
    Busy {
        /// What was busy.
        detail: String,
    },
    /// The disk or file system is full; nothing of the failed write was kept.
    #[error("the disk is full: {detail}")]
    DiskFull {
        /// SQLite's message.
        detail: String,
    },
    /// The file could not be opened or read (missing directory, permissions, I/O error).
    #[error("cannot open or read the database: {detail}")]
    Io {
        /// What failed.
        detail: String,
    },
    /// A row holds a value this library cannot decode (for example edited by hand).
    #[error("the database holds an invalid value: {detail}")]
    BadData {
        /// What was wrong.
        detail: String,
    },
    /// The store was closed.
    #[error("the store is closed")]
    Closed,
    /// Any other SQLite failure.
    #[error("sqlite error {code}: {message}")]
    Other {
        /// SQLite's extended result code, if it gave one.
        code: i64,
        /// SQLite's message.
        message: String,
    },
}

impl SqliteError {
    /// The [`SqliteError`] inside a [`watercooler_core::Error::Backend`], if that is where the
    /// error came from.
    pub fn of(error: &Error) -> Option<&SqliteError> {
        match error {
            Error::Backend { source, .. } => source.downcast_ref::<SqliteError>(),
            _ => None,
        }
    }

    /// Whether trying the same call again may succeed.
    pub fn is_retryable(&self) -> bool {
        matches!(self, SqliteError::Busy { .. })
    }

    /// Wraps this error in a [`watercooler_core::Error::Backend`] with the right retry flag.
    pub fn into_error(self) -> Error {
        let retryable = self.is_retryable();
        Error::Backend {
            source: Box::new(self),
            retryable,
        }
    }
}

impl From<SqliteError> for Error {
    fn from(e: SqliteError) -> Self {
        e.into_error()
    }
}

// SQLite primary result codes (https://www.sqlite.org/rescode.html). The extended code's
// low byte is the primary code.
const SQLITE_BUSY: i64 = 5;
const SQLITE_LOCKED: i64 = 6;
const SQLITE_READONLY: i64 = 8;
const SQLITE_IOERR: i64 = 10;
const SQLITE_CORRUPT: i64 = 11;
const SQLITE_FULL: i64 = 13;
const SQLITE_CANTOPEN: i64 = 14;
const SQLITE_NOTADB: i64 = 26;
// Extended codes of SQLITE_CONSTRAINT that mean "this key exists".
const SQLITE_CONSTRAINT_PRIMARYKEY: i64 = 1555;
const SQLITE_CONSTRAINT_UNIQUE: i64 = 2067;
const SQLITE_CONSTRAINT_FOREIGNKEY: i64 = 787;
const SQLITE_CONSTRAINT_TRIGGER: i64 = 1811;

/// Turns a sqlx error into ours. Duplicate keys become [`Error::AlreadyExists`]; everything
/// else becomes an [`Error::Backend`] holding a [`SqliteError`].
pub(crate) fn map(e: sqlx::Error) -> Error {
    match e {
        sqlx::Error::Database(db) => {
            let code: i64 = db.code().and_then(|c| c.parse().ok()).unwrap_or(-1);
            let message = db.message().to_owned();
            if code == SQLITE_CONSTRAINT_PRIMARYKEY || code == SQLITE_CONSTRAINT_UNIQUE {
                return Error::AlreadyExists(message);
            }
            // The schema's insert trigger refuses a reply whose thread root is missing.
            if code == SQLITE_CONSTRAINT_TRIGGER && message.contains("thread root not found") {
                return Error::not_found("thread root");
            }
            // Every foreign key of the schema points at a post.
            if code == SQLITE_CONSTRAINT_FOREIGNKEY {
                return Error::not_found("post");
            }
            classify(code, message).into_error()
        }
        sqlx::Error::PoolTimedOut => SqliteError::Busy {
            detail: "no connection became free in time".into(),
        }
        .into_error(),
        sqlx::Error::PoolClosed | sqlx::Error::WorkerCrashed => SqliteError::Closed.into_error(),
        sqlx::Error::Io(io) => SqliteError::Io {
            detail: io.to_string(),
        }
        .into_error(),
        sqlx::Error::ColumnDecode { .. } | sqlx::Error::Decode(_) => SqliteError::BadData {
            detail: e.to_string(),
        }
        .into_error(),
        other => SqliteError::Other {
            code: -1,
            message: other.to_string(),
        }
        .into_error(),
    }
}

/// Names an SQLite result code.
fn classify(code: i64, message: String) -> SqliteError {
    match code & 0xff {
        SQLITE_BUSY | SQLITE_LOCKED => SqliteError::Busy { detail: message },
        SQLITE_READONLY => SqliteError::ReadOnly { detail: message },
        SQLITE_CORRUPT | SQLITE_NOTADB => SqliteError::Corrupt { detail: message },
        SQLITE_FULL => SqliteError::DiskFull { detail: message },
        SQLITE_IOERR | SQLITE_CANTOPEN => SqliteError::Io { detail: message },
        _ => SqliteError::Other { code, message },
    }
}

/// A value read back from the database that does not decode.
pub(crate) fn bad_data(detail: impl Into<String>) -> Error {
    SqliteError::BadData {
        detail: detail.into(),
    }
    .into_error()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn busy_is_retryable_and_corruption_is_not() {
        assert!(classify(5, "locked".into()).is_retryable());
        assert!(classify(517, "busy snapshot".into()).is_retryable());
        assert!(!classify(11, "corrupt".into()).is_retryable());
        assert!(matches!(
            classify(26, "not a db".into()),
            SqliteError::Corrupt { .. }
        ));
        assert!(matches!(
            classify(1032, "ro".into()),
            SqliteError::ReadOnly { .. }
        ));
    }

    #[test]
    fn of_finds_our_error_inside_the_backend_error() {
        let e: Error = SqliteError::NewerSchema {
            found: 9,
            supported: 1,
        }
        .into();
        assert!(!e.is_retryable());
        assert!(matches!(
            SqliteError::of(&e),
            Some(SqliteError::NewerSchema { found: 9, .. })
        ));
        assert!(SqliteError::of(&Error::AlreadyExists("x".into())).is_none());
    }
}

//! Our error type, and how driver errors become [`watercooler_core::Error`]s. No sqlx type appears
//! in the public API: driver errors travel type-erased inside [`PgError`].

use watercooler_core::{BoxError, Error};

/// What went wrong in PostgreSQL, carried as the source of [`Error::Backend`] (or as the
/// message of [`Error::Conflict`] / [`Error::Invalid`]).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PgError {
    /// The schema was migrated by a newer build than this one: refusing to touch it.
    #[error(
        "schema `{schema}` is at version {found}, but this build of watercooler-postgres \
         knows versions up to {supported}; upgrade watercooler-postgres before connecting"
    )]
    SchemaTooNew {
        /// The schema.
        schema: String,
        /// The version found in the database.
        found: i64,
        /// The newest version this build knows.
        supported: i64,
    },
    /// A migration recorded in the database is not the one this build embeds.
    #[error("schema `{schema}`: migration {version} in the database differs from this build's")]
    SchemaModified {
        /// The schema.
        schema: String,
        /// The migration.
        version: i64,
    },
    /// The schema name in [`crate::PgOptions`] is not a plain lowercase identifier.
    #[error(
        "invalid schema name {name:?}: use lowercase ASCII letters, digits and `_`, \
         starting with a letter or `_`, at most 63 bytes"
    )]
    InvalidSchemaName {
        /// The rejected name.
        name: String,
    },
    /// Row-level security is enabled on the schema's tables but this instance has
    /// [`crate::PgOptions::row_level_security`] off, so its queries would see nothing.
    #[error(
        "row-level security is enabled on schema `{schema}`, but this instance was opened \
         with PgOptions::row_level_security off"
    )]
    RowLevelSecurityMismatch {
        /// The schema.
        schema: String,
    },
    /// [`crate::PgOptions::row_level_security`] is on, but the role connecting is a
    /// superuser or has `BYPASSRLS`, which PostgreSQL exempts from every policy.
    #[error(
        "row-level security was asked for, but the connecting role is a superuser or has \
         BYPASSRLS and so ignores every policy; connect as an ordinary role"
    )]
    RowLevelSecurityBypassed,
    /// The server reported an error.
    #[error("PostgreSQL error {code}: {message}")]
    Database {
        /// The SQLSTATE code.
        code: String,
        /// The server's message.
        message: String,
        /// The driver's error.
        #[source]
        source: BoxError,
    },
    /// The connection or the driver failed (I/O, timeout, protocol, decoding).
    #[error("PostgreSQL connection or driver error: {source}")]
    Driver {
        /// The driver's error.
        #[source]
        source: BoxError,
    },
}

impl PgError {
    /// The SQLSTATE code, for a server error.
    pub fn code(&self) -> Option<&str> {
        match self {
            PgError::Database { code, .. } => Some(code),
            _ => None,
        }
    }
}

impl From<PgError> for Error {
    fn from(e: PgError) -> Self {
        Error::backend(e)
    }
}

/// Classifies a driver error.
pub(crate) fn db(e: sqlx::Error) -> Error {
    match e {
        sqlx::Error::Database(d) => {
            let code = d.code().map(|c| c.into_owned()).unwrap_or_default();
            let message = d.message().to_owned();
            database(code, message, Box::new(sqlx::Error::Database(d)))
        }
        // The connection broke or could not be had: a new one may well work.
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::Protocol(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::WorkerCrashed
        | sqlx::Error::BeginFailed => Error::transient(PgError::Driver {
            source: Box::new(e),
        }),
        // A value PostgreSQL cannot take (a timestamp out of its range, ...).
        sqlx::Error::Encode(source) => Error::invalid("data", source.to_string()),
        sqlx::Error::RowNotFound => Error::not_found("row"),
        other => Error::backend(PgError::Driver {
            source: Box::new(other),
        }),
    }
}

/// Classifies a server error by its SQLSTATE.
fn database(code: String, message: String, source: BoxError) -> Error {
    let class = code.get(..2).unwrap_or("");
    let pg = |code: String, message: String| PgError::Database {
        code,
        message,
        source,
    };
    match (class, code.as_str()) {
        (_, "23505") => Error::AlreadyExists(format!("{message} ({code})")),
        // Serialization failures, deadlocks, connection exceptions, shutdowns and
        // cancellations, lack of resources, locks not available: try again.
        (_, "40001" | "40P01" | "57P01" | "57P02" | "57P03" | "57014" | "55P03" | "55006")
        | ("08" | "53", _) => Error::transient(pg(code, message)),
        // NUL in text, out-of-range values, keys too large for a B-tree entry.
        ("22", _) | (_, "54000") => Error::invalid("data", message),
        _ => Error::backend(pg(code, message)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn classify(code: &str) -> Error {
        database(code.to_owned(), "m".to_owned(), "source".into())
    }

    #[test]
    fn sqlstates_map_to_our_kinds() {
        assert!(matches!(classify("23505"), Error::AlreadyExists(_)));
        for retry in [
            "40001", "40P01", "57P01", "08006", "08000", "53300", "55P03",
        ] {
            assert!(
                matches!(
                    classify(retry),
                    Error::Backend {
                        retryable: true,
                        ..
                    }
                ),
                "{retry}"
            );
        }
        for invalid in ["22021", "22P05", "54000", "22008"] {
            assert!(
                matches!(classify(invalid), Error::Invalid { .. }),
                "{invalid}"
            );
        }
        for fatal in ["42P01", "42501", "XX000"] {
            assert!(
                matches!(
                    classify(fatal),
                    Error::Backend {
                        retryable: false,
                        ..
                    }
                ),
                "{fatal}"
            );
        }
    }

    #[test]
    fn broken_connections_are_retryable() {
        let io = std::io::Error::new(std::io::ErrorKind::ConnectionReset, "reset");
        assert!(db(sqlx::Error::Io(io)).is_retryable());
        assert!(db(sqlx::Error::PoolTimedOut).is_retryable());
        assert!(!db(sqlx::Error::PoolClosed).is_retryable());
    }
}

//! How to reach the database and how the store behaves there.

use std::time::Duration;

/// Options of [`crate::PgStore::connect`].
///
/// ```
/// use watercooler_postgres::PgOptions;
/// let options = PgOptions::new("postgres://postgres@127.0.0.1:5432/test")
///     .schema("intranet")
///     .row_level_security(true);
/// assert_eq!(options.schema, "intranet");
/// ```
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PgOptions {
    /// A `postgres://` URL.
    pub url: String,
    /// The schema holding watercooler's tables: created and migrated on connect, and put
    /// first on every pooled connection's `search_path`. Lowercase ASCII letters, digits and
    /// `_`, starting with a letter or `_`, at most 63 bytes. Default `watercooler`.
    pub schema: String,
    /// Enables and forces PostgreSQL row-level security on every table and runs every
    /// tenant-scoped call in a transaction that first sets the tenant with
    /// `set_config('watercooler.tenant', …, true)` (transaction-local). Defence in depth
    /// against a query that forgets its tenant; it costs a transaction per read. All
    /// instances sharing a schema must agree: a schema with RLS enabled refuses instances
    /// that have it off. Default off.
    pub row_level_security: bool,
    /// Pool size. Default 8.
    pub max_connections: u32,
    /// How long a call waits for a free pooled connection (or a new one) before failing
    /// with a retryable error. Default 30 s.
    pub acquire_timeout: Duration,
    /// Shown in `pg_stat_activity.application_name`. Default `watercooler`.
    pub application_name: String,
}

impl PgOptions {
    /// Options for the database at `url`, with every default.
    pub fn new(url: impl Into<String>) -> Self {
        PgOptions {
            url: url.into(),
            schema: "watercooler".to_owned(),
            row_level_security: false,
            max_connections: 8,
            acquire_timeout: Duration::from_secs(30),
            application_name: "watercooler".to_owned(),
        }
    }

    /// Uses this schema.
    #[must_use]
    pub fn schema(mut self, schema: impl Into<String>) -> Self {
        self.schema = schema.into();
        self
    }

    /// Turns row-level security on or off.
    #[must_use]
    pub fn row_level_security(mut self, on: bool) -> Self {
        self.row_level_security = on;
        self
    }

    /// Sets the pool size (at least 1).
    #[must_use]
    pub fn max_connections(mut self, n: u32) -> Self {
        self.max_connections = n.max(1);
        self
    }

    /// Sets how long a call waits for a pooled connection.
    #[must_use]
    pub fn acquire_timeout(mut self, timeout: Duration) -> Self {
        self.acquire_timeout = timeout;
        self
    }

    /// Sets the application name the connections report.
    #[must_use]
    pub fn application_name(mut self, name: impl Into<String>) -> Self {
        self.application_name = name.into();
        self
    }
}

impl std::fmt::Debug for PgOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgOptions")
            .field("url", &redact(&self.url))
            .field("schema", &self.schema)
            .field("row_level_security", &self.row_level_security)
            .field("max_connections", &self.max_connections)
            .field("acquire_timeout", &self.acquire_timeout)
            .field("application_name", &self.application_name)
            .finish()
    }
}

/// The URL with its password (if any) replaced, so options can be logged.
fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let Some((userinfo, host)) = rest.rsplit_once('@') else {
        return url.to_owned();
    };
    match userinfo.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_owned(),
    }
}

/// Whether `name` is a schema name we accept: it is spliced into DDL and `search_path`, so
/// only plain lowercase identifiers that need no quoting are allowed.
pub(crate) fn valid_schema_name(name: &str) -> bool {
    let b = name.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && (b[0].is_ascii_lowercase() || b[0] == b'_')
        && b.iter()
            .all(|&c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_')
        && !name.starts_with("pg_")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_hides_the_password() {
        let o = PgOptions::new("postgres://app:s3cret@db:5432/x");
        let shown = format!("{o:?}");
        assert!(
            !shown.contains("s3cret") && shown.contains("app:***@db:5432/x"),
            "{shown}"
        );
        assert_eq!(redact("postgres://app@db/x"), "postgres://app@db/x");
        assert_eq!(redact("not a url"), "not a url");
    }

    #[test]
    fn schema_names_need_no_quoting() {
        for ok in ["watercooler", "wc_test_1_2", "_x", "a"] {
            assert!(valid_schema_name(ok), "{ok}");
        }
        let long = "a".repeat(64);
        for bad in [
            "",
            "Upper",
            "1abc",
            "a-b",
            "a;drop",
            "a\"b",
            "pg_catalog",
            "é",
            &long,
        ] {
            assert!(!valid_schema_name(bad), "{bad}");
        }
    }
}

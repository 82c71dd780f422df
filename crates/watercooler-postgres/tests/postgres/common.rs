#![allow(dead_code)] // Shared by several test binaries; each uses a part.
//! What every PostgreSQL test needs: the server's URL, a schema of its own (dropped when the
//! test ends, even by a panic), stores and raw connections. The server must be running:
//! a test that cannot reach it fails, it never skips.

use std::sync::Once;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use sqlx::postgres::PgConnection;
use sqlx::{AssertSqlSafe, Connection};
use watercooler_postgres::{PgOptions, PgStore};

/// Schemas of test runs start with this, then the process id.
const PREFIX: &str = "wc_test_";

/// `WATERCOOLER_PG_URL`, or the CI server's default. The first call checks that the server
/// answers at all (see [`require_server`]).
pub fn url() -> String {
    let url = std::env::var("WATERCOOLER_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned());
    static CHECKED: Once = Once::new();
    CHECKED.call_once(|| require_server(&url));
    url
}

/// Stops the whole test binary with one message saying what to start when nothing listens
/// at the server's address: otherwise every test fails on its own with a connection error,
/// a wall of near-identical panics that hides the cause. Never a skip: the exit status is a
/// failure. URLs without a TCP host (a Unix socket) are left to the driver.
fn require_server(url: &str) {
    use std::net::{TcpStream, ToSocketAddrs};
    use std::time::Duration;
    let Some(addr) = host_port(url) else { return };
    let reachable = addr.to_socket_addrs().is_ok_and(|mut addrs| {
        addrs.any(|a| TcpStream::connect_timeout(&a, Duration::from_secs(3)).is_ok())
    });
    if !reachable {
        // Straight to the stream: libtest captures `eprintln!` in test threads, and the
        // capture is lost when the process exits.
        use std::io::Write as _;
        let _ = writeln!(
            std::io::stderr(),
            "\n\nFATAL: PostgreSQL is not reachable at {addr} (WATERCOOLER_PG_URL or the default \
             {url}).\nThe PostgreSQL tests need a running server; they never skip. Start it \
             (Debian/Ubuntu: `pg_ctlcluster <version> main start`; or \
             `docker run -d -p 5432:5432 -e POSTGRES_HOST_AUTH_METHOD=trust -e POSTGRES_DB=test \
             postgres`), or point WATERCOOLER_PG_URL at a server with trust auth and a database \
             you may create schemas in.\n"
        );
        std::process::exit(101);
    }
}

/// `host:port` of a `postgres://user@host:port/db` URL (port 5432 when absent).
fn host_port(url: &str) -> Option<String> {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?']).next().unwrap_or("");
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    if host.is_empty() {
        return None;
    }
    let has_port = match host.rfind(']') {
        Some(end) => host[end..].contains(':'),
        None => host.contains(':'),
    };
    Some(if has_port {
        host.to_owned()
    } else {
        format!("{host}:5432")
    })
}

/// Runs a future to completion on a runtime of its own, on a thread of its own: usable from
/// `Drop` and from inside another runtime.
pub fn block_in_thread<F>(f: F) -> F::Output
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    std::thread::spawn(move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a tokio runtime")
            .block_on(f)
    })
    .join()
    .expect("the helper thread panicked")
}

/// A raw connection (the superuser of the CI server), for what the tests do behind the
/// store's back.
pub async fn admin() -> PgConnection {
    PgConnection::connect(&url()).await.unwrap_or_else(|e| {
        panic!(
            "PostgreSQL is not reachable at {} ({e}); these tests need it running",
            url()
        )
    })
}

/// A schema name no other test or run uses: the process id, the time and a counter.
pub fn unique_name(label: &str) -> String {
    static N: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    let name = format!(
        "{PREFIX}{}_{:x}_{n}_{label}",
        std::process::id(),
        nanos as u64
    );
    name.chars().take(63).collect()
}

/// A test's own schema, dropped (with everything in it) when the value is dropped.
pub struct Schema {
    pub name: String,
}

impl Schema {
    /// A fresh name; the store creates the schema on connect. Also drops schemas left by
    /// earlier runs whose process is gone (a run killed mid-test cannot clean up).
    pub fn new(label: &str) -> Schema {
        sweep_stale();
        Schema {
            name: unique_name(label),
        }
    }

    /// Store options for this schema, with a small pool (several tests run at once).
    pub fn options(&self) -> PgOptions {
        options_for(&self.name)
    }

    /// A store on this schema.
    pub async fn store(&self) -> PgStore {
        connect(self.options()).await
    }
}

impl Drop for Schema {
    fn drop(&mut self) {
        let name = self.name.clone();
        block_in_thread(async move {
            let mut c = admin().await;
            // Idle pooled connections do not block DROP; a transaction left open would, so
            // give up after a while rather than hang the test (the next sweep drops it).
            let _ = sqlx::raw_sql(AssertSqlSafe(format!(
                "SET lock_timeout = '20s'; DROP SCHEMA IF EXISTS {name} CASCADE"
            )))
            .execute(&mut c)
            .await;
        });
    }
}

/// Store options for the schema `name`, with a small pool (several tests run at once).
pub fn options_for(name: &str) -> PgOptions {
    PgOptions::new(url()).schema(name).max_connections(4)
}

/// Connects a store, failing the test loudly when the server is not there.
pub async fn connect(options: PgOptions) -> PgStore {
    PgStore::connect(options)
        .await
        .unwrap_or_else(|e| panic!("cannot connect the store to {} ({e:?})", url()))
}

/// Once per process: drops schemas left by earlier runs whose process is gone (a run killed
/// mid-test, or a suite whose schema is shared by all its tests, cannot clean up itself).
pub fn sweep_stale() {
    static SWEEP: Once = Once::new();
    SWEEP.call_once(|| block_in_thread(sweep()));
}

/// Drops `wc_test_<pid>_…` schemas whose process no longer runs on this machine.
async fn sweep() {
    let mut c = admin().await;
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT nspname::text FROM pg_namespace WHERE nspname LIKE 'wc\\_test\\_%'",
    )
    .fetch_all(&mut c)
    .await
    .unwrap_or_default();
    for name in names {
        let pid = name[PREFIX.len()..]
            .split('_')
            .next()
            .and_then(|p| p.parse::<u32>().ok());
        let alive = pid.is_some_and(|p| std::path::Path::new(&format!("/proc/{p}")).exists());
        if !alive {
            let _ = sqlx::raw_sql(AssertSqlSafe(format!(
                "DROP SCHEMA IF EXISTS {name} CASCADE"
            )))
            .execute(&mut c)
            .await;
        }
    }
}

/// An ordinary role (no superuser, no BYPASSRLS) for row-level-security tests: superusers
/// ignore every policy. Created once per server, shared by all runs.
pub const APP_ROLE: &str = "watercooler_app_test";

/// Creates [`APP_ROLE`] if missing.
pub async fn ensure_app_role() {
    let mut c = admin().await;
    sqlx::raw_sql(
        "DO $$ BEGIN
             CREATE ROLE watercooler_app_test LOGIN NOSUPERUSER NOBYPASSRLS;
         EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
         END $$;",
    )
    .execute(&mut c)
    .await
    .expect("create the test application role");
}

/// The test server's URL with `user` as the user name.
pub fn url_as(user: &str) -> String {
    let base = url();
    match base.split_once("://") {
        Some((scheme, rest)) => {
            let host = rest.rsplit_once('@').map_or(rest, |(_, h)| h);
            format!("{scheme}://{user}@{host}")
        }
        None => base,
    }
}

impl Schema {
    /// Options connecting as [`APP_ROLE`] with row-level security on (see
    /// [`rls_options_for`]).
    pub async fn rls_options(&self) -> PgOptions {
        rls_options_for(&self.name).await
    }
}

/// Creates the schema `name` owned by [`APP_ROLE`] (so the role can migrate it) and returns
/// options connecting as that role with row-level security on.
pub async fn rls_options_for(name: &str) -> PgOptions {
    ensure_app_role().await;
    let mut c = admin().await;
    // Concurrent creators (tests sharing a schema) race; the loser's error is harmless.
    let _ = sqlx::raw_sql(AssertSqlSafe(format!(
        "CREATE SCHEMA IF NOT EXISTS {name} AUTHORIZATION {APP_ROLE}"
    )))
    .execute(&mut c)
    .await;
    PgOptions::new(url_as(APP_ROLE))
        .schema(name)
        .max_connections(4)
        .row_level_security(true)
}

/// The `PgError` inside a backend error (`Error::Backend` keeps it as its source), if any.
/// Written against `std::error::Error` because this file is compiled both here, beside
/// `watercooler-core`, and in the root package's tests, beside the `watercooler` facade.
pub fn pg_error<'a>(
    e: &'a (dyn std::error::Error + 'static),
) -> Option<&'a watercooler_postgres::PgError> {
    e.source()?.downcast_ref()
}

/// The whole lines a child process writes to its stdout, as they come. A thread reads them,
/// so the child never waits on a full pipe (that would park it between calls, where a kill
/// proves little); a line a kill cut short is dropped. The thread ends with the pipe.
pub fn child_lines(
    stdout: std::process::ChildStdout,
) -> (
    std::sync::mpsc::Receiver<String>,
    std::thread::JoinHandle<()>,
) {
    use std::io::BufRead;
    let mut out = std::io::BufReader::new(stdout);
    let (lines, received) = std::sync::mpsc::channel::<String>();
    let reader = std::thread::spawn(move || {
        let mut line = String::new();
        while matches!(out.read_line(&mut line), Ok(n) if n > 0) {
            if line.ends_with('\n') && lines.send(line.trim_end().to_owned()).is_err() {
                break;
            }
            line.clear();
        }
    });
    (received, reader)
}

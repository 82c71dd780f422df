//! The whole watercooler-testkit conformance suite, unchanged, against [`SqliteStore`]:
//! once on database files (one per behaviour, under Cargo's temporary directory for
//! tests) and once in memory.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use watercooler_sqlite::SqliteStore;

/// A fresh database file for one behaviour. Files of earlier runs of this test binary
/// (other process ids, untouched for an hour) are removed first, so they do not pile up.
async fn file_store() -> Arc<SqliteStore> {
    static N: AtomicU64 = AtomicU64::new(0);
    let base = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("sqlite-conformance");
    let mine = base.join(std::process::id().to_string());
    if N.load(Ordering::Relaxed) == 0
        && let Ok(entries) = std::fs::read_dir(&base)
    {
        let stale = |e: &std::fs::DirEntry| {
            e.metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.elapsed().ok())
                .is_some_and(|age| age.as_secs() > 3600)
        };
        for e in entries.flatten() {
            if e.path() != mine && stale(&e) {
                let _ = std::fs::remove_dir_all(e.path());
            }
        }
    }
    std::fs::create_dir_all(&mine).expect("create the test directory");
    let n = N.fetch_add(1, Ordering::Relaxed);
    let path = mine.join(format!("{n}.db"));
    Arc::new(
        SqliteStore::open(&path)
            .await
            .expect("open a database file"),
    )
}

mod file {
    watercooler_testkit::conformance_tests!(super::file_store().await);
}

mod memory {
    watercooler_testkit::conformance_tests!(std::sync::Arc::new(
        watercooler_sqlite::SqliteStore::memory()
            .await
            .expect("open an in-memory database")
    ));
}

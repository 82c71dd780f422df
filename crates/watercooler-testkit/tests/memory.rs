//! The conformance suite against the in-memory store: one test per behaviour on a store of
//! its own, plus every behaviour sharing one store — one after the other and all at once —
//! as they would share a database.

use std::sync::Arc;

use watercooler_core::{MemoryStore, Store};

mod each {
    use std::sync::Arc;

    watercooler_testkit::conformance_tests!(Arc::new(watercooler_core::MemoryStore::new()));
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

/// `run_all` on one store: every behaviour's tenants coexist with the earlier ones'.
#[test]
fn run_all_on_one_store() {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    runtime().block_on(watercooler_testkit::run_all(store));
}

/// Every behaviour at once on one store, each on its own thread and runtime: isolation by
/// tenant must hold while other tenants write, and change-log checks must skip their
/// entries.
#[test]
fn all_behaviours_at_once_on_one_store() {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let threads: Vec<_> = watercooler_testkit::BEHAVIOURS
        .iter()
        .map(|&(name, run)| {
            let store = Arc::clone(&store);
            let thread = std::thread::Builder::new()
                .name(name.to_owned())
                .spawn(move || runtime().block_on(run(store)))
                .expect("a thread");
            (name, thread)
        })
        .collect();
    let failed: Vec<&str> = threads
        .into_iter()
        .filter_map(|(n, t)| t.join().is_err().then_some(n))
        .collect();
    assert!(
        failed.is_empty(),
        "behaviours failed when run together: {failed:?}"
    );
}

//! Assertions shared by the behaviours: unwrapping with context, classifying errors, and
//! walking every page of a list.

use std::collections::HashSet;
use std::fmt::Debug;
use std::hash::Hash;

use watercooler_core::{Error, ErrorKind, Page, PageRequest, Result};

/// Pages one list may have before the walk is declared a cursor loop.
const MAX_PAGES: usize = 10_000;

/// The value, or a panic naming the step and the error.
#[track_caller]
pub(crate) fn ok<T>(r: Result<T>, what: &str) -> T {
    match r {
        Ok(v) => v,
        Err(e) => panic!("{what}: expected success, got error {e:?} ({e})"),
    }
}

/// Asserts that an end user would be told "not found": [`Error::NotFound`] or
/// [`Error::Forbidden`] (see [`Error::is_not_found_for_users`]).
#[track_caller]
pub(crate) fn hidden<T: Debug>(r: Result<T>, what: &str) {
    match r {
        Err(e) if e.is_not_found_for_users() => {}
        Err(e) => panic!("{what}: expected NotFound or Forbidden, got error {e:?}"),
        Ok(v) => panic!("{what}: expected NotFound or Forbidden, got Ok({v:?})"),
    }
}

/// Asserts [`Error::Invalid`] (validation refused the input); with `field`, also which input.
#[track_caller]
pub(crate) fn invalid<T: Debug>(r: Result<T>, field: Option<&str>, what: &str) -> Error {
    match r {
        Err(e @ Error::Invalid { field: f, .. }) => {
            if let Some(want) = field {
                assert_eq!(
                    f, want,
                    "{what}: Error::Invalid names the wrong field ({e})"
                );
            }
            e
        }
        Err(e) => panic!("{what}: expected Error::Invalid, got error {e:?}"),
        Ok(v) => panic!("{what}: expected Error::Invalid, got Ok({v:?})"),
    }
}

/// Asserts a typed refusal of bad input: [`Error::Invalid`], [`Error::NotFound`] or
/// [`Error::Forbidden`] — not a backend failure, not a conflict, not success.
#[track_caller]
pub(crate) fn refused<T: Debug>(r: Result<T>, what: &str) -> Error {
    match r {
        Err(e @ (Error::Invalid { .. } | Error::NotFound { .. } | Error::Forbidden { .. })) => e,
        Err(e) => panic!("{what}: expected Invalid, NotFound or Forbidden, got error {e:?}"),
        Ok(v) => panic!("{what}: expected a typed refusal, got Ok({v:?})"),
    }
}

/// Asserts an error of `kind` (and, for a duplicate, that it is not called retryable).
#[track_caller]
pub(crate) fn error_kind<T: Debug>(r: Result<T>, kind: ErrorKind, what: &str) -> Error {
    match r {
        Err(e) if e.kind() == kind => {
            assert!(
                !e.is_retryable(),
                "{what}: {kind:?} must not be retryable: {e:?}"
            );
            e
        }
        Err(e) => panic!("{what}: expected {kind:?}, got error {e:?}"),
        Ok(v) => panic!("{what}: expected {kind:?}, got Ok({v:?})"),
    }
}

/// Asserts [`Error::AlreadyExists`].
#[track_caller]
pub(crate) fn already_exists<T: Debug>(r: Result<T>, what: &str) {
    error_kind(r, ErrorKind::AlreadyExists, what);
}

/// What an end user can tell from a result: "not found" (for both NotFound and Forbidden)
/// or the value. Any other error fails the behaviour.
#[track_caller]
pub(crate) fn as_user_sees<T: Debug>(r: Result<T>, what: &str) -> String {
    match r {
        Ok(v) => format!("Ok({v:?})"),
        Err(e) if e.is_not_found_for_users() => "not found".to_owned(),
        Err(e) => panic!("{what}: unexpected error {e:?}"),
    }
}

/// Walks a list from its first page to its last with pages of `limit`, checking that every
/// page respects the limit, that a page with a next cursor is not empty, and that the walk
/// ends. Returns every item in order.
pub(crate) async fn all_pages<T>(
    what: &str,
    limit: usize,
    fetch: impl AsyncFnMut(PageRequest) -> Result<Page<T>>,
) -> Vec<T> {
    pages_with(what, limit, fetch, async || {}).await
}

/// [`all_pages`], calling `between` after every page that has a next one (to change the
/// list while it is being walked).
pub(crate) async fn pages_with<T>(
    what: &str,
    limit: usize,
    mut fetch: impl AsyncFnMut(PageRequest) -> Result<Page<T>>,
    mut between: impl AsyncFnMut(),
) -> Vec<T> {
    let mut items = Vec::new();
    let mut req = PageRequest::first(limit);
    for n in 0..MAX_PAGES {
        let page = ok(fetch(req.clone()).await, &format!("{what}: page {n}"));
        check_page(&page, limit, what, n);
        items.extend(page.items);
        match page.next {
            Some(c) => {
                between().await;
                req = PageRequest::after(c, limit);
            }
            None => return items,
        }
    }
    panic!("{what}: still not at the last page after {MAX_PAGES} pages (a cursor loop?)");
}

/// The checks every page passes.
#[track_caller]
fn check_page<T>(page: &Page<T>, limit: usize, what: &str, n: usize) {
    assert!(
        page.items.len() <= limit,
        "{what}: page {n} holds {} items, more than the limit {limit}",
        page.items.len()
    );
    assert!(
        page.next.is_none() || !page.items.is_empty(),
        "{what}: page {n} is empty but hands out a next cursor"
    );
}

/// Asserts no item occurs twice.
#[track_caller]
pub(crate) fn assert_unique<K: Hash + Eq + Debug>(keys: impl IntoIterator<Item = K>, what: &str) {
    let mut seen = HashSet::new();
    for k in keys {
        assert!(!seen.contains(&k), "{what}: {k:?} occurs more than once");
        seen.insert(k);
    }
}

/// Waits for a spawned task, passing its panic on (with the task's own message).
pub(crate) async fn join<T>(task: tokio::task::JoinHandle<T>) -> T {
    match task.await {
        Ok(v) => v,
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(e) => panic!("a spawned task did not finish: {e}"),
    }
}

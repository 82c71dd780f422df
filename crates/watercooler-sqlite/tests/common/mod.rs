//! Helpers shared by the integration tests: a seeded random number generator, temporary
//! directories, and walking every page of a list.
#![allow(dead_code)] // Each test binary uses a different subset.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use watercooler_core::{Page, PageRequest};

/// SplitMix64: small, seeded, good enough to drive tests reproducibly.
pub struct Rng(u64);

impl Rng {
    /// A generator for `seed`.
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next() % n }
    }

    /// One of `items` (which must not be empty).
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    /// One of `items`, or `None` when empty.
    pub fn maybe_pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        if items.is_empty() {
            None
        } else {
            Some(self.pick(items))
        }
    }
}

/// A directory removed (with its content) when dropped.
pub struct TempDir(PathBuf);

impl TempDir {
    /// A new empty directory under the system's temporary directory.
    pub fn new(label: &str) -> TempDir {
        static N: AtomicU64 = AtomicU64::new(0);
        let n = N.fetch_add(1, Ordering::Relaxed);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let dir =
            std::env::temp_dir().join(format!("wcsq-{label}-{}-{n}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("create temporary directory");
        TempDir(dir)
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.0
    }

    /// A file name inside it.
    pub fn file(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Every item of a list, walked with pages of `limit`; checks the page invariants.
pub async fn all_pages<T>(
    limit: usize,
    mut fetch: impl AsyncFnMut(PageRequest) -> watercooler_core::Result<Page<T>>,
) -> Vec<T> {
    let mut out = Vec::new();
    let mut req = PageRequest::first(limit);
    for _ in 0..100_000 {
        let page = fetch(req.clone()).await.expect("list page");
        assert!(page.items.len() <= limit, "page over the limit");
        assert!(
            page.next.is_none() || !page.items.is_empty(),
            "empty page with a next cursor"
        );
        out.extend(page.items);
        match page.next {
            Some(c) => req = PageRequest::after(c, limit),
            None => return out,
        }
    }
    panic!("cursor loop");
}

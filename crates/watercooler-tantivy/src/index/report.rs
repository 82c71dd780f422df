//! What opening an index found and did: for hosts, which otherwise learn of a rebuild only
//! from the logs.

/// What [`TantivyIndex::open`](crate::TantivyIndex::open) found where the index lives and
/// did about it; see [`TantivyIndex::open_report`](crate::TantivyIndex::open_report).
///
/// A rebuild is normal for a new index; for any other cause a host may want to alert
/// someone, since searches on a large store are incomplete until the rebuild ends (open
/// returns only after it) and an unusable index usually means a crash or a disk fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct OpenReport {
    /// Why the index was rebuilt from the store during this open, or `None` when it
    /// resumed from its last commit.
    pub rebuilt: Option<RebuildCause>,
    /// How many moved-aside copies of the index an earlier open left behind (it was killed,
    /// or failed, before its rebuild completed) were removed at this open. They may hold
    /// text erased since. Always 0 with [`TantivyOptions::keep_moved_aside`](crate::TantivyOptions::keep_moved_aside).
    pub leftovers_removed: usize,
}

impl OpenReport {
    /// Whether the index in the directory could not be used and was moved aside (and a
    /// new one rebuilt from the store).
    pub fn moved_aside(&self) -> bool {
        matches!(self.rebuilt, Some(RebuildCause::MovedAside(_)))
    }
}

/// Why an open rebuilt the index from the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RebuildCause {
    /// There was no index with a commit of ours: an empty or new directory, an index in
    /// memory, or one an earlier open created and did not get to commit.
    New,
    /// The index in the directory could not be used, for this reason; it was moved aside
    /// (and then removed, unless [`TantivyOptions::keep_moved_aside`](crate::TantivyOptions::keep_moved_aside)).
    MovedAside(Unusable),
    /// The index was ahead of the store (its last commit names a change the store's log
    /// does not have): an old index directory with a new store.
    AheadOfStore,
}

/// Why an index in a directory could not be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Unusable {
    /// Written by another schema or analysis version of this crate, another tantivy index
    /// format, or with a missing or unreadable version file (an open killed between
    /// creating the index and writing the file leaves that).
    Version,
    /// tantivy could not open it, its checksums failed, its segments could not be read, or
    /// it made tantivy panic.
    Damaged,
}

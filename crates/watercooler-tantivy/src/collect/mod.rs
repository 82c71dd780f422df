//! Running a compiled, filtered query and gathering one page of hits: relevance with
//! recency (`top`), newest first for filter-only queries (`newest`), cursors, per-segment data.

pub(crate) mod cursor;
pub(crate) mod newest;
pub(crate) mod searcher;
pub(crate) mod segments;
pub(crate) mod top;

//! The index on disk or in memory: its schema, its directory and version file (`storage`),
//! what opening found (`report`), and the writer that follows the store's change log.

pub(crate) mod report;
pub(crate) mod schema;
pub(crate) mod storage;
pub(crate) mod writer;

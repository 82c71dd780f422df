//! From a [`watercooler_core::search::SearchQuery`] to tantivy queries: compiling clauses
//! (`compile`), multi-term words (`any_term`), term statistics for scoring.

pub(crate) mod any_term;
pub(crate) mod compile;
pub(crate) mod stats;
pub(crate) mod term_infos;

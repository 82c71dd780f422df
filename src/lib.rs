//! Support code for the workspace's top-level examples, benchmarks and integration tests
//! (not published): the synthetic corpus (generated from a seed, see [`corpus::generate`]),
//! the quickstart's demo, and what the benchmarks share. Nothing here reads files beside the
//! repository.
#![deny(missing_docs)]

pub mod corpus;
pub mod demo;
pub mod rank_input;
pub mod store_bench;

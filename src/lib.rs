//! Support code for the workspace's top-level examples, benchmarks and integration tests
//! (not published). It reads the shared test data beside the repository; the SDK crates
//! themselves never do.
#![deny(missing_docs)]

pub mod corpus;
pub mod demo;
pub mod rank_input;
pub mod store_bench;

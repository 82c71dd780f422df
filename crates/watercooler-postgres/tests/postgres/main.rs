//! PostgreSQL-specific tests of `PgStore` (the conformance suite runs in `conformance.rs`).
//! One test binary, so the crate and sqlx are linked once. Needs the server at
//! `WATERCOOLER_PG_URL` (default `postgres://postgres@127.0.0.1:5432/test`); without it
//! every test fails.

mod batch;
mod changelog;
mod common;
mod connection;
mod differential;
mod live;
mod load;
mod rls;
mod schema;

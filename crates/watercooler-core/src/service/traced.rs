//! One `tracing` span per service call: tenant, operation, outcome and elapsed
//! microseconds. Spans never carry post text (nor any other user content).

use std::future::Future;
use std::time::Instant;

use tracing::Instrument;
use tracing::field::Empty;

use crate::error::{ErrorKind, Result};
use crate::ids::TenantId;

/// Runs `call` inside a span named `watercooler` with `op` and `tenant`, then records its
/// outcome (`ok`, `not_found`, `forbidden`, `invalid`, `conflict`, `backend`) and
/// `elapsed_us`.
pub(crate) async fn traced<T>(
    op: &'static str,
    tenant: &TenantId,
    call: impl Future<Output = Result<T>>,
) -> Result<T> {
    let span = tracing::info_span!(
        "watercooler",
        op,
        tenant = %tenant,
        outcome = Empty,
        elapsed_us = Empty
    );
    let start = Instant::now();
    let result = call.instrument(span.clone()).await;
    span.record("outcome", outcome(&result));
    span.record(
        "elapsed_us",
        u64::try_from(start.elapsed().as_micros()).unwrap_or(u64::MAX),
    );
    result
}

fn outcome<T>(r: &Result<T>) -> &'static str {
    match r {
        Ok(_) => "ok",
        Err(e) => match e.kind() {
            ErrorKind::NotFound => "not_found",
            ErrorKind::Forbidden => "forbidden",
            ErrorKind::Invalid => "invalid",
            ErrorKind::AlreadyExists => "already_exists",
            ErrorKind::Conflict => "conflict",
            _ => "backend",
        },
    }
}

//! The watercooler-testkit conformance suite, unchanged, against `PgStore`: once as most
//! deployments run it, once with row-level security on (as an ordinary role).
//!
//! All behaviours of a suite share one schema (they use fresh tenants of their own); each
//! test connects its own pool, on its own runtime. The schemas cannot be dropped when the
//! last behaviour ends, so the next run's sweep drops them (see `common::sweep_stale`).

#[path = "postgres/common.rs"]
mod common;

use std::sync::OnceLock;

/// The schema all behaviours of the plain suite share.
fn plain_schema() -> &'static str {
    static NAME: OnceLock<String> = OnceLock::new();
    NAME.get_or_init(|| {
        common::sweep_stale();
        common::unique_name("conformance")
    })
}

/// The schema all behaviours of the row-level-security suite share.
fn rls_schema() -> &'static str {
    static NAME: OnceLock<String> = OnceLock::new();
    NAME.get_or_init(|| {
        common::sweep_stale();
        common::unique_name("conformance_rls")
    })
}

mod conformance {
    use std::sync::Arc;

    use super::common::{connect, options_for};

    watercooler_testkit::conformance_tests!(Arc::new(
        connect(options_for(super::plain_schema())).await
    ));
}

mod conformance_rls {
    use std::sync::Arc;

    use super::common::{connect, rls_options_for};

    watercooler_testkit::conformance_tests!(Arc::new(
        connect(rls_options_for(super::rls_schema()).await).await
    ));
}

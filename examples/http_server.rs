//! Serves the quickstart's demo company over HTTP with `watercooler-axum`:
//!
//! ```text
//! cargo run --release --example http_server
//! curl -H 'X-Demo-Viewer: <tenant>/<person>' http://127.0.0.1:8088/v1/feeds/home
//! ```
//!
//! It listens on `127.0.0.1:8088` (or `WATERCOOLER_ADDR`) and keeps the demo (embedded
//! SQLite store and tantivy index, as the quickstart) in `WATERCOOLER_DATA`, or in a
//! temporary directory removed on Ctrl-C. The OpenAPI document is at `/openapi.json`.
//!
//! **`X-Demo-Viewer` is not authentication.** It lets anyone act as anyone, and exists in
//! this example only, so that a browser, curl or schemathesis can call the API. A real host
//! implements `watercooler_axum::Authenticate` over its own sessions (see `docs/http.md`).

use std::error::Error;
use std::path::PathBuf;
use std::sync::Arc;

use watercooler::Viewer;
use watercooler_axum::http::request::Parts;
use watercooler_axum::{AuthError, Authenticate, Builder, async_trait};
use watercooler_workspace::demo::{self, Options};

/// The example's stand-in for authentication: `X-Demo-Viewer: <tenant>/<person>`.
struct DemoHeader;

#[async_trait]
impl Authenticate for DemoHeader {
    async fn viewer(&self, parts: &Parts) -> Result<Viewer, AuthError> {
        let value = parts
            .headers
            .get("x-demo-viewer")
            .and_then(|v| v.to_str().ok())
            .ok_or(AuthError::Unauthenticated)?;
        let (tenant, person) = value.split_once('/').ok_or(AuthError::Unauthenticated)?;
        if tenant.is_empty() || person.is_empty() {
            return Err(AuthError::Unauthenticated);
        }
        Ok(Viewer::new(tenant, person))
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let addr = std::env::var("WATERCOOLER_ADDR").unwrap_or_else(|_| "127.0.0.1:8088".into());
    let (dir, temporary) = match std::env::var_os("WATERCOOLER_DATA") {
        Some(d) => (PathBuf::from(d), false),
        None => (
            std::env::temp_dir().join(format!("watercooler-http-{}", std::process::id())),
            true,
        ),
    };
    eprintln!("preparing the demo company in {}", dir.display());
    let demo = demo::open(&Options::new(&dir).progress(false)).await?;
    let viewer = demo.company.viewer();
    let insider = demo.company.insider();
    let tenant = demo.company.tenant.clone();

    let app = Builder::new(demo.wc.clone(), Arc::new(DemoHeader)).build();
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    eprintln!("watercooler HTTP API on http://{}", listener.local_addr()?);
    eprintln!("  OpenAPI: http://{}/openapi.json", listener.local_addr()?);
    eprintln!(
        "  try:     curl -H 'X-Demo-Viewer: {tenant}/{}' http://{}/v1/feeds/home",
        viewer.id,
        listener.local_addr()?
    );
    eprintln!(
        "  ({} is in the private group; {} is not)",
        insider.id, viewer.id
    );
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    demo.close().await?;
    if temporary {
        let _ = std::fs::remove_dir_all(&dir);
    }
    Ok(())
}

//! The demo company's intranet in the browser, built on the public SDK and the HTTP API of
//! `watercooler-axum` only:
//!
//! ```text
//! cargo run --release --example intranet      # then open http://127.0.0.1:8080
//! ```
//!
//! Pick an employee on the sign-in page and you see the intranet as them: the ranked home
//! feed with "why am I seeing this", threads, reactions, a pinned announcement, a composer
//! with `@` and `#` autocomplete, new posts and notifications arriving live, search,
//! trending hashtags, groups (one private) and profiles, in Dutch or English by the
//! employee's locale.
//!
//! It listens on `127.0.0.1:8080` (or `WATERCOOLER_ADDR`) and keeps the demo company in
//! `./wc-intranet` (or `WATERCOOLER_DATA`): created on the first run (about half a minute),
//! reused afterwards. Delete the directory to start over.
//!
//! **The sign-in is not authentication**: a cookie names the employee, and anyone can pick
//! anyone. A real host implements `watercooler_axum::Authenticate` over its own sessions.
//! How it is built, its Content-Security-Policy and its browser tests: `docs/web-demo.md`.

#[path = "intranet/app.rs"]
mod app;

use std::error::Error;
use std::path::PathBuf;

use watercooler_workspace::demo::Options;

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let addr = std::env::var("WATERCOOLER_ADDR").unwrap_or_else(|_| "127.0.0.1:8080".into());
    let dir = std::env::var_os("WATERCOOLER_DATA")
        .map_or_else(|| PathBuf::from("wc-intranet"), PathBuf::from);
    let shown = std::path::absolute(&dir).unwrap_or_else(|_| dir.clone());
    eprintln!("preparing the demo company in {}", shown.display());
    let intranet = app::Intranet::open(&Options::new(&dir)).await?;
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    let company = intranet.company();
    eprintln!("the intranet is on http://{}", listener.local_addr()?);
    eprintln!(
        "  sign in as {} (not in the private group) or {} (in it)",
        company.viewer().name,
        company.insider().name
    );
    eprintln!("  the sign-in is a demo: it is not authentication");
    axum::serve(listener, intranet.router())
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    intranet.close().await?;
    Ok(())
}

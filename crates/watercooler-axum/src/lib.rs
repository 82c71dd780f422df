//! The watercooler SDK over HTTP: an [axum] router a host mounts into its own application.
//!
//! - JSON endpoints under `/v1` for what a front end needs (publish, reply, edit, delete,
//!   reactions, follows, mutes, feeds, threads, search, suggestions, trends,
//!   notifications; erase and export for admins);
//! - the live stream as Server-Sent Events at `GET /v1/events`, resumable with
//!   `Last-Event-ID` ([`sse`]);
//! - an OpenAPI 3.1 document generated from this code at `GET /openapi.json` ([`ApiDoc`]).
//!
//! Authentication is the host's: it implements [`Authenticate`], which maps a request to a
//! [`watercooler::Viewer`]. Nothing in a body or path chooses the tenant or the person.
//! Errors are one JSON shape ([`ErrorBody`]); see [`error`] for the status codes.
//!
//! ```no_run
//! use std::sync::Arc;
//! use watercooler::{Viewer, Watercooler};
//! use watercooler_axum::{AuthError, Authenticate, Builder, async_trait, http};
//!
//! struct Sessions; // the host's session store
//!
//! #[async_trait]
//! impl Authenticate for Sessions {
//!     async fn viewer(&self, parts: &http::request::Parts) -> Result<Viewer, AuthError> {
//!         let _cookie = parts.headers.get(http::header::COOKIE);
//!         Err(AuthError::Unauthenticated) // look the session up here
//!     }
//! }
//!
//! # async fn host(wc: Watercooler) {
//! let social = Builder::new(wc, Arc::new(Sessions)).body_limit(64 * 1024).build();
//! let app = axum::Router::new().nest("/social", social); // or .merge(social)
//! # let _: axum::Router = app;
//! # }
//! ```
//!
//! Rate limiting is the host's too: wrap the router in any tower layer, e.g.
//! `router.layer(your_rate_limit_layer)` (applies to every route, `/openapi.json`
//! included) or `router.route_layer(...)` (matched routes only).
#![deny(missing_docs)]

pub mod auth;
pub mod dto;
pub mod error;
pub mod extract;
pub mod routes;
pub mod sse;

use std::sync::Arc;
use std::time::Duration;

use axum::extract::DefaultBodyLimit;
use axum::http::HeaderValue;
use axum::response::IntoResponse;
use axum::routing::{get, post, put};
use axum::{Router, http::header};
use utoipa::OpenApi;
use utoipa::openapi::{ContentBuilder, RefOr, ResponseBuilder};
use watercooler::Watercooler;

pub use auth::{AuthError, Authed, Authenticate};
pub use error::{ApiError, ErrorBody, ErrorDetail};

/// Re-exported for implementing [`Authenticate`].
pub use async_trait::async_trait;
/// Re-exported: the request types [`Authenticate`] reads.
pub use axum::http;

/// Default largest request body: 64 KiB (a post's text is far smaller).
pub const DEFAULT_BODY_LIMIT: usize = 64 * 1024;
/// Default interval of SSE heartbeats.
pub const DEFAULT_HEARTBEAT: Duration = Duration::from_secs(15);

/// What every handler shares: the service and the host's authenticator.
#[derive(Clone)]
pub struct ApiState {
    /// The service.
    pub wc: Watercooler,
    /// The host's authenticator.
    pub auth: Arc<dyn Authenticate>,
    /// How often the event stream sends a heartbeat when quiet.
    pub heartbeat: Duration,
}

impl std::fmt::Debug for ApiState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiState")
            .field("heartbeat", &self.heartbeat)
            .finish_non_exhaustive()
    }
}

/// Builds the router: [`Builder::new`], the setters, [`Builder::build`].
#[derive(Debug)]
pub struct Builder {
    state: ApiState,
    body_limit: usize,
}

impl Builder {
    /// A router over `wc` that authenticates with `auth`.
    pub fn new(wc: Watercooler, auth: Arc<dyn Authenticate>) -> Self {
        Builder {
            state: ApiState {
                wc,
                auth,
                heartbeat: DEFAULT_HEARTBEAT,
            },
            body_limit: DEFAULT_BODY_LIMIT,
        }
    }

    /// The largest request body in bytes (default [`DEFAULT_BODY_LIMIT`]); larger ones are
    /// answered with 413.
    #[must_use]
    pub fn body_limit(mut self, bytes: usize) -> Self {
        self.body_limit = bytes;
        self
    }

    /// How often a quiet event stream sends a heartbeat comment (default
    /// [`DEFAULT_HEARTBEAT`]).
    #[must_use]
    pub fn heartbeat(mut self, every: Duration) -> Self {
        self.state.heartbeat = every;
        self
    }

    /// The router: `/v1/...` and `/openapi.json`. Mount it with `merge` or `nest`, and
    /// wrap it in the host's layers (rate limiting, tracing, CORS).
    pub fn build(self) -> Router {
        let spec = Arc::new(openapi_json());
        Router::new()
            .route("/v1/posts", post(routes::publish))
            .route(
                "/v1/posts/{id}",
                get(routes::get_post)
                    .patch(routes::edit)
                    .delete(routes::delete),
            )
            .route("/v1/posts/{id}/replies", post(routes::reply))
            .route("/v1/posts/{id}/thread", get(routes::thread))
            .route(
                "/v1/posts/{id}/reactions/{kind}",
                put(routes::react).delete(routes::unreact),
            )
            .route(
                "/v1/follows/{kind}/{target}",
                put(routes::follow).delete(routes::unfollow),
            )
            .route(
                "/v1/mutes/{kind}/{target}",
                put(routes::mute).delete(routes::unmute),
            )
            .route("/v1/feeds/home", get(routes::home_feed))
            .route("/v1/feeds/groups/{group}", get(routes::group_feed))
            .route("/v1/feeds/hashtags/{tag}", get(routes::hashtag_feed))
            .route("/v1/feeds/people/{person}", get(routes::profile_feed))
            .route("/v1/search", get(routes::search))
            .route("/v1/suggestions", get(routes::suggestions))
            .route("/v1/trends", get(routes::trends))
            .route("/v1/notifications", get(routes::notifications))
            .route("/v1/notifications/seen", post(routes::mark_seen))
            .route("/v1/admin/people/{person}/erase", post(routes::erase))
            .route("/v1/admin/people/{person}/export", get(routes::export))
            .route("/v1/events", get(sse::events))
            .layer(DefaultBodyLimit::max(self.body_limit))
            .with_state(self.state)
            .route(
                "/openapi.json",
                get(move || {
                    let spec = spec.clone();
                    async move {
                        (
                            [(
                                header::CONTENT_TYPE,
                                HeaderValue::from_static("application/json"),
                            )],
                            spec.as_ref().clone(),
                        )
                            .into_response()
                    }
                }),
            )
    }
}

/// The router with default settings: `Builder::new(wc, auth).build()`.
pub fn router(wc: Watercooler, auth: Arc<dyn Authenticate>) -> Router {
    Builder::new(wc, auth).build()
}

/// The OpenAPI 3.1 document of the router, generated from the handlers and DTOs.
#[derive(OpenApi)]
#[openapi(
    info(title = "watercooler", description = "An internal social network over HTTP."),
    paths(
        routes::publish, routes::reply, routes::get_post, routes::edit, routes::delete,
        routes::thread, routes::react, routes::unreact, routes::follow, routes::unfollow,
        routes::mute, routes::unmute, routes::home_feed, routes::group_feed,
        routes::hashtag_feed, routes::profile_feed, routes::search, routes::suggestions,
        routes::trends, routes::notifications, routes::mark_seen, routes::erase,
        routes::export, sse::events,
    ),
    components(schemas(
        ErrorBody, ErrorDetail, sse::EventDto, dto::ReactionName, dto::FollowKind, dto::MuteKind,
    )),
    modifiers(&ErrorResponses, &PostLinks)
)]
pub struct ApiDoc;

/// The document as JSON text.
pub fn openapi_json() -> String {
    let mut doc = serde_json::to_value(ApiDoc::openapi()).unwrap_or_default();
    camel_case_links(&mut doc);
    serde_json::to_string(&doc).unwrap_or_else(|_| "{}".to_owned())
}

/// utoipa 5 writes a Link's `operationId` and `requestBody` in snake case (fixed in utoipa
/// 6); OpenAPI spells them in camel case.
fn camel_case_links(doc: &mut serde_json::Value) {
    let Some(paths) = doc.get_mut("paths").and_then(|p| p.as_object_mut()) else {
        return;
    };
    let links = paths
        .values_mut()
        .filter_map(|item| item.as_object_mut())
        .flat_map(|item| item.values_mut())
        .filter_map(|op| op.get_mut("responses").and_then(|r| r.as_object_mut()))
        .flat_map(|responses| responses.values_mut())
        .filter_map(|r| r.get_mut("links").and_then(|l| l.as_object_mut()))
        .flat_map(|links| links.values_mut())
        .filter_map(|link| link.as_object_mut());
    for link in links {
        for (from, to) in [
            ("operation_id", "operationId"),
            ("request_body", "requestBody"),
        ] {
            if let Some(v) = link.remove(from) {
                link.insert(to.to_owned(), v);
            }
        }
    }
}

/// Adds the error responses every operation may give, with the [`ErrorBody`] schema.
struct ErrorResponses;

const ERRORS: [(&str, &str); 8] = [
    ("400", "Malformed request (JSON, query string or header)"),
    ("401", "Not authenticated"),
    (
        "404",
        "Not found, or not visible to the viewer (the same answer)",
    ),
    (
        "409",
        "Conflicts with an earlier request (idempotency key reused)",
    ),
    ("413", "Request body too large"),
    ("422", "Invalid input; `error.field` names it"),
    ("500", "Internal error (no details)"),
    ("503", "Temporarily unavailable; see Retry-After"),
];

impl utoipa::Modify for ErrorResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for item in openapi.paths.paths.values_mut() {
            let ops = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ];
            for op in ops.into_iter().flatten() {
                for (code, description) in ERRORS {
                    let response = ResponseBuilder::new()
                        .description(description)
                        .content(
                            "application/json",
                            ContentBuilder::new()
                                .schema(Some(RefOr::Ref(utoipa::openapi::Ref::from_schema_name(
                                    "ErrorBody",
                                ))))
                                .build(),
                        )
                        .build();
                    op.responses
                        .responses
                        .entry(code.to_owned())
                        .or_insert(RefOr::T(response));
                }
            }
        }
    }
}

/// Links from the operations that make a post to those that take its id, so that clients
/// (and schemathesis's stateful tests) know where a new post's `id` goes.
struct PostLinks;

const TAKES_POST_ID: [&str; 7] = [
    "get_post", "edit", "delete", "reply", "thread", "react", "unreact",
];

impl utoipa::Modify for PostLinks {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for path in ["/v1/posts", "/v1/posts/{id}/replies"] {
            let Some(op) = openapi
                .paths
                .paths
                .get_mut(path)
                .and_then(|p| p.post.as_mut())
            else {
                continue;
            };
            let Some(RefOr::T(created)) = op.responses.responses.get_mut("201") else {
                continue;
            };
            for target in TAKES_POST_ID {
                let link = utoipa::openapi::link::LinkBuilder::new()
                    .operation_id(target)
                    .parameter("id", "$response.body#/id")
                    .build();
                created.links.insert(target.to_owned(), RefOr::T(link));
            }
        }
    }
}

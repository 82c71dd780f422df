//! Errors over HTTP: every failure is one JSON body, [`ErrorBody`], with a status code
//! chosen by the error's kind.
//!
//! | error | status |
//! | --- | --- |
//! | [`Error::NotFound`] and [`Error::Forbidden`] | 404, the same body for both |
//! | [`Error::Invalid`], a JSON body of the wrong shape | 422 |
//! | malformed JSON, query string or `Last-Event-ID` | 400 |
//! | a body over the limit | 413 |
//! | [`Error::AlreadyExists`], [`Error::Conflict`] | 409 |
//! | retryable [`Error::Backend`] | 503 with `Retry-After` |
//! | other [`Error::Backend`] | 500, without internal details |
//! | [`AuthError::Unauthenticated`] | 401 |
//! | [`AuthError::Unavailable`] | 503 with `Retry-After` |

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use watercooler::{Error, ErrorKind};

use crate::auth::AuthError;

/// Seconds a client is told to wait before retrying a 503.
const RETRY_AFTER_SECONDS: &str = "1";

/// The body of every error response: `{"error": {"kind": ..., "field": ..., "message": ...}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ErrorBody {
    /// What went wrong.
    pub error: ErrorDetail,
}

/// What went wrong, machine-readable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ErrorDetail {
    /// One of `not_found`, `invalid`, `malformed`, `conflict`, `unauthenticated`,
    /// `unavailable`, `internal`, `too_large`.
    pub kind: String,
    /// The input that was rejected (for `invalid`), when known.
    pub field: Option<String>,
    /// A human-readable message, safe to show (it never carries internal details).
    pub message: String,
}

/// An error as the router answers it: a status code and an [`ErrorBody`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ApiError {
    /// An error of the SDK.
    #[error(transparent)]
    Watercooler(#[from] Error),
    /// The host's authenticator refused or failed.
    #[error(transparent)]
    Auth(#[from] AuthError),
    /// The request could not be read: malformed JSON, query string or header.
    #[error("malformed request: {0}")]
    Malformed(String),
    /// A JSON body that parsed but has the wrong shape.
    #[error("invalid request body: {0}")]
    InvalidBody(String),
    /// Nothing is routed here, or a path parameter names nothing that can exist.
    #[error("not found")]
    NotFound,
    /// The body is over the router's limit.
    #[error("request body too large")]
    TooLarge,
}

impl ApiError {
    /// The status code this error is answered with.
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::Watercooler(e) => match e.kind() {
                ErrorKind::NotFound | ErrorKind::Forbidden => StatusCode::NOT_FOUND,
                ErrorKind::Invalid => StatusCode::UNPROCESSABLE_ENTITY,
                ErrorKind::AlreadyExists | ErrorKind::Conflict => StatusCode::CONFLICT,
                ErrorKind::Backend if e.is_retryable() => StatusCode::SERVICE_UNAVAILABLE,
                _ => StatusCode::INTERNAL_SERVER_ERROR,
            },
            ApiError::Auth(AuthError::Unauthenticated) => StatusCode::UNAUTHORIZED,
            ApiError::Auth(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Malformed(_) => StatusCode::BAD_REQUEST,
            ApiError::InvalidBody(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        }
    }

    /// The body this error is answered with.
    pub fn body(&self) -> ErrorBody {
        let (kind, field, message) = match self {
            ApiError::Watercooler(e) => match e {
                // One body for both: a client must not tell a private post from a missing one.
                Error::NotFound { .. } | Error::Forbidden { .. } => {
                    ("not_found", None, "not found".to_owned())
                }
                Error::Invalid { field, reason, .. } => {
                    ("invalid", Some((*field).to_owned()), reason.clone())
                }
                Error::AlreadyExists(m) => ("conflict", None, format!("already exists: {m}")),
                Error::Conflict(m) => ("conflict", None, m.clone()),
                e if e.is_retryable() => (
                    "unavailable",
                    None,
                    "temporarily unavailable, try again".to_owned(),
                ),
                _ => ("internal", None, "internal error".to_owned()),
            },
            ApiError::Auth(AuthError::Unauthenticated) => {
                ("unauthenticated", None, "not authenticated".to_owned())
            }
            ApiError::Auth(_) => (
                "unavailable",
                None,
                "authentication is unavailable, try again".to_owned(),
            ),
            ApiError::Malformed(m) => ("malformed", None, m.clone()),
            ApiError::InvalidBody(m) => ("invalid", None, m.clone()),
            ApiError::NotFound => ("not_found", None, "not found".to_owned()),
            ApiError::TooLarge => ("too_large", None, "request body too large".to_owned()),
        };
        ErrorBody {
            error: ErrorDetail {
                kind: kind.to_owned(),
                field,
                message,
            },
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            tracing::warn!(error = %self, status = status.as_u16(), "request failed");
        }
        let mut response = (status, axum::Json(self.body())).into_response();
        if status == StatusCode::SERVICE_UNAVAILABLE {
            response.headers_mut().insert(
                header::RETRY_AFTER,
                HeaderValue::from_static(RETRY_AFTER_SECONDS),
            );
        }
        response
    }
}

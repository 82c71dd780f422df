//! Authentication is the host's: an [`Authenticate`] maps a request (its session cookie,
//! its bearer token) to a [`Viewer`]. Nothing in a request body or path chooses the tenant
//! or the person.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use watercooler::{BoxError, Viewer};

use crate::ApiState;
use crate::error::ApiError;

/// Why a request has no viewer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// No valid credentials: answered with 401.
    #[error("not authenticated")]
    Unauthenticated,
    /// The authenticator could not decide (its session store is down): answered with 503.
    #[error("authentication unavailable: {0}")]
    Unavailable(BoxError),
}

/// The host's authenticator: who is calling.
///
/// ```
/// use watercooler::Viewer;
/// use watercooler_axum::{AuthError, Authenticate, async_trait, http};
///
/// /// Every request is the same person (a test double, not authentication!).
/// struct Always(Viewer);
///
/// #[async_trait]
/// impl Authenticate for Always {
///     async fn viewer(&self, _: &http::request::Parts) -> Result<Viewer, AuthError> {
///         Ok(self.0.clone())
///     }
/// }
/// ```
#[async_trait::async_trait]
pub trait Authenticate: Send + Sync + 'static {
    /// The viewer making this request, from its headers (cookie, `Authorization`) or
    /// extensions a host middleware put there; [`AuthError::Unauthenticated`] when there
    /// is none.
    async fn viewer(&self, parts: &Parts) -> Result<Viewer, AuthError>;
}

/// The authenticated viewer of a request, as an axum extractor.
#[derive(Debug, Clone)]
pub struct Authed(pub Viewer);

impl FromRequestParts<ApiState> for Authed {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &ApiState) -> Result<Self, ApiError> {
        Ok(Authed(state.auth.viewer(parts).await?))
    }
}

//! The one error type of the SDK. Backends wrap their own errors in [`Error::Backend`], so
//! no sqlx or tantivy type ever appears in our public API.

use std::error::Error as StdError;

/// A boxed error from a backend (database driver, search engine, I/O).
pub type BoxError = Box<dyn StdError + Send + Sync + 'static>;

/// Result with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What went wrong.
///
/// Show [`Error::Forbidden`] to end users exactly like [`Error::NotFound`]: telling them
/// apart would reveal that a private post exists.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The thing does not exist (or no longer does).
    #[error("{what} not found")]
    NotFound {
        /// What was looked for ("post", "person", ...).
        what: &'static str,
    },
    /// The viewer may not do this. Present it to users as "not found".
    #[error("not allowed: {reason}")]
    Forbidden {
        /// Why, for logs; never shown to the end user.
        reason: &'static str,
    },
    /// The input was rejected by validation; nothing was changed.
    #[error("invalid {field}: {reason}")]
    Invalid {
        /// Which input ("text", "limit", "recipients", ...).
        field: &'static str,
        /// Why it was rejected.
        reason: String,
        /// The typed reason when watercooler-text's validation rejected a post's text: what
        /// and where (byte offset).
        #[source]
        text: Option<watercooler_text::TextError>,
    },
    /// What the write would create exists already: a post id, a handle. Retrying the same
    /// call cannot help.
    #[error("already exists: {0}")]
    AlreadyExists(String),
    /// The request conflicts with an earlier one: an idempotency key used again for a
    /// different request. Retrying the same call cannot help; the caller must use a new key
    /// (or send the first request's body again).
    #[error("conflict: {0}")]
    Conflict(String),
    /// The storage or search backend failed. `retryable` says whether trying again may help
    /// (a dropped connection, a busy database) or not (a corrupt file, a schema mismatch).
    #[error("backend error: {source}")]
    Backend {
        /// The backend's own error.
        #[source]
        source: BoxError,
        /// Whether the same call may succeed if tried again.
        retryable: bool,
    },
}

impl Error {
    /// A [`Error::NotFound`].
    pub fn not_found(what: &'static str) -> Self {
        Error::NotFound { what }
    }

    /// A [`Error::Forbidden`].
    pub fn forbidden(reason: &'static str) -> Self {
        Error::Forbidden { reason }
    }

    /// An [`Error::Invalid`].
    pub fn invalid(field: &'static str, reason: impl Into<String>) -> Self {
        Error::Invalid {
            field,
            reason: reason.into(),
            text: None,
        }
    }

    /// The typed text-validation error behind an [`Error::Invalid`], if any.
    pub fn text_error(&self) -> Option<&watercooler_text::TextError> {
        match self {
            Error::Invalid { text, .. } => text.as_ref(),
            _ => None,
        }
    }

    /// A [`Error::Backend`] that is worth retrying.
    pub fn transient(source: impl Into<BoxError>) -> Self {
        Error::Backend {
            source: source.into(),
            retryable: true,
        }
    }

    /// A [`Error::Backend`] that will not go away by retrying.
    pub fn backend(source: impl Into<BoxError>) -> Self {
        Error::Backend {
            source: source.into(),
            retryable: false,
        }
    }

    /// Whether the same call may succeed if tried again.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Backend { retryable, .. } => *retryable,
            _ => false,
        }
    }

    /// What kind of error this is, for matching and comparing in tests and handlers without
    /// looking at the details: `assert_eq!(e.kind(), ErrorKind::NotFound)`.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::NotFound { .. } => ErrorKind::NotFound,
            Error::Forbidden { .. } => ErrorKind::Forbidden,
            Error::Invalid { .. } => ErrorKind::Invalid,
            Error::AlreadyExists(_) => ErrorKind::AlreadyExists,
            Error::Conflict(_) => ErrorKind::Conflict,
            Error::Backend { .. } => ErrorKind::Backend,
        }
    }

    /// Whether an end user should be shown "not found" (true for both
    /// [`Error::NotFound`] and [`Error::Forbidden`]).
    pub fn is_not_found_for_users(&self) -> bool {
        matches!(self, Error::NotFound { .. } | Error::Forbidden { .. })
    }
}

/// The kind of an [`Error`], without its details: comparable, copyable, one per variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// [`Error::NotFound`].
    NotFound,
    /// [`Error::Forbidden`].
    Forbidden,
    /// [`Error::Invalid`].
    Invalid,
    /// [`Error::AlreadyExists`].
    AlreadyExists,
    /// [`Error::Conflict`].
    Conflict,
    /// [`Error::Backend`].
    Backend,
}

/// A host-supplied tag name or key that cannot be a hashtag: [`Error::Invalid`] of the
/// field `tag`.
impl From<watercooler_text::TagError> for Error {
    fn from(e: watercooler_text::TagError) -> Self {
        Error::invalid("tag", e.to_string())
    }
}

impl From<watercooler_text::TextError> for Error {
    fn from(e: watercooler_text::TextError) -> Self {
        Error::Invalid {
            field: "text",
            reason: e.to_string(),
            text: Some(e),
        }
    }
}

//! Why the demo failed.

use std::fmt;
use std::path::{Path, PathBuf};

/// Why [`super::run`] failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum DemoError {
    /// A file or directory could not be used.
    Io {
        /// Which.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// The data directory holds a demo of another seed, size or clock.
    Mismatch(PathBuf),
    /// The demo's marker file is unreadable.
    Marker(String),
    /// The SDK refused something.
    Watercooler(watercooler::Error),
    /// A private post reached someone outside its group (a bug in the SDK).
    Privacy(String),
    /// The demo itself went wrong: its story is missing a piece it relies on, or a task
    /// failed.
    Internal(String),
}

impl DemoError {
    pub(super) fn io(path: &Path, source: std::io::Error) -> Self {
        DemoError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

impl fmt::Display for DemoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DemoError::Io { path, source } => write!(f, "{}: {source}", path.display()),
            DemoError::Mismatch(path) => write!(
                f,
                "{} holds a demo company of another seed or size; use another directory",
                path.display()
            ),
            DemoError::Marker(reason) => write!(f, "demo marker: {reason}"),
            DemoError::Watercooler(e) => write!(f, "watercooler: {e}"),
            DemoError::Privacy(what) => write!(f, "privacy check failed: {what}"),
            DemoError::Internal(what) => write!(f, "demo: {what}"),
        }
    }
}

impl std::error::Error for DemoError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            DemoError::Io { source, .. } => Some(source),
            DemoError::Watercooler(e) => Some(e),
            DemoError::Mismatch(_)
            | DemoError::Marker(_)
            | DemoError::Privacy(_)
            | DemoError::Internal(_) => None,
        }
    }
}

impl From<watercooler::Error> for DemoError {
    fn from(e: watercooler::Error) -> Self {
        DemoError::Watercooler(e)
    }
}

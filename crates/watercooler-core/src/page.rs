//! Cursor pagination. Every list call takes a [`PageRequest`] and returns a [`Page`]; there
//! are no unbounded list calls.

use crate::error::{Error, Result};

/// The most items one page may hold.
pub const MAX_PAGE_SIZE: usize = 200;

/// An opaque position in a list, handed back to get the next page. Its content is the
/// store's business; callers pass it through unchanged.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(transparent))]
pub struct Cursor(String);

impl Cursor {
    /// Wraps a store's encoded position.
    pub fn new(s: impl Into<String>) -> Self {
        Cursor(s.into())
    }

    /// The encoded position.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Which page to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest {
    /// Where the previous page ended; `None` for the first page.
    pub cursor: Option<Cursor>,
    /// At most this many items (1..=[`MAX_PAGE_SIZE`]).
    pub limit: usize,
}

impl PageRequest {
    /// The first page of `limit` items.
    pub fn first(limit: usize) -> Self {
        PageRequest {
            cursor: None,
            limit,
        }
    }

    /// The page after `cursor`.
    pub fn after(cursor: Cursor, limit: usize) -> Self {
        PageRequest {
            cursor: Some(cursor),
            limit,
        }
    }

    /// Checks the limit: 0 or more than [`MAX_PAGE_SIZE`] is [`Error::Invalid`].
    pub fn validate(&self) -> Result<()> {
        if self.limit == 0 || self.limit > MAX_PAGE_SIZE {
            return Err(Error::invalid(
                "limit",
                format!("must be between 1 and {MAX_PAGE_SIZE}, got {}", self.limit),
            ));
        }
        Ok(())
    }
}

/// One page of a list.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    /// The items.
    pub items: Vec<T>,
    /// The cursor for the next page; `None` when this is the last one.
    pub next: Option<Cursor>,
}

impl<T> Page<T> {
    /// An empty last page.
    pub fn empty() -> Self {
        Page {
            items: Vec::new(),
            next: None,
        }
    }

    /// The same page with each item changed by `f` (the cursor stays).
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            next: self.next,
        }
    }
}

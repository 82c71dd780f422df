//! The marker file a complete demo leaves in its data directory: what was generated (seed,
//! size, clock) and how much. It is written last, so a directory without it holds at most
//! an interrupted run's partial data.

use std::path::Path;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{DemoError, Options};

/// The marker's file name.
pub(super) const MARKER_FILE: &str = "demo.json";
/// Bumped when the generator changes, so an old directory is not taken for a new demo.
const FORMAT: u32 = 1;

/// How much the demo company holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Counts {
    /// Employees.
    pub people: usize,
    /// Groups (departments and the private group).
    pub groups: usize,
    /// Follows (of people and hashtags).
    pub follows: usize,
    /// Posts (thread roots).
    pub posts: usize,
    /// Replies.
    pub replies: usize,
    /// Reactions.
    pub reactions: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(super) struct Marker {
    format: u32,
    seed: u64,
    people: usize,
    posts: usize,
    now: DateTime<Utc>,
    pub(super) counts: Counts,
}

impl Marker {
    pub(super) fn new(options: &Options, now: DateTime<Utc>) -> Self {
        Marker {
            format: FORMAT,
            seed: options.seed,
            people: options.people,
            posts: options.posts,
            now,
            counts: Counts::default(),
        }
    }

    /// This marker with the counts of what was stored.
    pub(super) fn with_counts(mut self, counts: Counts) -> Self {
        self.counts = counts;
        self
    }

    /// Whether `other` describes the same generated company.
    pub(super) fn same_demo(&self, other: &Marker) -> bool {
        (self.format, self.seed, self.people, self.posts, self.now)
            == (
                other.format,
                other.seed,
                other.people,
                other.posts,
                other.now,
            )
    }

    /// The marker in `dir`, if there is one.
    pub(super) fn read(dir: &Path) -> Result<Option<Marker>, DemoError> {
        let path = dir.join(MARKER_FILE);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(DemoError::io(&path, e)),
        };
        serde_json::from_str(&text)
            .map(Some)
            .map_err(|e| DemoError::Marker(format!("{}: {e}", path.display())))
    }

    /// Writes the marker into `dir` (through a temporary file, so it appears whole).
    pub(super) fn write(&self, dir: &Path) -> Result<(), DemoError> {
        let path = dir.join(MARKER_FILE);
        let tmp = dir.join(format!("{MARKER_FILE}.tmp"));
        let text =
            serde_json::to_string_pretty(self).map_err(|e| DemoError::Marker(e.to_string()))?;
        std::fs::write(&tmp, text).map_err(|e| DemoError::io(&tmp, e))?;
        std::fs::rename(&tmp, &path).map_err(|e| DemoError::io(&path, e))
    }
}

//! What a ranked home feed returns, and how much it reads to build one.

use chrono::Duration;

use super::explain::Explanation;
use crate::model::PostView;
use crate::page::Cursor;
use crate::store::CandidateSources;

/// One item of a ranked feed: a thread, shown as its root post with its latest replies.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedItem {
    /// The thread's root post.
    pub post: PostView,
    /// The latest replies the viewer may see (muted ones left out), oldest first; at most
    /// [`FeedOptions::replies_per_item`]. `post.stats.replies` tells how many there are.
    pub replies: Vec<PostView>,
    /// Why the post was drawn.
    pub sources: CandidateSources,
    /// Its score (higher ranks first).
    pub score: f64,
    /// The score broken down by signal.
    pub explanation: Explanation,
}

/// One page of a ranked feed.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedPage {
    /// The items, best first.
    pub items: Vec<FeedItem>,
    /// The cursor of the next page; `None` when the snapshot has no more items.
    pub next: Option<Cursor>,
}

/// How a home feed gathers its candidates. The defaults suit an intranet of up to ~100k
/// people; see `docs/ranking.md`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct FeedOptions {
    /// Only posts this recent are candidates (pinned announcements excepted). Default 7
    /// days.
    pub window: Duration,
    /// At most this many candidates per source kind (followed people, groups, followed
    /// hashtags, mentions). Default 80.
    pub per_source: usize,
    /// Out-of-network popular posts added to the candidates. Default 20.
    pub popular: usize,
    /// Latest replies shown under each item. Default 2.
    pub replies_per_item: usize,
    /// At most this many follows and this many mutes are read per request. Default 2000.
    pub max_follows: usize,
    /// At most this many authors' interaction counts are read. Default 100.
    pub max_interactions: usize,
    /// How far up the manager chain affinity reaches. Default 8.
    pub manager_depth: usize,
}

impl Default for FeedOptions {
    fn default() -> Self {
        FeedOptions {
            window: Duration::days(7),
            per_source: 80,
            popular: 20,
            replies_per_item: 2,
            max_follows: 2000,
            max_interactions: 100,
            manager_depth: 8,
        }
    }
}

/// Chainable setters, for building options outside this crate (the struct is
/// `#[non_exhaustive]`, so it has no public literal):
/// `FeedOptions::default().window(…)`. Each sets the field of the same name.
/// ```
/// use watercooler_core::FeedOptions;
/// use chrono::Duration;
/// let options = FeedOptions::default().window(Duration::days(3)).replies_per_item(0);
/// assert_eq!(options.window, Duration::days(3));
/// ```
impl FeedOptions {
    /// Sets the `window` field.
    pub fn window(mut self, window: Duration) -> Self {
        self.window = window;
        self
    }

    /// Sets the `per_source` field.
    pub fn per_source(mut self, per_source: usize) -> Self {
        self.per_source = per_source;
        self
    }

    /// Sets the `popular` field.
    pub fn popular(mut self, popular: usize) -> Self {
        self.popular = popular;
        self
    }

    /// Sets the `replies_per_item` field.
    pub fn replies_per_item(mut self, replies_per_item: usize) -> Self {
        self.replies_per_item = replies_per_item;
        self
    }

    /// Sets the `max_follows` field.
    pub fn max_follows(mut self, max_follows: usize) -> Self {
        self.max_follows = max_follows;
        self
    }

    /// Sets the `max_interactions` field.
    pub fn max_interactions(mut self, max_interactions: usize) -> Self {
        self.max_interactions = max_interactions;
        self
    }

    /// Sets the `manager_depth` field.
    pub fn manager_depth(mut self, manager_depth: usize) -> Self {
        self.manager_depth = manager_depth;
        self
    }
}

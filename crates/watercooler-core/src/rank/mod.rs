//! Ranked home feeds: the [`Ranker`] trait and its [`DefaultRanker`], the per-candidate
//! [`Signals`] it scores, [`Explanation`]s ("why am I seeing this"), muting, and the feed
//! types the service returns.
//!
//! Ranking is pure: a [`Ranker`] is a synchronous, deterministic function of the candidates,
//! a [`ViewerContext`] and a time handed in (never read from a clock). The service gathers
//! those inputs (see [`crate::Watercooler::home_feed`]); tests and benchmarks call rankers
//! directly. `docs/ranking.md` documents every signal, its default weight and why.

mod config;
mod context;
pub(crate) mod cursor;
mod explain;
mod feed;
mod mute;
mod scorer;
mod signals;

pub use config::{MAX_WEIGHT, RankerConfig};
pub use context::{LabelLanguage, ViewerContext};
pub use explain::{Explanation, Part};
pub use feed::{FeedItem, FeedOptions, FeedPage};
pub use mute::{Muted, MutedWords};
pub use scorer::DefaultRanker;
pub use signals::{Signal, Signals, flags};

use std::cmp::Ordering;

use chrono::{DateTime, Utc};

use crate::ids::PostId;
use crate::store::Candidate;

/// One candidate's place in a ranking.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ranked {
    /// Its index in the candidates handed to [`Ranker::rank`].
    pub index: usize,
    /// The post's id (the tie-break: among equal scores, the newer post first).
    pub post: PostId,
    /// Its score: finite, higher first.
    pub score: f64,
    /// The score it would have if the viewer had not seen it (equal to `score` for unseen
    /// posts). Feed cursors use it so that marking posts seen while paging never brings a
    /// post back on a later page.
    pub unseen_score: f64,
    /// How many posts by the same author rank above it (0 for the author's best post).
    pub author_rank: u32,
}

/// Orders feed candidates for one viewer. Implementations must be pure and deterministic:
/// the same candidates, context and time give the same result, so that feed cursors can
/// recompute a ranking page after page. `Send + Sync` so one ranker serves every request.
pub trait Ranker: Send + Sync + std::fmt::Debug {
    /// Ranks every candidate, best first. The service re-sorts the result by
    /// [`cmp_ranked`] and ignores duplicate or out-of-range indexes and non-finite scores,
    /// so a faulty ranker cannot break pagination.
    fn rank(
        &self,
        ctx: &ViewerContext,
        candidates: &[Candidate],
        now: DateTime<Utc>,
    ) -> Vec<Ranked>;

    /// Breaks `ranked`'s score (as returned by [`Ranker::rank`] for `candidate`) down by
    /// signal. The parts must add up to the score.
    fn explain(
        &self,
        ctx: &ViewerContext,
        candidate: &Candidate,
        ranked: &Ranked,
        now: DateTime<Utc>,
    ) -> Explanation;
}

/// The feed order: higher score first; among equal scores, the higher (newer) post id first.
/// A total order over finite scores and distinct ids.
pub fn cmp_ranked(a: &Ranked, b: &Ranked) -> Ordering {
    b.score.total_cmp(&a.score).then(b.post.cmp(&a.post))
}

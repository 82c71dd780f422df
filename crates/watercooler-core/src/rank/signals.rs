//! Per-candidate signals, precomputed once into a compact [`Signals`] value so that scoring is
//! a handful of arithmetic operations on plain numbers (no hashing, no strings, no
//! allocation).

use chrono::{DateTime, Utc};

use super::context::ViewerContext;
use crate::model::Visibility;
use crate::store::Candidate;

/// One ingredient of a score, as shown in an [`super::Explanation`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum Signal {
    /// How fresh the post is (the base value, decayed by age).
    Recency,
    /// Reactions and replies, time-normalised ("popular in the organisation").
    Engagement,
    /// By someone the viewer follows.
    FollowedAuthor,
    /// Posted in one of the viewer's groups.
    Group,
    /// By someone in the viewer's department.
    Department,
    /// By the viewer's manager or someone higher up.
    ManagerChain,
    /// By someone the viewer often reacts or replies to.
    Interactions,
    /// Mentions the viewer.
    Mention,
    /// Carries a hashtag the viewer follows.
    FollowedHashtag,
    /// Already seen: a negative contribution.
    Seen,
    /// Another post by an author already higher in the feed: a negative contribution.
    Diversity,
    /// A pinned announcement, kept on top until it expires.
    Pinned,
}

/// Bits of [`Signals::flags`].
pub mod flags {
    /// The viewer follows the author.
    pub const FOLLOWED_AUTHOR: u16 = 1 << 0;
    /// Posted in one of the viewer's groups.
    pub const GROUP: u16 = 1 << 1;
    /// The author is in the viewer's department.
    pub const DEPARTMENT: u16 = 1 << 2;
    /// The author is in the viewer's manager chain.
    pub const MANAGER_CHAIN: u16 = 1 << 3;
    /// The post mentions the viewer.
    pub const MENTION: u16 = 1 << 4;
    /// A pinned announcement (at the ranking time).
    pub const PINNED: u16 = 1 << 5;
    /// The viewer has seen the post.
    pub const SEEN: u16 = 1 << 6;
    /// Drawn as a popular out-of-network post.
    pub const POPULAR: u16 = 1 << 7;
}

/// Everything the default ranker needs to score one candidate, as plain numbers (24 bytes).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Signals {
    /// Age at the ranking time, in hours (never negative).
    pub age_hours: f64,
    /// Reactions of all kinds.
    pub reactions: u32,
    /// Replies in the thread.
    pub replies: u32,
    /// How often the viewer interacted with the author.
    pub interactions: u32,
    /// [`flags`] bits.
    pub flags: u16,
    /// How many distinct hashtags the viewer follows the post carries (saturating).
    pub followed_tags: u8,
}

impl Signals {
    /// Whether a [`flags`] bit is set.
    #[inline]
    pub fn has(&self, flag: u16) -> bool {
        self.flags & flag != 0
    }

    /// The signals of `candidate` for the viewer of `ctx` at `now`.
    pub fn of(ctx: &ViewerContext, candidate: &Candidate, now: DateTime<Utc>) -> Signals {
        let post = &candidate.view.post;
        let stats = &candidate.view.stats;
        let age_ms = now
            .signed_duration_since(post.created_at)
            .num_milliseconds()
            .max(0);
        let mut flags = 0;
        let mut set = |cond: bool, flag: u16| {
            if cond {
                flags |= flag;
            }
        };
        let own = post.author == ctx.person;
        set(
            !own && ctx.follows.contains(&post.author),
            flags::FOLLOWED_AUTHOR,
        );
        set(
            matches!(&post.visibility, Visibility::Group { group } if ctx.groups.contains(group)),
            flags::GROUP,
        );
        set(ctx.same_department(&post.author), flags::DEPARTMENT);
        set(
            !own && ctx.manager_chain.contains(&post.author),
            flags::MANAGER_CHAIN,
        );
        set(
            post.mentions.iter().any(|m| m.person == ctx.person),
            flags::MENTION,
        );
        set(post.is_pinned_at(now), flags::PINNED);
        set(ctx.seen.contains(&post.id), flags::SEEN);
        set(candidate.sources.popular, flags::POPULAR);
        Signals {
            age_hours: age_ms as f64 / 3_600_000.0,
            reactions: stats.total_reactions(),
            replies: stats.replies,
            interactions: if own {
                0
            } else {
                ctx.interactions.get(&post.author).copied().unwrap_or(0)
            },
            flags,
            followed_tags: followed_tags(ctx, candidate),
        }
    }
}

/// Distinct followed hashtag keys on the post (a tag typed twice counts once), saturating.
fn followed_tags(ctx: &ViewerContext, candidate: &Candidate) -> u8 {
    if ctx.followed_tags.is_empty() {
        return 0;
    }
    let mut keys: Vec<&str> = candidate
        .view
        .post
        .hashtags
        .iter()
        .filter(|h| ctx.followed_tags.contains(&h.key))
        .map(|h| h.key.as_str())
        .collect();
    // Sorting keeps this O(n log n) however many tags a post carries.
    keys.sort_unstable();
    keys.dedup();
    u8::try_from(keys.len()).unwrap_or(u8::MAX)
}

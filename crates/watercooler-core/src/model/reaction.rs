use chrono::{DateTime, Utc};

use crate::ids::{PersonId, PostId};

/// The kinds of reaction. A person has at most one reaction of each kind on a post.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum ReactionKind {
    /// 👍
    Like,
    /// 🎉
    Celebrate,
    /// 💪
    Support,
    /// 💡
    Insightful,
    /// 😄
    Funny,
}

impl ReactionKind {
    /// Every kind, in a fixed order (the index into [`crate::PostStats::reactions`]).
    pub const ALL: [ReactionKind; 5] = [
        ReactionKind::Like,
        ReactionKind::Celebrate,
        ReactionKind::Support,
        ReactionKind::Insightful,
        ReactionKind::Funny,
    ];

    /// Position in [`ReactionKind::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// Stable lowercase name (`like`, `celebrate`, ...), used in storage and exports.
    pub fn as_str(self) -> &'static str {
        match self {
            ReactionKind::Like => "like",
            ReactionKind::Celebrate => "celebrate",
            ReactionKind::Support => "support",
            ReactionKind::Insightful => "insightful",
            ReactionKind::Funny => "funny",
        }
    }

    /// Parses [`ReactionKind::as_str`]'s names.
    pub fn parse(s: &str) -> Option<Self> {
        ReactionKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// One person's reaction of one kind on one post.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Reaction {
    /// The post reacted to.
    pub post: PostId,
    /// Who reacted.
    pub person: PersonId,
    /// How.
    pub kind: ReactionKind,
    /// When.
    pub at: DateTime<Utc>,
}

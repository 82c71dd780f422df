use watercooler_text::TagKey;

use crate::ids::{GroupId, PersonId};

/// What a person can follow.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(tag = "kind", content = "target", rename_all = "snake_case")
)]
pub enum FollowTarget {
    /// Another person's posts.
    Person(PersonId),
    /// A hashtag, by key (every spelling of the tag). Make the key of a host-supplied name
    /// with [`watercooler_text::parse_hashtag`]: following a key no hashtag has
    /// (`hashtag_key("hello world")`) is refused.
    Hashtag(TagKey),
    /// A group's posts (following does not grant access: only members see group posts).
    Group(GroupId),
}

/// What a person can mute. Muted things are removed from their feeds.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(tag = "kind", content = "target", rename_all = "snake_case")
)]
pub enum MuteTarget {
    /// A person's posts.
    Person(PersonId),
    /// A word, matched as a whole word, case- and accent-insensitively as the search does
    /// (stored as its [`watercooler_text::hashtag_key`]-style key; no regex).
    Word(String),
    /// A hashtag, by key (made as for [`FollowTarget::Hashtag`]; muting a key no hashtag
    /// has is refused).
    Hashtag(TagKey),
}

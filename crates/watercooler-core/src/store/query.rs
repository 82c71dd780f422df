//! Plain query and result types of the [`super::Store`] trait.

use chrono::{DateTime, Utc};
use watercooler_text::TagKey;

use crate::ids::{GroupId, PersonId, PostId, Seq};
use crate::model::{FollowTarget, MuteTarget, Notification, Post, PostView, Reaction, Revision};

/// Chronological order of a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Order {
    /// Newest first (feeds).
    #[default]
    NewestFirst,
    /// Oldest first (the replies of a thread).
    OldestFirst,
}

/// Which posts a chronological list holds. All set fields must match (AND); the viewer's
/// visibility always applies on top.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PostFilter {
    /// Written by this person.
    pub author: Option<PersonId>,
    /// Posted in this group (`Visibility::Group`).
    pub group: Option<GroupId>,
    /// Carrying this hashtag key.
    pub hashtag: Option<TagKey>,
    /// Replies in this thread (by its root id). Implies replies are included.
    pub thread: Option<PostId>,
    /// Include replies (ignored when `thread` is set). Default: roots only.
    pub include_replies: bool,
    /// Newest or oldest first.
    pub order: Order,
}

/// What a ranked home feed draws its candidates from. The store returns the union, without
/// duplicates, of the newest visible root posts of each source since `since` (at most
/// `per_source` per source) plus pinned announcements and the `popular` most engaged
/// visible organisation posts since `since` that no other source brought.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CandidateQuery {
    /// Posts by these people.
    pub authors: Vec<PersonId>,
    /// Posts in these groups.
    pub groups: Vec<GroupId>,
    /// Posts with these hashtag keys.
    pub hashtags: Vec<TagKey>,
    /// Posts mentioning the viewer.
    pub mentioning_viewer: bool,
    /// Only posts created at or after this time (pinned announcements excepted).
    pub since: DateTime<Utc>,
    /// Only posts with an id at or below this (a feed snapshot: posts published while the
    /// viewer pages through the feed wait for the next refresh). `PostId::MAX` for none.
    pub max_id: PostId,
    /// At most this many posts per source kind (authors, groups, hashtags, mentions).
    pub per_source: usize,
    /// How many out-of-network popular posts to add.
    pub popular: usize,
    /// The time that decides whether an announcement is still pinned.
    pub now: DateTime<Utc>,
}

/// Why a candidate was drawn (several may be true).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CandidateSources {
    /// By a person the viewer follows.
    pub followed_author: bool,
    /// In a group the viewer is a member of and asked for.
    pub group: bool,
    /// Carries a hashtag the viewer follows.
    pub hashtag: bool,
    /// Mentions the viewer.
    pub mention: bool,
    /// A pinned announcement.
    pub pinned: bool,
    /// Popular in the organisation (out of network).
    pub popular: bool,
}

/// A feed candidate: the post, its counters and why it was drawn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// The post and its counters.
    pub view: PostView,
    /// Why it was drawn.
    pub sources: CandidateSources,
}

/// Distinct authors of a hashtag in one time bucket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagBucket {
    /// The tag key.
    pub key: TagKey,
    /// A typed form of the tag, for display (the most recent one seen).
    pub display: String,
    /// Start of the bucket (a multiple of the bucket length since the Unix epoch).
    pub bucket_start: DateTime<Utc>,
    /// Distinct authors who used the tag in the bucket, in posts the viewer may see.
    pub authors: u32,
}

/// A hashtag suggestion for the composer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagSuggestion {
    /// The key.
    pub key: TagKey,
    /// A typed form, for display.
    pub display: String,
    /// Visible posts carrying it.
    pub posts: u32,
}

/// What an erasure removed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ErasureReport {
    /// Posts and replies by the person.
    pub posts: usize,
    /// Reactions by the person.
    pub reactions: usize,
    /// Follows and mutes by or of the person.
    pub follows_and_mutes: usize,
    /// Notifications to the person, or in which they were the only actor.
    pub notifications: usize,
    /// Others' posts from which a mention of the person was removed.
    pub mentions: usize,
    /// The last change-log entry written (`None` if nothing changed).
    pub last_seq: Option<Seq>,
}

impl ErasureReport {
    /// Whether nothing was left to erase.
    pub fn is_empty(&self) -> bool {
        self.posts == 0
            && self.reactions == 0
            && self.follows_and_mutes == 0
            && self.notifications == 0
            && self.mentions == 0
    }
}

/// Everything a store holds about one person (the store's part of a GDPR export).
#[derive(Debug, Clone, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct PersonData {
    /// Their posts and replies, oldest first.
    pub posts: Vec<Post>,
    /// Earlier texts of their edited posts.
    pub revisions: Vec<Revision>,
    /// Their reactions.
    pub reactions: Vec<Reaction>,
    /// What they follow.
    pub follows: Vec<FollowTarget>,
    /// What they muted.
    pub mutes: Vec<MuteTarget>,
    /// Their notifications.
    pub notifications: Vec<Notification>,
    /// Posts they have seen.
    pub seen: Vec<PostId>,
}

use chrono::{DateTime, Utc};

use crate::ids::{PersonId, PostId};

/// Why someone is notified.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum NotificationKind {
    /// You were mentioned in `post`.
    Mention,
    /// Someone replied to your `post`.
    Reply,
    /// Someone reacted to your `post`.
    Reaction,
}

impl NotificationKind {
    /// Stable lowercase name, used in storage.
    pub fn as_str(self) -> &'static str {
        match self {
            NotificationKind::Mention => "mention",
            NotificationKind::Reply => "reply",
            NotificationKind::Reaction => "reaction",
        }
    }

    /// Parses [`NotificationKind::as_str`]'s names.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "mention" => Some(NotificationKind::Mention),
            "reply" => Some(NotificationKind::Reply),
            "reaction" => Some(NotificationKind::Reaction),
            _ => None,
        }
    }
}

/// One event to notify about, as the service hands it to the store. The store folds events
/// with the same recipient, kind and post into one [`Notification`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct NewNotification {
    /// Who is notified.
    pub recipient: PersonId,
    /// Why.
    pub kind: NotificationKind,
    /// The post it is about: the post mentioning the recipient, the recipient's post that
    /// got a reply or reaction.
    pub post: PostId,
    /// Who caused it.
    pub actor: PersonId,
    /// When.
    pub at: DateTime<Utc>,
    /// The post that caused it, when that is not `post`: the reply, for a reply
    /// notification. `None` for mentions (the mentioning post is `post`) and reactions.
    pub subject: Option<PostId>,
}

/// An aggregated notification: "Jan and 3 others reacted to your post".
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Notification {
    /// Orders notifications: a store-assigned number that grows each time the notification
    /// gets a new actor (so it moves to the top), used as the pagination cursor.
    pub seq: u64,
    /// Who is notified.
    pub recipient: PersonId,
    /// Why.
    pub kind: NotificationKind,
    /// The post it is about.
    pub post: PostId,
    /// Distinct actors, most recent first.
    pub actors: Vec<PersonId>,
    /// When the latest actor acted.
    pub updated_at: DateTime<Utc>,
    /// Whether the recipient has marked it seen (a new actor makes it unseen again).
    pub seen: bool,
    /// The post that caused the latest event, when that is not `post`: the newest reply,
    /// for a reply notification, so a client can link to it. It may have been deleted
    /// since. `None` for mentions and reactions.
    pub subject: Option<PostId>,
}

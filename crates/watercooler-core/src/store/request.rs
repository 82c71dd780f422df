//! The request types of [`super::Store`] calls that take more than two things, and the
//! relation API that follows, mutes and seen state share.
//!
//! Every type here is `#[non_exhaustive]` with constructors, as object_store's `PutOptions`:
//! a later version can add a field with a default, or a variant a store refuses with
//! [`crate::Error::Invalid`], without breaking anyone's store or call.

use chrono::{DateTime, Utc};

use crate::ids::{PersonId, PostId};
use crate::model::{FollowTarget, MuteTarget, NewNotification, PostEdit, Reaction, ReactionKind};
use crate::page::PageRequest;

/// A change to a stored post ([`super::Store::update_post`]). Each writes an `Edited`
/// change-log entry atomically with the change; a post that does not exist is
/// [`crate::Error::NotFound`].
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum PostUpdate {
    /// A new text and its entities; the old text is kept as a revision, and the
    /// notifications (new mentions) are stored with it.
    Text {
        /// The new text and entities.
        edit: PostEdit,
        /// Notifications the edit causes.
        notifications: Vec<NewNotification>,
    },
    /// Pins the post until a time (`Some`) or unpins it (`None`).
    Pin {
        /// The post.
        id: PostId,
        /// Pinned until then; `None` unpins.
        until: Option<DateTime<Utc>>,
        /// When the change is made (the change-log entry's time).
        at: DateTime<Utc>,
    },
}

impl PostUpdate {
    /// A new text, with the notifications it causes.
    pub fn text(edit: PostEdit, notifications: Vec<NewNotification>) -> Self {
        PostUpdate::Text {
            edit,
            notifications,
        }
    }

    /// Pins `id` until `until` (or unpins it, for `None`), at `at`.
    pub fn pin(id: PostId, until: Option<DateTime<Utc>>, at: DateTime<Utc>) -> Self {
        PostUpdate::Pin { id, until, at }
    }

    /// The post changed.
    pub fn post(&self) -> PostId {
        match self {
            PostUpdate::Text { edit, .. } => edit.id,
            PostUpdate::Pin { id, .. } => *id,
        }
    }
}

/// A reaction added or removed ([`super::Store::set_reaction`]).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ReactionChange {
    /// Adds a reaction (one per person, post and kind) and its notification, atomically,
    /// and counts an interaction of the person with the post's author. Answers `false` if
    /// it existed (nothing changes); [`crate::Error::NotFound`] if the post does not exist.
    Add {
        /// The reaction.
        reaction: Reaction,
        /// The notification to the post's author, if any.
        notification: Option<NewNotification>,
    },
    /// Removes a reaction; answers whether it existed. When the person has no reaction
    /// left on the post, they are removed from the author's reaction notification.
    Remove {
        /// The post.
        post: PostId,
        /// Who reacted.
        person: PersonId,
        /// How.
        kind: ReactionKind,
    },
}

impl ReactionChange {
    /// Adds `reaction`, notifying with `notification`.
    pub fn add(reaction: Reaction, notification: Option<NewNotification>) -> Self {
        ReactionChange::Add {
            reaction,
            notification,
        }
    }

    /// Removes `person`'s reaction `kind` on `post`.
    pub fn remove(post: PostId, person: PersonId, kind: ReactionKind) -> Self {
        ReactionChange::Remove { post, person, kind }
    }
}

/// Something a person holds towards something else: follows, mutes and seen posts are one
/// relation API ([`super::Store::relate`], [`super::Store::relations`]), so a store keeps
/// one table of them and the per-kind calls (`follow`, `mute`, `mark_posts_seen`, …) are
/// defaults built on it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Relation {
    /// Follows a person, hashtag or group.
    Follow(FollowTarget),
    /// Muted a person, word or hashtag.
    Mute(MuteTarget),
    /// Has seen a post (it drops in their ranked feed).
    Seen(PostId),
}

impl Relation {
    /// Its kind.
    pub fn kind(&self) -> RelationKind {
        match self {
            Relation::Follow(_) => RelationKind::Follow,
            Relation::Mute(_) => RelationKind::Mute,
            Relation::Seen(_) => RelationKind::Seen,
        }
    }
}

/// The kinds of [`Relation`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum RelationKind {
    /// [`Relation::Follow`].
    Follow,
    /// [`Relation::Mute`].
    Mute,
    /// [`Relation::Seen`].
    Seen,
}

/// A relation added or removed ([`super::Store::relate`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RelationChange {
    /// Whose relation.
    pub person: PersonId,
    /// Which.
    pub relation: Relation,
    /// Added (`true`) or removed.
    pub on: bool,
}

impl RelationChange {
    /// `person` now holds `relation`.
    pub fn add(person: impl Into<PersonId>, relation: Relation) -> Self {
        RelationChange {
            person: person.into(),
            relation,
            on: true,
        }
    }

    /// `person` no longer holds `relation`.
    pub fn remove(person: impl Into<PersonId>, relation: Relation) -> Self {
        RelationChange {
            person: person.into(),
            relation,
            on: false,
        }
    }
}

/// Which relations to list ([`super::Store::relations`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RelationQuery {
    /// Whose.
    pub person: PersonId,
    /// Of which kind.
    pub kind: RelationKind,
    /// Which page, in a stable order the store chooses (the order of the per-kind lists:
    /// the shipped stores order follows and mutes by target, seen posts by id).
    pub page: PageRequest,
}

impl RelationQuery {
    /// `person`'s relations of `kind`, one page.
    pub fn new(person: impl Into<PersonId>, kind: RelationKind, page: PageRequest) -> Self {
        RelationQuery {
            person: person.into(),
            kind,
            page,
        }
    }
}

/// The optional capabilities a store has ([`super::Store::capabilities`]). The service and
/// the testkit ask before relying on one; a store without it gets the documented default
/// behaviour (a typed refusal or a slower path), never a silent loss.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Capabilities {
    /// Keeps request keys ([`super::Store::insert_post_once`], [`super::Store::find_request`]),
    /// so retried publishes store once. Without it, a keyed publish is refused.
    pub request_keys: bool,
    /// Wakes followers of the change log when it grows ([`super::Store::wait_for_change`]).
    /// Without it, followers poll about five times a second.
    pub change_wakeups: bool,
}

impl Capabilities {
    /// No optional capability: what the required methods alone give.
    pub fn none() -> Self {
        Capabilities::default()
    }

    /// Every capability this version knows.
    pub fn all() -> Self {
        Capabilities {
            request_keys: true,
            change_wakeups: true,
        }
    }
}

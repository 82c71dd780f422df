//! The id checks every store makes before it writes (see [`crate::check_id`]): one id
//! that one backend could not keep whole (PostgreSQL refuses NUL in text; the search
//! index cuts long terms) is refused by all of them with the same [`crate::Error::Invalid`].

use crate::error::Result;
use crate::ids::{PersonId, TenantId};
use crate::model::{FollowTarget, MuteTarget, NewNotification, Post};

/// Checks the posts and notifications of an insert (single, batch or import).
pub fn check_new_posts<'a>(
    items: impl IntoIterator<Item = (&'a Post, &'a [NewNotification])>,
) -> Result<()> {
    for (post, notifications) in items {
        post.check_ids()?;
        check_notifications(notifications)?;
    }
    Ok(())
}

/// Checks the recipients and actors of notifications.
pub fn check_notifications(notifications: &[NewNotification]) -> Result<()> {
    notifications.iter().try_for_each(|n| {
        n.recipient.check()?;
        n.actor.check()
    })
}

/// Checks a tenant and a person: the keys of follows, mutes, reactions and seen state.
pub fn check_person(tenant: &TenantId, person: &PersonId) -> Result<()> {
    tenant.check()?;
    person.check()
}

/// Checks a follow's target.
pub fn check_follow_target(target: &FollowTarget) -> Result<()> {
    match target {
        FollowTarget::Person(p) => p.check(),
        FollowTarget::Group(g) => g.check(),
        FollowTarget::Hashtag(_) => Ok(()),
    }
}

/// Checks a mute's target.
pub fn check_mute_target(target: &MuteTarget) -> Result<()> {
    match target {
        MuteTarget::Person(p) => p.check(),
        _ => Ok(()),
    }
}

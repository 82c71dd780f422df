//! Reactions, follows and mutes.

use watercooler_text::{MAX_KEY_BYTES, check_hashtag_key, try_hashtag_key};

use super::Watercooler;
use super::traced::traced;
use crate::access::{Access, Viewer};
use crate::error::{Error, Result};
use crate::ids::PostId;
use crate::model::{
    FollowTarget, MuteTarget, NewNotification, NotificationKind, Reaction, ReactionKind,
};
use crate::page::{Page, PageRequest};

impl Watercooler {
    /// Reacts to a visible post; returns `false` if this reaction already existed. Notifies
    /// the author (aggregated per post), unless they react to their own post.
    pub async fn react(&self, viewer: &Viewer, post: &PostId, kind: ReactionKind) -> Result<bool> {
        traced("react", &viewer.tenant, async {
            let access = self.access(viewer).await?;
            let target = self.visible_post(&access, post).await?.post;
            let now = self.now();
            let reaction = Reaction {
                post: *post,
                person: viewer.person.clone(),
                kind,
                at: now,
            };
            let note = (target.author != viewer.person).then(|| NewNotification {
                recipient: target.author.clone(),
                kind: NotificationKind::Reaction,
                post: *post,
                actor: viewer.person.clone(),
                at: now,
                subject: None,
            });
            let added = self
                .inner
                .store
                .add_reaction(&viewer.tenant, &reaction, note.as_ref())
                .await?;
            if added && note.is_some() {
                // A reaction writes no change-log entry: tell this server's subscribers to
                // look at their notifications.
                self.inner.live.notifications_changed(&viewer.tenant);
            }
            Ok(added)
        })
        .await
    }

    /// Removes a reaction; returns whether it existed. Works on a post the viewer can no
    /// longer see: the reaction is theirs.
    pub async fn unreact(
        &self,
        viewer: &Viewer,
        post: &PostId,
        kind: ReactionKind,
    ) -> Result<bool> {
        traced("unreact", &viewer.tenant, async {
            self.access(viewer).await?;
            self.inner
                .store
                .remove_reaction(&viewer.tenant, post, &viewer.person, kind)
                .await
        })
        .await
    }

    /// The reactions on a visible post, newest first.
    pub async fn reactions(
        &self,
        viewer: &Viewer,
        post: &PostId,
        page: &PageRequest,
    ) -> Result<Page<Reaction>> {
        traced("reactions", &viewer.tenant, async {
            page.validate()?;
            let access = self.access(viewer).await?;
            self.visible_post(&access, post).await?;
            self.inner.store.reactions(&access, post, page).await
        })
        .await
    }

    /// Follows a person, hashtag (by key) or group; returns `false` if already followed.
    /// Following a group does not grant access to its posts; a private group the viewer is
    /// not in is [`Error::NotFound`], as is an unknown person or group. A hashtag key that
    /// no hashtag has (`hashtag_key("hello world")`; see
    /// [`watercooler_text::check_hashtag_key`]) is [`Error::Invalid`] of the field `tag`:
    /// make keys from names with [`watercooler_text::parse_hashtag`].
    pub async fn follow(&self, viewer: &Viewer, target: FollowTarget) -> Result<bool> {
        traced("follow", &viewer.tenant, async {
            let access = self.access(viewer).await?;
            crate::store::checks::check_follow_target(&target)?;
            self.check_follow(&access, &target).await?;
            self.inner
                .store
                .follow(&viewer.tenant, &viewer.person, &target)
                .await
        })
        .await
    }

    async fn check_follow(&self, access: &Access, target: &FollowTarget) -> Result<()> {
        let dir = &self.inner.directory;
        match target {
            FollowTarget::Person(p) => {
                if p == access.person() {
                    return Err(Error::invalid("target", "cannot follow yourself"));
                }
                if dir.person(access.tenant(), p).await?.is_none() {
                    return Err(Error::not_found("person"));
                }
            }
            FollowTarget::Hashtag(key) => check_hashtag_key(key)?,
            FollowTarget::Group(g) => match dir.group(access.tenant(), g).await? {
                Some(group) if !group.private || access.is_member(g) => {}
                // A private group is not disclosed to non-members.
                _ => return Err(Error::not_found("group")),
            },
        }
        Ok(())
    }

    /// Unfollows; returns whether it was followed.
    pub async fn unfollow(&self, viewer: &Viewer, target: &FollowTarget) -> Result<bool> {
        traced("unfollow", &viewer.tenant, async {
            self.access(viewer).await?;
            self.inner
                .store
                .unfollow(&viewer.tenant, &viewer.person, target)
                .await
        })
        .await
    }

    /// What the viewer follows.
    pub async fn follows(&self, viewer: &Viewer, page: &PageRequest) -> Result<Page<FollowTarget>> {
        traced("follows", &viewer.tenant, async {
            page.validate()?;
            self.access(viewer).await?;
            self.inner
                .store
                .follows(&viewer.tenant, &viewer.person, page)
                .await
        })
        .await
    }

    /// Mutes a person, word or hashtag; returns `false` if already muted. A word is stored
    /// by its key (case- and width-insensitive, like a tag) and must be one word. A hashtag
    /// key that no hashtag has is [`Error::Invalid`] of the field `tag`, as for
    /// [`Watercooler::follow`]; [`Watercooler::unmute`] takes any key, so mutes stored before
    /// that check can be undone.
    pub async fn mute(&self, viewer: &Viewer, target: MuteTarget) -> Result<bool> {
        traced("mute", &viewer.tenant, async {
            let access = self.access(viewer).await?;
            crate::store::checks::check_mute_target(&target)?;
            let target = normalise_mute(target)?;
            // Unmuting stays lenient, so mutes stored before this check can still go.
            if let MuteTarget::Hashtag(key) = &target {
                check_hashtag_key(key)?;
            }
            if let MuteTarget::Person(p) = &target {
                if p == access.person() {
                    return Err(Error::invalid("target", "cannot mute yourself"));
                }
                if self
                    .inner
                    .directory
                    .person(access.tenant(), p)
                    .await?
                    .is_none()
                {
                    return Err(Error::not_found("person"));
                }
            }
            self.inner
                .store
                .mute(&viewer.tenant, &viewer.person, &target)
                .await
        })
        .await
    }

    /// Unmutes; returns whether it was muted. A word is matched by its key.
    pub async fn unmute(&self, viewer: &Viewer, target: &MuteTarget) -> Result<bool> {
        traced("unmute", &viewer.tenant, async {
            self.access(viewer).await?;
            let target = normalise_mute(target.clone())?;
            self.inner
                .store
                .unmute(&viewer.tenant, &viewer.person, &target)
                .await
        })
        .await
    }

    /// What the viewer muted.
    pub async fn mutes(&self, viewer: &Viewer, page: &PageRequest) -> Result<Page<MuteTarget>> {
        traced("mutes", &viewer.tenant, async {
            page.validate()?;
            self.access(viewer).await?;
            self.inner
                .store
                .mutes(&viewer.tenant, &viewer.person, page)
                .await
        })
        .await
    }
}

/// A tag key to unmute: not empty, not over the stored-key limit (nothing else, so mutes
/// stored before [`check_hashtag_key`] can be undone).
fn check_key(key: &str) -> Result<()> {
    if key.is_empty() || key.len() > MAX_KEY_BYTES {
        return Err(Error::invalid(
            "tag",
            format!("a tag key of 1 to {MAX_KEY_BYTES} bytes"),
        ));
    }
    Ok(())
}

/// Stores a muted word by its key; checks tag keys.
fn normalise_mute(target: MuteTarget) -> Result<MuteTarget> {
    match target {
        MuteTarget::Word(w) => {
            let key =
                try_hashtag_key(w.trim()).map_err(|e| Error::invalid("target", e.to_string()))?;
            if key.is_empty() || key.as_str().chars().any(char::is_whitespace) {
                return Err(Error::invalid("target", "a muted word is one word"));
            }
            Ok(MuteTarget::Word(key.into_string()))
        }
        MuteTarget::Hashtag(key) => {
            check_key(key.as_str())?;
            Ok(MuteTarget::Hashtag(key))
        }
        other => Ok(other),
    }
}

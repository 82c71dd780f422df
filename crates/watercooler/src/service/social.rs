//! Reactions, follows and mutes.

use super::Watercooler;
use crate::access::Viewer;
use crate::error::Result;
use crate::ids::PostId;
use crate::model::{FollowTarget, MuteTarget, Reaction, ReactionKind};
use crate::page::{Page, PageRequest};

#[allow(unused_variables, clippy::todo)]
impl Watercooler {
    /// Reacts to a visible post; returns `false` if this reaction already existed. Notifies
    /// the author (aggregated per post).
    pub async fn react(&self, viewer: &Viewer, post: &PostId, kind: ReactionKind) -> Result<bool> {
        todo!()
    }

    /// Removes a reaction; returns whether it existed.
    pub async fn unreact(&self, viewer: &Viewer, post: &PostId, kind: ReactionKind) -> Result<bool> {
        todo!()
    }

    /// The reactions on a visible post, newest first.
    pub async fn reactions(
        &self,
        viewer: &Viewer,
        post: &PostId,
        page: &PageRequest,
    ) -> Result<Page<Reaction>> {
        todo!()
    }

    /// Follows a person, hashtag (by key) or group.
    pub async fn follow(&self, viewer: &Viewer, target: FollowTarget) -> Result<bool> {
        todo!()
    }

    /// Unfollows.
    pub async fn unfollow(&self, viewer: &Viewer, target: &FollowTarget) -> Result<bool> {
        todo!()
    }

    /// What the viewer follows.
    pub async fn follows(&self, viewer: &Viewer, page: &PageRequest) -> Result<Page<FollowTarget>> {
        todo!()
    }

    /// Mutes a person, word or hashtag.
    pub async fn mute(&self, viewer: &Viewer, target: MuteTarget) -> Result<bool> {
        todo!()
    }

    /// Unmutes.
    pub async fn unmute(&self, viewer: &Viewer, target: &MuteTarget) -> Result<bool> {
        todo!()
    }

    /// What the viewer muted.
    pub async fn mutes(&self, viewer: &Viewer, page: &PageRequest) -> Result<Page<MuteTarget>> {
        todo!()
    }
}

//! Notifications and seen state.

use super::Watercooler;
use crate::access::Viewer;
use crate::error::Result;
use crate::ids::PostId;
use crate::model::Notification;
use crate::page::{Page, PageRequest};

#[allow(unused_variables, clippy::todo)]
impl Watercooler {
    /// The viewer's notifications, most recently updated first. Notifications about posts
    /// the viewer can no longer see (they left the group) are left out.
    pub async fn notifications(
        &self,
        viewer: &Viewer,
        page: &PageRequest,
    ) -> Result<Page<Notification>> {
        todo!()
    }

    /// Marks the viewer's notifications up to `up_to` (a [`Notification::seq`]) seen.
    pub async fn mark_notifications_seen(&self, viewer: &Viewer, up_to: u64) -> Result<usize> {
        todo!()
    }

    /// Records that the viewer has seen these posts (they drop in the ranked feed).
    pub async fn mark_seen(&self, viewer: &Viewer, posts: &[PostId]) -> Result<()> {
        todo!()
    }
}

//! Counts as the viewer may see them. A post's stored reply count counts every reply; a
//! viewer who sees the post but not its replies — its author, after leaving the group it
//! was posted in — must not learn of replies from a number ("1 reply"), a ranking signal or
//! an explanation built on it. Every service read that hands out [`PostView`]s passes them
//! through [`Watercooler::counts_for_viewer`] before using or returning them.

use super::Watercooler;
use crate::access::Access;
use crate::error::Result;
use crate::model::PostView;
use crate::page::{MAX_PAGE_SIZE, PageRequest};
use crate::store::{Order, PostFilter};

impl Watercooler {
    /// Replaces the reply count (and the latest activity) of each view whose replies the
    /// viewer may not see ([`Access::sees_replies_to`]) by the count of the replies they
    /// may see: their own. Views of posts whose replies they see are left as stored, so
    /// the common case costs one visibility test per view and no store call.
    pub(crate) async fn counts_for_viewer(
        &self,
        access: &Access,
        views: &mut [PostView],
    ) -> Result<()> {
        for view in views.iter_mut() {
            self.count_for_viewer(access, view).await?;
        }
        Ok(())
    }

    /// [`Watercooler::counts_for_viewer`] for one view.
    pub(crate) async fn count_for_viewer(
        &self,
        access: &Access,
        view: &mut PostView,
    ) -> Result<()> {
        if view.stats.replies == 0 || access.sees_replies_to(&view.post) {
            return Ok(());
        }
        let (count, latest) = self.own_replies(access, view).await?;
        view.stats.replies = count;
        view.stats.last_activity = latest;
        Ok(())
    }

    /// How many replies to `view` the viewer sees, and the newest one's time. Outside the
    /// replies' audience that is only the viewer's own replies, so the pages read are few.
    async fn own_replies(
        &self,
        access: &Access,
        view: &PostView,
    ) -> Result<(u32, Option<chrono::DateTime<chrono::Utc>>)> {
        let post = &view.post;
        let filter = PostFilter {
            thread: Some(post.thread_id()),
            include_replies: true,
            order: Order::OldestFirst,
            ..PostFilter::default()
        };
        let mut count = 0u32;
        let mut latest = None;
        let mut request = PageRequest::first(MAX_PAGE_SIZE);
        loop {
            let page = self
                .inner
                .store
                .list_posts(access, &filter, &request)
                .await?;
            for v in &page.items {
                // A root counts its whole thread, a reply its direct replies (`PostStats`).
                let counted = !post.is_reply() || v.post.reply_to == Some(post.id);
                if counted && access.can_see(&v.post) {
                    count = count.saturating_add(1);
                    latest = latest.max(Some(v.post.created_at));
                }
            }
            match page.next {
                Some(next) => request = PageRequest::after(next, MAX_PAGE_SIZE),
                None => return Ok((count, latest)),
            }
        }
    }
}

//! Notifications and seen state.

use std::collections::HashMap;

use super::Watercooler;
use super::traced::traced;
use crate::access::Access;
use crate::access::Viewer;
use crate::error::{Error, Result};
use crate::ids::PostId;
use crate::model::{Notification, NotificationKind, Post};
use crate::page::{Cursor, MAX_PAGE_SIZE, Page, PageRequest};

impl Watercooler {
    /// The viewer's notifications, most recently updated first. Notifications about posts
    /// the viewer can no longer see (they left the group) are left out, and so are reply
    /// notifications about replies they can no longer see (their own post stays visible to
    /// them after they leave its group; the replies do not); pages stay full.
    pub async fn notifications(
        &self,
        viewer: &Viewer,
        page: &PageRequest,
    ) -> Result<Page<Notification>> {
        traced("notifications", &viewer.tenant, async {
            page.validate()?;
            let access = self.access(viewer).await?;
            let store = &self.inner.store;
            let mut items: Vec<Notification> = Vec::with_capacity(page.limit);
            let mut request = page.clone();
            // Each round consumes at least one stored notification, so this ends; the
            // total work is what a client paging through the same list would cause.
            loop {
                let batch = store
                    .notifications(&viewer.tenant, &viewer.person, &request)
                    .await?;
                let ids: Vec<PostId> = batch.items.iter().map(|n| n.post).collect();
                let visible: HashMap<PostId, Post> = store
                    .get_posts(&access, &ids)
                    .await?
                    .into_iter()
                    .map(|v| (v.post.id, v.post))
                    .collect();
                let count = batch.items.len();
                for (i, n) in batch.items.into_iter().enumerate() {
                    if !visible
                        .get(&n.post)
                        .is_some_and(|p| may_read(&access, &n, p))
                    {
                        continue;
                    }
                    items.push(n);
                    if items.len() == page.limit {
                        let more = i + 1 < count || batch.next.is_some();
                        // The notification list's cursor is the last seq (see the trait).
                        let next =
                            more.then(|| Cursor::new(items[items.len() - 1].seq.to_string()));
                        return Ok(Page { items, next });
                    }
                }
                match batch.next {
                    Some(c) => request.cursor = Some(c),
                    None => return Ok(Page { items, next: None }),
                }
            }
        })
        .await
    }

    /// Marks the viewer's notifications up to `up_to` (a [`Notification::seq`]) seen;
    /// returns how many changed.
    pub async fn mark_notifications_seen(&self, viewer: &Viewer, up_to: u64) -> Result<usize> {
        traced("mark_notifications_seen", &viewer.tenant, async {
            self.access(viewer).await?;
            self.inner
                .store
                .mark_notifications_seen(&viewer.tenant, &viewer.person, up_to)
                .await
        })
        .await
    }

    /// Records that the viewer has seen these posts (they drop in the ranked feed). At most
    /// [`MAX_PAGE_SIZE`] per call; posts the viewer may not see are ignored.
    pub async fn mark_seen(&self, viewer: &Viewer, posts: &[PostId]) -> Result<()> {
        traced("mark_seen", &viewer.tenant, async {
            if posts.len() > MAX_PAGE_SIZE {
                return Err(Error::invalid(
                    "posts",
                    format!("at most {MAX_PAGE_SIZE} per call"),
                ));
            }
            let access = self.access(viewer).await?;
            let store = &self.inner.store;
            let visible: Vec<PostId> = store
                .get_posts(&access, posts)
                .await?
                .into_iter()
                .map(|v| v.post.id)
                .collect();
            store
                .mark_posts_seen(&viewer.tenant, &viewer.person, &visible)
                .await
        })
        .await
    }
}

/// Whether `access` may read notification `n` about `post` (a post they see): a reply
/// notification names replies, so it needs the replies to be visible too
/// ([`Access::sees_replies_to`]), checked now, whatever was true when it was created.
fn may_read(access: &Access, n: &Notification, post: &Post) -> bool {
    match n.kind {
        NotificationKind::Reply => access.sees_replies_to(post),
        _ => true,
    }
}

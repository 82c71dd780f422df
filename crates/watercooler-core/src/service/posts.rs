//! Publishing, replying, editing, deleting, pinning and reading posts and threads.

use chrono::{DateTime, Utc};

use super::Watercooler;
use super::compose::mention_notifications;
use super::traced::traced;
use crate::access::{Access, Viewer};
use crate::error::{Error, ErrorKind, Result};
use crate::ids::{GroupId, PersonId, PostId};
use crate::model::{
    Language, NewNotification, NotificationKind, Post, PostEdit, PostView, RequestKey,
    RequestRecord, Revision, Visibility, request_fingerprint,
};
use crate::page::{MAX_PAGE_SIZE, Page, PageRequest};
use crate::store::{Order, PostFilter, PostUpdate};

/// A post to publish.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPost {
    /// The text as typed (normalised to NFC when stored).
    pub text: String,
    /// Its language (`None`: unknown).
    pub language: Option<Language>,
    /// Who may see it.
    pub visibility: Visibility,
    /// An announcement (admins only).
    pub announcement: bool,
    /// The client's idempotency key: a retry with the same key returns the first result
    /// and stores nothing new (see [`NewPost::request_key`]).
    pub request_key: Option<RequestKey>,
}

impl NewPost {
    /// A post for the whole organisation.
    pub fn new(text: impl Into<String>) -> Self {
        NewPost {
            text: text.into(),
            language: None,
            visibility: Visibility::Organization,
            announcement: false,
            request_key: None,
        }
    }

    /// Makes the publish safe to retry: the same key again (from the same person, with the
    /// same text, audience, language and announcement flag) returns the post the first call
    /// made and stores nothing new; the same key with anything else is
    /// [`Error::Conflict`]. Keys are kept as long as the post they made.
    pub fn request_key(mut self, key: RequestKey) -> Self {
        self.request_key = Some(key);
        self
    }

    /// Posts it in a group (members only).
    pub fn in_group(mut self, group: impl Into<GroupId>) -> Self {
        self.visibility = Visibility::group(group);
        self
    }

    /// Sends it to these people only.
    pub fn direct_to(mut self, recipients: impl IntoIterator<Item = PersonId>) -> Self {
        self.visibility = Visibility::direct(recipients);
        self
    }

    /// Sets its language.
    pub fn language(mut self, language: Language) -> Self {
        self.language = Some(language);
        self
    }

    /// Makes it an announcement.
    pub fn announcement(mut self) -> Self {
        self.announcement = true;
        self
    }
}

/// A thread: its root and a page of replies, oldest first.
#[derive(Debug, Clone, PartialEq)]
pub struct Thread {
    /// The root post.
    pub root: PostView,
    /// Replies, oldest first.
    pub replies: Page<PostView>,
}

impl Watercooler {
    /// Publishes a post: validates and extracts its text, resolves mentions within the
    /// tenant, stores it with its change-log entry, and notifies the mentioned people who
    /// may see it (a mention never grants access).
    ///
    /// Errors: [`Error::Invalid`] for bad text or recipients, [`Error::Forbidden`] for a
    /// group the author is not in or an announcement by a non-admin, [`Error::NotFound`] for
    /// an unknown group. Nothing is stored on error.
    pub async fn publish(&self, viewer: &Viewer, post: NewPost) -> Result<Post> {
        traced("publish", &viewer.tenant, async {
            let access = self.access(viewer).await?;
            let request = match &post.request_key {
                Some(key) => {
                    let fingerprint = publish_fingerprint(&post);
                    if let Some(first) = self.find_request(&access, key, fingerprint).await? {
                        return Ok(first);
                    }
                    Some((key.clone(), fingerprint))
                }
                None => None,
            };
            let visibility = self.check_audience(&access, &post).await?;
            let composed = self.compose(&post.text)?;
            let now = self.now();
            let mentions = self
                .resolve_mentions(&viewer.tenant, &viewer.person, &visibility, &composed)
                .await?;
            let post = Post {
                id: self.inner.ids.next(now),
                tenant: viewer.tenant.clone(),
                author: viewer.person.clone(),
                text: composed.text,
                language: post.language.unwrap_or_default(),
                created_at: now,
                edited_at: None,
                visibility,
                reply_to: None,
                thread_root: None,
                announcement: post.announcement,
                pinned_until: None,
                hashtags: composed.hashtags,
                mentions,
                urls: composed.urls,
            };
            let notes = mention_notifications(post.id, &post.author, &post.mentions, &[], now);
            self.store_post(&access, post, &notes, request).await
        })
        .await
    }

    /// Checks who a new post goes to; returns its visibility (recipients sorted, deduped).
    async fn check_audience(&self, access: &Access, post: &NewPost) -> Result<Visibility> {
        post.visibility.check_ids()?;
        if post.announcement && !access.is_admin() {
            return Err(Error::forbidden("only admins publish announcements"));
        }
        match &post.visibility {
            Visibility::Organization => Ok(Visibility::Organization),
            Visibility::Group { group } => {
                if access.is_member(group) {
                    return Ok(post.visibility.clone());
                }
                match self.inner.directory.group(access.tenant(), group).await? {
                    Some(_) => Err(Error::forbidden("only members post in a group")),
                    None => Err(Error::not_found("group")),
                }
            }
            Visibility::Direct { recipients } => {
                let visibility = Visibility::direct(recipients.iter().cloned());
                let Visibility::Direct { recipients } = &visibility else {
                    return Err(Error::invalid("recipients", "not a direct visibility"));
                };
                if recipients.is_empty() || recipients.len() > MAX_PAGE_SIZE {
                    return Err(Error::invalid(
                        "recipients",
                        format!("between 1 and {MAX_PAGE_SIZE} people"),
                    ));
                }
                let known = self
                    .inner
                    .directory
                    .people(access.tenant(), recipients)
                    .await?;
                if known.len() != recipients.len() {
                    return Err(Error::invalid(
                        "recipients",
                        "someone is not in the directory",
                    ));
                }
                Ok(visibility)
            }
        }
    }

    /// Replies to a post the viewer may see. The reply takes its thread root's visibility
    /// and its parent's language; the parent's author is notified.
    pub async fn reply(&self, viewer: &Viewer, parent: &PostId, text: &str) -> Result<Post> {
        self.reply_keyed(viewer, parent, text, None).await
    }

    /// [`Watercooler::reply`], safe to retry: the same `key` again (from the same person,
    /// to the same parent, with the same text) returns the reply the first call made and
    /// stores nothing new; the same key with anything else is [`Error::Conflict`].
    pub async fn reply_once(
        &self,
        viewer: &Viewer,
        parent: &PostId,
        text: &str,
        key: RequestKey,
    ) -> Result<Post> {
        self.reply_keyed(viewer, parent, text, Some(key)).await
    }

    async fn reply_keyed(
        &self,
        viewer: &Viewer,
        parent: &PostId,
        text: &str,
        key: Option<RequestKey>,
    ) -> Result<Post> {
        traced("reply", &viewer.tenant, async {
            let access = self.access(viewer).await?;
            let request = match key {
                Some(key) => {
                    let parent = parent.to_bytes();
                    let fingerprint =
                        request_fingerprint([&b"reply"[..], &parent[..], text.as_bytes()]);
                    if let Some(first) = self.find_request(&access, &key, fingerprint).await? {
                        return Ok(first);
                    }
                    Some((key, fingerprint))
                }
                None => None,
            };
            let parent = self.visible_post(&access, parent).await?.post;
            let composed = self.compose(text)?;
            let now = self.now();
            let visibility = parent.visibility.for_reply_to(&parent.author);
            let mentions = self
                .resolve_mentions(&viewer.tenant, &viewer.person, &visibility, &composed)
                .await?;
            let post = Post {
                id: self.inner.ids.next(now),
                tenant: viewer.tenant.clone(),
                author: viewer.person.clone(),
                text: composed.text,
                language: parent.language.clone(),
                created_at: now,
                edited_at: None,
                visibility,
                reply_to: Some(parent.id),
                thread_root: Some(parent.thread_id()),
                announcement: false,
                pinned_until: None,
                hashtags: composed.hashtags,
                mentions,
                urls: composed.urls,
            };
            let mut notes = self
                .reply_notification(&post, &parent.author, parent.id, now)
                .await?;
            notes.extend(mention_notifications(
                post.id,
                &post.author,
                &post.mentions,
                &[],
                now,
            ));
            self.store_post(&access, post, &notes, request).await
        })
        .await
    }

    /// Edits the viewer's own post: re-extracts, keeps the old text as a revision, notifies
    /// only newly mentioned people. An unchanged text changes nothing.
    pub async fn edit(&self, viewer: &Viewer, id: &PostId, text: &str) -> Result<Post> {
        traced("edit", &viewer.tenant, async {
            let access = self.access(viewer).await?;
            let mut post = self.visible_post(&access, id).await?.post;
            if post.author != viewer.person {
                return Err(Error::forbidden("only the author edits a post"));
            }
            let composed = self.compose(text)?;
            if composed.text == post.text {
                return Ok(post);
            }
            let now = self.now();
            let mentions = self
                .resolve_mentions(&viewer.tenant, &post.author, &post.visibility, &composed)
                .await?;
            let notes =
                mention_notifications(post.id, &post.author, &mentions, &post.mentions, now);
            let edit = PostEdit {
                id: post.id,
                text: composed.text,
                edited_at: now,
                hashtags: composed.hashtags,
                mentions,
                urls: composed.urls,
            };
            self.inner
                .store
                .update_post(&viewer.tenant, &PostUpdate::text(edit.clone(), notes))
                .await?;
            self.search_after_write(true).await;
            post.text = edit.text;
            post.edited_at = Some(now);
            post.hashtags = edit.hashtags;
            post.mentions = edit.mentions;
            post.urls = edit.urls;
            Ok(post)
        })
        .await
    }

    /// Deletes the viewer's own post (or any visible post, for an admin). Deleting a thread
    /// root deletes its replies.
    pub async fn delete(&self, viewer: &Viewer, id: &PostId) -> Result<()> {
        traced("delete", &viewer.tenant, async {
            let access = self.access(viewer).await?;
            let post = self.visible_post(&access, id).await?.post;
            if post.author != viewer.person && !access.is_admin() {
                return Err(Error::forbidden(
                    "only the author or an admin deletes a post",
                ));
            }
            let now = self.now();
            self.inner
                .store
                .delete_post(&viewer.tenant, id, now)
                .await?;
            self.search_after_write(true).await;
            Ok(())
        })
        .await
    }

    /// Pins an announcement on top of feeds until `until` (admins only).
    pub async fn pin(&self, viewer: &Viewer, id: &PostId, until: DateTime<Utc>) -> Result<()> {
        traced("pin", &viewer.tenant, async {
            let access = self.admin_access(viewer).await?;
            let post = self.visible_post(&access, id).await?.post;
            if !post.announcement {
                return Err(Error::invalid("post", "only announcements are pinned"));
            }
            let now = self.now();
            if until <= now {
                return Err(Error::invalid("until", "must be in the future"));
            }
            self.inner
                .store
                .set_pinned(&viewer.tenant, id, Some(until), now)
                .await?;
            self.inner.live.wake();
            Ok(())
        })
        .await
    }

    /// Unpins an announcement (admins only). Unpinning a post that is not pinned changes
    /// nothing.
    pub async fn unpin(&self, viewer: &Viewer, id: &PostId) -> Result<()> {
        traced("unpin", &viewer.tenant, async {
            let access = self.admin_access(viewer).await?;
            let post = self.visible_post(&access, id).await?.post;
            if post.pinned_until.is_some() {
                let now = self.now();
                self.inner
                    .store
                    .set_pinned(&viewer.tenant, id, None, now)
                    .await?;
                self.inner.live.wake();
            }
            Ok(())
        })
        .await
    }

    /// A post the viewer may see ([`crate::Error::NotFound`] otherwise).
    pub async fn post(&self, viewer: &Viewer, id: &PostId) -> Result<PostView> {
        traced("post", &viewer.tenant, async {
            let access = self.access(viewer).await?;
            self.visible_post(&access, id).await
        })
        .await
    }

    /// A thread the viewer may see: its root and a page of replies, oldest first. `id` may
    /// name the root or any reply in the thread.
    pub async fn thread(&self, viewer: &Viewer, id: &PostId, page: &PageRequest) -> Result<Thread> {
        traced("thread", &viewer.tenant, async {
            page.validate()?;
            let access = self.access(viewer).await?;
            let mut root = self.visible_post(&access, id).await?;
            if let Some(root_id) = root.post.thread_root {
                root = self.visible_post(&access, &root_id).await?;
            }
            let filter = PostFilter {
                thread: Some(root.post.id),
                include_replies: true,
                order: Order::OldestFirst,
                ..PostFilter::default()
            };
            let mut replies = self.inner.store.list_posts(&access, &filter, page).await?;
            self.counts_for_viewer(&access, &mut replies.items).await?;
            Ok(Thread { root, replies })
        })
        .await
    }

    /// Earlier texts of an edited post the viewer may see.
    pub async fn revisions(&self, viewer: &Viewer, id: &PostId) -> Result<Vec<Revision>> {
        traced("revisions", &viewer.tenant, async {
            let access = self.access(viewer).await?;
            self.visible_post(&access, id).await?;
            self.inner.store.revisions(&access, id).await
        })
        .await
    }

    /// A post `access` may see; missing and invisible are the same [`Error::NotFound`].
    pub(crate) async fn visible_post(&self, access: &Access, id: &PostId) -> Result<PostView> {
        let mut view = self
            .inner
            .store
            .get_post(access, id)
            .await?
            .ok_or(Error::not_found("post"))?;
        self.count_for_viewer(access, &mut view).await?;
        Ok(view)
    }

    /// Stores a new post with its notifications, keeping the client's request key with it
    /// when there is one, and wakes the search index.
    async fn store_post(
        &self,
        access: &Access,
        post: Post,
        notes: &[NewNotification],
        request: Option<(RequestKey, u64)>,
    ) -> Result<Post> {
        let store = &self.inner.store;
        match request {
            None => {
                store.insert_post(&post, notes).await?;
            }
            Some((key, fingerprint)) => {
                let record = RequestRecord {
                    person: post.author.clone(),
                    key: key.clone(),
                    fingerprint,
                    post: post.id,
                    at: post.created_at,
                };
                if let Err(e) = store.insert_post_once(&post, notes, &record).await {
                    // A concurrent retry with the same key won the race: answer as it did.
                    if e.kind() == ErrorKind::AlreadyExists
                        && let Some(first) = self.find_request(access, &key, fingerprint).await?
                    {
                        return Ok(first);
                    }
                    return Err(e);
                }
            }
        }
        self.search_after_write(false).await;
        Ok(post)
    }

    /// The post an earlier request with `key` made, if there was one: the same request
    /// again gets that post; another request under the same key is [`Error::Conflict`].
    async fn find_request(
        &self,
        access: &Access,
        key: &RequestKey,
        fingerprint: u64,
    ) -> Result<Option<Post>> {
        let store = &self.inner.store;
        let Some(first) = store
            .find_request(access.tenant(), access.person(), key)
            .await?
        else {
            return Ok(None);
        };
        if first.fingerprint != fingerprint {
            return Err(Error::Conflict(format!(
                "request key {} was used for another request",
                key.as_str()
            )));
        }
        Ok(Some(self.visible_post(access, &first.post).await?.post))
    }

    /// The reply notification to the parent's author, unless they reply to themselves or may
    /// not see the reply (they left the group the thread is in since they wrote the parent,
    /// or were never in it: an import). A notification never names a post, actor or count
    /// its recipient may not see; the reading side checks again (`notifications.rs`).
    pub(crate) async fn reply_notification(
        &self,
        reply: &Post,
        parent_author: &PersonId,
        parent: PostId,
        at: DateTime<Utc>,
    ) -> Result<Vec<NewNotification>> {
        if parent_author == &reply.author {
            return Ok(Vec::new());
        }
        // Only a group thread can hide its replies from the parent's author (a direct
        // reply adds them to its recipients); only then are their groups looked up.
        let groups = match &reply.visibility {
            Visibility::Group { .. } => {
                self.inner
                    .directory
                    .groups_of(&reply.tenant, parent_author)
                    .await?
            }
            _ => Vec::new(),
        };
        let recipient = Access::new(reply.tenant.clone(), parent_author.clone(), groups, false);
        if !recipient.can_see(reply) {
            return Ok(Vec::new());
        }
        Ok(vec![NewNotification {
            recipient: parent_author.clone(),
            kind: NotificationKind::Reply,
            post: parent,
            actor: reply.author.clone(),
            at,
            subject: Some(reply.id),
        }])
    }

    /// The viewer's access, if they are an admin ([`Error::Forbidden`] otherwise).
    async fn admin_access(&self, viewer: &Viewer) -> Result<Access> {
        let access = self.access(viewer).await?;
        if !access.is_admin() {
            return Err(Error::forbidden("only admins pin announcements"));
        }
        Ok(access)
    }
}

/// The fingerprint of a publish request: what must be equal for a retry to be the same
/// request. Recipients are sorted (as stored), so their order does not matter.
fn publish_fingerprint(post: &NewPost) -> u64 {
    let audience: Vec<String> = match &post.visibility {
        Visibility::Organization => vec!["organization".into()],
        Visibility::Group { group } => vec!["group".into(), group.to_string()],
        Visibility::Direct { recipients } => {
            let mut sorted: Vec<String> = recipients.iter().map(|p| p.to_string()).collect();
            sorted.sort();
            sorted.dedup();
            std::iter::once("direct".to_owned()).chain(sorted).collect()
        }
    };
    let language = post.language.as_ref().map_or("", |l| l.as_str());
    let flag: &[u8] = if post.announcement { b"1" } else { b"0" };
    request_fingerprint(
        [
            &b"publish"[..],
            post.text.as_bytes(),
            language.as_bytes(),
            flag,
        ]
        .into_iter()
        .chain(audience.iter().map(|a| a.as_bytes())),
    )
}

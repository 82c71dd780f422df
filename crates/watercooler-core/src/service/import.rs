//! Importing posts from another system (a migration, or test data) with their original
//! ids and times. The text goes through exactly what [`Watercooler::publish`] does — NFC,
//! validation, extraction, mention resolution with visibility — but the author's permission
//! to post where they did is taken from the source system and not checked again.
//!
//! Storing an import publishes in someone else's name, so [`Admin::import`] is an admin's
//! call. [`Watercooler::prepare_import`] stays on the service: it stores nothing, and a bulk
//! loader that writes its result goes through the [`crate::Store`], which only the host's
//! own code holds.

use chrono::{DateTime, Utc};

use super::compose::mention_notifications;
use super::posts::NewPost;
use super::traced::traced;
use super::{Admin, Watercooler};
use crate::error::{Error, Result};
use crate::ids::{PersonId, PostId, TenantId};
use crate::model::{NewNotification, Post, Visibility};

/// What an import needs to know about the parent of a reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParentRef {
    /// The parent's id.
    pub id: PostId,
    /// The parent's author (notified of the reply).
    pub author: PersonId,
    /// The thread's root (the parent itself when it is a root).
    pub thread_root: PostId,
    /// The thread's visibility, which the reply takes.
    pub visibility: Visibility,
}

impl ParentRef {
    /// The reference to `post` as a parent.
    pub fn of(post: &Post) -> Self {
        ParentRef {
            id: post.id,
            author: post.author.clone(),
            thread_root: post.thread_id(),
            visibility: post.visibility.clone(),
        }
    }
}

/// A post to import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedPost {
    /// Its id (see [`PostId::from_parts`] to make one from the original time).
    pub id: PostId,
    /// Who wrote it (must be in the directory).
    pub author: PersonId,
    /// When it was written.
    pub created_at: DateTime<Utc>,
    /// Text, language, visibility and announcement flag. A reply's visibility is taken
    /// from its parent instead.
    pub post: NewPost,
    /// The parent, for a reply.
    pub parent: Option<ParentRef>,
}

impl Watercooler {
    /// Builds the [`Post`] an import would store, and the notifications publishing it
    /// would have caused (mentions, and the reply to the parent's author), without storing
    /// anything: callers batch the posts with their notifications into
    /// [`crate::Store::insert_posts_with_notifications`] (or pass each to
    /// [`crate::Store::insert_post`]).
    ///
    /// Errors: [`Error::Invalid`] for text the limits refuse, [`Error::NotFound`] for an
    /// author not in the directory.
    pub async fn prepare_import(
        &self,
        tenant: &TenantId,
        item: ImportedPost,
    ) -> Result<(Post, Vec<NewNotification>)> {
        let dir = &self.inner.directory;
        if dir.person(tenant, &item.author).await?.is_none() {
            return Err(Error::not_found("person"));
        }
        let composed = self.compose(&item.post.text)?;
        let visibility = match &item.parent {
            Some(p) => p.visibility.for_reply_to(&p.author),
            None => match item.post.visibility {
                Visibility::Direct { recipients } => Visibility::direct(recipients),
                v => v,
            },
        };
        let mentions = self
            .resolve_mentions(tenant, &item.author, &visibility, &composed)
            .await?;
        let post = Post {
            id: item.id,
            tenant: tenant.clone(),
            author: item.author,
            text: composed.text,
            language: item.post.language.unwrap_or_default(),
            created_at: item.created_at,
            edited_at: None,
            visibility,
            reply_to: item.parent.as_ref().map(|p| p.id),
            thread_root: item.parent.as_ref().map(|p| p.thread_root),
            announcement: item.post.announcement,
            pinned_until: None,
            hashtags: composed.hashtags,
            mentions,
            urls: composed.urls,
        };
        let at = post.created_at;
        let mut notes = match &item.parent {
            Some(p) => self.reply_notification(&post, &p.author, p.id, at).await?,
            None => Vec::new(),
        };
        notes.extend(mention_notifications(
            post.id,
            &post.author,
            &post.mentions,
            &[],
            at,
        ));
        Ok((post, notes))
    }
}

impl Admin<'_> {
    /// Imports one post into the admin's tenant with its notifications:
    /// [`Watercooler::prepare_import`], then [`crate::Store::insert_post`].
    pub async fn import(&self, item: ImportedPost) -> Result<Post> {
        let (wc, tenant) = (self.wc, self.tenant());
        traced("import", tenant, async {
            let (post, notes) = wc.prepare_import(tenant, item).await?;
            wc.inner.store.insert_post(&post, &notes).await?;
            wc.search_after_write(false).await;
            Ok(post)
        })
        .await
    }
}

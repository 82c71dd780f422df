//! Publishing, replying, editing, deleting, pinning and reading posts and threads.

use chrono::{DateTime, Utc};

use super::Watercooler;
use crate::access::Viewer;
use crate::error::Result;
use crate::ids::{GroupId, PersonId, PostId};
use crate::model::{Language, Post, PostView, Revision, Visibility};
use crate::page::{Page, PageRequest};

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
}

impl NewPost {
    /// A post for the whole organisation.
    pub fn new(text: impl Into<String>) -> Self {
        NewPost {
            text: text.into(),
            language: None,
            visibility: Visibility::Organization,
            announcement: false,
        }
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

#[allow(unused_variables, clippy::todo)]
impl Watercooler {
    /// Publishes a post: validates and extracts its text, resolves mentions within the
    /// tenant, stores it with its change-log entry, and notifies the mentioned people who
    /// may see it (a mention never grants access).
    pub async fn publish(&self, viewer: &Viewer, post: NewPost) -> Result<Post> {
        todo!()
    }

    /// Replies to a post the viewer may see. The reply takes its thread root's visibility.
    pub async fn reply(&self, viewer: &Viewer, parent: &PostId, text: &str) -> Result<Post> {
        todo!()
    }

    /// Edits the viewer's own post: re-extracts, keeps the old text as a revision, notifies
    /// only newly mentioned people.
    pub async fn edit(&self, viewer: &Viewer, id: &PostId, text: &str) -> Result<Post> {
        todo!()
    }

    /// Deletes the viewer's own post (or any visible post, for an admin).
    pub async fn delete(&self, viewer: &Viewer, id: &PostId) -> Result<()> {
        todo!()
    }

    /// Pins an announcement on top of feeds until `until` (admins only).
    pub async fn pin(&self, viewer: &Viewer, id: &PostId, until: DateTime<Utc>) -> Result<()> {
        todo!()
    }

    /// Unpins an announcement (admins only).
    pub async fn unpin(&self, viewer: &Viewer, id: &PostId) -> Result<()> {
        todo!()
    }

    /// A post the viewer may see ([`crate::Error::NotFound`] otherwise).
    pub async fn post(&self, viewer: &Viewer, id: &PostId) -> Result<PostView> {
        todo!()
    }

    /// A thread the viewer may see: its root and a page of replies.
    pub async fn thread(&self, viewer: &Viewer, id: &PostId, page: &PageRequest) -> Result<Thread> {
        todo!()
    }

    /// Earlier texts of an edited post the viewer may see.
    pub async fn revisions(&self, viewer: &Viewer, id: &PostId) -> Result<Vec<Revision>> {
        todo!()
    }
}

//! The storage boundary: one async trait, [`Store`], that every backend implements (the
//! in-memory [`MemoryStore`], SQLite, PostgreSQL, or the host's own database), and the plain
//! query types it takes. `watercooler-testkit` proves a backend implements it correctly.
//!
//! Rules every implementation keeps:
//! - Every call is scoped to one tenant; nothing ever crosses tenants.
//! - Reads take an [`Access`] and return only what [`Access::can_see`] allows, filtering
//!   inside the query (so pages, counts and cursors never include invisible posts).
//!   The few calls without an `Access` are for derived state (search indexing, erasure,
//!   export) and say so.
//! - A write and its change-log entry are atomic: both happen or neither does.
//! - Lists are paginated with cursors; no item is lost or repeated while posts are added.

mod batch;
pub mod checks;
pub mod cursor;
mod memory;
mod query;

pub use batch::group_by_tenant;
pub use memory::MemoryStore;
pub use query::{
    Candidate, CandidateQuery, CandidateSources, ErasureReport, Order, PersonData, PostFilter,
    TagBucket, TagSuggestion,
};

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::access::Access;
use crate::error::Result;
use crate::ids::{PersonId, PostId, Seq, TenantId};
use crate::model::{
    Change, FollowTarget, MuteTarget, NewNotification, Notification, Post, PostEdit, PostView,
    Reaction, ReactionKind, RequestKey, RequestRecord, Revision,
};
use crate::page::{Page, PageRequest};

/// How long the default [`Store::wait_for_change`] sleeps: the polling interval of a store
/// that cannot wake its followers.
pub const DEFAULT_CHANGE_POLL: std::time::Duration = std::time::Duration::from_millis(200);

/// Waits on `notify` (which the store signals after every write that appends to its log)
/// until `last()` is past `after` or `timeout` passes: the in-process
/// [`Store::wait_for_change`] of the memory and SQLite stores. The waiter registers before
/// it reads the position, so a write between the two is never missed.
pub async fn wait_on_notify<F, Fut>(
    notify: &tokio::sync::Notify,
    after: Seq,
    timeout: std::time::Duration,
    last: F,
) -> Result<()>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Result<Seq>>,
{
    let notified = notify.notified();
    let mut notified = std::pin::pin!(notified);
    notified.as_mut().enable();
    if last().await? > after {
        return Ok(());
    }
    let _ = tokio::time::timeout(timeout, notified).await;
    Ok(())
}

/// Durable (or not) storage of everything watercooler keeps. Usable as `Arc<dyn Store>`.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    // ----- posts: writes ------------------------------------------------------------------

    /// Stores a new post, its `Created` change-log entry and the notifications it causes, in
    /// one atomic step. For a reply, also counts it on its thread root (replies, last
    /// activity) and as an interaction of the reply's author with the parent's author.
    /// A post whose id exists gives [`crate::Error::AlreadyExists`]; ids that fail
    /// [`checks::check_new_posts`] give [`crate::Error::Invalid`] (every write checks its
    /// host ids with [`checks`]).
    async fn insert_post(&self, post: &Post, notifications: &[NewNotification]) -> Result<Seq>;

    /// Stores many posts at once (bulk import; no notifications). Atomic per call. The
    /// default inserts them one by one; SQL stores batch them in one transaction.
    ///
    /// Search: a write to the store does not wake the search index, which finds the posts
    /// at its next poll of the change log. To have them searchable at once, call
    /// [`crate::Watercooler::refresh_search`] (or [`crate::search::SearchIndex::refresh`])
    /// after the load.
    async fn insert_posts(&self, posts: &[Post]) -> Result<Seq> {
        let mut last = Seq::default();
        for p in posts {
            last = self.insert_post(p, &[]).await?;
        }
        Ok(last)
    }

    /// Stores many posts, each with the notifications it causes, as if by calling
    /// [`Store::insert_post`] for each item in order: the same rows, counters, change-log
    /// entries (one `Created` per post, in order) and notifications. Parents must come
    /// before their replies. Returns the seq of the last entry (for an empty batch, the
    /// newest seq, as [`Store::last_seq`]).
    ///
    /// For imports that carry notifications (posts with mentions, replies), which
    /// [`Store::insert_posts`] cannot take. The default calls `insert_post` for each item
    /// and is not atomic: an error stops it with the earlier items stored. The shipped
    /// stores override it to be atomic per call (one transaction: a failing item stores
    /// nothing of the batch) and to write far fewer statements; a store for another
    /// database should too.
    ///
    /// Search: as with [`Store::insert_posts`], the search index finds the posts at its
    /// next poll; call [`crate::Watercooler::refresh_search`] after the load to have them
    /// searchable at once.
    async fn insert_posts_with_notifications(
        &self,
        items: &[(Post, Vec<NewNotification>)],
    ) -> Result<Seq> {
        if items.is_empty() {
            return self.last_seq().await;
        }
        let mut last = Seq::default();
        for (post, notifications) in items {
            last = self.insert_post(post, notifications).await?;
        }
        Ok(last)
    }

    // ----- idempotent writes (optional) --------------------------------------------------

    /// Stores a post exactly as [`Store::insert_post`] does and, in the same atomic step,
    /// keeps `request`: the client's key for the write that made it. If `request.person`
    /// already has a request with that key, nothing is stored and the answer is
    /// [`crate::Error::AlreadyExists`]; the service then reads the first request back with
    /// [`Store::find_request`]. A request is kept as long as its post: deleting the post
    /// (or erasing its author) removes it.
    ///
    /// Optional: the default refuses with [`crate::Error::Invalid`] ("this store does not
    /// keep request keys"), so keyed writes fail loudly on a store without the capability
    /// rather than lose their promise. The shipped stores implement it.
    async fn insert_post_once(
        &self,
        post: &Post,
        notifications: &[NewNotification],
        request: &RequestRecord,
    ) -> Result<Seq> {
        let _ = (post, notifications, request);
        Err(crate::Error::invalid(
            "request key",
            "this store does not keep request keys",
        ))
    }

    /// The request `person` of `tenant` made with `key`, if it is kept (see
    /// [`Store::insert_post_once`]). The default keeps none.
    async fn find_request(
        &self,
        tenant: &TenantId,
        person: &PersonId,
        key: &RequestKey,
    ) -> Result<Option<RequestRecord>> {
        let _ = (tenant, person, key);
        Ok(None)
    }

    /// Replaces a post's text and entities, keeping the old text as a [`Revision`], and
    /// writes an `Edited` change-log entry and the notifications, atomically.
    /// [`crate::Error::NotFound`] if the post does not exist.
    async fn update_post(
        &self,
        tenant: &TenantId,
        edit: &PostEdit,
        notifications: &[NewNotification],
    ) -> Result<Seq>;

    /// Pins (`Some(until)`) or unpins (`None`) a post; writes an `Edited` entry.
    async fn set_pinned(
        &self,
        tenant: &TenantId,
        id: &PostId,
        until: Option<DateTime<Utc>>,
        at: DateTime<Utc>,
    ) -> Result<Seq>;

    /// Deletes a post from every read path, with its revisions, reactions and the
    /// notifications about it. Deleting a thread root deletes the whole thread. Each deleted
    /// post gets a `Deleted` entry; returns the last. [`crate::Error::NotFound`] if absent.
    async fn delete_post(&self, tenant: &TenantId, id: &PostId, at: DateTime<Utc>) -> Result<Seq>;

    // ----- posts: reads (visibility filtered) --------------------------------------------

    /// A post the viewer may see, or `None` (also when it exists but is invisible).
    async fn get_post(&self, access: &Access, id: &PostId) -> Result<Option<PostView>>;

    /// The posts among `ids` the viewer may see, in the order of `ids`.
    async fn get_posts(&self, access: &Access, ids: &[PostId]) -> Result<Vec<PostView>>;

    /// A chronological page of the visible posts matching `filter`. The cursor carries the
    /// last post id, so posts published while paging never shift later pages.
    async fn list_posts(
        &self,
        access: &Access,
        filter: &PostFilter,
        page: &PageRequest,
    ) -> Result<Page<PostView>>;

    /// Earlier texts of a visible post, oldest first (empty if never edited or invisible).
    async fn revisions(&self, access: &Access, id: &PostId) -> Result<Vec<Revision>>;

    /// Candidates for a ranked home feed (see [`CandidateQuery`]), visible only.
    async fn feed_candidates(
        &self,
        access: &Access,
        query: &CandidateQuery,
    ) -> Result<Vec<Candidate>>;

    /// Distinct authors per hashtag key per time bucket since `since`, over the posts the
    /// viewer may see: the raw material of trends.
    async fn tag_activity(
        &self,
        access: &Access,
        since: DateTime<Utc>,
        bucket_seconds: i64,
    ) -> Result<Vec<TagBucket>>;

    /// Hashtags whose key starts with `key_prefix`, used in posts the viewer may see, most
    /// used first; at most `limit`.
    async fn suggest_tags(
        &self,
        access: &Access,
        key_prefix: &str,
        limit: usize,
    ) -> Result<Vec<TagSuggestion>>;

    // ----- posts: reads for derived state (no visibility filter) -------------------------

    /// Posts by id regardless of visibility, for the search index and other derived state
    /// that enforces visibility itself. Never hand the result to a viewer.
    async fn posts_for_indexing(&self, tenant: &TenantId, ids: &[PostId]) -> Result<Vec<Post>>;

    /// Every live post of every tenant in (tenant, id) order, after `after`, at most
    /// `limit`: for rebuilding derived state. Never hand the result to a viewer.
    async fn scan_posts(
        &self,
        after: Option<(TenantId, PostId)>,
        limit: usize,
    ) -> Result<Vec<Post>>;

    // ----- reactions ---------------------------------------------------------------------

    /// Adds a reaction (one per person, post and kind) and its notification, atomically.
    /// Returns `false` if it already existed (nothing changes). Also counts an interaction
    /// of the reacting person with the post's author. [`crate::Error::NotFound`] if the post
    /// does not exist.
    async fn add_reaction(
        &self,
        tenant: &TenantId,
        reaction: &Reaction,
        notification: Option<&NewNotification>,
    ) -> Result<bool>;

    /// Adds many reactions (bulk import, no notifications); existing ones are skipped.
    /// Returns how many were new.
    ///
    /// Search: reactions are not indexed (and write no change-log entry), so the search
    /// index needs no refresh after this.
    async fn add_reactions(&self, tenant: &TenantId, reactions: &[Reaction]) -> Result<usize> {
        let mut n = 0;
        for r in reactions {
            n += usize::from(self.add_reaction(tenant, r, None).await?);
        }
        Ok(n)
    }

    /// Removes a reaction; returns whether it existed. When the person has no reaction left
    /// on the post, they are removed from the post author's reaction notification.
    async fn remove_reaction(
        &self,
        tenant: &TenantId,
        post: &PostId,
        person: &PersonId,
        kind: ReactionKind,
    ) -> Result<bool>;

    /// The reactions on a visible post, newest first.
    async fn reactions(
        &self,
        access: &Access,
        post: &PostId,
        page: &PageRequest,
    ) -> Result<Page<Reaction>>;

    /// How often `person` interacted (reacted or replied) with each author: affinity for
    /// ranking. At most `limit` authors, most interacted first.
    async fn interactions(
        &self,
        tenant: &TenantId,
        person: &PersonId,
        limit: usize,
    ) -> Result<Vec<(PersonId, u32)>>;

    // ----- follows and mutes -------------------------------------------------------------

    /// Follows; returns `false` if already followed.
    async fn follow(
        &self,
        tenant: &TenantId,
        person: &PersonId,
        target: &FollowTarget,
    ) -> Result<bool>;

    /// Many follows of one tenant at once (people following targets), as if by calling
    /// [`Store::follow`] for each in order; returns how many were new (a follow that
    /// exists, or comes twice in the batch, is not).
    ///
    /// For imports. The default calls `follow` for each and is not atomic: an error stops
    /// it with the earlier follows stored. The shipped stores override it to be atomic per
    /// call (one transaction, so one fsync or commit per batch rather than per follow); a
    /// store for another database should too.
    ///
    /// Search: follows are not indexed and do not change what a viewer may find, so the
    /// search index needs no refresh after this.
    async fn follow_many(
        &self,
        tenant: &TenantId,
        follows: &[(PersonId, FollowTarget)],
    ) -> Result<usize> {
        let mut new = 0;
        for (person, target) in follows {
            new += usize::from(self.follow(tenant, person, target).await?);
        }
        Ok(new)
    }

    /// Unfollows; returns whether it was followed.
    async fn unfollow(
        &self,
        tenant: &TenantId,
        person: &PersonId,
        target: &FollowTarget,
    ) -> Result<bool>;

    /// What `person` follows, in a stable order.
    async fn follows(
        &self,
        tenant: &TenantId,
        person: &PersonId,
        page: &PageRequest,
    ) -> Result<Page<FollowTarget>>;

    /// Mutes; returns `false` if already muted.
    async fn mute(&self, tenant: &TenantId, person: &PersonId, target: &MuteTarget)
    -> Result<bool>;

    /// Unmutes; returns whether it was muted.
    async fn unmute(
        &self,
        tenant: &TenantId,
        person: &PersonId,
        target: &MuteTarget,
    ) -> Result<bool>;

    /// What `person` muted, in a stable order.
    async fn mutes(
        &self,
        tenant: &TenantId,
        person: &PersonId,
        page: &PageRequest,
    ) -> Result<Page<MuteTarget>>;

    // ----- notifications and seen state --------------------------------------------------

    /// `person`'s notifications, most recently updated first. The cursor is the decimal
    /// [`Notification::seq`] of the last notification of the page (the page after it holds
    /// those with a smaller seq), so the service can continue from any notification.
    async fn notifications(
        &self,
        tenant: &TenantId,
        person: &PersonId,
        page: &PageRequest,
    ) -> Result<Page<Notification>>;

    /// Marks `person`'s notifications with `seq <= up_to` seen; returns how many changed.
    async fn mark_notifications_seen(
        &self,
        tenant: &TenantId,
        person: &PersonId,
        up_to: u64,
    ) -> Result<usize>;

    /// Records that `person` has seen these posts (they drop in their ranked feed).
    async fn mark_posts_seen(
        &self,
        tenant: &TenantId,
        person: &PersonId,
        posts: &[PostId],
    ) -> Result<()>;

    /// Which of `posts` `person` has seen.
    async fn seen_posts(
        &self,
        tenant: &TenantId,
        person: &PersonId,
        posts: &[PostId],
    ) -> Result<Vec<PostId>>;

    // ----- change log --------------------------------------------------------------------

    /// Change-log entries with `seq > after`, in order, at most `limit`, all tenants.
    async fn changes(&self, after: Seq, limit: usize) -> Result<Vec<Change>>;

    /// The newest sequence number (0 when the log is empty).
    async fn last_seq(&self) -> Result<Seq>;

    /// Waits until the log may hold an entry after `after`, or until `timeout` has passed,
    /// whichever comes first; then returns `Ok(())` either way. Followers of the log (live
    /// subscriptions, [`crate::Watercooler::subscribe`]) call it when they have read
    /// everything, so that an idle follower costs nothing and a new entry reaches them at
    /// once. A spurious early return is allowed: the caller reads [`Store::changes`] and
    /// waits again.
    ///
    /// Optional: the default sleeps [`DEFAULT_CHANGE_POLL`] (or `timeout`, if shorter), so
    /// a store without the capability is polled about five times a second while someone
    /// follows it. The memory and SQLite stores wake their waiters in process on every
    /// write that appends to the log; the PostgreSQL store also across servers, through
    /// `LISTEN`/`NOTIFY`.
    async fn wait_for_change(&self, after: Seq, timeout: std::time::Duration) -> Result<()> {
        let _ = after;
        tokio::time::sleep(timeout.min(DEFAULT_CHANGE_POLL)).await;
        Ok(())
    }

    // ----- privacy (GDPR) ----------------------------------------------------------------

    /// Erases a person: their posts and replies (each with an `Erased` entry) and those
    /// posts' revisions, reactions and notifications; their reactions (counters updated);
    /// their follows and mutes and others' follows and mutes of them; notifications to
    /// them; them as an actor in others' notifications; their resolved mentions in others'
    /// posts (those posts get an `Edited` entry); their seen state and interactions.
    /// Idempotent: erasing again removes nothing more.
    async fn erase_person(
        &self,
        tenant: &TenantId,
        person: &PersonId,
        at: DateTime<Utc>,
    ) -> Result<ErasureReport>;

    /// Everything stored about a person (their posts with revisions, reactions, follows,
    /// mutes, notifications, seen posts). Read-only.
    async fn export_person(&self, tenant: &TenantId, person: &PersonId) -> Result<PersonData>;
}

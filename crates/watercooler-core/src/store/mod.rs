//! The storage boundary: one async trait, [`Store`], that every backend implements (the
//! in-memory [`MemoryStore`], SQLite, PostgreSQL, or the host's own database), and the plain
//! query and request types it takes. `watercooler-testkit` proves a backend implements it
//! correctly.
//!
//! # The contract
//!
//! A complete store implements **15 required methods**, grouped by capability: posts and
//! threads (`insert_post`, `update_post`, `delete_post`, `post_views`, `list_posts`,
//! `revisions`, `scan_posts`), reactions (`set_reaction`, `reactions`), the social graph
//! and seen state as one relation API (`relate`, `relations`), notifications
//! (`notifications`, `mark_notifications_seen`), the change log (`changes`) and privacy
//! (`erase_person`). Every other method has a correct default built on those
//! ([`Store`]'s docs say which), which a store overrides for speed; optional capabilities
//! (request keys, change wake-ups) are announced by [`Store::capabilities`].
//!
//! New capabilities are additive: a later version adds methods with defaults (a refusal
//! with [`crate::Error::Invalid`] where nothing correct can be derived) and a flag in
//! [`Capabilities`], so every store keeps compiling and says what it supports.
//! `docs/storage.md` has the rule in full.
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
mod defaults;
mod forward;
mod memory;
mod query;
mod request;

pub use batch::group_by_tenant;
pub use memory::MemoryStore;
pub use query::{
    Candidate, CandidateQuery, CandidateSources, ErasureReport, Order, PersonData, PostFilter,
    TagBucket, TagSuggestion,
};
pub use request::{
    Capabilities, PostUpdate, ReactionChange, Relation, RelationChange, RelationKind, RelationQuery,
};

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::access::Access;
use crate::error::Result;
use crate::ids::{PersonId, PostId, Seq, TenantId};
use crate::model::{
    Change, FollowTarget, MuteTarget, NewNotification, Notification, Post, PostView, Reaction,
    ReactionKind, RequestKey, RequestRecord, Revision,
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

/// Durable (or not) storage of everything watercooler keeps. Usable as `Arc<dyn Store>`;
/// `Arc<S>` and `Box<S>` of a store are stores too.
///
/// Required methods are marked **required**; the others have defaults built on them (see
/// the module docs and `docs/storage.md`).
#[async_trait]
pub trait Store: Send + Sync + 'static {
    // ----- capabilities ------------------------------------------------------------------

    /// The optional capabilities this store has. The default: none.
    fn capabilities(&self) -> Capabilities {
        Capabilities::none()
    }

    // ----- posts and threads: writes ------------------------------------------------------

    /// **Required.** Stores a new post, its `Created` change-log entry and the
    /// notifications it causes, in one atomic step. For a reply, also counts it on its
    /// thread root (replies, last activity) and on its parent (replies) and as an
    /// interaction of the reply's author with the parent's author. A post whose id exists
    /// gives [`crate::Error::AlreadyExists`]; ids that fail [`checks::check_new_posts`]
    /// give [`crate::Error::Invalid`] (every write checks its host ids with [`checks`]).
    async fn insert_post(&self, post: &Post, notifications: &[NewNotification]) -> Result<Seq>;

    /// Stores many posts at once (bulk import; no notifications). Atomic per call: a
    /// failing post stores nothing of the batch. The default checks the whole batch first
    /// (ids, duplicates, stored ids, thread roots), then inserts the posts one by one, so
    /// only a failure of the database itself midway leaves earlier posts stored; the SQL
    /// stores write the batch in one transaction.
    ///
    /// Search: a write to the store does not wake the search index, which finds the posts
    /// at its next poll of the change log. To have them searchable at once, call
    /// [`crate::Admin::refresh_search`] (or [`crate::search::SearchIndex::refresh`])
    /// after the load.
    async fn insert_posts(&self, posts: &[Post]) -> Result<Seq> {
        defaults::check_batch(self, posts.iter().map(|p| (p, &[][..]))).await?;
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
    /// [`Store::insert_posts`] cannot take. The default checks the batch as
    /// [`Store::insert_posts`] does, then calls `insert_post` for each item: a failure of
    /// the database midway stops it with the earlier items stored. The shipped
    /// stores override it to be atomic per call (one transaction: a failing item stores
    /// nothing of the batch) and to write far fewer statements; a store for another
    /// database should too.
    ///
    /// Search: as with [`Store::insert_posts`], the search index finds the posts at its
    /// next poll; call [`crate::Admin::refresh_search`] after the load to have them
    /// searchable at once.
    async fn insert_posts_with_notifications(
        &self,
        items: &[(Post, Vec<NewNotification>)],
    ) -> Result<Seq> {
        if items.is_empty() {
            return self.last_seq().await;
        }
        defaults::check_batch(self, items.iter().map(|(p, n)| (p, n.as_slice()))).await?;
        let mut last = Seq::default();
        for (post, notifications) in items {
            last = self.insert_post(post, notifications).await?;
        }
        Ok(last)
    }

    /// Stores a post exactly as [`Store::insert_post`] does and, in the same atomic step,
    /// keeps `request`: the client's key for the write that made it. If `request.person`
    /// already has a request with that key, nothing is stored and the answer is
    /// [`crate::Error::AlreadyExists`]; the service then reads the first request back with
    /// [`Store::find_request`]. A request is kept as long as its post: deleting the post
    /// (or erasing its author) removes it.
    ///
    /// Optional capability ([`Capabilities::request_keys`]): the default refuses with
    /// [`crate::Error::Invalid`] ("this store does not keep request keys"), so keyed writes
    /// fail loudly on a store without the capability rather than lose their promise. The
    /// shipped stores implement it.
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

    /// **Required.** Changes a stored post (see [`PostUpdate`]: a new text, keeping the old
    /// one as a [`Revision`], with its notifications; or a pin), writing an `Edited`
    /// change-log entry atomically with it. [`crate::Error::NotFound`] if the post does not
    /// exist; a [`PostUpdate`] variant this store does not know is [`crate::Error::Invalid`].
    async fn update_post(&self, tenant: &TenantId, update: &PostUpdate) -> Result<Seq>;

    /// Pins (`Some(until)`) or unpins (`None`) a post; writes an `Edited` entry. The
    /// default is [`Store::update_post`] with [`PostUpdate::pin`].
    async fn set_pinned(
        &self,
        tenant: &TenantId,
        id: &PostId,
        until: Option<DateTime<Utc>>,
        at: DateTime<Utc>,
    ) -> Result<Seq> {
        self.update_post(tenant, &PostUpdate::pin(*id, until, at))
            .await
    }

    /// **Required.** Deletes a post from every read path, with its revisions, reactions and
    /// the notifications about it. Deleting a thread root deletes the whole thread. Each
    /// deleted post gets a `Deleted` entry; returns the last. [`crate::Error::NotFound`] if
    /// absent.
    async fn delete_post(&self, tenant: &TenantId, id: &PostId, at: DateTime<Utc>) -> Result<Seq>;

    // ----- posts and threads: reads ------------------------------------------------------

    /// **Required.** The live posts among `ids` of `tenant`, with their counters, in the
    /// order of `ids`, *regardless of visibility*: the raw read the visibility-filtered
    /// defaults ([`Store::get_posts`]) and derived state build on. Never hand the result to
    /// a viewer unfiltered.
    async fn post_views(&self, tenant: &TenantId, ids: &[PostId]) -> Result<Vec<PostView>>;

    /// A post the viewer may see, or `None` (also when it exists but is invisible). The
    /// default is [`Store::get_posts`] of one.
    async fn get_post(&self, access: &Access, id: &PostId) -> Result<Option<PostView>> {
        Ok(self
            .get_posts(access, std::slice::from_ref(id))
            .await?
            .pop())
    }

    /// The posts among `ids` the viewer may see, in the order of `ids`. The default is
    /// [`Store::post_views`] filtered by [`Access::can_see`]; SQL stores filter inside the
    /// query.
    async fn get_posts(&self, access: &Access, ids: &[PostId]) -> Result<Vec<PostView>> {
        defaults::get_posts(self, access, ids).await
    }

    /// **Required.** A chronological page of the visible posts matching `filter`. The
    /// cursor carries the last post id, so posts published while paging never shift later
    /// pages.
    async fn list_posts(
        &self,
        access: &Access,
        filter: &PostFilter,
        page: &PageRequest,
    ) -> Result<Page<PostView>>;

    /// **Required.** Earlier texts of a visible post, oldest first (empty if never edited
    /// or invisible).
    async fn revisions(&self, access: &Access, id: &PostId) -> Result<Vec<Revision>>;

    /// Candidates for a ranked home feed (see [`CandidateQuery`]), visible only. The
    /// default reads every visible root through [`Store::list_posts`].
    async fn feed_candidates(
        &self,
        access: &Access,
        query: &CandidateQuery,
    ) -> Result<Vec<Candidate>> {
        defaults::feed_candidates(self, access, query).await
    }

    /// Distinct authors per hashtag key per time bucket since `since`, over the posts the
    /// viewer may see: the raw material of trends. A `bucket_seconds` of 0 or less is
    /// [`crate::Error::Invalid`]. The default reads the window through
    /// [`Store::list_posts`].
    async fn tag_activity(
        &self,
        access: &Access,
        since: DateTime<Utc>,
        bucket_seconds: i64,
    ) -> Result<Vec<TagBucket>> {
        defaults::tag_activity(self, access, since, bucket_seconds).await
    }

    /// Hashtags whose key starts with `key_prefix`, used in posts the viewer may see, most
    /// used first (equal counts by key); at most `limit` (and at most 200), each shown as
    /// spelled in the newest such post. The default counts every visible post through
    /// [`Store::list_posts`].
    async fn suggest_tags(
        &self,
        access: &Access,
        key_prefix: &str,
        limit: usize,
    ) -> Result<Vec<TagSuggestion>> {
        defaults::suggest_tags(self, access, key_prefix, limit).await
    }

    /// Posts by id regardless of visibility, for the search index and other derived state
    /// that enforces visibility itself. Never hand the result to a viewer. The default is
    /// [`Store::post_views`] without the counters.
    async fn posts_for_indexing(&self, tenant: &TenantId, ids: &[PostId]) -> Result<Vec<Post>> {
        Ok(self
            .post_views(tenant, ids)
            .await?
            .into_iter()
            .map(|v| v.post)
            .collect())
    }

    /// **Required.** Every live post of every tenant in (tenant, id) order, after `after`,
    /// at most `limit`: for rebuilding derived state. Never hand the result to a viewer.
    async fn scan_posts(
        &self,
        after: Option<(TenantId, PostId)>,
        limit: usize,
    ) -> Result<Vec<Post>>;

    // ----- reactions ---------------------------------------------------------------------

    /// **Required.** Adds or removes a reaction (see [`ReactionChange`]); answers whether
    /// anything changed. A variant this store does not know is [`crate::Error::Invalid`].
    async fn set_reaction(&self, tenant: &TenantId, change: &ReactionChange) -> Result<bool>;

    /// Adds a reaction and its notification: [`Store::set_reaction`] with
    /// [`ReactionChange::add`].
    async fn add_reaction(
        &self,
        tenant: &TenantId,
        reaction: &Reaction,
        notification: Option<&NewNotification>,
    ) -> Result<bool> {
        let change = ReactionChange::add(reaction.clone(), notification.cloned());
        self.set_reaction(tenant, &change).await
    }

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

    /// Removes a reaction: [`Store::set_reaction`] with [`ReactionChange::remove`].
    async fn remove_reaction(
        &self,
        tenant: &TenantId,
        post: &PostId,
        person: &PersonId,
        kind: ReactionKind,
    ) -> Result<bool> {
        let change = ReactionChange::remove(*post, person.clone(), kind);
        self.set_reaction(tenant, &change).await
    }

    /// **Required.** The reactions on a visible post, newest first.
    async fn reactions(
        &self,
        access: &Access,
        post: &PostId,
        page: &PageRequest,
    ) -> Result<Page<Reaction>>;

    /// How often `person` interacted (reacted or replied) with each author, never with
    /// themselves: affinity for ranking. At most `limit` authors, most interacted first
    /// (equal counts by id). The default counts the replies and reactions that exist now;
    /// the shipped stores keep counters, in which a removed reaction still counts.
    async fn interactions(
        &self,
        tenant: &TenantId,
        person: &PersonId,
        limit: usize,
    ) -> Result<Vec<(PersonId, u32)>> {
        defaults::interactions(self, tenant, person, limit).await
    }

    // ----- the social graph and seen state: relations ------------------------------------

    /// **Required.** Adds or removes one of a person's relations (a follow, a mute, a seen
    /// post); answers whether anything changed. A relation this store does not know is
    /// [`crate::Error::Invalid`].
    async fn relate(&self, tenant: &TenantId, change: &RelationChange) -> Result<bool>;

    /// **Required.** A person's relations of one kind, one page, in a stable order.
    async fn relations(&self, tenant: &TenantId, query: &RelationQuery) -> Result<Page<Relation>>;

    /// Follows; returns `false` if already followed. [`Store::relate`].
    async fn follow(
        &self,
        tenant: &TenantId,
        person: &PersonId,
        target: &FollowTarget,
    ) -> Result<bool> {
        let change = RelationChange::add(person.clone(), Relation::Follow(target.clone()));
        self.relate(tenant, &change).await
    }

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

    /// Unfollows; returns whether it was followed. [`Store::relate`].
    async fn unfollow(
        &self,
        tenant: &TenantId,
        person: &PersonId,
        target: &FollowTarget,
    ) -> Result<bool> {
        let change = RelationChange::remove(person.clone(), Relation::Follow(target.clone()));
        self.relate(tenant, &change).await
    }

    /// What `person` follows, in a stable order. [`Store::relations`].
    async fn follows(
        &self,
        tenant: &TenantId,
        person: &PersonId,
        page: &PageRequest,
    ) -> Result<Page<FollowTarget>> {
        let query = RelationQuery::new(person.clone(), RelationKind::Follow, page.clone());
        let got = self.relations(tenant, &query).await?;
        let items = got
            .items
            .into_iter()
            .filter_map(|r| match r {
                Relation::Follow(t) => Some(t),
                _ => None,
            })
            .collect();
        Ok(Page {
            items,
            next: got.next,
        })
    }

    /// Mutes; returns `false` if already muted. [`Store::relate`].
    async fn mute(
        &self,
        tenant: &TenantId,
        person: &PersonId,
        target: &MuteTarget,
    ) -> Result<bool> {
        let change = RelationChange::add(person.clone(), Relation::Mute(target.clone()));
        self.relate(tenant, &change).await
    }

    /// Unmutes; returns whether it was muted. [`Store::relate`].
    async fn unmute(
        &self,
        tenant: &TenantId,
        person: &PersonId,
        target: &MuteTarget,
    ) -> Result<bool> {
        let change = RelationChange::remove(person.clone(), Relation::Mute(target.clone()));
        self.relate(tenant, &change).await
    }

    /// What `person` muted, in a stable order. [`Store::relations`].
    async fn mutes(
        &self,
        tenant: &TenantId,
        person: &PersonId,
        page: &PageRequest,
    ) -> Result<Page<MuteTarget>> {
        let query = RelationQuery::new(person.clone(), RelationKind::Mute, page.clone());
        let got = self.relations(tenant, &query).await?;
        let items = got
            .items
            .into_iter()
            .filter_map(|r| match r {
                Relation::Mute(t) => Some(t),
                _ => None,
            })
            .collect();
        Ok(Page {
            items,
            next: got.next,
        })
    }

    /// Records that `person` has seen these posts (they drop in their ranked feed). The
    /// default relates each.
    async fn mark_posts_seen(
        &self,
        tenant: &TenantId,
        person: &PersonId,
        posts: &[PostId],
    ) -> Result<()> {
        for post in posts {
            let change = RelationChange::add(person.clone(), Relation::Seen(*post));
            self.relate(tenant, &change).await?;
        }
        Ok(())
    }

    /// Which of `posts` `person` has seen, in the order of `posts`. The default reads all
    /// their seen relations.
    async fn seen_posts(
        &self,
        tenant: &TenantId,
        person: &PersonId,
        posts: &[PostId],
    ) -> Result<Vec<PostId>> {
        defaults::seen_posts(self, tenant, person, posts).await
    }

    // ----- notifications -----------------------------------------------------------------

    /// **Required.** `person`'s notifications, most recently updated first. The cursor is
    /// the decimal [`Notification::seq`] of the last notification of the page (the page
    /// after it holds those with a smaller seq), so the service can continue from any
    /// notification.
    async fn notifications(
        &self,
        tenant: &TenantId,
        person: &PersonId,
        page: &PageRequest,
    ) -> Result<Page<Notification>>;

    /// **Required.** Marks `person`'s notifications with `seq <= up_to` seen; returns how
    /// many changed.
    async fn mark_notifications_seen(
        &self,
        tenant: &TenantId,
        person: &PersonId,
        up_to: u64,
    ) -> Result<usize>;

    // ----- change log --------------------------------------------------------------------

    /// **Required.** Change-log entries with `seq > after`, in order, at most `limit`, all
    /// tenants.
    async fn changes(&self, after: Seq, limit: usize) -> Result<Vec<Change>>;

    /// The newest sequence number (0 when the log is empty). The default reads the log to
    /// its end; every store with more than a small log should override it.
    async fn last_seq(&self) -> Result<Seq> {
        defaults::last_seq(self).await
    }

    /// Waits until the log may hold an entry after `after`, or until `timeout` has passed,
    /// whichever comes first; then returns `Ok(())` either way. Followers of the log (live
    /// subscriptions, [`crate::Watercooler::subscribe`]) call it when they have read
    /// everything, so that an idle follower costs nothing and a new entry reaches them at
    /// once. A spurious early return is allowed: the caller reads [`Store::changes`] and
    /// waits again.
    ///
    /// Optional capability ([`Capabilities::change_wakeups`]): the default sleeps
    /// [`DEFAULT_CHANGE_POLL`] (or `timeout`, if shorter), so a store without it is polled
    /// about five times a second while someone follows it. The memory and SQLite stores
    /// wake their waiters in process on every write that appends to the log; the
    /// PostgreSQL store also across servers, through `LISTEN`/`NOTIFY`.
    async fn wait_for_change(&self, after: Seq, timeout: std::time::Duration) -> Result<()> {
        let _ = after;
        tokio::time::sleep(timeout.min(DEFAULT_CHANGE_POLL)).await;
        Ok(())
    }

    // ----- privacy (GDPR) ----------------------------------------------------------------

    /// **Required.** Erases a person: their posts and replies (each with an `Erased` entry)
    /// and those posts' revisions, reactions and notifications; their reactions (counters
    /// updated); their follows and mutes and others' follows and mutes of them;
    /// notifications to them; them as an actor in others' notifications; their resolved
    /// mentions in others' posts (those posts get an `Edited` entry); their seen state and
    /// interactions. Idempotent: erasing again removes nothing more.
    async fn erase_person(
        &self,
        tenant: &TenantId,
        person: &PersonId,
        at: DateTime<Utc>,
    ) -> Result<ErasureReport>;

    /// Everything stored about a person (their posts with revisions, reactions, follows,
    /// mutes, notifications, seen posts). Read-only. The default gathers it through the
    /// required reads (every post of the tenant is scanned).
    async fn export_person(&self, tenant: &TenantId, person: &PersonId) -> Result<PersonData> {
        defaults::export_person(self, tenant, person).await
    }
}

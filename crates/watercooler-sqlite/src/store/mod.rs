//! [`SqliteStore`]: opening, its connections, and the [`Store`] implementation, which
//! delegates each call to the module that owns it.

mod changes;
mod feed;
mod notify;
mod open;
mod privacy;
mod reactions;
mod read;
mod requests;
mod social;
mod tags;
mod visibility;
mod write;

use std::ops::{Deref, DerefMut};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::{Connection, Sqlite, SqliteConnection, Transaction};
use tokio::sync::{Mutex, MutexGuard};
use watercooler_core::store::{
    Candidate, CandidateQuery, Capabilities, ErasureReport, PersonData, PostFilter, PostUpdate,
    ReactionChange, Relation, RelationChange, RelationKind, RelationQuery, TagBucket,
    TagSuggestion, checks,
};
use watercooler_core::{
    Access, Change, Error, FollowTarget, NewNotification, Notification, Page, PageRequest,
    PersonId, Post, PostId, PostView, Reaction, RequestKey, RequestRecord, Result, Revision, Seq,
    Store, TenantId,
};

use crate::error::{SqliteError, map};
use crate::options::SqliteOptions;

/// A connection slot: `None` once the store is closed.
type Slot = Mutex<Option<SqliteConnection>>;

/// A [`Store`] on SQLite. Cheap to clone (the clones share the connections); usable as
/// `Arc<dyn Store>`.
///
/// The connections are held directly, each behind an async mutex, rather than in a sqlx
/// pool: a pool pings every connection it takes back, which costs the single writer a
/// round trip to its worker thread on every call.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    /// Every write goes through this one connection, in `BEGIN IMMEDIATE` transactions
    /// (or as a single statement); calls queue for it in order.
    writer: Slot,
    /// Connections for reads; empty for an in-memory database, whose reads use the writer.
    readers: Vec<Slot>,
    /// Where the next read starts looking for a free reader.
    next: AtomicUsize,
    /// Signalled after every write that may append to the change log, for
    /// [`Store::wait_for_change`] in this process.
    changed: tokio::sync::Notify,
}

/// A locked connection.
struct Conn<'a>(MutexGuard<'a, Option<SqliteConnection>>);

impl Deref for Conn<'_> {
    type Target = SqliteConnection;
    fn deref(&self) -> &SqliteConnection {
        // `lock` only hands out a `Conn` for a slot that holds a connection.
        self.0
            .as_ref()
            .unwrap_or_else(|| unreachable!("checked when locked"))
    }
}

impl DerefMut for Conn<'_> {
    fn deref_mut(&mut self) -> &mut SqliteConnection {
        self.0
            .as_mut()
            .unwrap_or_else(|| unreachable!("checked when locked"))
    }
}

fn conn(guard: MutexGuard<'_, Option<SqliteConnection>>) -> Result<Conn<'_>> {
    if guard.is_none() {
        return Err(SqliteError::Closed.into());
    }
    Ok(Conn(guard))
}

/// Starts a write transaction. `BEGIN IMMEDIATE` takes the database's write lock at once,
/// so a transaction never fails half-way because another process started writing.
/// Dropping the transaction rolls it back (also when the calling future is cancelled).
async fn begin_write<'c>(w: &'c mut Conn<'_>) -> Result<Transaction<'c, Sqlite>> {
    w.begin_with("BEGIN IMMEDIATE").await.map_err(map)
}

impl SqliteStore {
    /// Opens (creating if missing) the database file at `path` with the default options,
    /// migrating its schema to this library's version.
    ///
    /// Errors are [`watercooler_core::Error::Backend`] holding a [`crate::SqliteError`]:
    /// `NewerSchema` for a file of a newer library, `Corrupt` for a damaged file or one
    /// that is not a database, `ForeignDatabase` for another application's database.
    pub async fn open(path: impl AsRef<Path>) -> Result<SqliteStore> {
        SqliteStore::open_with(path, SqliteOptions::new()).await
    }

    /// Opens the database file at `path` with `options`.
    pub async fn open_with(path: impl AsRef<Path>, options: SqliteOptions) -> Result<SqliteStore> {
        let (writer, readers) = open::file(path.as_ref(), &options).await?;
        Ok(SqliteStore::new(writer, readers))
    }

    /// A fresh private in-memory database, for tests. It lives as long as the store (and
    /// its clones) and is served by a single connection.
    pub async fn memory() -> Result<SqliteStore> {
        Ok(SqliteStore::new(open::memory().await?, Vec::new()))
    }

    fn new(writer: SqliteConnection, readers: Vec<SqliteConnection>) -> SqliteStore {
        SqliteStore {
            inner: Arc::new(Inner {
                writer: Mutex::new(Some(writer)),
                readers: readers.into_iter().map(|c| Mutex::new(Some(c))).collect(),
                next: AtomicUsize::new(0),
                changed: tokio::sync::Notify::new(),
            }),
        }
    }

    /// Closes the connections, after the calls running now (and queued before) finish.
    /// Later calls fail with `SqliteError::Closed`. Dropping the last clone of the store
    /// also closes them, without waiting.
    pub async fn close(&self) {
        for slot in self
            .inner
            .readers
            .iter()
            .chain(std::iter::once(&self.inner.writer))
        {
            if let Some(c) = slot.lock().await.take() {
                // Closing checkpoints the WAL; a failure here loses nothing committed.
                let _ = c.close().await;
            }
        }
    }

    /// The writer connection: for a transaction ([`begin_write`]) or a write of one
    /// statement (atomic on its own).
    async fn writer(&self) -> Result<Conn<'_>> {
        conn(self.inner.writer.lock().await)
    }

    /// Runs `sql` — an `INSERT … SELECT … FROM jsonb_each(?2)` with the tenant as `?1` — over
    /// `rows` sent as ONE JSON array, in a write transaction (for `BEGIN IMMEDIATE`: the write
    /// lock up front, as every batch takes it; one statement is atomic on its own). Returns
    /// the rows it inserted. Empty `rows` write nothing.
    async fn insert_json_rows<T: serde::Serialize>(
        &self,
        sql: &'static str,
        tenant: &TenantId,
        rows: &[T],
    ) -> Result<usize> {
        if rows.is_empty() {
            return Ok(0);
        }
        let json =
            serde_json::to_string(rows).map_err(|e| crate::error::bad_data(e.to_string()))?;
        let mut w = self.writer().await?;
        let mut tx = begin_write(&mut w).await?;
        let added = sqlx::query(sql)
            .bind(tenant.as_str())
            .bind(&json)
            .execute(&mut *tx)
            .await
            .map_err(map)?
            .rows_affected();
        tx.commit().await.map_err(map)?;
        Ok(usize::try_from(added).unwrap_or(usize::MAX))
    }

    /// Wakes this process's followers of the log after a write that may have appended to
    /// it (another process writing the same file is noticed at the followers' next poll).
    fn signal<T>(&self, result: Result<T>) -> Result<T> {
        if result.is_ok() {
            self.inner.changed.notify_waiters();
        }
        result
    }

    /// A reader connection: a free one if any, else the next in turn.
    async fn read(&self) -> Result<Conn<'_>> {
        let readers = &self.inner.readers;
        if readers.is_empty() {
            return self.writer().await;
        }
        let start = self.inner.next.fetch_add(1, Ordering::Relaxed);
        for i in 0..readers.len() {
            if let Ok(guard) = readers[(start + i) % readers.len()].try_lock() {
                return conn(guard);
            }
        }
        conn(readers[start % readers.len()].lock().await)
    }
}

#[async_trait]
impl Store for SqliteStore {
    fn capabilities(&self) -> Capabilities {
        Capabilities::all()
    }

    async fn update_post(&self, tenant: &TenantId, update: &PostUpdate) -> Result<Seq> {
        tenant.check()?;
        match update {
            PostUpdate::Text {
                edit,
                notifications,
            } => {
                edit.mentions.iter().try_for_each(|m| m.person.check())?;
                checks::check_notifications(notifications)?;
                self.signal(self.update_post_impl(tenant, edit, notifications).await)
            }
            PostUpdate::Pin { id, until, at } => {
                self.signal(self.set_pinned_impl(tenant, id, *until, *at).await)
            }
            _ => Err(Error::invalid(
                "update",
                "this store does not know this change",
            )),
        }
    }

    async fn post_views(&self, tenant: &TenantId, ids: &[PostId]) -> Result<Vec<PostView>> {
        self.post_views_impl(tenant, ids).await
    }

    async fn set_reaction(&self, tenant: &TenantId, change: &ReactionChange) -> Result<bool> {
        match change {
            ReactionChange::Add {
                reaction,
                notification,
            } => {
                checks::check_person(tenant, &reaction.person)?;
                checks::check_notifications(notification.as_slice())?;
                self.add_reaction_impl(tenant, reaction, notification.as_ref())
                    .await
            }
            ReactionChange::Remove { post, person, kind } => {
                self.remove_reaction_impl(tenant, post, person, *kind).await
            }
            _ => Err(Error::invalid(
                "reaction",
                "this store does not know this change",
            )),
        }
    }

    async fn relate(&self, tenant: &TenantId, change: &RelationChange) -> Result<bool> {
        let person = &change.person;
        if change.on {
            checks::check_person(tenant, person)?;
        }
        match (&change.relation, change.on) {
            (Relation::Follow(target), true) => {
                checks::check_follow_target(target)?;
                self.add_target(tenant, person, target).await
            }
            (Relation::Follow(target), false) => self.remove_target(tenant, person, target).await,
            (Relation::Mute(target), true) => {
                checks::check_mute_target(target)?;
                self.add_target(tenant, person, target).await
            }
            (Relation::Mute(target), false) => self.remove_target(tenant, person, target).await,
            (Relation::Seen(post), true) => self.see_impl(tenant, person, *post).await,
            (Relation::Seen(post), false) => self.unsee_impl(tenant, person, *post).await,
            _ => Err(Error::invalid(
                "relation",
                "this store does not know this relation",
            )),
        }
    }

    async fn relations(&self, tenant: &TenantId, query: &RelationQuery) -> Result<Page<Relation>> {
        let (person, page) = (&query.person, &query.page);
        Ok(match query.kind {
            RelationKind::Follow => self
                .target_page(tenant, person, page)
                .await?
                .map(Relation::Follow),
            RelationKind::Mute => self
                .target_page(tenant, person, page)
                .await?
                .map(Relation::Mute),
            RelationKind::Seen => self
                .seen_page_impl(tenant, person, page)
                .await?
                .map(Relation::Seen),
            _ => {
                return Err(Error::invalid(
                    "relation",
                    "this store does not know this kind",
                ));
            }
        })
    }

    async fn insert_post(&self, post: &Post, notifications: &[NewNotification]) -> Result<Seq> {
        checks::check_new_posts([(post, notifications)])?;
        self.signal(self.insert_post_impl(post, notifications).await)
    }

    async fn insert_posts(&self, posts: &[Post]) -> Result<Seq> {
        checks::check_new_posts(posts.iter().map(|p| (p, &[][..])))?;
        self.signal(self.insert_posts_impl(posts).await)
    }

    async fn insert_posts_with_notifications(
        &self,
        items: &[(Post, Vec<NewNotification>)],
    ) -> Result<Seq> {
        checks::check_new_posts(items.iter().map(|(p, n)| (p, n.as_slice())))?;
        self.signal(self.insert_posts_with_notifications_impl(items).await)
    }

    async fn insert_post_once(
        &self,
        post: &Post,
        notifications: &[NewNotification],
        request: &RequestRecord,
    ) -> Result<Seq> {
        checks::check_new_posts([(post, notifications)])?;
        request.person.check()?;
        self.signal(
            self.insert_post_once_impl(post, notifications, request)
                .await,
        )
    }

    async fn find_request(
        &self,
        tenant: &TenantId,
        person: &PersonId,
        key: &RequestKey,
    ) -> Result<Option<RequestRecord>> {
        self.find_request_impl(tenant, person, key).await
    }

    async fn delete_post(&self, tenant: &TenantId, id: &PostId, at: DateTime<Utc>) -> Result<Seq> {
        self.signal(self.delete_post_impl(tenant, id, at).await)
    }

    async fn get_posts(&self, access: &Access, ids: &[PostId]) -> Result<Vec<PostView>> {
        self.get_posts_impl(access, ids).await
    }

    async fn list_posts(
        &self,
        access: &Access,
        filter: &PostFilter,
        page: &PageRequest,
    ) -> Result<Page<PostView>> {
        self.list_posts_impl(access, filter, page).await
    }

    async fn revisions(&self, access: &Access, id: &PostId) -> Result<Vec<Revision>> {
        self.revisions_impl(access, id).await
    }

    async fn feed_candidates(
        &self,
        access: &Access,
        query: &CandidateQuery,
    ) -> Result<Vec<Candidate>> {
        self.feed_candidates_impl(access, query).await
    }

    async fn tag_activity(
        &self,
        access: &Access,
        since: DateTime<Utc>,
        bucket_seconds: i64,
    ) -> Result<Vec<TagBucket>> {
        self.tag_activity_impl(access, since, bucket_seconds).await
    }

    async fn suggest_tags(
        &self,
        access: &Access,
        key_prefix: &str,
        limit: usize,
    ) -> Result<Vec<TagSuggestion>> {
        self.suggest_tags_impl(access, key_prefix, limit).await
    }

    async fn scan_posts(
        &self,
        after: Option<(TenantId, PostId)>,
        limit: usize,
    ) -> Result<Vec<Post>> {
        self.scan_posts_impl(after, limit).await
    }

    async fn add_reactions(&self, tenant: &TenantId, reactions: &[Reaction]) -> Result<usize> {
        tenant.check()?;
        reactions.iter().try_for_each(|r| r.person.check())?;
        self.add_reactions_impl(tenant, reactions).await
    }

    async fn reactions(
        &self,
        access: &Access,
        post: &PostId,
        page: &PageRequest,
    ) -> Result<Page<Reaction>> {
        self.reactions_impl(access, post, page).await
    }

    async fn interactions(
        &self,
        tenant: &TenantId,
        person: &PersonId,
        limit: usize,
    ) -> Result<Vec<(PersonId, u32)>> {
        self.interactions_impl(tenant, person, limit).await
    }

    async fn follow_many(
        &self,
        tenant: &TenantId,
        follows: &[(PersonId, FollowTarget)],
    ) -> Result<usize> {
        for (person, target) in follows {
            checks::check_person(tenant, person)?;
            checks::check_follow_target(target)?;
        }
        self.follow_many_impl(tenant, follows).await
    }

    async fn notifications(
        &self,
        tenant: &TenantId,
        person: &PersonId,
        page: &PageRequest,
    ) -> Result<Page<Notification>> {
        self.notifications_impl(tenant, person, page).await
    }

    async fn mark_notifications_seen(
        &self,
        tenant: &TenantId,
        person: &PersonId,
        up_to: u64,
    ) -> Result<usize> {
        self.mark_notifications_seen_impl(tenant, person, up_to)
            .await
    }

    async fn mark_posts_seen(
        &self,
        tenant: &TenantId,
        person: &PersonId,
        posts: &[PostId],
    ) -> Result<()> {
        checks::check_person(tenant, person)?;
        self.mark_posts_seen_impl(tenant, person, posts).await
    }

    async fn seen_posts(
        &self,
        tenant: &TenantId,
        person: &PersonId,
        posts: &[PostId],
    ) -> Result<Vec<PostId>> {
        self.seen_posts_impl(tenant, person, posts).await
    }

    async fn changes(&self, after: Seq, limit: usize) -> Result<Vec<Change>> {
        self.changes_impl(after, limit).await
    }

    async fn last_seq(&self) -> Result<Seq> {
        self.last_seq_impl().await
    }

    async fn wait_for_change(&self, after: Seq, timeout: std::time::Duration) -> Result<()> {
        watercooler_core::store::wait_on_notify(&self.inner.changed, after, timeout, || {
            self.last_seq_impl()
        })
        .await
    }

    async fn erase_person(
        &self,
        tenant: &TenantId,
        person: &PersonId,
        at: DateTime<Utc>,
    ) -> Result<ErasureReport> {
        self.signal(self.erase_person_impl(tenant, person, at).await)
    }

    async fn export_person(&self, tenant: &TenantId, person: &PersonId) -> Result<PersonData> {
        self.export_person_impl(tenant, person).await
    }
}

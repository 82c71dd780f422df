//! [`MemoryStore`]: the in-memory [`Store`], for tests, demos and small single-process
//! deployments. Everything lives behind one `RwLock`: reads share it, writes take it alone,
//! so a write and its change-log entry are atomic for free. The methods are async to fit
//! the trait but never await while holding the lock (they do no I/O).

mod inbox;
mod log;
mod privacy;
mod reads;
mod tags;
mod tenant;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, HashSet};
use std::ops::Bound;
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use self::tenant::{Shared, TenantData};
use super::{
    Candidate, CandidateQuery, Capabilities, ErasureReport, PersonData, PostUpdate, ReactionChange,
    Relation, RelationChange, RelationKind, RelationQuery, Store, TagBucket, TagSuggestion,
};
use crate::access::Access;
use crate::error::{Error, Result};
use crate::ids::{PersonId, PostId, Seq, TenantId};
use crate::model::{
    Change, ChangeKind, FollowTarget, NewNotification, Notification, Post, PostView, Reaction,
    RequestKey, RequestRecord, Revision,
};
use crate::page::{Page, PageRequest};
use crate::store::PostFilter;
use crate::store::{checks, cursor};

/// An in-memory [`Store`]. Nothing survives the process.
#[derive(Debug, Default)]
pub struct MemoryStore {
    state: RwLock<State>,
    /// Signalled after every write that may append to the change log
    /// ([`Store::wait_for_change`]).
    changed: tokio::sync::Notify,
}

/// Wakes the log's waiters when dropped: declared first in a write, it drops last, after
/// the write lock is released.
struct Signal<'a>(&'a tokio::sync::Notify);

impl Drop for Signal<'_> {
    fn drop(&mut self) {
        self.0.notify_waiters();
    }
}

#[derive(Debug, Default)]
struct State {
    /// Sorted, so [`Store::scan_posts`] walks tenants in order.
    tenants: BTreeMap<TenantId, TenantData>,
    shared: Shared,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        MemoryStore::default()
    }

    fn read(&self) -> Result<RwLockReadGuard<'_, State>> {
        self.state
            .read()
            .map_err(|_| Error::backend("memory store lock poisoned"))
    }

    fn write(&self) -> Result<RwLockWriteGuard<'_, State>> {
        self.state
            .write()
            .map_err(|_| Error::backend("memory store lock poisoned"))
    }

    /// Runs `f` on a tenant's data under the read lock (`None` for an unknown tenant).
    fn with_tenant<T>(
        &self,
        tenant: &TenantId,
        f: impl FnOnce(Option<&TenantData>) -> T,
    ) -> Result<T> {
        Ok(f(self.read()?.tenants.get(tenant)))
    }

    /// Stores a batch of posts with their notifications under one write lock, all or
    /// nothing: the whole batch is checked before anything is stored.
    fn insert_batch(&self, items: &[(&Post, &[NewNotification])]) -> Result<Seq> {
        checks::check_new_posts(items.iter().copied())?;
        let mut state = self.write()?;
        let mut pending: HashSet<PostId> = HashSet::with_capacity(items.len());
        for (p, _) in items {
            match state.tenants.get(&p.tenant) {
                Some(data) => data.check_insert(p, &pending)?,
                None => {
                    if pending.contains(&p.id) {
                        return Err(Error::AlreadyExists(format!(
                            "post {} twice in batch",
                            p.id
                        )));
                    }
                    if let Some(root) = p.thread_root
                        && !pending.contains(&root)
                    {
                        return Err(Error::not_found("thread root"));
                    }
                }
            }
            pending.insert(p.id);
        }
        let State { tenants, shared } = &mut *state;
        let mut last = shared.log.last();
        for (p, notifications) in items {
            let data = tenants
                .entry(p.tenant.clone())
                .or_insert_with(|| TenantData::new(p.tenant.clone()));
            last = data.insert((*p).clone(), notifications, shared);
        }
        Ok(last)
    }

    /// Runs `f` on a tenant's data (created if new) and the shared log under the write lock.
    fn with_tenant_mut<T>(
        &self,
        tenant: &TenantId,
        f: impl FnOnce(&mut TenantData, &mut Shared) -> T,
    ) -> Result<T> {
        tenant.check()?;
        let mut state = self.write()?;
        let state = &mut *state;
        let data = state
            .tenants
            .entry(tenant.clone())
            .or_insert_with(|| TenantData::new(tenant.clone()));
        Ok(f(data, &mut state.shared))
    }
}

fn page_of<T>(
    set: Option<&std::collections::BTreeSet<T>>,
    after: Option<T>,
    page: &PageRequest,
    cursor_of: impl Fn(&T) -> crate::page::Cursor,
) -> Page<T>
where
    T: Clone + Ord,
{
    let Some(set) = set else { return Page::empty() };
    let lower = after.map_or(Bound::Unbounded, Bound::Excluded);
    let mut iter = set.range((lower, Bound::Unbounded));
    let items: Vec<T> = iter.by_ref().take(page.limit).cloned().collect();
    let next = if iter.next().is_some() {
        items.last().map(cursor_of)
    } else {
        None
    };
    Page { items, next }
}

#[async_trait]
impl Store for MemoryStore {
    fn capabilities(&self) -> Capabilities {
        Capabilities::all()
    }

    async fn update_post(&self, tenant: &TenantId, update: &PostUpdate) -> Result<Seq> {
        let _signal = Signal(&self.changed);
        match update {
            PostUpdate::Text {
                edit,
                notifications,
            } => {
                edit.mentions.iter().try_for_each(|m| m.person.check())?;
                checks::check_notifications(notifications)?;
                self.with_tenant_mut(tenant, |t, s| t.edit(edit, notifications, s))?
            }
            PostUpdate::Pin { id, until, at } => {
                self.with_tenant_mut(tenant, |t, s| t.set_pinned(*id, *until, *at, s))?
            }
        }
    }

    async fn post_views(&self, tenant: &TenantId, ids: &[PostId]) -> Result<Vec<PostView>> {
        self.with_tenant(tenant, |t| {
            t.map(|t| {
                ids.iter()
                    .filter_map(|id| t.posts.get(id))
                    .map(reads::view)
                    .collect()
            })
            .unwrap_or_default()
        })
    }

    async fn set_reaction(&self, tenant: &TenantId, change: &ReactionChange) -> Result<bool> {
        match change {
            ReactionChange::Add {
                reaction,
                notification,
            } => {
                reaction.person.check()?;
                checks::check_notifications(notification.as_slice())?;
                self.with_tenant_mut(tenant, |t, s| {
                    let added = t.add_reaction(reaction)?;
                    if added && let Some(n) = notification {
                        t.notify(n, s);
                    }
                    Ok(added)
                })?
            }
            ReactionChange::Remove { post, person, kind } => {
                self.with_tenant_mut(tenant, |t, _| t.remove_reaction(*post, person, *kind))
            }
        }
    }

    async fn relate(&self, tenant: &TenantId, change: &RelationChange) -> Result<bool> {
        let person = &change.person;
        if change.on {
            checks::check_person(tenant, person)?;
            match &change.relation {
                Relation::Follow(target) => checks::check_follow_target(target)?,
                Relation::Mute(target) => checks::check_mute_target(target)?,
                Relation::Seen(_) => {}
            }
        }
        self.with_tenant_mut(tenant, |t, _| match (&change.relation, change.on) {
            (Relation::Follow(target), true) => t
                .follows
                .entry(person.clone())
                .or_default()
                .insert(target.clone()),
            (Relation::Follow(target), false) => {
                t.follows.get_mut(person).is_some_and(|s| s.remove(target))
            }
            (Relation::Mute(target), true) => t
                .mutes
                .entry(person.clone())
                .or_default()
                .insert(target.clone()),
            (Relation::Mute(target), false) => {
                t.mutes.get_mut(person).is_some_and(|s| s.remove(target))
            }
            (Relation::Seen(post), true) => t.seen.entry(person.clone()).or_default().insert(*post),
            (Relation::Seen(post), false) => t.seen.get_mut(person).is_some_and(|s| s.remove(post)),
        })
    }

    async fn relations(&self, tenant: &TenantId, query: &RelationQuery) -> Result<Page<Relation>> {
        let (person, page) = (&query.person, &query.page);
        page.validate()?;
        match query.kind {
            RelationKind::Follow => {
                let after = page.cursor.as_ref().map(cursor::parse_follow).transpose()?;
                let got = self.with_tenant(tenant, |t| {
                    page_of(
                        t.and_then(|t| t.follows.get(person)),
                        after,
                        page,
                        cursor::follow,
                    )
                })?;
                Ok(got.map(Relation::Follow))
            }
            RelationKind::Mute => {
                let after = page.cursor.as_ref().map(cursor::parse_mute).transpose()?;
                let got = self.with_tenant(tenant, |t| {
                    page_of(
                        t.and_then(|t| t.mutes.get(person)),
                        after,
                        page,
                        cursor::mute,
                    )
                })?;
                Ok(got.map(Relation::Mute))
            }
            RelationKind::Seen => {
                let after = page.cursor.as_ref().map(cursor::parse_post).transpose()?;
                let got = self.with_tenant(tenant, |t| {
                    page_of(t.and_then(|t| t.seen.get(person)), after, page, |p| {
                        cursor::post(*p)
                    })
                })?;
                Ok(got.map(Relation::Seen))
            }
        }
    }

    async fn insert_post(&self, post: &Post, notifications: &[NewNotification]) -> Result<Seq> {
        let _signal = Signal(&self.changed);
        checks::check_new_posts([(post, notifications)])?;
        let mut state = self.write()?;
        let state = &mut *state;
        let data = state
            .tenants
            .entry(post.tenant.clone())
            .or_insert_with(|| TenantData::new(post.tenant.clone()));
        data.check_insert(post, &HashSet::new())?;
        Ok(data.insert(post.clone(), notifications, &mut state.shared))
    }

    async fn insert_posts(&self, posts: &[Post]) -> Result<Seq> {
        let _signal = Signal(&self.changed);
        let items: Vec<(&Post, &[NewNotification])> = posts.iter().map(|p| (p, &[][..])).collect();
        self.insert_batch(&items)
    }

    async fn insert_posts_with_notifications(
        &self,
        items: &[(Post, Vec<NewNotification>)],
    ) -> Result<Seq> {
        let _signal = Signal(&self.changed);
        let items: Vec<(&Post, &[NewNotification])> =
            items.iter().map(|(p, n)| (p, n.as_slice())).collect();
        self.insert_batch(&items)
    }

    async fn insert_post_once(
        &self,
        post: &Post,
        notifications: &[NewNotification],
        request: &RequestRecord,
    ) -> Result<Seq> {
        let _signal = Signal(&self.changed);
        checks::check_new_posts([(post, notifications)])?;
        request.person.check()?;
        let mut state = self.write()?;
        let state = &mut *state;
        let data = state
            .tenants
            .entry(post.tenant.clone())
            .or_insert_with(|| TenantData::new(post.tenant.clone()));
        let key = (request.person.clone(), request.key.clone());
        if data.requests.contains_key(&key) {
            return Err(request.already_exists());
        }
        data.check_insert(post, &HashSet::new())?;
        let seq = data.insert(post.clone(), notifications, &mut state.shared);
        data.request_of.insert(post.id, key.clone());
        data.requests.insert(key, request.clone());
        Ok(seq)
    }

    async fn find_request(
        &self,
        tenant: &TenantId,
        person: &PersonId,
        key: &RequestKey,
    ) -> Result<Option<RequestRecord>> {
        self.with_tenant(tenant, |t| {
            t.and_then(|t| t.requests.get(&(person.clone(), key.clone())).cloned())
        })
    }

    async fn delete_post(&self, tenant: &TenantId, id: &PostId, at: DateTime<Utc>) -> Result<Seq> {
        let _signal = Signal(&self.changed);
        self.with_tenant_mut(tenant, |t, s| {
            t.delete(*id, ChangeKind::Deleted, ChangeKind::Deleted, at, s)
        })?
        .ok_or(Error::not_found("post"))
    }

    async fn get_post(&self, access: &Access, id: &PostId) -> Result<Option<PostView>> {
        self.with_tenant(access.tenant(), |t| t.and_then(|t| t.get(access, id)))
    }

    async fn get_posts(&self, access: &Access, ids: &[PostId]) -> Result<Vec<PostView>> {
        self.with_tenant(access.tenant(), |t| {
            t.map(|t| ids.iter().filter_map(|id| t.get(access, id)).collect())
                .unwrap_or_default()
        })
    }

    async fn list_posts(
        &self,
        access: &Access,
        filter: &PostFilter,
        page: &PageRequest,
    ) -> Result<Page<PostView>> {
        page.validate()?;
        self.with_tenant(access.tenant(), |t| match t {
            Some(t) => t.list(access, filter, page),
            // Still reject a malformed cursor for an empty tenant.
            None => page
                .cursor
                .as_ref()
                .map(cursor::parse_post)
                .transpose()
                .map(|_| Page::empty()),
        })?
    }

    async fn revisions(&self, access: &Access, id: &PostId) -> Result<Vec<Revision>> {
        self.with_tenant(access.tenant(), |t| {
            t.and_then(|t| t.visible(access, id))
                .map(|e| e.revisions.clone())
                .unwrap_or_default()
        })
    }

    async fn feed_candidates(
        &self,
        access: &Access,
        query: &CandidateQuery,
    ) -> Result<Vec<Candidate>> {
        self.with_tenant(access.tenant(), |t| {
            t.map(|t| t.candidates(access, query)).unwrap_or_default()
        })
    }

    async fn tag_activity(
        &self,
        access: &Access,
        since: DateTime<Utc>,
        bucket_seconds: i64,
    ) -> Result<Vec<TagBucket>> {
        if bucket_seconds <= 0 {
            return Err(Error::invalid("bucket_seconds", "must be positive"));
        }
        self.with_tenant(access.tenant(), |t| match t {
            Some(t) => t.tag_activity(access, since, bucket_seconds),
            None => Ok(Vec::new()),
        })?
    }

    async fn suggest_tags(
        &self,
        access: &Access,
        key_prefix: &str,
        limit: usize,
    ) -> Result<Vec<TagSuggestion>> {
        self.with_tenant(access.tenant(), |t| {
            t.map(|t| t.suggest_tags(access, key_prefix, limit))
                .unwrap_or_default()
        })
    }

    async fn posts_for_indexing(&self, tenant: &TenantId, ids: &[PostId]) -> Result<Vec<Post>> {
        self.with_tenant(tenant, |t| {
            t.map(|t| {
                ids.iter()
                    .filter_map(|id| t.posts.get(id))
                    .map(|e| e.post.clone())
                    .collect()
            })
            .unwrap_or_default()
        })
    }

    async fn scan_posts(
        &self,
        after: Option<(TenantId, PostId)>,
        limit: usize,
    ) -> Result<Vec<Post>> {
        let state = self.read()?;
        let mut out = Vec::with_capacity(limit.min(1024));
        let (first, lower): (Bound<&TenantId>, Option<PostId>) = match &after {
            Some((t, id)) => (Bound::Included(t), Some(*id)),
            None => (Bound::Unbounded, None),
        };
        for (tenant, data) in state
            .tenants
            .range::<TenantId, _>((first, Bound::Unbounded))
        {
            let from = match (&after, lower) {
                (Some((t, _)), Some(id)) if t == tenant => Bound::Excluded(id),
                _ => Bound::Unbounded,
            };
            for e in data.posts.range((from, Bound::Unbounded)).map(|(_, e)| e) {
                if out.len() >= limit {
                    return Ok(out);
                }
                out.push(e.post.clone());
            }
        }
        Ok(out)
    }

    async fn add_reactions(&self, tenant: &TenantId, reactions: &[Reaction]) -> Result<usize> {
        reactions.iter().try_for_each(|r| r.person.check())?;
        self.with_tenant_mut(tenant, |t, _| {
            // All or nothing: every post must exist before anything changes.
            if reactions.iter().any(|r| !t.posts.contains_key(&r.post)) {
                return Err(Error::not_found("post"));
            }
            let mut added = 0;
            for r in reactions {
                added += usize::from(t.add_reaction(r)?);
            }
            Ok(added)
        })?
    }

    async fn reactions(
        &self,
        access: &Access,
        post: &PostId,
        page: &PageRequest,
    ) -> Result<Page<Reaction>> {
        page.validate()?;
        self.with_tenant(access.tenant(), |t| match t {
            Some(t) => t.reactions_page(access, post, page),
            None => Ok(Page::empty()),
        })?
    }

    async fn interactions(
        &self,
        tenant: &TenantId,
        person: &PersonId,
        limit: usize,
    ) -> Result<Vec<(PersonId, u32)>> {
        self.with_tenant(tenant, |t| {
            let Some(counts) = t.and_then(|t| t.interactions.get(person)) else {
                return Vec::new();
            };
            let mut v: Vec<(PersonId, u32)> = counts.iter().map(|(p, n)| (p.clone(), *n)).collect();
            v.sort_unstable_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            v.truncate(limit);
            v
        })
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
        self.with_tenant_mut(tenant, |t, _| {
            let mut new = 0;
            for (person, target) in follows {
                let set = t.follows.entry(person.clone()).or_default();
                new += usize::from(set.insert(target.clone()));
            }
            new
        })
    }

    async fn notifications(
        &self,
        tenant: &TenantId,
        person: &PersonId,
        page: &PageRequest,
    ) -> Result<Page<Notification>> {
        page.validate()?;
        let before = page.cursor.as_ref().map(cursor::parse_seq).transpose()?;
        self.with_tenant(tenant, |t| {
            let Some(inbox) = t.and_then(|t| t.inboxes.get(person)) else {
                return Page::empty();
            };
            let (items, more) = inbox.page(before, page.limit);
            let next = if more {
                items.last().map(|n| cursor::seq(n.seq))
            } else {
                None
            };
            Page { items, next }
        })
    }

    async fn mark_notifications_seen(
        &self,
        tenant: &TenantId,
        person: &PersonId,
        up_to: u64,
    ) -> Result<usize> {
        self.with_tenant_mut(tenant, |t, _| {
            t.inboxes.get_mut(person).map_or(0, |i| i.mark_seen(up_to))
        })
    }

    async fn mark_posts_seen(
        &self,
        tenant: &TenantId,
        person: &PersonId,
        posts: &[PostId],
    ) -> Result<()> {
        if posts.is_empty() {
            return Ok(());
        }
        self.with_tenant_mut(tenant, |t, _| {
            t.seen
                .entry(person.clone())
                .or_default()
                .extend(posts.iter().copied());
        })
    }

    async fn seen_posts(
        &self,
        tenant: &TenantId,
        person: &PersonId,
        posts: &[PostId],
    ) -> Result<Vec<PostId>> {
        self.with_tenant(tenant, |t| {
            let Some(seen) = t.and_then(|t| t.seen.get(person)) else {
                return Vec::new();
            };
            posts.iter().filter(|p| seen.contains(p)).copied().collect()
        })
    }

    async fn changes(&self, after: Seq, limit: usize) -> Result<Vec<Change>> {
        Ok(self.read()?.shared.log.after(after, limit))
    }

    async fn last_seq(&self) -> Result<Seq> {
        Ok(self.read()?.shared.log.last())
    }

    async fn wait_for_change(&self, after: Seq, timeout: std::time::Duration) -> Result<()> {
        super::wait_on_notify(&self.changed, after, timeout, || async {
            Ok(self.read()?.shared.log.last())
        })
        .await
    }

    async fn erase_person(
        &self,
        tenant: &TenantId,
        person: &PersonId,
        at: DateTime<Utc>,
    ) -> Result<ErasureReport> {
        let _signal = Signal(&self.changed);
        let mut state = self.write()?;
        let state = &mut *state;
        match state.tenants.get_mut(tenant) {
            Some(t) => Ok(t.erase(person, at, &mut state.shared)),
            None => Ok(ErasureReport::default()),
        }
    }

    async fn export_person(&self, tenant: &TenantId, person: &PersonId) -> Result<PersonData> {
        self.with_tenant(tenant, |t| t.map(|t| t.export(person)).unwrap_or_default())
    }
}

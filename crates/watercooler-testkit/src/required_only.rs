//! [`RequiredOnly`]: a store that forwards only the required methods of [`Store`], so the
//! whole suite runs against the trait's defaults.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use watercooler_core::async_trait;
use watercooler_core::store::{
    ErasureReport, PostFilter, PostUpdate, ReactionChange, Relation, RelationChange, RelationQuery,
};
use watercooler_core::{
    Access, Change, NewNotification, Notification, Page, PageRequest, PersonId, Post, PostId,
    PostView, Reaction, Result, Revision, Seq, Store, TenantId,
};

/// Wraps a store and forwards **only** the 15 required methods of [`Store`] to it; every
/// other method runs [`Store`]'s default, built on those, and no optional capability is
/// announced. Running the suite on `RequiredOnly::new(MemoryStore::new())` proves the
/// defaults correct: a default that rots fails a behaviour here, although every shipped
/// store overrides it.
///
/// ```
/// use std::sync::Arc;
/// use watercooler_core::{MemoryStore, Store};
/// use watercooler_testkit::RequiredOnly;
///
/// let store: Arc<dyn Store> = Arc::new(RequiredOnly::new(MemoryStore::new()));
/// assert!(!store.capabilities().request_keys);
/// ```
#[derive(Debug, Clone)]
pub struct RequiredOnly<S>(Arc<S>);

impl<S: Store> RequiredOnly<S> {
    /// Wraps `store`.
    pub fn new(store: S) -> Self {
        RequiredOnly(Arc::new(store))
    }
}

#[async_trait]
impl<S: Store> Store for RequiredOnly<S> {
    async fn insert_post(&self, post: &Post, notifications: &[NewNotification]) -> Result<Seq> {
        self.0.insert_post(post, notifications).await
    }

    async fn update_post(&self, tenant: &TenantId, update: &PostUpdate) -> Result<Seq> {
        self.0.update_post(tenant, update).await
    }

    async fn delete_post(&self, tenant: &TenantId, id: &PostId, at: DateTime<Utc>) -> Result<Seq> {
        self.0.delete_post(tenant, id, at).await
    }

    async fn post_views(&self, tenant: &TenantId, ids: &[PostId]) -> Result<Vec<PostView>> {
        self.0.post_views(tenant, ids).await
    }

    async fn list_posts(
        &self,
        access: &Access,
        filter: &PostFilter,
        page: &PageRequest,
    ) -> Result<Page<PostView>> {
        self.0.list_posts(access, filter, page).await
    }

    async fn revisions(&self, access: &Access, id: &PostId) -> Result<Vec<Revision>> {
        self.0.revisions(access, id).await
    }

    async fn scan_posts(
        &self,
        after: Option<(TenantId, PostId)>,
        limit: usize,
    ) -> Result<Vec<Post>> {
        self.0.scan_posts(after, limit).await
    }

    async fn set_reaction(&self, tenant: &TenantId, change: &ReactionChange) -> Result<bool> {
        self.0.set_reaction(tenant, change).await
    }

    async fn reactions(
        &self,
        access: &Access,
        post: &PostId,
        page: &PageRequest,
    ) -> Result<Page<Reaction>> {
        self.0.reactions(access, post, page).await
    }

    async fn relate(&self, tenant: &TenantId, change: &RelationChange) -> Result<bool> {
        self.0.relate(tenant, change).await
    }

    async fn relations(&self, tenant: &TenantId, query: &RelationQuery) -> Result<Page<Relation>> {
        self.0.relations(tenant, query).await
    }

    async fn notifications(
        &self,
        tenant: &TenantId,
        person: &PersonId,
        page: &PageRequest,
    ) -> Result<Page<Notification>> {
        self.0.notifications(tenant, person, page).await
    }

    async fn mark_notifications_seen(
        &self,
        tenant: &TenantId,
        person: &PersonId,
        up_to: u64,
    ) -> Result<usize> {
        self.0.mark_notifications_seen(tenant, person, up_to).await
    }

    async fn changes(&self, after: Seq, limit: usize) -> Result<Vec<Change>> {
        self.0.changes(after, limit).await
    }

    async fn erase_person(
        &self,
        tenant: &TenantId,
        person: &PersonId,
        at: DateTime<Utc>,
    ) -> Result<ErasureReport> {
        self.0.erase_person(tenant, person, at).await
    }
}

//! `impl Store for PgStore`: each group of calls lives in its own file as inherent methods;
//! this file only routes the trait to them.

mod changes;
mod feed;
mod insert;
mod notify;
mod privacy;
mod reactions;
mod read;
mod requests;
mod social;
mod tags;
mod write;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use watercooler_core::store::{
    Candidate, CandidateQuery, Capabilities, ErasureReport, PersonData, PostFilter, PostUpdate,
    ReactionChange, Relation, RelationChange, RelationKind, RelationQuery, checks,
};
use watercooler_core::store::{TagBucket, TagSuggestion};
use watercooler_core::{
    Access, Change, Error, FollowTarget, MuteTarget, NewNotification, Notification, Page,
    PageRequest, PersonId, Post, PostId, PostView, Reaction, RequestKey, RequestRecord, Result,
    Revision, Seq, Store, TenantId,
};

use crate::PgStore;

/// A caller's `limit` as an SQL `LIMIT` (which is a signed 64-bit number).
pub(crate) fn sql_limit(limit: usize) -> i64 {
    i64::try_from(limit).unwrap_or(i64::MAX)
}

#[async_trait]
impl Store for PgStore {
    fn capabilities(&self) -> Capabilities {
        Capabilities::all()
    }

    async fn update_post(&self, tenant: &TenantId, update: &PostUpdate) -> Result<Seq> {
        match update {
            PostUpdate::Text {
                edit,
                notifications,
            } => {
                tenant.check()?;
                edit.mentions.iter().try_for_each(|m| m.person.check())?;
                checks::check_notifications(notifications)?;
                self.edit_post(tenant, edit, notifications).await
            }
            PostUpdate::Pin { id, until, at } => self.pin(tenant, *id, *until, *at).await,
            _ => Err(Error::invalid(
                "update",
                "this store does not know this change",
            )),
        }
    }

    async fn post_views(&self, tenant: &TenantId, ids: &[PostId]) -> Result<Vec<PostView>> {
        self.raw_views(tenant, ids).await
    }

    async fn set_reaction(&self, tenant: &TenantId, change: &ReactionChange) -> Result<bool> {
        match change {
            ReactionChange::Add {
                reaction,
                notification,
            } => {
                checks::check_person(tenant, &reaction.person)?;
                checks::check_notifications(notification.as_slice())?;
                self.react(tenant, reaction, notification.as_ref()).await
            }
            ReactionChange::Remove { post, person, kind } => {
                self.unreact(tenant, *post, person, *kind).await
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
            (Relation::Seen(post), on) => self.set_seen(tenant, person, *post, on).await,
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
                .target_page::<FollowTarget>(tenant, person, page)
                .await?
                .map(Relation::Follow),
            RelationKind::Mute => self
                .target_page::<MuteTarget>(tenant, person, page)
                .await?
                .map(Relation::Mute),
            RelationKind::Seen => self
                .seen_page(tenant, person, page)
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
        self.insert_one(post, notifications).await
    }

    async fn insert_posts(&self, posts: &[Post]) -> Result<Seq> {
        checks::check_new_posts(posts.iter().map(|p| (p, &[][..])))?;
        self.insert_many(posts).await
    }

    async fn insert_posts_with_notifications(
        &self,
        items: &[(Post, Vec<NewNotification>)],
    ) -> Result<Seq> {
        checks::check_new_posts(items.iter().map(|(p, n)| (p, n.as_slice())))?;
        self.insert_many_notifying(items).await
    }

    async fn insert_post_once(
        &self,
        post: &Post,
        notifications: &[NewNotification],
        request: &RequestRecord,
    ) -> Result<Seq> {
        checks::check_new_posts([(post, notifications)])?;
        request.person.check()?;
        self.insert_once(post, notifications, request).await
    }

    async fn find_request(
        &self,
        tenant: &TenantId,
        person: &PersonId,
        key: &RequestKey,
    ) -> Result<Option<RequestRecord>> {
        self.request(tenant, person, key).await
    }

    async fn delete_post(&self, tenant: &TenantId, id: &PostId, at: DateTime<Utc>) -> Result<Seq> {
        self.delete(tenant, *id, at).await
    }

    async fn get_post(&self, access: &Access, id: &PostId) -> Result<Option<PostView>> {
        Ok(self.views(access, std::slice::from_ref(id)).await?.pop())
    }

    async fn get_posts(&self, access: &Access, ids: &[PostId]) -> Result<Vec<PostView>> {
        self.views(access, ids).await
    }

    async fn list_posts(
        &self,
        access: &Access,
        filter: &PostFilter,
        page: &PageRequest,
    ) -> Result<Page<PostView>> {
        self.list(access, filter, page).await
    }

    async fn revisions(&self, access: &Access, id: &PostId) -> Result<Vec<Revision>> {
        self.visible_revisions(access, *id).await
    }

    async fn feed_candidates(
        &self,
        access: &Access,
        query: &CandidateQuery,
    ) -> Result<Vec<Candidate>> {
        self.candidates(access, query).await
    }

    async fn tag_activity(
        &self,
        access: &Access,
        since: DateTime<Utc>,
        bucket_seconds: i64,
    ) -> Result<Vec<TagBucket>> {
        self.activity(access, since, bucket_seconds).await
    }

    async fn suggest_tags(
        &self,
        access: &Access,
        key_prefix: &str,
        limit: usize,
    ) -> Result<Vec<TagSuggestion>> {
        self.suggest(access, key_prefix, limit).await
    }

    async fn scan_posts(
        &self,
        after: Option<(TenantId, PostId)>,
        limit: usize,
    ) -> Result<Vec<Post>> {
        self.scan(after, limit).await
    }

    async fn add_reactions(&self, tenant: &TenantId, reactions: &[Reaction]) -> Result<usize> {
        tenant.check()?;
        reactions.iter().try_for_each(|r| r.person.check())?;
        self.react_many(tenant, reactions).await
    }

    async fn reactions(
        &self,
        access: &Access,
        post: &PostId,
        page: &PageRequest,
    ) -> Result<Page<Reaction>> {
        self.reaction_page(access, *post, page).await
    }

    async fn interactions(
        &self,
        tenant: &TenantId,
        person: &PersonId,
        limit: usize,
    ) -> Result<Vec<(PersonId, u32)>> {
        self.interaction_counts(tenant, person, limit).await
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
        self.add_follows(tenant, follows).await
    }

    async fn notifications(
        &self,
        tenant: &TenantId,
        person: &PersonId,
        page: &PageRequest,
    ) -> Result<Page<Notification>> {
        self.notification_page(tenant, person, page).await
    }

    async fn mark_notifications_seen(
        &self,
        tenant: &TenantId,
        person: &PersonId,
        up_to: u64,
    ) -> Result<usize> {
        self.notifications_seen(tenant, person, up_to).await
    }

    async fn mark_posts_seen(
        &self,
        tenant: &TenantId,
        person: &PersonId,
        posts: &[PostId],
    ) -> Result<()> {
        checks::check_person(tenant, person)?;
        self.posts_seen(tenant, person, posts).await
    }

    async fn seen_posts(
        &self,
        tenant: &TenantId,
        person: &PersonId,
        posts: &[PostId],
    ) -> Result<Vec<PostId>> {
        self.which_seen(tenant, person, posts).await
    }

    async fn changes(&self, after: Seq, limit: usize) -> Result<Vec<Change>> {
        self.changes_after(after, limit).await
    }

    async fn last_seq(&self) -> Result<Seq> {
        self.newest_seq().await
    }

    async fn wait_for_change(&self, after: Seq, timeout: std::time::Duration) -> Result<()> {
        if let Err(e) = self.wake.ensure_listening().await {
            // Without a listener, poll as a store without the capability does.
            tracing::warn!(error = %e, "cannot listen for change-log notifications");
            let pause = timeout.min(watercooler_core::store::DEFAULT_CHANGE_POLL);
            tokio::time::sleep(pause).await;
            return Ok(());
        }
        watercooler_core::store::wait_on_notify(&self.wake.changed, after, timeout, || {
            self.newest_seq()
        })
        .await
    }

    async fn erase_person(
        &self,
        tenant: &TenantId,
        person: &PersonId,
        at: DateTime<Utc>,
    ) -> Result<ErasureReport> {
        self.erase(tenant, person, at).await
    }

    async fn export_person(&self, tenant: &TenantId, person: &PersonId) -> Result<PersonData> {
        self.export(tenant, person).await
    }
}

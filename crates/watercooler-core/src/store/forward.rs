//! A shared or boxed store is a store: `impl Store for Arc<S>` and `Box<S>`, forwarding
//! every method (the provided ones too, so a store's faster overrides are kept).

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::{
    Candidate, CandidateQuery, Capabilities, ErasureReport, PersonData, PostFilter, PostUpdate,
    ReactionChange, Relation, RelationChange, RelationQuery, Store, TagBucket, TagSuggestion,
};
use crate::access::Access;
use crate::error::Result;
use crate::ids::{PersonId, PostId, Seq, TenantId};
use crate::model::{
    Change, FollowTarget, MuteTarget, NewNotification, Notification, Post, PostView, Reaction,
    ReactionKind, RequestKey, RequestRecord, Revision,
};
use crate::page::{Page, PageRequest};

macro_rules! forward {
    ($($wrapper:ident),*) => {$(
        #[async_trait]
        impl<S: Store + ?Sized> Store for $wrapper<S> {
            fn capabilities(&self) -> Capabilities {
                (**self).capabilities()
            }

            async fn insert_post(&self, post: &Post, notifications: &[NewNotification]) -> Result<Seq> {
                (**self).insert_post(post, notifications).await
            }

            async fn insert_posts(&self, posts: &[Post]) -> Result<Seq> {
                (**self).insert_posts(posts).await
            }

            async fn insert_posts_with_notifications(&self, items: &[(Post, Vec<NewNotification>)]) -> Result<Seq> {
                (**self).insert_posts_with_notifications(items).await
            }

            async fn insert_post_once(&self, post: &Post, notifications: &[NewNotification], request: &RequestRecord) -> Result<Seq> {
                (**self).insert_post_once(post, notifications, request).await
            }

            async fn find_request(&self, tenant: &TenantId, person: &PersonId, key: &RequestKey) -> Result<Option<RequestRecord>> {
                (**self).find_request(tenant, person, key).await
            }

            async fn update_post(&self, tenant: &TenantId, update: &PostUpdate) -> Result<Seq> {
                (**self).update_post(tenant, update).await
            }

            async fn set_pinned(&self, tenant: &TenantId, id: &PostId, until: Option<DateTime<Utc>>, at: DateTime<Utc>) -> Result<Seq> {
                (**self).set_pinned(tenant, id, until, at).await
            }

            async fn delete_post(&self, tenant: &TenantId, id: &PostId, at: DateTime<Utc>) -> Result<Seq> {
                (**self).delete_post(tenant, id, at).await
            }

            async fn post_views(&self, tenant: &TenantId, ids: &[PostId]) -> Result<Vec<PostView>> {
                (**self).post_views(tenant, ids).await
            }

            async fn get_post(&self, access: &Access, id: &PostId) -> Result<Option<PostView>> {
                (**self).get_post(access, id).await
            }

            async fn get_posts(&self, access: &Access, ids: &[PostId]) -> Result<Vec<PostView>> {
                (**self).get_posts(access, ids).await
            }

            async fn list_posts(&self, access: &Access, filter: &PostFilter, page: &PageRequest) -> Result<Page<PostView>> {
                (**self).list_posts(access, filter, page).await
            }

            async fn revisions(&self, access: &Access, id: &PostId) -> Result<Vec<Revision>> {
                (**self).revisions(access, id).await
            }

            async fn feed_candidates(&self, access: &Access, query: &CandidateQuery) -> Result<Vec<Candidate>> {
                (**self).feed_candidates(access, query).await
            }

            async fn tag_activity(&self, access: &Access, since: DateTime<Utc>, bucket_seconds: i64) -> Result<Vec<TagBucket>> {
                (**self).tag_activity(access, since, bucket_seconds).await
            }

            async fn suggest_tags(&self, access: &Access, key_prefix: &str, limit: usize) -> Result<Vec<TagSuggestion>> {
                (**self).suggest_tags(access, key_prefix, limit).await
            }

            async fn posts_for_indexing(&self, tenant: &TenantId, ids: &[PostId]) -> Result<Vec<Post>> {
                (**self).posts_for_indexing(tenant, ids).await
            }

            async fn scan_posts(&self, after: Option<(TenantId, PostId)>, limit: usize) -> Result<Vec<Post>> {
                (**self).scan_posts(after, limit).await
            }

            async fn set_reaction(&self, tenant: &TenantId, change: &ReactionChange) -> Result<bool> {
                (**self).set_reaction(tenant, change).await
            }

            async fn add_reaction(&self, tenant: &TenantId, reaction: &Reaction, notification: Option<&NewNotification>) -> Result<bool> {
                (**self).add_reaction(tenant, reaction, notification).await
            }

            async fn add_reactions(&self, tenant: &TenantId, reactions: &[Reaction]) -> Result<usize> {
                (**self).add_reactions(tenant, reactions).await
            }

            async fn remove_reaction(&self, tenant: &TenantId, post: &PostId, person: &PersonId, kind: ReactionKind) -> Result<bool> {
                (**self).remove_reaction(tenant, post, person, kind).await
            }

            async fn reactions(&self, access: &Access, post: &PostId, page: &PageRequest) -> Result<Page<Reaction>> {
                (**self).reactions(access, post, page).await
            }

            async fn interactions(&self, tenant: &TenantId, person: &PersonId, limit: usize) -> Result<Vec<(PersonId, u32)>> {
                (**self).interactions(tenant, person, limit).await
            }

            async fn relate(&self, tenant: &TenantId, change: &RelationChange) -> Result<bool> {
                (**self).relate(tenant, change).await
            }

            async fn relations(&self, tenant: &TenantId, query: &RelationQuery) -> Result<Page<Relation>> {
                (**self).relations(tenant, query).await
            }

            async fn follow(&self, tenant: &TenantId, person: &PersonId, target: &FollowTarget) -> Result<bool> {
                (**self).follow(tenant, person, target).await
            }

            async fn follow_many(&self, tenant: &TenantId, follows: &[(PersonId, FollowTarget)]) -> Result<usize> {
                (**self).follow_many(tenant, follows).await
            }

            async fn unfollow(&self, tenant: &TenantId, person: &PersonId, target: &FollowTarget) -> Result<bool> {
                (**self).unfollow(tenant, person, target).await
            }

            async fn follows(&self, tenant: &TenantId, person: &PersonId, page: &PageRequest) -> Result<Page<FollowTarget>> {
                (**self).follows(tenant, person, page).await
            }

            async fn mute(&self, tenant: &TenantId, person: &PersonId, target: &MuteTarget) -> Result<bool> {
                (**self).mute(tenant, person, target).await
            }

            async fn unmute(&self, tenant: &TenantId, person: &PersonId, target: &MuteTarget) -> Result<bool> {
                (**self).unmute(tenant, person, target).await
            }

            async fn mutes(&self, tenant: &TenantId, person: &PersonId, page: &PageRequest) -> Result<Page<MuteTarget>> {
                (**self).mutes(tenant, person, page).await
            }

            async fn mark_posts_seen(&self, tenant: &TenantId, person: &PersonId, posts: &[PostId]) -> Result<()> {
                (**self).mark_posts_seen(tenant, person, posts).await
            }

            async fn seen_posts(&self, tenant: &TenantId, person: &PersonId, posts: &[PostId]) -> Result<Vec<PostId>> {
                (**self).seen_posts(tenant, person, posts).await
            }

            async fn notifications(&self, tenant: &TenantId, person: &PersonId, page: &PageRequest) -> Result<Page<Notification>> {
                (**self).notifications(tenant, person, page).await
            }

            async fn mark_notifications_seen(&self, tenant: &TenantId, person: &PersonId, up_to: u64) -> Result<usize> {
                (**self).mark_notifications_seen(tenant, person, up_to).await
            }

            async fn changes(&self, after: Seq, limit: usize) -> Result<Vec<Change>> {
                (**self).changes(after, limit).await
            }

            async fn last_seq(&self) -> Result<Seq> {
                (**self).last_seq().await
            }

            async fn wait_for_change(&self, after: Seq, timeout: std::time::Duration) -> Result<()> {
                (**self).wait_for_change(after, timeout).await
            }

            async fn erase_person(&self, tenant: &TenantId, person: &PersonId, at: DateTime<Utc>) -> Result<ErasureReport> {
                (**self).erase_person(tenant, person, at).await
            }

            async fn export_person(&self, tenant: &TenantId, person: &PersonId) -> Result<PersonData> {
                (**self).export_person(tenant, person).await
            }
        }
    )*};
}

forward!(Arc, Box);

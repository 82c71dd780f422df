//! The suite must be able to fail: each test wraps `MemoryStore` in a store with one
//! deliberate fault of a kind real stores have had, and requires the behaviour that covers
//! it to panic. (The panic output of the sabotaged behaviours is expected.)

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use watercooler_core::store::{
    Candidate, CandidateQuery, ErasureReport, PersonData, PostFilter, PostUpdate, ReactionChange,
    Relation, RelationChange, RelationQuery, TagBucket, TagSuggestion,
};
use watercooler_core::{
    Access, Change, FollowTarget, GroupId, MemoryStore, MuteTarget, NewNotification, Notification,
    Page, PageRequest, PersonId, Post, PostId, PostView, Reaction, ReactionKind, Result, Revision,
    Seq, Store, TenantId,
};

/// One deliberate bug.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    /// `get_post` checks the tenant but not who may see the post.
    GetPostIgnoresVisibility,
    /// Tag statistics are computed as a member of every group ("cached without the viewer").
    TagStatsSeeAllGroups,
    /// `list_posts` drops the last item of every page that has a next one.
    ListPostsLosesItems,
    /// `add_reaction` always says the reaction was new.
    DuplicateReactionsLookNew,
    /// `erase_person` does nothing.
    EraseDoesNothing,
    /// `changes` returns each batch newest first.
    ChangesOutOfOrder,
    /// `list_posts` reads an unparseable cursor as "first page".
    GarbageCursorIsFirstPage,
    /// `export_person` leaves out the person's reactions.
    ExportWithoutReactions,
    /// `follow_many` reports every follow of the batch as new.
    FollowManyCountsAll,
    /// `insert_posts_with_notifications` stores the posts but not their notifications.
    BatchDropsNotifications,
}

/// `MemoryStore` with one fault.
struct Sabotaged {
    inner: MemoryStore,
    fault: Fault,
}

#[async_trait]
impl Store for Sabotaged {
    async fn insert_post(&self, post: &Post, n: &[NewNotification]) -> Result<Seq> {
        self.inner.insert_post(post, n).await
    }
    async fn insert_posts(&self, posts: &[Post]) -> Result<Seq> {
        self.inner.insert_posts(posts).await
    }
    async fn insert_posts_with_notifications(
        &self,
        items: &[(Post, Vec<NewNotification>)],
    ) -> Result<Seq> {
        if self.fault == Fault::BatchDropsNotifications {
            let posts: Vec<Post> = items.iter().map(|(p, _)| p.clone()).collect();
            return self.inner.insert_posts(&posts).await;
        }
        self.inner.insert_posts_with_notifications(items).await
    }
    async fn update_post(&self, t: &TenantId, u: &PostUpdate) -> Result<Seq> {
        self.inner.update_post(t, u).await
    }
    async fn post_views(&self, t: &TenantId, ids: &[PostId]) -> Result<Vec<PostView>> {
        self.inner.post_views(t, ids).await
    }
    async fn set_reaction(&self, t: &TenantId, c: &ReactionChange) -> Result<bool> {
        self.inner.set_reaction(t, c).await
    }
    async fn relate(&self, t: &TenantId, c: &RelationChange) -> Result<bool> {
        self.inner.relate(t, c).await
    }
    async fn relations(&self, t: &TenantId, q: &RelationQuery) -> Result<Page<Relation>> {
        self.inner.relations(t, q).await
    }
    async fn set_pinned(
        &self,
        t: &TenantId,
        id: &PostId,
        until: Option<DateTime<Utc>>,
        at: DateTime<Utc>,
    ) -> Result<Seq> {
        self.inner.set_pinned(t, id, until, at).await
    }
    async fn delete_post(&self, t: &TenantId, id: &PostId, at: DateTime<Utc>) -> Result<Seq> {
        self.inner.delete_post(t, id, at).await
    }
    async fn get_post(&self, access: &Access, id: &PostId) -> Result<Option<PostView>> {
        if self.fault == Fault::GetPostIgnoresVisibility {
            let found = self
                .inner
                .posts_for_indexing(access.tenant(), &[*id])
                .await?;
            return Ok(found.into_iter().next().map(|post| PostView {
                post,
                stats: Default::default(),
            }));
        }
        self.inner.get_post(access, id).await
    }
    async fn get_posts(&self, access: &Access, ids: &[PostId]) -> Result<Vec<PostView>> {
        self.inner.get_posts(access, ids).await
    }
    async fn list_posts(
        &self,
        access: &Access,
        filter: &PostFilter,
        page: &PageRequest,
    ) -> Result<Page<PostView>> {
        let r = self.inner.list_posts(access, filter, page).await;
        match (self.fault, r) {
            (Fault::ListPostsLosesItems, Ok(mut p)) => {
                if p.next.is_some() && p.items.len() > 1 {
                    p.items.pop();
                }
                Ok(p)
            }
            (Fault::GarbageCursorIsFirstPage, Err(watercooler_core::Error::Invalid { .. }))
                if page.cursor.is_some() =>
            {
                self.inner
                    .list_posts(access, filter, &PageRequest::first(page.limit))
                    .await
            }
            (_, r) => r,
        }
    }
    async fn revisions(&self, access: &Access, id: &PostId) -> Result<Vec<Revision>> {
        self.inner.revisions(access, id).await
    }
    async fn feed_candidates(&self, access: &Access, q: &CandidateQuery) -> Result<Vec<Candidate>> {
        self.inner.feed_candidates(access, q).await
    }
    async fn tag_activity(
        &self,
        access: &Access,
        since: DateTime<Utc>,
        bucket_seconds: i64,
    ) -> Result<Vec<TagBucket>> {
        let access = self.widen(access);
        self.inner
            .tag_activity(&access, since, bucket_seconds)
            .await
    }
    async fn suggest_tags(
        &self,
        access: &Access,
        prefix: &str,
        limit: usize,
    ) -> Result<Vec<TagSuggestion>> {
        let access = self.widen(access);
        self.inner.suggest_tags(&access, prefix, limit).await
    }
    async fn posts_for_indexing(&self, t: &TenantId, ids: &[PostId]) -> Result<Vec<Post>> {
        self.inner.posts_for_indexing(t, ids).await
    }
    async fn scan_posts(
        &self,
        after: Option<(TenantId, PostId)>,
        limit: usize,
    ) -> Result<Vec<Post>> {
        self.inner.scan_posts(after, limit).await
    }
    async fn add_reaction(
        &self,
        t: &TenantId,
        r: &Reaction,
        n: Option<&NewNotification>,
    ) -> Result<bool> {
        let new = self.inner.add_reaction(t, r, n).await?;
        Ok(new || self.fault == Fault::DuplicateReactionsLookNew)
    }
    async fn add_reactions(&self, t: &TenantId, r: &[Reaction]) -> Result<usize> {
        self.inner.add_reactions(t, r).await
    }
    async fn remove_reaction(
        &self,
        t: &TenantId,
        post: &PostId,
        person: &PersonId,
        kind: ReactionKind,
    ) -> Result<bool> {
        self.inner.remove_reaction(t, post, person, kind).await
    }
    async fn reactions(
        &self,
        access: &Access,
        post: &PostId,
        page: &PageRequest,
    ) -> Result<Page<Reaction>> {
        self.inner.reactions(access, post, page).await
    }
    async fn interactions(
        &self,
        t: &TenantId,
        p: &PersonId,
        limit: usize,
    ) -> Result<Vec<(PersonId, u32)>> {
        self.inner.interactions(t, p, limit).await
    }
    async fn follow(&self, t: &TenantId, p: &PersonId, target: &FollowTarget) -> Result<bool> {
        self.inner.follow(t, p, target).await
    }
    async fn follow_many(&self, t: &TenantId, f: &[(PersonId, FollowTarget)]) -> Result<usize> {
        let new = self.inner.follow_many(t, f).await?;
        if self.fault == Fault::FollowManyCountsAll {
            return Ok(f.len());
        }
        Ok(new)
    }
    async fn unfollow(&self, t: &TenantId, p: &PersonId, target: &FollowTarget) -> Result<bool> {
        self.inner.unfollow(t, p, target).await
    }
    async fn follows(
        &self,
        t: &TenantId,
        p: &PersonId,
        page: &PageRequest,
    ) -> Result<Page<FollowTarget>> {
        self.inner.follows(t, p, page).await
    }
    async fn mute(&self, t: &TenantId, p: &PersonId, target: &MuteTarget) -> Result<bool> {
        self.inner.mute(t, p, target).await
    }
    async fn unmute(&self, t: &TenantId, p: &PersonId, target: &MuteTarget) -> Result<bool> {
        self.inner.unmute(t, p, target).await
    }
    async fn mutes(
        &self,
        t: &TenantId,
        p: &PersonId,
        page: &PageRequest,
    ) -> Result<Page<MuteTarget>> {
        self.inner.mutes(t, p, page).await
    }
    async fn notifications(
        &self,
        t: &TenantId,
        p: &PersonId,
        page: &PageRequest,
    ) -> Result<Page<Notification>> {
        self.inner.notifications(t, p, page).await
    }
    async fn mark_notifications_seen(
        &self,
        t: &TenantId,
        p: &PersonId,
        up_to: u64,
    ) -> Result<usize> {
        self.inner.mark_notifications_seen(t, p, up_to).await
    }
    async fn mark_posts_seen(&self, t: &TenantId, p: &PersonId, posts: &[PostId]) -> Result<()> {
        self.inner.mark_posts_seen(t, p, posts).await
    }
    async fn seen_posts(
        &self,
        t: &TenantId,
        p: &PersonId,
        posts: &[PostId],
    ) -> Result<Vec<PostId>> {
        self.inner.seen_posts(t, p, posts).await
    }
    async fn changes(&self, after: Seq, limit: usize) -> Result<Vec<Change>> {
        let mut c = self.inner.changes(after, limit).await?;
        if self.fault == Fault::ChangesOutOfOrder {
            c.reverse();
        }
        Ok(c)
    }
    async fn last_seq(&self) -> Result<Seq> {
        self.inner.last_seq().await
    }
    async fn erase_person(
        &self,
        t: &TenantId,
        p: &PersonId,
        at: DateTime<Utc>,
    ) -> Result<ErasureReport> {
        if self.fault == Fault::EraseDoesNothing {
            return Ok(ErasureReport::default());
        }
        self.inner.erase_person(t, p, at).await
    }
    async fn export_person(&self, t: &TenantId, p: &PersonId) -> Result<PersonData> {
        let mut data = self.inner.export_person(t, p).await?;
        if self.fault == Fault::ExportWithoutReactions {
            data.reactions.clear();
        }
        Ok(data)
    }
}

impl Sabotaged {
    /// The access tag statistics use: with the fault, a member of every fixture group.
    fn widen(&self, access: &Access) -> Access {
        if self.fault != Fault::TagStatsSeeAllGroups {
            return access.clone();
        }
        let all = [GroupId::new("eng"), GroupId::new("hr")];
        Access::new(
            access.tenant().clone(),
            access.person().clone(),
            all,
            access.is_admin(),
        )
    }
}

/// Runs the behaviour named `name` against a store with `fault`; true if it panicked.
fn fails(fault: Fault, name: &str) -> bool {
    let (_, run) = *watercooler_testkit::BEHAVIOURS
        .iter()
        .find(|(n, _)| *n == name)
        .unwrap_or_else(|| panic!("no behaviour named {name}"));
    let store: Arc<dyn Store> = Arc::new(Sabotaged {
        inner: MemoryStore::new(),
        fault,
    });
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a tokio runtime");
        rt.block_on(run(store));
    })
    .join()
    .is_err()
}

#[test]
fn the_unsabotaged_wrapper_passes() {
    // The wrapper itself must be faithful, or the checks below prove nothing. `Fault`
    // values that only act on one path leave the others alone: use one that acts nowhere
    // in this behaviour.
    assert!(!fails(
        Fault::ExportWithoutReactions,
        "group_posts_are_members_only"
    ));
}

#[test]
fn a_visibility_leak_in_get_post_is_caught() {
    assert!(fails(
        Fault::GetPostIgnoresVisibility,
        "group_posts_are_members_only"
    ));
    assert!(fails(
        Fault::GetPostIgnoresVisibility,
        "direct_posts_are_recipients_only"
    ));
}

#[test]
fn tag_statistics_computed_without_the_viewer_are_caught() {
    assert!(fails(
        Fault::TagStatsSeeAllGroups,
        "group_posts_are_members_only"
    ));
}

#[test]
fn a_page_losing_items_is_caught() {
    assert!(fails(
        Fault::ListPostsLosesItems,
        "post_pages_are_stable_while_publishing"
    ));
}

#[test]
fn a_duplicate_reaction_reported_new_is_caught() {
    assert!(fails(
        Fault::DuplicateReactionsLookNew,
        "reactions_are_one_per_person_and_kind"
    ));
}

#[test]
fn an_erasure_that_does_nothing_is_caught() {
    assert!(fails(
        Fault::EraseDoesNothing,
        "erase_person_removes_everything"
    ));
}

#[test]
fn a_change_log_out_of_order_is_caught() {
    assert!(fails(
        Fault::ChangesOutOfOrder,
        "change_log_is_ordered_and_complete"
    ));
}

#[test]
fn a_garbage_cursor_read_as_first_page_is_caught() {
    assert!(fails(
        Fault::GarbageCursorIsFirstPage,
        "page_limits_and_cursors_are_checked"
    ));
}

#[test]
fn an_incomplete_export_is_caught() {
    assert!(fails(
        Fault::ExportWithoutReactions,
        "export_is_a_complete_json_document"
    ));
}

#[test]
fn follow_many_counting_repeats_as_new_is_caught() {
    assert!(fails(
        Fault::FollowManyCountsAll,
        "follow_many_equals_single_follows"
    ));
}

#[test]
fn a_batch_losing_its_notifications_is_caught() {
    assert!(fails(
        Fault::BatchDropsNotifications,
        "insert_posts_with_notifications_equals_single_inserts"
    ));
}

//! Reading back a tenant's whole state: the change log, every live post, and a snapshot of
//! everything stored about the tenant, to prove that a refused call changed nothing.

use watercooler_core::store::PersonData;
use watercooler_core::{
    Change, PersonId, Post, PostId, PostView, Reaction, Revision, Seq, Store, TenantId,
};

use crate::check::{all_pages, ok};
use crate::fixture::Fixture;

/// Change-log entries read per call.
const CHANGES_BATCH: usize = 500;
/// Posts scanned per call.
const SCAN_BATCH: usize = 100;

/// The change-log entries of `tenant` with `seq > after`, in log order. Reads the whole
/// log after `after` (other tenants' entries are skipped, not assumed absent: behaviours
/// may share the store).
pub(crate) async fn tenant_changes(
    store: &dyn Store,
    tenant: &TenantId,
    after: Seq,
) -> Vec<Change> {
    let mut out = Vec::new();
    let mut from = after;
    loop {
        let batch = ok(store.changes(from, CHANGES_BATCH).await, "store.changes");
        assert!(
            batch.len() <= CHANGES_BATCH,
            "store.changes returned {} entries, more than the limit {CHANGES_BATCH}",
            batch.len()
        );
        assert!(
            batch.windows(2).all(|w| w[0].seq < w[1].seq),
            "store.changes({from}) returned entries out of order"
        );
        let Some(last) = batch.last() else { return out };
        assert!(
            last.seq > from,
            "store.changes({from}) returned an entry at or before {from}"
        );
        from = last.seq;
        out.extend(batch.into_iter().filter(|c| &c.tenant == tenant));
    }
}

/// Asserts that `tenant` has no change-log entry after `since`.
#[track_caller]
pub(crate) fn assert_no_new_changes(changes: &[Change], what: &str) {
    assert!(
        changes.is_empty(),
        "{what}: a refused call wrote change-log entries {changes:?}"
    );
}

/// The current newest sequence number.
pub(crate) async fn last_seq(store: &dyn Store) -> Seq {
    ok(store.last_seq().await, "store.last_seq")
}

/// Every live post of `tenant`, in id order, through [`Store::scan_posts`] (starting at the
/// tenant, stopping at the next one).
pub(crate) async fn scan_tenant(store: &dyn Store, tenant: &TenantId) -> Vec<Post> {
    let mut out: Vec<Post> = Vec::new();
    let mut after = (tenant.clone(), PostId::MIN);
    loop {
        let batch = ok(
            store.scan_posts(Some(after.clone()), SCAN_BATCH).await,
            "store.scan_posts",
        );
        assert!(
            batch.len() <= SCAN_BATCH,
            "store.scan_posts returned {} posts, more than the limit {SCAN_BATCH}",
            batch.len()
        );
        let Some(last) = batch.last() else { return out };
        let next = (last.tenant.clone(), last.id);
        assert!(
            next > after,
            "store.scan_posts after {after:?} went backwards or stood still (to {next:?})"
        );
        let done = batch.iter().any(|p| &p.tenant != tenant);
        out.extend(batch.into_iter().filter(|p| &p.tenant == tenant));
        if done {
            return out;
        }
        after = next;
    }
}

/// One person's export and interactions (sorted).
type PersonState = (PersonId, PersonData, Vec<(PersonId, u32)>);

/// Everything stored about a tenant, as its reads show it.
#[derive(Debug, PartialEq)]
pub(crate) struct Snapshot {
    /// Each live post as its author reads it, with its revisions and reactions.
    posts: Vec<(PostView, Vec<Revision>, Vec<Reaction>)>,
    /// Each person's export and interactions.
    people: Vec<PersonState>,
}

impl Snapshot {
    /// Reads the snapshot of `tenant`.
    pub async fn take(fx: &Fixture, tenant: &TenantId) -> Snapshot {
        let store = &*fx.store;
        let mut posts = Vec::new();
        for post in scan_tenant(store, tenant).await {
            let access = Fixture::author_access(&post);
            let view = ok(store.get_post(&access, &post.id).await, "store.get_post")
                .unwrap_or_else(|| {
                    panic!(
                        "store.get_post: the author cannot read their own post {}",
                        post.id
                    )
                });
            let revisions = ok(store.revisions(&access, &post.id).await, "store.revisions");
            let reactions = all_pages("store.reactions", 50, async |page| {
                store.reactions(&access, &post.id, &page).await
            })
            .await;
            posts.push((view, revisions, reactions));
        }
        let mut people = Vec::new();
        for person in ok(fx.dir.person_ids(tenant), "directory: person ids") {
            let data = ok(
                store.export_person(tenant, &person).await,
                "store.export_person",
            );
            let mut inter = ok(
                store.interactions(tenant, &person, 1000).await,
                "store.interactions",
            );
            inter.sort();
            people.push((person, data, inter));
        }
        Snapshot { posts, people }
    }

    /// Drops the seen state from the snapshot, for calls that may record it harmlessly.
    pub fn forget_seen(&mut self) {
        for (_, data, _) in &mut self.people {
            data.seen.clear();
        }
    }

    /// Asserts nothing changed since `self`, naming the first difference.
    #[track_caller]
    pub fn assert_same(&self, after: &Snapshot, what: &str) {
        assert_eq!(
            self.posts.len(),
            after.posts.len(),
            "{what}: the number of live posts changed"
        );
        for (a, b) in self.posts.iter().zip(&after.posts) {
            assert_eq!(a, b, "{what}: post {} changed", a.0.post.id);
        }
        for (a, b) in self.people.iter().zip(&after.people) {
            assert_eq!(a, b, "{what}: the data of {} changed", a.0);
        }
    }
}

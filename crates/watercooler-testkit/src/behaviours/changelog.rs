//! The change log, and the derived-state reads that must agree with it.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use chrono::Duration;
use watercooler_core::{ChangeKind, NewPost, Post, PostId, Seq, Store};

use crate::check::{already_exists, ok};
use crate::fixture::Fixture;
use crate::state::{last_seq, scan_tenant, tenant_changes};

/// Every write of a post gets exactly one entry, in order, with strictly increasing
/// sequence numbers: `Created` for publish and reply, `Edited` for edit, pin and unpin and
/// for a post losing a mention to an erasure, `Deleted` for each post of a deleted thread,
/// `Erased` for each post of an erased person. Store writes return their entry's seq;
/// reading the log in small batches gives the same entries; replaying it gives exactly the
/// live posts that `scan_posts` and `posts_for_indexing` return, in their latest version.
pub async fn change_log_is_ordered_and_complete(store: Arc<dyn Store>) {
    let fx = Fixture::new(store, "changelog").await;
    let s = &*fx.store;
    let before = last_seq(s).await;
    use ChangeKind::{Created, Deleted, Edited, Erased};

    let p1 = fx.publish("alice", NewPost::new("one")).await;
    let p2 = fx.publish("alice", NewPost::new("two")).await;
    let r1 = fx.reply("bob", &p1.id, "bob's first reply").await;
    let p1 = fx.edit("alice", &p1.id, "one, edited").await;
    let ann = fx
        .publish("alice", NewPost::new("announcement").announcement())
        .await;
    fx.tick();
    let t_pin = fx.now();
    ok(
        fx.wc
            .pin(&fx.viewer("alice"), &ann.id, t_pin + Duration::hours(2))
            .await,
        "pin",
    );
    fx.tick();
    ok(fx.wc.unpin(&fx.viewer("alice"), &ann.id).await, "unpin");
    fx.tick();
    let t_delete = fx.now();
    ok(fx.wc.delete(&fx.viewer("alice"), &p2.id).await, "delete");
    let p3 = fx.publish("alice", NewPost::new("three for @bob")).await;
    let r2 = fx.reply("bob", &p1.id, "bob's second reply").await;
    fx.tick();
    let report = ok(
        fx.admin()
            .await
            .erase_person(&watercooler_core::PersonId::new("bob"))
            .await,
        "erase bob",
    );

    let changes = tenant_changes(s, &fx.tenant, before).await;
    let got: Vec<(PostId, ChangeKind)> = changes.iter().map(|c| (c.post, c.kind)).collect();
    let want_prefix = [
        (p1.id, Created),
        (p2.id, Created),
        (r1.id, Created),
        (p1.id, Edited),
        (ann.id, Created),
        (ann.id, Edited),
        (ann.id, Edited),
        (p2.id, Deleted),
        (p3.id, Created),
        (r2.id, Created),
    ];
    assert!(
        got.len() >= want_prefix.len(),
        "change log too short: {got:?}"
    );
    assert_eq!(
        &got[..want_prefix.len()],
        &want_prefix[..],
        "change log, in order"
    );
    let mut erasure: Vec<(PostId, ChangeKind)> = got[want_prefix.len()..].to_vec();
    erasure.sort_by_key(|(id, k)| (*id, format!("{k:?}")));
    let mut want_erasure = vec![(r1.id, Erased), (r2.id, Erased), (p3.id, Edited)];
    want_erasure.sort_by_key(|(id, k)| (*id, format!("{k:?}")));
    assert_eq!(
        erasure, want_erasure,
        "erasing bob: Erased for his replies, Edited for the post mentioning him"
    );
    assert!(
        changes.windows(2).all(|w| w[0].seq < w[1].seq),
        "seqs strictly increase: {changes:?}"
    );
    assert!(
        changes[0].seq > before,
        "the first entry comes after the log's end before the behaviour"
    );
    assert_eq!(changes[0].at, p1.created_at, "`at` of a Created entry");
    assert_eq!(
        changes[3].at,
        p1.edited_at.unwrap_or_default(),
        "`at` of an Edited entry"
    );
    assert_eq!(changes[5].at, t_pin, "`at` of the pin's entry");
    assert_eq!(changes[7].at, t_delete, "`at` of a Deleted entry");
    let last = changes[changes.len() - 1].seq;
    assert_eq!(
        report.last_seq,
        Some(last),
        "the erasure report names its last entry"
    );
    assert!(
        last_seq(s).await >= last,
        "last_seq is at least the newest entry"
    );

    // Small batches give the same log, and `after` is exclusive.
    let mut small = Vec::new();
    let mut from = before;
    loop {
        let batch = ok(s.changes(from, 2).await, "store.changes");
        assert!(
            batch.len() <= 2,
            "store.changes returned more than the limit"
        );
        let Some(l) = batch.last() else { break };
        from = l.seq;
        small.extend(batch.into_iter().filter(|c| c.tenant == fx.tenant));
        if from >= last {
            break;
        }
    }
    assert_eq!(small, changes, "reading the log 2 entries at a time");
    let tail = tenant_changes(s, &fx.tenant, changes[3].seq).await;
    assert_eq!(
        tail.first(),
        changes.get(4),
        "changes(after) starts right after `after`"
    );

    // Store writes return their entry's seq.
    fx.tick();
    let seq = ok(
        s.set_pinned(&fx.tenant, &ann.id, None, fx.now()).await,
        "store.set_pinned",
    );
    let e = tenant_changes(s, &fx.tenant, last).await;
    assert_eq!(
        e.iter()
            .map(|c| (c.seq, c.post, c.kind))
            .collect::<Vec<_>>(),
        vec![(seq, ann.id, Edited)],
        "store.set_pinned's seq"
    );
    let seq = ok(
        s.delete_post(&fx.tenant, &ann.id, fx.now()).await,
        "store.delete_post",
    );
    let e = tenant_changes(s, &fx.tenant, e[0].seq).await;
    assert_eq!(
        e.iter()
            .map(|c| (c.seq, c.post, c.kind))
            .collect::<Vec<_>>(),
        vec![(seq, ann.id, Deleted)],
        "store.delete_post's seq"
    );

    // Replaying the log gives the live posts.
    let all = tenant_changes(s, &fx.tenant, before).await;
    let mut state: BTreeMap<PostId, ChangeKind> = BTreeMap::new();
    for c in &all {
        state.insert(c.post, c.kind);
    }
    let live: Vec<PostId> = state
        .iter()
        .filter(|(_, k)| matches!(k, Created | Edited))
        .map(|(id, _)| *id)
        .collect();
    let scanned: Vec<PostId> = scan_tenant(s, &fx.tenant)
        .await
        .iter()
        .map(|p| p.id)
        .collect();
    assert_eq!(
        scanned, live,
        "scan_posts holds exactly the posts the log says are live"
    );
    let ids: Vec<PostId> = state.keys().copied().collect();
    let mut indexed = ok(
        s.posts_for_indexing(&fx.tenant, &ids).await,
        "posts_for_indexing",
    );
    indexed.sort_by_key(|p| p.id);
    assert_eq!(
        indexed.iter().map(|p| p.id).collect::<Vec<_>>(),
        live,
        "posts_for_indexing returns the live posts only"
    );
    let latest: Vec<(&PostId, &str)> = indexed
        .iter()
        .map(|p: &Post| (&p.id, p.text.as_str()))
        .collect();
    assert!(
        latest.contains(&(&p1.id, "one, edited")),
        "posts_for_indexing returns the latest text: {latest:?}"
    );
    let p3_now = indexed.iter().find(|p| p.id == p3.id).expect("p3 is live");
    assert!(
        p3_now.mentions.is_empty(),
        "the erased person's mention is gone from p3: {:?}",
        p3_now.mentions
    );
    let unique: HashSet<Seq> = all.iter().map(|c| c.seq).collect();
    assert_eq!(unique.len(), all.len(), "no seq is used twice");
}

/// Bulk import: `insert_posts` stores every post with a `Created` entry and returns the
/// last seq; it is atomic — a batch holding one duplicate id is a
/// [`watercooler_core::Error::AlreadyExists`] and stores nothing; `insert_post` of an existing id is
/// a conflict too.
pub async fn bulk_import_is_atomic(store: Arc<dyn Store>) {
    let fx = Fixture::new(store, "bulk").await;
    let s = &*fx.store;
    let template = fx.publish("alice", NewPost::new("template #bulk")).await;
    let ids = watercooler_core::PostIdGenerator::default();
    let make = |i: usize| {
        let mut p = template.clone();
        p.id = ids.next(fx.now() + Duration::seconds(i as i64));
        p.created_at = p.id.created_at();
        p
    };
    let batch: Vec<Post> = (0..5).map(make).collect();
    let before = last_seq(s).await;
    let seq = ok(s.insert_posts(&batch).await, "store.insert_posts");
    let changes = tenant_changes(s, &fx.tenant, before).await;
    let got: Vec<(PostId, ChangeKind)> = changes.iter().map(|c| (c.post, c.kind)).collect();
    let want: Vec<(PostId, ChangeKind)> =
        batch.iter().map(|p| (p.id, ChangeKind::Created)).collect();
    assert_eq!(got, want, "one Created entry per imported post, in order");
    assert_eq!(
        Some(seq),
        changes.last().map(|c| c.seq),
        "insert_posts returns the last entry's seq"
    );
    let stored = ok(
        s.posts_for_indexing(&fx.tenant, &batch.iter().map(|p| p.id).collect::<Vec<_>>())
            .await,
        "posts_for_indexing",
    );
    assert_eq!(stored.len(), 5, "every imported post is stored");

    let before = last_seq(s).await;
    let count = scan_tenant(s, &fx.tenant).await.len();
    let fresh = make(10);
    let bad = vec![fresh.clone(), batch[2].clone(), make(11)];
    already_exists(
        s.insert_posts(&bad).await,
        "insert_posts with a duplicate id",
    );
    assert_eq!(
        scan_tenant(s, &fx.tenant).await.len(),
        count,
        "a failed batch stores nothing (atomic per call)"
    );
    assert!(
        tenant_changes(s, &fx.tenant, before).await.is_empty(),
        "a failed batch writes no change-log entry"
    );
    already_exists(
        s.insert_post(&template, &[]).await,
        "insert_post of an existing id",
    );
}

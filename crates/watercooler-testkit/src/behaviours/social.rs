//! Follows, mutes and pinned announcements.

use std::sync::Arc;

use chrono::Duration;
use watercooler_core::store::CandidateQuery;
use watercooler_core::watercooler_text::hashtag_key;
use watercooler_core::{
    ChangeKind, FollowTarget, GroupId, MuteTarget, NewPost, PageRequest, PersonId, PostId, Store,
};

use crate::check::{all_pages, hidden, ok, refused};
use crate::fixture::Fixture;
use crate::state::{Snapshot, assert_no_new_changes, last_seq, tenant_changes};

/// Following returns `false` when already followed (every spelling of a hashtag is one
/// key); the list holds each target once, in the same order on every read and page size;
/// unfollowing returns whether it was followed. Mutes behave the same. Each person has
/// their own lists.
pub async fn follows_and_mutes(store: Arc<dyn Store>) {
    let fx = Fixture::new(store, "follows").await;
    let s = &*fx.store;
    let alice = fx.viewer("alice");
    let targets = [
        FollowTarget::Person(PersonId::new("bob")),
        FollowTarget::Hashtag(hashtag_key("#Koffie")),
        FollowTarget::Group(GroupId::new("eng")),
    ];
    for t in &targets {
        assert!(
            ok(fx.wc.follow(&alice, t.clone()).await, "follow"),
            "first follow of {t:?} is new"
        );
        assert!(
            !ok(fx.wc.follow(&alice, t.clone()).await, "follow"),
            "second follow of {t:?} must return false"
        );
    }
    assert!(
        !ok(
            fx.wc
                .follow(&alice, FollowTarget::Hashtag(hashtag_key("#KOFFIE")))
                .await,
            "follow"
        ),
        "#KOFFIE is #Koffie: already followed"
    );
    let walk = async |limit: usize| {
        all_pages("service.follows", limit, async |page| {
            fx.wc.follows(&alice, &page).await
        })
        .await
    };
    let all = walk(10).await;
    let mut sorted = all.clone();
    sorted.sort();
    let mut want = targets.to_vec();
    want.sort();
    assert_eq!(sorted, want, "alice follows exactly the three targets");
    assert_eq!(
        walk(1).await,
        all,
        "the follow list has one stable order whatever the page size"
    );
    let stored = all_pages("store.follows", 2, async |page| {
        s.follows(&fx.tenant, &PersonId::new("alice"), &page).await
    })
    .await;
    assert_eq!(stored, all, "store.follows and service.follows agree");
    let bobs = ok(
        fx.wc
            .follows(&fx.viewer("bob"), &PageRequest::first(10))
            .await,
        "follows",
    );
    assert!(
        bobs.items.is_empty(),
        "bob follows nothing: {:?}",
        bobs.items
    );

    assert!(
        ok(fx.wc.unfollow(&alice, &targets[0]).await, "unfollow"),
        "bob was followed"
    );
    assert!(
        !ok(fx.wc.unfollow(&alice, &targets[0]).await, "unfollow"),
        "bob is no longer followed"
    );
    assert_eq!(walk(10).await.len(), 2, "two follows left");

    let mutes = [
        MuteTarget::Person(PersonId::new("dave")),
        MuteTarget::Word("spoiler".into()),
        MuteTarget::Hashtag(hashtag_key("#maandag")),
    ];
    for m in &mutes {
        assert!(
            ok(fx.wc.mute(&alice, m.clone()).await, "mute"),
            "first mute of {m:?} is new"
        );
        assert!(
            !ok(fx.wc.mute(&alice, m.clone()).await, "mute"),
            "second mute of {m:?} must return false"
        );
    }
    let all = all_pages("service.mutes", 10, async |page| {
        fx.wc.mutes(&alice, &page).await
    })
    .await;
    let mut sorted = all.clone();
    sorted.sort();
    let mut want = mutes.to_vec();
    want.sort();
    assert_eq!(sorted, want, "alice muted exactly the three targets");
    let paged = all_pages("service.mutes", 1, async |page| {
        fx.wc.mutes(&alice, &page).await
    })
    .await;
    assert_eq!(paged, all, "the mute list has one stable order");
    assert!(ok(fx.wc.unmute(&alice, &mutes[1]).await, "unmute"));
    assert!(!ok(fx.wc.unmute(&alice, &mutes[1]).await, "unmute"));
    let stored = all_pages("store.mutes", 10, async |page| {
        s.mutes(&fx.tenant, &PersonId::new("alice"), &page).await
    })
    .await;
    assert_eq!(stored.len(), 2, "two mutes left: {stored:?}");
    let bobs = ok(
        s.mutes(&fx.tenant, &PersonId::new("bob"), &PageRequest::first(10))
            .await,
        "mutes",
    );
    assert!(bobs.items.is_empty(), "bob muted nothing: {:?}", bobs.items);
}

/// Only admins publish announcements and pin or unpin them; pinning sets `pinned_until`
/// and writes an `Edited` entry; a pinned announcement is a feed candidate while pinned
/// (even when older than `since`) and not after; refused calls change nothing.
pub async fn pinning_announcements(store: Arc<dyn Store>) {
    let fx = Fixture::new(store, "pinning").await;
    let s = &*fx.store;
    let (alice, bob) = (fx.viewer("alice"), fx.viewer("bob"));
    let a = fx
        .publish(
            "alice",
            NewPost::new("Office closed on Friday").announcement(),
        )
        .await;
    assert!(a.announcement && a.pinned_until.is_none());

    let snap = Snapshot::take(&fx, &fx.tenant).await;
    let seq = last_seq(s).await;
    refused(
        fx.wc
            .publish(&bob, NewPost::new("Fake news").announcement())
            .await,
        "a non-admin announcement",
    );
    refused(
        fx.wc.pin(&bob, &a.id, fx.now() + Duration::hours(1)).await,
        "a non-admin pins",
    );
    Snapshot::take(&fx, &fx.tenant)
        .await
        .assert_same(&snap, "refused announcement and pin");
    assert_no_new_changes(
        &tenant_changes(s, &fx.tenant, seq).await,
        "refused announcement and pin",
    );

    fx.tick();
    let until = fx.now() + Duration::hours(1);
    ok(fx.wc.pin(&alice, &a.id, until).await, "admin pins");
    let v = ok(fx.wc.post(&bob, &a.id).await, "service.post");
    assert_eq!(v.post.pinned_until, Some(until), "pinned_until after pin");
    assert!(v.post.is_pinned_at(fx.now()));
    let changes = tenant_changes(s, &fx.tenant, seq).await;
    let kinds: Vec<(PostId, ChangeKind)> = changes.iter().map(|c| (c.post, c.kind)).collect();
    assert_eq!(
        kinds,
        vec![(a.id, ChangeKind::Edited)],
        "pinning writes one Edited entry"
    );
    refused(fx.wc.unpin(&bob, &a.id).await, "a non-admin unpins");

    // A candidate while pinned, even though it is older than `since`.
    fx.advance(Duration::minutes(5));
    let access = fx.access("bob").await;
    let query = |now| CandidateQuery {
        authors: Vec::new(),
        groups: Vec::new(),
        hashtags: Vec::new(),
        mentioning_viewer: false,
        since: a.created_at + Duration::minutes(1),
        max_id: PostId::MAX,
        per_source: 10,
        popular: 0,
        now,
    };
    let c = ok(
        s.feed_candidates(&access, &query(fx.now())).await,
        "feed_candidates",
    );
    let pinned: Vec<_> = c.iter().filter(|c| c.view.post.id == a.id).collect();
    assert_eq!(
        pinned.len(),
        1,
        "the pinned announcement is a candidate exactly once: {c:?}"
    );
    assert!(pinned[0].sources.pinned, "its source is `pinned`");
    let c = ok(
        s.feed_candidates(&access, &query(until + Duration::seconds(1)))
            .await,
        "feed_candidates",
    );
    assert!(
        !c.iter().any(|c| c.view.post.id == a.id),
        "no longer pinned after `until`: {c:?}"
    );

    let seq = last_seq(s).await;
    ok(fx.wc.unpin(&alice, &a.id).await, "admin unpins");
    let v = ok(fx.wc.post(&bob, &a.id).await, "service.post");
    assert_eq!(v.post.pinned_until, None, "unpinned");
    let changes = tenant_changes(s, &fx.tenant, seq).await;
    assert_eq!(changes.len(), 1, "unpinning writes one entry: {changes:?}");
    assert_eq!(changes[0].kind, ChangeKind::Edited);

    // Only announcements are pinned, and only until a time still to come.
    let plain = fx
        .publish("alice", NewPost::new("Not an announcement"))
        .await;
    let seq = last_seq(s).await;
    refused(
        fx.wc
            .pin(&alice, &plain.id, fx.now() + Duration::hours(1))
            .await,
        "pin a plain post",
    );
    refused(
        fx.wc
            .pin(&alice, &a.id, fx.now() - Duration::hours(1))
            .await,
        "pin until a past time",
    );
    assert_no_new_changes(&tenant_changes(s, &fx.tenant, seq).await, "refused pins");

    let missing = PostId::from_u128(a.id.as_u128() ^ 0xfff);
    hidden(
        fx.wc.pin(&alice, &missing, until).await,
        "pin an unknown post",
    );
    hidden(
        s.set_pinned(&fx.tenant, &missing, Some(until), fx.now())
            .await,
        "store.set_pinned on an unknown post",
    );
}

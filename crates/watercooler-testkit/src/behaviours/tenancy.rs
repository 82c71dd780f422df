//! Tenant isolation, tested adversarially: two tenants with the same person ids, handles,
//! group ids and hashtags.

use std::sync::Arc;

use chrono::Duration;
use watercooler_core::store::{PostFilter, PostUpdate};
use watercooler_core::watercooler_text::hashtag_key;
use watercooler_core::{
    FollowTarget, MuteTarget, NewPost, PageRequest, PersonId, PostEdit, Reaction, ReactionKind,
    Store, Viewer,
};

use crate::check::{all_pages, hidden, ok};
use crate::fixture::Fixture;
use crate::probe::{Facts, assert_seen_by};
use crate::state::{Snapshot, assert_no_new_changes, last_seq, scan_tenant, tenant_changes};

/// Nothing crosses tenants. Tenant B has exactly tenant A's people, handles, groups and
/// hashtags; B's people find none of A's posts on any read path (even when asking by A's
/// ids), get none of A's notifications, follows, mutes, seen state or interactions, count
/// none of A's tags; store and service writes aimed at A's posts from B are "not found" and
/// change nothing; erasing and exporting B's namesake of an A person touches only B.
pub async fn tenants_are_isolated(store: Arc<dyn Store>) {
    let fx = Fixture::new(store, "tenant-a").await;
    let s = &*fx.store;
    let start = last_seq(s).await;
    let ta = fx.tenant.clone();
    let tb = fx.twin_tenant("tenant-b");
    let a = |p: &str| Viewer::new(ta.clone(), p);
    let b = |p: &str| Viewer::new(tb.clone(), p);

    // Tenant A: a full set of traces.
    let pa = fx
        .publish_as(&a("alice"), NewPost::new("Only in A #tenantonly @bob"))
        .await;
    assert_eq!(pa.mentions.len(), 1, "@bob resolves to A's bob");
    let pa = fx
        .edit("alice", &pa.id, "Only in A, edited #tenantonly @bob")
        .await;
    fx.tick();
    ok(
        fx.wc.react(&a("bob"), &pa.id, ReactionKind::Like).await,
        "react in A",
    );
    let ra = fx.reply("bob", &pa.id, "A reply #tenantreply").await;
    let ga = fx
        .publish_as(
            &a("alice"),
            NewPost::new("eng of A #tenantgroup").in_group("eng"),
        )
        .await;
    ok(
        fx.wc
            .follow(&a("alice"), FollowTarget::Person(PersonId::new("bob")))
            .await,
        "follow in A",
    );
    ok(
        fx.wc
            .follow(&a("alice"), FollowTarget::Hashtag(hashtag_key("shared")))
            .await,
        "follow in A",
    );
    ok(
        fx.wc
            .mute(&a("alice"), MuteTarget::Word("spoiler".into()))
            .await,
        "mute in A",
    );
    ok(
        fx.wc.mark_seen(&a("alice"), &[ra.id]).await,
        "mark seen in A",
    );
    // The same hashtag in both tenants: two authors in A, one in B.
    fx.publish_as(&a("alice"), NewPost::new("A1 #shared")).await;
    fx.publish_as(&a("bob"), NewPost::new("A2 #shared")).await;
    let pb = fx.publish_as(&b("alice"), NewPost::new("B1 #shared")).await;

    // Every read path, as B's namesakes (and as A's own people, to prove the probe works).
    let bs = ["alice", "bob", "carol", "dave"].map(b);
    let (a_alice, a_bob, a_dave) = (a("alice"), a("bob"), a("dave"));
    let mut expect: Vec<(&Viewer, bool)> = bs.iter().map(|v| (v, false)).collect();
    expect.extend([(&a_alice, true), (&a_bob, true), (&a_dave, true)]);
    assert_seen_by(
        &fx,
        &pa,
        Facts { reacted: true },
        &expect,
        "A's post, seen from B",
    )
    .await;
    assert_seen_by(
        &fx,
        &ra,
        Facts::default(),
        &expect,
        "A's reply, seen from B",
    )
    .await;
    let mut expect: Vec<(&Viewer, bool)> = bs.iter().map(|v| (v, false)).collect();
    expect.extend([(&a_alice, true), (&a_bob, true), (&a_dave, false)]);
    assert_seen_by(
        &fx,
        &ga,
        Facts::default(),
        &expect,
        "A's eng post, seen from B's eng members",
    )
    .await;

    // Tag statistics are per tenant.
    let since = pb.created_at - Duration::days(1);
    let shared = hashtag_key("shared");
    for (viewer, authors) in [(a("dave"), 2), (b("dave"), 1)] {
        let access = fx.access_of(&viewer).await;
        let act = ok(
            s.tag_activity(&access, since, 86_400).await,
            "store.tag_activity",
        );
        let n: u32 = act
            .iter()
            .filter(|x| x.key == shared)
            .map(|x| x.authors)
            .sum();
        assert_eq!(
            n, authors,
            "#shared has {authors} author(s) in {}",
            viewer.tenant
        );
        let sugg = ok(
            s.suggest_tags(&access, "shar", 10).await,
            "store.suggest_tags",
        );
        let n: u32 = sugg
            .iter()
            .filter(|x| x.key == shared)
            .map(|x| x.posts)
            .sum();
        assert_eq!(
            n, authors,
            "#shared is in {authors} post(s) of {}",
            viewer.tenant
        );
        let f = PostFilter {
            hashtag: Some(shared.clone()),
            ..Default::default()
        };
        let l = all_pages("store.list_posts", 10, async |p| {
            s.list_posts(&access, &f, &p).await
        })
        .await;
        assert_eq!(
            l.len() as u32,
            authors,
            "list_posts(#shared) in {}",
            viewer.tenant
        );
        assert!(
            l.iter().all(|v| v.post.tenant == viewer.tenant),
            "list_posts crosses tenants"
        );
    }

    // Per-person state of B's namesakes is empty.
    for p in ["alice", "bob", "carol", "dave"] {
        let person = PersonId::new(p);
        let n = ok(
            s.notifications(&tb, &person, &PageRequest::first(10)).await,
            "store.notifications",
        );
        assert!(
            n.items.is_empty(),
            "B/{p} has A's notifications: {:?}",
            n.items
        );
        let f = ok(
            s.follows(&tb, &person, &PageRequest::first(10)).await,
            "store.follows",
        );
        assert!(f.items.is_empty(), "B/{p} has A's follows: {:?}", f.items);
        let m = ok(
            s.mutes(&tb, &person, &PageRequest::first(10)).await,
            "store.mutes",
        );
        assert!(m.items.is_empty(), "B/{p} has A's mutes: {:?}", m.items);
        let seen = ok(
            s.seen_posts(&tb, &person, &[ra.id, pa.id]).await,
            "store.seen_posts",
        );
        assert!(seen.is_empty(), "B/{p} has A's seen state: {seen:?}");
        let i = ok(s.interactions(&tb, &person, 10).await, "store.interactions");
        assert!(i.is_empty(), "B/{p} has A's interactions: {i:?}");
    }
    let indexed = ok(
        s.posts_for_indexing(&tb, &[pa.id, ra.id, ga.id]).await,
        "posts_for_indexing",
    );
    assert!(
        indexed.is_empty(),
        "store.posts_for_indexing(B) returns A's posts"
    );
    assert_eq!(
        scan_tenant(s, &tb).await,
        vec![pb.clone()],
        "store.scan_posts of B holds only B's post"
    );
    let export = ok(
        s.export_person(&tb, &PersonId::new("alice")).await,
        "store.export_person",
    );
    assert_eq!(
        export.posts,
        vec![pb.clone()],
        "B/alice's export holds only her B post"
    );
    assert!(export.revisions.is_empty() && export.follows.is_empty() && export.mutes.is_empty());

    // Writes from B aimed at A's posts: "not found", nothing changes anywhere.
    let snap_a = Snapshot::take(&fx, &ta).await;
    let snap_b = Snapshot::take(&fx, &tb).await;
    let seq = last_seq(s).await;
    let now = fx.now();
    let edit = PostEdit {
        id: pa.id,
        text: "overwritten from B".into(),
        edited_at: now,
        hashtags: Vec::new(),
        mentions: Vec::new(),
        urls: Vec::new(),
    };
    hidden(
        s.update_post(&tb, &PostUpdate::text(edit.clone(), vec![]))
            .await,
        "store.update_post of A's post in B",
    );
    hidden(
        s.set_pinned(&tb, &pa.id, Some(now + Duration::hours(1)), now)
            .await,
        "store.set_pinned of A's post in B",
    );
    let r = Reaction {
        post: pa.id,
        person: PersonId::new("carol"),
        kind: ReactionKind::Funny,
        at: now,
    };
    hidden(
        s.add_reaction(&tb, &r, None).await,
        "store.add_reaction on A's post in B",
    );
    let removed = s
        .remove_reaction(&tb, &pa.id, &PersonId::new("bob"), ReactionKind::Like)
        .await;
    assert!(
        !ok(removed, "store.remove_reaction"),
        "store.remove_reaction in B removed A's reaction"
    );
    hidden(
        s.delete_post(&tb, &pa.id, now).await,
        "store.delete_post of A's post in B",
    );
    hidden(
        fx.wc.reply(&b("bob"), &pa.id, "from B").await,
        "B replies to A's post",
    );
    hidden(
        fx.wc.react(&b("bob"), &pa.id, ReactionKind::Funny).await,
        "B reacts to A's post",
    );
    hidden(
        fx.wc.edit(&b("alice"), &pa.id, "from B").await,
        "B's alice edits A's alice's post",
    );
    hidden(
        fx.wc.delete(&b("alice"), &pa.id).await,
        "B's admin deletes A's post",
    );
    hidden(
        fx.wc
            .pin(&b("alice"), &pa.id, now + Duration::hours(1))
            .await,
        "B's admin pins A's post",
    );
    let erased = ok(
        s.erase_person(&tb, &PersonId::new("bob"), now).await,
        "store.erase_person in B",
    );
    assert!(
        erased.is_empty(),
        "B/bob has no data, but erasing him removed {erased:?}"
    );
    Snapshot::take(&fx, &ta)
        .await
        .assert_same(&snap_a, "tenant A after B's attempts");
    Snapshot::take(&fx, &tb)
        .await
        .assert_same(&snap_b, "tenant B after its refused attempts");
    assert_no_new_changes(
        &tenant_changes(s, &ta, seq).await,
        "tenant A after B's attempts",
    );
    assert_no_new_changes(
        &tenant_changes(s, &tb, seq).await,
        "tenant B after its refused attempts",
    );

    // Every change-log entry about A's posts names A.
    let changes = tenant_changes(s, &tb, start).await;
    assert!(
        changes.iter().all(|c| c.post == pb.id),
        "B's change log names posts of A: {changes:?}"
    );
}

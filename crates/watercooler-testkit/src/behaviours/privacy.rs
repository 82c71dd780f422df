//! GDPR: erasure and export of one person.

use std::sync::Arc;

use watercooler_core::store::PersonData;
use watercooler_core::watercooler_text::hashtag_key;
use watercooler_core::{
    ChangeKind, FollowTarget, GroupId, MuteTarget, NewPost, NotificationKind, PersonExport,
    PersonId, PostId, Reaction, ReactionKind, Revision, Store,
};

use crate::check::{all_pages, ok};
use crate::fixture::Fixture;
use crate::probe::assert_gone;
use crate::state::{Snapshot, assert_no_new_changes, last_seq, scan_tenant, tenant_changes};

fn pid(s: &str) -> PersonId {
    PersonId::new(s)
}

/// Erasing a person removes everything the [`Store::erase_person`] docs list: their posts
/// and replies (one `Erased` entry each) from every read path with those posts' revisions,
/// reactions and notifications; their reactions (counters drop); their follows and mutes
/// and others' follows and mutes of them; notifications to them and them as an actor in
/// others' notifications; their resolved mentions in others' posts (one `Edited` entry
/// each, text kept); their seen state and interactions. Nothing of theirs remains in any
/// other person's export. The report counts what went.
pub async fn erase_person_removes_everything(store: Arc<dyn Store>) {
    let fx = Fixture::new(store, "erase").await;
    let s = &*fx.store;
    let t = fx.tenant.clone();
    let [alice, bob, carol, dave] = ["alice", "bob", "carol", "dave"].map(|p| fx.viewer(p));

    let a1 = fx.publish("alice", NewPost::new("Alice's post")).await;
    let b1 = fx
        .publish("bob", NewPost::new("Bob's idea #erasebob1 @alice"))
        .await;
    let b1 = fx
        .edit("bob", &b1.id, "Bob's idea v2 #erasebob1 @alice")
        .await;
    let b2 = fx
        .publish(
            "bob",
            NewPost::new("eng secret from bob #erasebob2").in_group("eng"),
        )
        .await;
    let b3 = fx
        .publish(
            "bob",
            NewPost::new("for carol #erasebob3").direct_to([pid("carol")]),
        )
        .await;
    let br = fx.reply("bob", &a1.id, "bob replies #erasebob4").await;
    let react = async |v: &watercooler_core::Viewer, post: &PostId, kind| {
        fx.tick();
        assert!(ok(fx.wc.react(v, post, kind).await, "react"));
    };
    react(&alice, &b1.id, ReactionKind::Like).await;
    react(&bob, &a1.id, ReactionKind::Like).await;
    react(&bob, &a1.id, ReactionKind::Celebrate).await;
    react(&carol, &a1.id, ReactionKind::Like).await;
    for target in [
        FollowTarget::Person(pid("alice")),
        FollowTarget::Hashtag(hashtag_key("erase")),
        FollowTarget::Group(GroupId::new("eng")),
    ] {
        ok(fx.wc.follow(&bob, target).await, "bob follows");
    }
    ok(
        fx.wc.mute(&bob, MuteTarget::Word("monday".into())).await,
        "bob mutes",
    );
    ok(
        fx.wc.mute(&bob, MuteTarget::Person(pid("dave"))).await,
        "bob mutes",
    );
    ok(
        fx.wc.follow(&alice, FollowTarget::Person(pid("bob"))).await,
        "alice follows bob",
    );
    ok(
        fx.wc
            .follow(&alice, FollowTarget::Person(pid("carol")))
            .await,
        "alice follows carol",
    );
    ok(
        fx.wc.mute(&carol, MuteTarget::Person(pid("bob"))).await,
        "carol mutes bob",
    );
    ok(
        fx.wc.follow(&dave, FollowTarget::Person(pid("bob"))).await,
        "dave follows bob",
    );
    let a2 = fx
        .publish("alice", NewPost::new("Please review @bob"))
        .await;
    let c1 = fx.publish("carol", NewPost::new("Thanks @bob")).await;
    assert_eq!(a2.mentions.len(), 1, "@bob is resolved before the erasure");
    ok(
        fx.wc.mark_seen(&bob, &[a1.id, a2.id]).await,
        "bob marks seen",
    );
    let bob_before = ok(s.export_person(&t, &pid("bob")).await, "export bob");
    assert_eq!(
        bob_before.posts.len(),
        4,
        "bob has four posts before the erasure"
    );

    let before = last_seq(s).await;
    fx.tick();
    let report = ok(
        fx.admin().await.erase_person(&pid("bob")).await,
        "erase bob",
    );

    // The report.
    assert_eq!(
        report.posts, 4,
        "report.posts: b1, b2, b3 and the reply ({report:?})"
    );
    assert_eq!(
        report.reactions, 2,
        "report.reactions: bob's like and celebrate ({report:?})"
    );
    assert_eq!(
        report.follows_and_mutes, 8,
        "report.follows_and_mutes: bob's 3 follows and 2 mutes, and 3 of him ({report:?})"
    );
    assert_eq!(
        report.mentions, 2,
        "report.mentions: a2 and c1 ({report:?})"
    );
    assert!(
        report.notifications >= 3,
        "report.notifications: at least the 3 to bob ({report:?})"
    );

    // The change log.
    let changes = tenant_changes(s, &t, before).await;
    let mut got: Vec<(PostId, ChangeKind)> = changes.iter().map(|c| (c.post, c.kind)).collect();
    got.sort_by_key(|(id, k)| (*id, format!("{k:?}")));
    let mut want = vec![
        (b1.id, ChangeKind::Erased),
        (b2.id, ChangeKind::Erased),
        (b3.id, ChangeKind::Erased),
        (br.id, ChangeKind::Erased),
        (a2.id, ChangeKind::Edited),
        (c1.id, ChangeKind::Edited),
    ];
    want.sort_by_key(|(id, k)| (*id, format!("{k:?}")));
    assert_eq!(got, want, "erasure change-log entries");
    assert_eq!(
        report.last_seq,
        changes.last().map(|c| c.seq),
        "report.last_seq"
    );

    // Bob's posts are gone everywhere, for everyone.
    let viewers = [&alice, &bob, &carol, &dave];
    for p in [&b1, &b2, &b3, &br] {
        assert_gone(&fx, p, &viewers, "erased post").await;
    }
    assert_eq!(
        ok(s.export_person(&t, &pid("bob")).await, "export bob"),
        PersonData::default(),
        "nothing is left about bob"
    );
    assert!(
        ok(s.interactions(&t, &pid("bob"), 10).await, "interactions").is_empty(),
        "bob's interactions are gone"
    );
    assert!(
        ok(
            s.seen_posts(&t, &pid("bob"), &[a1.id, a2.id]).await,
            "seen_posts"
        )
        .is_empty(),
        "bob's seen state is gone"
    );
    let indexed = ok(
        s.posts_for_indexing(&t, &[b1.id, b2.id, b3.id, br.id])
            .await,
        "posts_for_indexing",
    );
    assert!(
        indexed.is_empty(),
        "posts_for_indexing still returns erased posts"
    );
    assert!(
        scan_tenant(s, &t)
            .await
            .iter()
            .all(|p| p.author != pid("bob")),
        "scan_posts still holds bob's posts"
    );

    // Others' data no longer holds him.
    let dave_access = fx.access("dave").await;
    let a1_now = ok(s.get_post(&dave_access, &a1.id).await, "get_post").expect("a1 stays");
    assert_eq!(
        a1_now.stats.reactions,
        [1, 0, 0, 0, 0],
        "a1 keeps only carol's like"
    );
    assert_eq!(a1_now.stats.replies, 0, "a1 lost bob's reply");
    for (post, text) in [(&a2, "Please review @bob"), (&c1, "Thanks @bob")] {
        let p = ok(s.get_post(&dave_access, &post.id).await, "get_post")
            .expect("stays")
            .post;
        assert!(
            p.mentions.iter().all(|m| m.person != pid("bob")),
            "bob's mention stays resolved in {}",
            post.id
        );
        assert_eq!(
            p.text, text,
            "the text of a post that mentioned bob is kept"
        );
    }
    let inter = ok(s.interactions(&t, &pid("alice"), 10).await, "interactions");
    assert!(
        inter.iter().all(|(p, _)| p != &pid("bob")),
        "alice's interactions still name bob: {inter:?}"
    );
    let follows = all_pages("follows", 10, async |p| fx.wc.follows(&alice, &p).await).await;
    assert_eq!(
        follows,
        vec![FollowTarget::Person(pid("carol"))],
        "alice's follow of bob is gone, carol's stays"
    );
    let follows = all_pages("follows", 10, async |p| fx.wc.follows(&dave, &p).await).await;
    assert!(follows.is_empty(), "dave's follow of bob is gone");
    let mutes = all_pages("mutes", 10, async |p| fx.wc.mutes(&carol, &p).await).await;
    assert!(mutes.is_empty(), "carol's mute of bob is gone");
    let erased_ids = [b1.id, b2.id, b3.id, br.id];
    for who in ["alice", "carol", "dave"] {
        let notes = all_pages("store.notifications", 50, async |p| {
            s.notifications(&t, &pid(who), &p).await
        })
        .await;
        for n in &notes {
            assert!(
                !n.actors.contains(&pid("bob")),
                "bob is still an actor in {who}'s notification {n:?}"
            );
            assert!(
                !n.actors.is_empty(),
                "{who} has a notification without actors: {n:?}"
            );
            assert!(
                !erased_ids.contains(&n.post),
                "{who} has a notification about an erased post: {n:?}"
            );
        }
        let data = ok(s.export_person(&t, &pid(who)).await, "export");
        assert!(
            data.reactions.iter().all(|r| !erased_ids.contains(&r.post)),
            "{who}'s export keeps reactions on erased posts"
        );
        let json = serde_json::to_string(&data).expect("PersonData serialises");
        for secret in [
            "Bob's idea",
            "eng secret from bob",
            "for carol #erasebob3",
            "bob replies",
        ] {
            assert!(
                !json.contains(secret),
                "{who}'s export still holds bob's text {secret:?}"
            );
        }
    }
    let alice_notes = all_pages("notifications", 50, async |p| {
        s.notifications(&t, &pid("alice"), &p).await
    })
    .await;
    let reacted = alice_notes
        .iter()
        .find(|n| n.kind == NotificationKind::Reaction && n.post == a1.id);
    assert_eq!(
        reacted.map(|n| n.actors.clone()),
        Some(vec![pid("carol")]),
        "carol stays the actor of a1's reactions"
    );
}

/// Erasing again removes nothing more: an empty report without a seq, no change-log
/// entry, no change to anything. Erasing someone who never did anything is empty too.
pub async fn erase_person_is_idempotent(store: Arc<dyn Store>) {
    let fx = Fixture::new(store, "erase2").await;
    let s = &*fx.store;
    let t = fx.tenant.clone();
    let p = fx.publish("bob", NewPost::new("to be erased @alice")).await;
    fx.reply("alice", &p.id, "a reply in bob's thread").await;
    fx.publish("alice", NewPost::new("mentions @bob")).await;
    ok(
        fx.wc
            .follow(&fx.viewer("alice"), FollowTarget::Person(pid("bob")))
            .await,
        "follow",
    );
    let first = ok(
        fx.admin().await.erase_person(&pid("bob")).await,
        "first erasure",
    );
    assert!(
        !first.is_empty(),
        "the first erasure removed something: {first:?}"
    );
    let snap = Snapshot::take(&fx, &t).await;
    let seq = last_seq(s).await;
    fx.tick();
    let again = ok(
        fx.admin().await.erase_person(&pid("bob")).await,
        "second erasure",
    );
    assert!(again.is_empty(), "erasing again removed more: {again:?}");
    assert_eq!(
        again.last_seq, None,
        "erasing again wrote to the log: {again:?}"
    );
    let direct = ok(
        s.erase_person(&t, &pid("bob"), fx.now()).await,
        "store.erase_person again",
    );
    assert!(
        direct.is_empty() && direct.last_seq.is_none(),
        "store.erase_person again: {direct:?}"
    );
    let nobody = ok(
        fx.admin().await.erase_person(&pid("nobody-ever")).await,
        "erase an unknown person",
    );
    assert!(
        nobody.is_empty() && nobody.last_seq.is_none(),
        "erasing an unknown person: {nobody:?}"
    );
    Snapshot::take(&fx, &t)
        .await
        .assert_same(&snap, "repeated erasure");
    assert_no_new_changes(&tenant_changes(s, &t, seq).await, "repeated erasure");
}

/// An export is one complete serde document of everything stored about the person — their
/// posts and replies (oldest first, latest text), revisions, reactions, follows, mutes,
/// notifications and seen posts, with their directory profile — that round-trips through
/// JSON, holds nothing of other people's private posts, and changes nothing. A person
/// removed from the directory is still exported (without profile).
pub async fn export_is_a_complete_json_document(store: Arc<dyn Store>) {
    let fx = Fixture::new(store, "export").await;
    let s = &*fx.store;
    let t = fx.tenant.clone();
    let alice = fx.viewer("alice");
    let bpost = fx.publish("bob", NewPost::new("Bob says hi @alice")).await;
    fx.publish(
        "bob",
        NewPost::new("SECRET-BOB-TO-CAROL").direct_to([pid("carol")]),
    )
    .await;
    fx.publish("carol", NewPost::new("SECRET-HR-ONLY").in_group("hr"))
        .await;
    fx.publish(
        "bob",
        NewPost::new("eng talk, not alice's data").in_group("eng"),
    )
    .await;
    let o1 = fx
        .publish("alice", NewPost::new("Alice org #exportold"))
        .await;
    let g1 = fx
        .publish("alice", NewPost::new("Alice in eng").in_group("eng"))
        .await;
    let d1 = fx
        .publish(
            "alice",
            NewPost::new("Alice to bob").direct_to([pid("bob")]),
        )
        .await;
    let rep = fx.reply("alice", &bpost.id, "Alice replies to bob").await;
    let o1 = fx
        .edit("alice", &o1.id, "Alice org, edited #exportnew")
        .await;
    fx.tick();
    ok(
        fx.wc.react(&alice, &bpost.id, ReactionKind::Like).await,
        "react",
    );
    let t_react = fx.now();
    let follows = [
        FollowTarget::Hashtag(hashtag_key("exportnew")),
        FollowTarget::Person(pid("bob")),
    ];
    for f in &follows {
        ok(fx.wc.follow(&alice, f.clone()).await, "follow");
    }
    ok(
        fx.wc.mute(&alice, MuteTarget::Word("monday".into())).await,
        "mute",
    );
    ok(fx.wc.mark_seen(&alice, &[bpost.id]).await, "mark seen");
    let dpost = fx.publish("dave", NewPost::new("dave was here")).await;

    let snap = Snapshot::take(&fx, &t).await;
    let seq = last_seq(s).await;
    let export = ok(
        fx.admin().await.export_person(&pid("alice")).await,
        "export alice",
    );
    assert_eq!((&export.tenant, &export.person), (&t, &pid("alice")));
    assert_eq!(
        export.exported_at,
        fx.now(),
        "exported_at is the clock's time"
    );
    let profile = export
        .profile
        .clone()
        .expect("alice is in the directory: her profile is exported");
    assert_eq!(
        (profile.id.as_str(), profile.admin),
        ("alice", true),
        "the directory's record"
    );
    let d = &export.data;
    let ids: Vec<PostId> = d.posts.iter().map(|p| p.id).collect();
    assert_eq!(
        ids,
        vec![o1.id, g1.id, d1.id, rep.id],
        "her posts and replies, oldest first"
    );
    assert_eq!(d.posts[0], o1, "the latest version of an edited post");
    assert_eq!(
        d.revisions,
        vec![Revision {
            post: o1.id,
            number: 0,
            text: "Alice org #exportold".into(),
            replaced_at: o1.edited_at.unwrap_or_default()
        }],
        "her revisions"
    );
    assert_eq!(
        d.reactions,
        vec![Reaction {
            post: bpost.id,
            person: pid("alice"),
            kind: ReactionKind::Like,
            at: t_react
        }],
        "her reactions"
    );
    let mut got = d.follows.clone();
    got.sort();
    let mut want = follows.to_vec();
    want.sort();
    assert_eq!(got, want, "her follows");
    assert_eq!(
        d.mutes,
        vec![MuteTarget::Word("monday".into())],
        "her mutes"
    );
    assert!(
        d.notifications
            .iter()
            .any(|n| n.kind == NotificationKind::Mention
                && n.post == bpost.id
                && n.recipient == pid("alice")),
        "her notifications (bob mentioned her): {:?}",
        d.notifications
    );
    assert!(
        d.notifications.iter().all(|n| n.recipient == pid("alice")),
        "only her own notifications"
    );
    assert_eq!(d.seen, vec![bpost.id], "her seen posts");

    let json = serde_json::to_string(&export).expect("PersonExport serialises to JSON");
    for needle in [
        "Alice org, edited #exportnew",
        "Alice org #exportold",
        "Alice in eng",
        "Alice to bob",
        "Alice replies to bob",
        "monday",
    ] {
        assert!(json.contains(needle), "the JSON export lacks {needle:?}");
    }
    for secret in [
        "SECRET-BOB-TO-CAROL",
        "SECRET-HR-ONLY",
        "eng talk, not alice's data",
        "dave was here",
    ] {
        assert!(
            !json.contains(secret),
            "the JSON export of alice holds someone else's post: {secret:?}"
        );
    }
    let back: PersonExport = serde_json::from_str(&json).expect("the JSON export deserialises");
    assert_eq!(back, export, "the export round-trips through JSON");

    Snapshot::take(&fx, &t).await.assert_same(&snap, "export");
    assert_no_new_changes(&tenant_changes(s, &t, seq).await, "export");

    // Removed from the directory: still exported, without a profile.
    assert!(ok(
        fx.dir.remove_person(&t, &pid("dave")),
        "directory: remove dave"
    ));
    let gone = ok(
        fx.admin().await.export_person(&pid("dave")).await,
        "export dave",
    );
    assert_eq!(gone.profile, None, "dave is no longer in the directory");
    assert_eq!(
        gone.data.posts,
        vec![dpost],
        "dave's posts are still exported"
    );
    let nobody = ok(
        fx.admin().await.export_person(&pid("nobody-ever")).await,
        "export an unknown person",
    );
    assert_eq!(
        (nobody.profile, nobody.data),
        (None, PersonData::default()),
        "an unknown person has nothing"
    );
}

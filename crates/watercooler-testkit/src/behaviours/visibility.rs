//! Who may see what, on every read path of the store and the service.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use watercooler_core::{
    FollowTarget, GroupId, NewPost, NotificationKind, PageRequest, PersonId, Post, PostId,
    ReactionKind, Result, Store, Visibility,
};

use crate::check::{all_pages, as_user_sees, hidden, ok, refused};
use crate::fixture::Fixture;
use crate::probe::{Facts, assert_seen_by};
use crate::state::{Snapshot, assert_no_new_changes, last_seq, tenant_changes};

/// Gives a post every kind of trace a read path can show: an edit (revisions) and a
/// reaction by `reactor`. Returns the post as edited.
async fn enrich(fx: &Fixture, post: &Post, reactor: &str) -> Post {
    let text = format!("{} (edited)", post.text);
    let edited = fx.edit(post.author.as_str(), &post.id, &text).await;
    fx.tick();
    ok(
        fx.wc
            .react(&fx.viewer(reactor), &post.id, ReactionKind::Insightful)
            .await,
        "react",
    );
    edited
}

/// Whether `person` has any notification about `post`.
async fn notified(fx: &Fixture, person: &str, post: &PostId) -> bool {
    let all = all_pages("store.notifications", 50, async |page| {
        fx.store
            .notifications(&fx.tenant, &PersonId::new(person), &page)
            .await
    })
    .await;
    all.iter().any(|n| &n.post == post)
}

/// An organisation post is seen by everyone in the tenant; a group post (and its replies)
/// only by the group's members, on every read path — post, posts, each list filter,
/// revisions, reactions, thread, feed candidates, tag activity, tag suggestions — whatever
/// else the non-member asks for (following the group, asking for it as a candidate source).
pub async fn group_posts_are_members_only(store: Arc<dyn Store>) {
    let fx = Fixture::new(store, "visgroup").await;
    let everyone = ["alice", "bob", "carol", "dave"].map(|p| fx.viewer(p));
    let [alice, bob, carol, dave] = &everyone;

    // A control: the probe must find an organisation post everywhere, or "hidden" proves
    // nothing.
    let org = fx
        .publish("carol", NewPost::new("Open to all #visorg1"))
        .await;
    let org = enrich(&fx, &org, "dave").await;
    let all: Vec<_> = everyone.iter().map(|v| (v, true)).collect();
    assert_seen_by(
        &fx,
        &org,
        Facts { reacted: true },
        &all,
        "organisation post",
    )
    .await;

    // Following a group grants nothing (refusing a non-member's follow is fine too).
    if let Err(e) = fx
        .wc
        .follow(dave, FollowTarget::Group(GroupId::new("eng")))
        .await
    {
        refused::<()>(Err(e), "dave follows eng");
    }
    let post = fx
        .publish(
            "alice",
            NewPost::new("Roadmap #visgroup1 for the team").in_group("eng"),
        )
        .await;
    assert_eq!(post.visibility, Visibility::group("eng"));
    let post = enrich(&fx, &post, "bob").await;
    let reply = fx.reply("bob", &post.id, "Agreed #visgroup2").await;
    let expect = [(alice, true), (bob, true), (carol, false), (dave, false)];
    let facts = Facts { reacted: true };
    assert_seen_by(&fx, &post, facts, &expect, "group post in eng").await;
    assert_seen_by(
        &fx,
        &reply,
        Facts::default(),
        &expect,
        "reply to a group post",
    )
    .await;

    // A private group's post: only carol.
    let hr = fx
        .publish(
            "carol",
            NewPost::new("Reorganisation #vishr1").in_group("hr"),
        )
        .await;
    let hr = enrich(&fx, &hr, "carol").await;
    let expect = [(alice, false), (bob, false), (carol, true), (dave, false)];
    assert_seen_by(&fx, &hr, facts, &expect, "post in the private group hr").await;
}

/// A direct post (and its replies) is seen by its author and recipients only — not by an
/// admin, not by someone it mentions — on every read path.
pub async fn direct_posts_are_recipients_only(store: Arc<dyn Store>) {
    let fx = Fixture::new(store, "visdirect").await;
    let [alice, bob, carol, dave] = ["alice", "bob", "carol", "dave"].map(|p| fx.viewer(p));
    let post = fx
        .publish(
            "bob",
            NewPost::new("Your salary #visdm1 cc @alice @carol")
                .direct_to([PersonId::new("carol"), PersonId::new("carol")]),
        )
        .await;
    // The recipients are carol, once; a store may also list the author among them.
    let Visibility::Direct { recipients } = &post.visibility else {
        panic!(
            "a direct post must have Direct visibility: {:?}",
            post.visibility
        );
    };
    let carol_only = [PersonId::new("carol")];
    let with_author = [PersonId::new("bob"), PersonId::new("carol")];
    assert!(
        recipients[..] == carol_only[..] || recipients[..] == with_author[..],
        "recipients deduplicated and sorted: {recipients:?}"
    );
    let mentioned: Vec<&str> = post.mentions.iter().map(|m| m.person.as_str()).collect();
    assert_eq!(
        mentioned,
        vec!["carol"],
        "@alice may not see the post: her mention stays text"
    );
    assert!(
        !notified(&fx, "alice", &post.id).await,
        "alice must not be notified of a post she cannot see"
    );
    let post = enrich(&fx, &post, "carol").await;
    let reply = fx.reply("carol", &post.id, "Thanks #visdm2").await;
    let expect = [
        (&alice, false),
        (&bob, true),
        (&carol, true),
        (&dave, false),
    ];
    assert_seen_by(
        &fx,
        &post,
        Facts { reacted: true },
        &expect,
        "direct post bob -> carol",
    )
    .await;
    assert_seen_by(
        &fx,
        &reply,
        Facts::default(),
        &expect,
        "reply to a direct post",
    )
    .await;
}

/// A mention never grants access and never notifies someone who may not see the post: not
/// when publishing, not when an edit adds the mention, not when replying.
pub async fn mentions_never_grant_access(store: Arc<dyn Store>) {
    let fx = Fixture::new(store, "vismention").await;
    let post = fx
        .publish(
            "bob",
            NewPost::new("Secret plan #vismen1 @dave @carol @alice").in_group("eng"),
        )
        .await;
    let mentioned: Vec<&str> = post.mentions.iter().map(|m| m.person.as_str()).collect();
    assert_eq!(
        mentioned,
        vec!["alice"],
        "only members of eng may be mentioned in an eng post"
    );
    let edited = fx
        .edit(
            "bob",
            &post.id,
            "Secret plan v2 #vismen1 @dave @carol @alice",
        )
        .await;
    assert_eq!(
        edited.mentions.len(),
        1,
        "the edit resolves the same mentions: {:?}",
        edited.mentions
    );
    let reply = fx.reply("alice", &post.id, "cc @dave and @carol").await;
    assert!(
        reply.mentions.is_empty(),
        "a reply has its root's visibility: no mention of non-members"
    );
    for outsider in ["dave", "carol"] {
        for p in [&post, &reply] {
            assert!(
                !notified(&fx, outsider, &p.id).await,
                "{outsider} was notified of a post they cannot see"
            );
        }
        let n = ok(
            fx.wc
                .notifications(&fx.viewer(outsider), &PageRequest::first(10))
                .await,
            "notifications",
        );
        assert!(
            n.items.is_empty(),
            "{outsider} must have no notification: {:?}",
            n.items
        );
    }
    assert!(
        notified(&fx, "alice", &post.id).await,
        "alice, a member, is notified"
    );
    let expect = [
        (&fx.viewer("dave"), false),
        (&fx.viewer("carol"), false),
        (&fx.viewer("alice"), true),
    ];
    assert_seen_by(
        &fx,
        &edited,
        Facts::default(),
        &expect,
        "group post mentioning outsiders",
    )
    .await;
}

/// A reply takes its thread root's visibility, at every depth, whatever the replier could
/// otherwise post; someone who cannot see the root cannot reply to it (and it looks like
/// "not found"); refused replies change nothing.
pub async fn replies_inherit_root_visibility(store: Arc<dyn Store>) {
    let fx = Fixture::new(store, "visreply").await;
    let s = &*fx.store;
    let g = fx
        .publish("alice", NewPost::new("In eng").in_group("eng"))
        .await;
    let r1 = fx.reply("bob", &g.id, "reply").await;
    let r2 = fx.reply("alice", &r1.id, "reply to reply").await;
    assert_eq!(
        r1.visibility, g.visibility,
        "a reply has its root's visibility"
    );
    assert_eq!(
        r2.visibility, g.visibility,
        "a nested reply has its root's visibility"
    );
    let d = fx
        .publish(
            "bob",
            NewPost::new("to carol").direct_to([PersonId::new("carol")]),
        )
        .await;
    let r3 = fx.reply("carol", &d.id, "back to bob").await;
    // The root's author is not among its own recipients, so a reply's audience is the
    // root's recipients plus the root's author: bob must see carol's answer.
    assert_eq!(
        r3.visibility,
        Visibility::direct([PersonId::new("bob"), PersonId::new("carol")]),
        "a reply to a direct post stays direct, between the root's author and recipients"
    );
    let expect = [
        (&fx.viewer("bob"), true),
        (&fx.viewer("carol"), true),
        (&fx.viewer("alice"), false),
        (&fx.viewer("dave"), false),
    ];
    assert_seen_by(
        &fx,
        &r3,
        Facts::default(),
        &expect,
        "a reply in a direct thread",
    )
    .await;

    let snap = Snapshot::take(&fx, &fx.tenant).await;
    let seq = last_seq(s).await;
    hidden(
        fx.wc.reply(&fx.viewer("dave"), &g.id, "let me in").await,
        "a non-member replies to a group post",
    );
    hidden(
        fx.wc.reply(&fx.viewer("dave"), &r1.id, "let me in").await,
        "a non-member replies to a group reply",
    );
    hidden(
        fx.wc
            .reply(&fx.viewer("alice"), &d.id, "admin butts in")
            .await,
        "an admin replies to a direct post she cannot see",
    );
    Snapshot::take(&fx, &fx.tenant)
        .await
        .assert_same(&snap, "refused replies");
    assert_no_new_changes(&tenant_changes(s, &fx.tenant, seq).await, "refused replies");
}

/// To a person who may not see a post, every service call about it answers exactly as it
/// does for a post that never existed ("not found", or the same empty answer).
pub async fn forbidden_looks_like_not_found(store: Arc<dyn Store>) {
    let fx = Fixture::new(store, "visnf").await;
    let s = &*fx.store;
    let secret = fx
        .publish("bob", NewPost::new("eng only").in_group("eng"))
        .await;
    let secret = fx.edit("bob", &secret.id, "eng only, edited").await;
    fx.tick();
    ok(
        fx.wc
            .react(&fx.viewer("alice"), &secret.id, ReactionKind::Like)
            .await,
        "react",
    );
    let dm = fx
        .publish(
            "bob",
            NewPost::new("carol only").direct_to([PersonId::new("carol")]),
        )
        .await;
    let missing = PostId::from_u128(secret.id.as_u128() ^ 0xffff);
    let snap = Snapshot::take(&fx, &fx.tenant).await;
    let seq = last_seq(s).await;

    let later: DateTime<Utc> = fx.now() + Duration::hours(1);
    let page = PageRequest::first(10);
    // dave (not in eng) about `secret`; alice (admin, not a recipient) about `dm`.
    for (who, hidden_post) in [("dave", secret.id), ("alice", dm.id)] {
        let v = fx.viewer(who);
        let ask = async |id: PostId| -> Vec<(&'static str, String)> {
            let mut out = Vec::new();
            let mut push = |path: &'static str, r: String| out.push((path, r));
            push("post", as_user_sees(fx.wc.post(&v, &id).await, "post"));
            push(
                "thread",
                as_user_sees(fx.wc.thread(&v, &id, &page).await, "thread"),
            );
            push(
                "revisions",
                as_user_sees(fx.wc.revisions(&v, &id).await, "revisions"),
            );
            push(
                "reactions",
                as_user_sees(fx.wc.reactions(&v, &id, &page).await, "reactions"),
            );
            push(
                "reply",
                as_user_sees(fx.wc.reply(&v, &id, "hi").await, "reply"),
            );
            push(
                "react",
                as_user_sees(fx.wc.react(&v, &id, ReactionKind::Like).await, "react"),
            );
            push(
                "unreact",
                as_user_sees(fx.wc.unreact(&v, &id, ReactionKind::Like).await, "unreact"),
            );
            push("edit", as_user_sees(fx.wc.edit(&v, &id, "x").await, "edit"));
            push(
                "delete",
                as_user_sees(fx.wc.delete(&v, &id).await, "delete"),
            );
            push("pin", as_user_sees(fx.wc.pin(&v, &id, later).await, "pin"));
            push("unpin", as_user_sees(fx.wc.unpin(&v, &id).await, "unpin"));
            push(
                "mark_seen",
                as_user_sees(fx.wc.mark_seen(&v, &[id]).await.map(|_| "ok"), "mark_seen"),
            );
            out
        };
        let invisible = ask(hidden_post).await;
        let absent = ask(missing).await;
        for ((path, a), (_, b)) in invisible.iter().zip(&absent) {
            assert_eq!(
                a, b,
                "{who}: `{path}` of an invisible post must answer like `{path}` of a missing one"
            );
        }
        let as_store: Result<_> = s.get_post(&fx.access(who).await, &hidden_post).await;
        assert!(
            ok(as_store, "store.get_post").is_none(),
            "store.get_post hands {who} an invisible post"
        );
        let revs = ok(
            s.revisions(&fx.access(who).await, &hidden_post).await,
            "store.revisions",
        );
        assert!(
            revs.is_empty(),
            "store.revisions hands {who} revisions of an invisible post"
        );
    }
    // mark_seen of an invisible post may be a no-op; nothing else may have changed.
    let mut after = Snapshot::take(&fx, &fx.tenant).await;
    after.forget_seen();
    let mut snap = snap;
    snap.forget_seen();
    after.assert_same(&snap, "calls about invisible posts");
    assert_no_new_changes(
        &tenant_changes(s, &fx.tenant, seq).await,
        "calls about invisible posts",
    );
}

/// Notifications follow visibility: someone who leaves the group no longer sees the
/// notifications about its posts (and sees them again on rejoining).
pub async fn notifications_follow_visibility(store: Arc<dyn Store>) {
    let fx = Fixture::new(store, "visnotes").await;
    let post = fx
        .publish("alice", NewPost::new("Team lunch @bob").in_group("eng"))
        .await;
    let bob = fx.viewer("bob");
    let list = async || {
        ok(
            fx.wc.notifications(&bob, &PageRequest::first(10)).await,
            "notifications",
        )
        .items
    };
    let n = list().await;
    assert!(
        n.iter()
            .any(|n| n.post == post.id && n.kind == NotificationKind::Mention),
        "bob, a member, is notified of the mention: {n:?}"
    );
    let (t, eng, b) = (&fx.tenant, GroupId::new("eng"), PersonId::new("bob"));
    assert!(ok(
        fx.dir.remove_member(t, &eng, &b),
        "directory: remove member"
    ));
    let n = list().await;
    assert!(
        !n.iter().any(|n| n.post == post.id),
        "bob left eng: the notification must be left out: {n:?}"
    );
    ok(fx.dir.add_member(t, &eng, &b), "directory: add member");
    let n = list().await;
    assert!(
        n.iter().any(|n| n.post == post.id),
        "bob rejoined eng: the notification is back: {n:?}"
    );
}

//! Reactions and the notifications they cause.

use std::sync::Arc;

use watercooler_core::{
    NewPost, Notification, NotificationKind, PageRequest, PersonId, Post, PostId, Reaction,
    ReactionKind, Store, Viewer,
};

use crate::check::{all_pages, hidden, ok};
use crate::fixture::Fixture;

/// The author's reaction notification about `post`, if any.
async fn reaction_note(fx: &Fixture, author: &Viewer, post: &Post) -> Option<Notification> {
    let all = all_pages("service.notifications", 50, async |page| {
        fx.wc.notifications(author, &page).await
    })
    .await;
    let mut found = all
        .into_iter()
        .filter(|n| n.kind == NotificationKind::Reaction && n.post == post.id);
    let first = found.next();
    assert!(
        found.next().is_none(),
        "reaction notifications about one post must be folded into one"
    );
    first
}

fn people(ids: &[&str]) -> Vec<PersonId> {
    ids.iter().map(|s| PersonId::new(*s)).collect()
}

/// A person has at most one reaction of each kind on a post: reacting twice returns
/// `false` and changes nothing; counters are exact per kind; the reaction list is newest
/// first; unreacting returns whether it existed; the author's reaction notification lists
/// distinct actors, most recent first, and loses an actor who has no reaction left.
pub async fn reactions_are_one_per_person_and_kind(store: Arc<dyn Store>) {
    let fx = Fixture::new(store, "reactions").await;
    let s = &*fx.store;
    let p = fx.publish("alice", NewPost::new("React to me")).await;
    let (bob, carol, alice) = (fx.viewer("bob"), fx.viewer("carol"), fx.viewer("alice"));

    let react = async |v: &Viewer, kind: ReactionKind| {
        fx.tick();
        ok(
            fx.wc.react(v, &p.id, kind).await,
            &format!("{} reacts {kind:?}", v.person),
        )
    };
    let unreact = async |v: &Viewer, kind: ReactionKind| {
        fx.tick();
        ok(
            fx.wc.unreact(v, &p.id, kind).await,
            &format!("{} unreacts {kind:?}", v.person),
        )
    };
    let counts = async || {
        let v = ok(fx.wc.post(&fx.viewer("dave"), &p.id).await, "service.post");
        let a = ok(
            s.get_post(&fx.access("dave").await, &p.id).await,
            "store.get_post",
        );
        assert_eq!(
            a.map(|a| a.stats),
            Some(v.stats),
            "store and service disagree on the counters"
        );
        v.stats.reactions
    };

    assert!(
        react(&bob, ReactionKind::Like).await,
        "bob's first like is new"
    );
    let t_bob_like = fx.now();
    assert!(
        !react(&bob, ReactionKind::Like).await,
        "bob's second like must return false"
    );
    assert!(
        react(&bob, ReactionKind::Celebrate).await,
        "another kind is another reaction"
    );
    let t_bob_celebrate = fx.now();
    assert!(
        react(&carol, ReactionKind::Like).await,
        "carol's like is new"
    );
    let t_carol_like = fx.now();
    assert_eq!(counts().await, [2, 1, 0, 0, 0], "likes 2, celebrate 1");
    let stats = ok(fx.wc.post(&bob, &p.id).await, "service.post").stats;
    assert_eq!(stats.total_reactions(), 3);
    assert_eq!(
        stats.last_activity,
        Some(t_carol_like),
        "last activity is the latest reaction"
    );

    let want = vec![
        Reaction {
            post: p.id,
            person: PersonId::new("carol"),
            kind: ReactionKind::Like,
            at: t_carol_like,
        },
        Reaction {
            post: p.id,
            person: PersonId::new("bob"),
            kind: ReactionKind::Celebrate,
            at: t_bob_celebrate,
        },
        Reaction {
            post: p.id,
            person: PersonId::new("bob"),
            kind: ReactionKind::Like,
            at: t_bob_like,
        },
    ];
    let listed = all_pages("service.reactions", 2, async |page| {
        fx.wc.reactions(&bob, &p.id, &page).await
    })
    .await;
    assert_eq!(
        listed, want,
        "service.reactions: one per person and kind, newest first"
    );
    let access = fx.access("dave").await;
    let listed = all_pages("store.reactions", 1, async |page| {
        s.reactions(&access, &p.id, &page).await
    })
    .await;
    assert_eq!(listed, want, "store.reactions, pages of 1");

    let note = reaction_note(&fx, &alice, &p)
        .await
        .expect("alice must be notified of reactions");
    assert_eq!(
        note.actors,
        people(&["carol", "bob"]),
        "distinct actors, most recent first"
    );

    assert!(
        unreact(&bob, ReactionKind::Like).await,
        "bob's like existed"
    );
    assert!(
        !unreact(&bob, ReactionKind::Like).await,
        "bob's like is gone already"
    );
    assert_eq!(counts().await, [1, 1, 0, 0, 0]);
    let note = reaction_note(&fx, &alice, &p)
        .await
        .expect("bob still celebrates, carol likes");
    assert_eq!(
        note.actors.len(),
        2,
        "bob keeps a reaction, so he stays an actor: {note:?}"
    );

    assert!(unreact(&bob, ReactionKind::Celebrate).await);
    assert_eq!(counts().await, [1, 0, 0, 0, 0]);
    let note = reaction_note(&fx, &alice, &p)
        .await
        .expect("carol still likes");
    assert_eq!(
        note.actors,
        people(&["carol"]),
        "bob has no reaction left: he is no actor any more"
    );
    assert!(unreact(&carol, ReactionKind::Like).await);
    assert_eq!(counts().await, [0; 5]);
    assert_eq!(
        reaction_note(&fx, &alice, &p).await,
        None,
        "no reactions left: no reaction notification"
    );

    // Every kind once each.
    for kind in ReactionKind::ALL {
        assert!(react(&bob, kind).await, "bob reacts {kind:?}");
    }
    assert_eq!(counts().await, [1; 5], "one of each kind");

    // Unknown posts.
    let missing = PostId::from_u128(p.id.as_u128() ^ 0xfff);
    hidden(
        fx.wc.react(&bob, &missing, ReactionKind::Like).await,
        "react to an unknown post",
    );
    match fx.wc.unreact(&bob, &missing, ReactionKind::Like).await {
        Ok(false) => {}
        Err(e) if e.is_not_found_for_users() => {}
        other => panic!("unreact on an unknown post must be Ok(false) or not found, got {other:?}"),
    }
}

/// The store's reaction calls directly: a duplicate `add_reaction` returns `false`;
/// `add_reactions` skips existing ones and returns how many were new; `remove_reaction`
/// returns whether it existed; reacting counts an interaction with the author; reacting to
/// an unknown post is [`watercooler_core::Error::NotFound`].
pub async fn store_reactions_are_idempotent(store: Arc<dyn Store>) {
    let fx = Fixture::new(store, "storereact").await;
    let s = &*fx.store;
    let p = fx.publish("alice", NewPost::new("Bulk")).await;
    let t = &fx.tenant;
    let r = |who: &str, kind| Reaction {
        post: p.id,
        person: PersonId::new(who),
        kind,
        at: fx.now(),
    };
    assert!(ok(
        s.add_reaction(t, &r("bob", ReactionKind::Like), None).await,
        "add_reaction"
    ));
    assert!(
        !ok(
            s.add_reaction(t, &r("bob", ReactionKind::Like), None).await,
            "add_reaction"
        ),
        "a duplicate is not new"
    );
    let bulk = [
        r("bob", ReactionKind::Like),
        r("carol", ReactionKind::Like),
        r("carol", ReactionKind::Funny),
        r("carol", ReactionKind::Funny),
    ];
    assert_eq!(
        ok(s.add_reactions(t, &bulk).await, "add_reactions"),
        2,
        "two of four are new"
    );
    let v = ok(
        s.get_post(&fx.access("dave").await, &p.id).await,
        "get_post",
    )
    .expect("visible");
    assert_eq!(
        v.stats.reactions,
        [2, 0, 0, 0, 1],
        "exact counts after bulk"
    );
    let bob = PersonId::new("bob");
    assert!(ok(
        s.remove_reaction(t, &p.id, &bob, ReactionKind::Like).await,
        "remove_reaction"
    ));
    assert!(
        !ok(
            s.remove_reaction(t, &p.id, &bob, ReactionKind::Like).await,
            "remove_reaction"
        ),
        "already removed"
    );
    let inter = ok(
        s.interactions(t, &PersonId::new("carol"), 10).await,
        "interactions",
    );
    assert_eq!(
        inter,
        vec![(PersonId::new("alice"), 2)],
        "carol reacted twice to alice's post"
    );
    let missing = Reaction {
        post: PostId::from_u128(p.id.as_u128() ^ 0xfff),
        ..r("bob", ReactionKind::Like)
    };
    hidden(
        s.add_reaction(t, &missing, None).await,
        "store.add_reaction on an unknown post",
    );
}

/// Notifications fold per recipient, kind and post; a new actor moves the notification up
/// (a larger `seq`) and makes it unseen again; marking seen up to a `seq` returns how many
/// changed; people never see each other's notifications.
pub async fn notifications_fold_and_mark_seen(store: Arc<dyn Store>) {
    let fx = Fixture::new(store, "notes").await;
    let s = &*fx.store;
    let alice = fx.viewer("alice");
    let p = fx.publish("alice", NewPost::new("Notify me")).await;
    fx.tick();
    ok(
        fx.wc
            .react(&fx.viewer("bob"), &p.id, ReactionKind::Like)
            .await,
        "react",
    );
    let n1 = reaction_note(&fx, &alice, &p).await.expect("notified");
    assert!(!n1.seen && n1.actors == people(&["bob"]), "{n1:?}");
    assert_eq!(n1.recipient, PersonId::new("alice"));
    assert_eq!(
        n1.updated_at,
        fx.now(),
        "updated_at is when the latest actor acted"
    );

    assert_eq!(
        ok(
            fx.wc.mark_notifications_seen(&alice, n1.seq).await,
            "mark seen"
        ),
        1
    );
    assert_eq!(
        ok(
            fx.wc.mark_notifications_seen(&alice, n1.seq).await,
            "mark seen"
        ),
        0,
        "already seen"
    );
    assert!(
        reaction_note(&fx, &alice, &p)
            .await
            .expect("still there")
            .seen,
        "marked seen"
    );

    fx.tick();
    ok(
        fx.wc
            .react(&fx.viewer("carol"), &p.id, ReactionKind::Support)
            .await,
        "react",
    );
    let n2 = reaction_note(&fx, &alice, &p).await.expect("notified");
    assert!(
        n2.seq > n1.seq,
        "a new actor gives the notification a larger seq ({} -> {})",
        n1.seq,
        n2.seq
    );
    assert!(!n2.seen, "a new actor makes the notification unseen again");
    assert_eq!(n2.actors, people(&["carol", "bob"]));
    assert_eq!(n2.updated_at, fx.now());

    let m = fx.publish("bob", NewPost::new("Hey @alice look")).await;
    let all = ok(
        fx.wc.notifications(&alice, &PageRequest::first(10)).await,
        "notifications",
    );
    let order: Vec<(NotificationKind, PostId)> =
        all.items.iter().map(|n| (n.kind, n.post)).collect();
    assert_eq!(
        order,
        vec![
            (NotificationKind::Mention, m.id),
            (NotificationKind::Reaction, p.id)
        ],
        "most recently updated first"
    );
    assert!(all.items[0].seq > all.items[1].seq, "seq orders the list");
    let top = all.items[0].seq;
    assert_eq!(
        ok(
            fx.wc.mark_notifications_seen(&alice, top).await,
            "mark seen"
        ),
        2
    );
    let stored = ok(
        s.notifications(&fx.tenant, &PersonId::new("alice"), &PageRequest::first(10))
            .await,
        "store.notifications",
    );
    assert!(
        stored.items.iter().all(|n| n.seen),
        "all seen: {:?}",
        stored.items
    );

    for other in ["bob", "carol", "dave"] {
        let n = ok(
            s.notifications(&fx.tenant, &PersonId::new(other), &PageRequest::first(10))
                .await,
            "store.notifications",
        );
        assert!(
            n.items.iter().all(|n| n.recipient.as_str() == other),
            "{other} sees someone else's notification"
        );
        assert!(
            n.items.is_empty(),
            "nothing notifies {other}, yet they have {:?}",
            n.items
        );
    }
}

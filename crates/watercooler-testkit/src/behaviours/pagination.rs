//! Cursor pagination while the list grows between (and during) page reads.

use std::collections::HashSet;
use std::sync::Arc;

use watercooler_core::store::{Order, PostFilter};
use watercooler_core::watercooler_text::hashtag_key;
use watercooler_core::{
    Access, FollowTarget, MuteTarget, NewPost, PageRequest, PersonId, PostId, ReactionKind, Store,
    Viewer,
};

use crate::check::{all_pages, assert_unique, join, ok, pages_with};
use crate::fixture::Fixture;

/// The ids of `list_posts`, page by page, calling `between` after each page.
async fn walk_posts(
    fx: &Fixture,
    access: &Access,
    filter: &PostFilter,
    limit: usize,
    between: impl AsyncFnMut(),
) -> Vec<PostId> {
    let fetch = async |req: PageRequest| fx.store.list_posts(access, filter, &req).await;
    let views = pages_with("store.list_posts", limit, fetch, between).await;
    views.into_iter().map(|v| v.post.id).collect()
}

/// Posts published between page reads never make a post appear twice or go missing:
/// newest first, later pages hold exactly the older posts; oldest first, the walk holds
/// every post that existed when it began, in order, and may end with the new ones. The same
/// holds while another task publishes during the walk.
pub async fn post_pages_are_stable_while_publishing(store: Arc<dyn Store>) {
    let fx = Fixture::new(store, "pagesposts").await;
    let mut original = Vec::new();
    for i in 0..23 {
        original.push(
            fx.publish("alice", NewPost::new(format!("post {i}")))
                .await
                .id,
        );
    }
    let access = fx.access("dave").await;
    let newest = PostFilter::default();
    let mut extra = 0;
    let got = walk_posts(&fx, &access, &newest, 5, async || {
        extra += 1;
        fx.publish("bob", NewPost::new(format!("interloper {extra}")))
            .await;
    })
    .await;
    let mut want = original.clone();
    want.reverse();
    assert_eq!(
        got, want,
        "newest first: exactly the posts that existed when the walk began"
    );

    let oldest = PostFilter {
        order: Order::OldestFirst,
        ..Default::default()
    };
    let at_start: Vec<PostId> = {
        let all = all_pages("store.list_posts", 50, async |page| {
            fx.store.list_posts(&access, &oldest, &page).await
        })
        .await;
        all.into_iter().map(|v| v.post.id).collect()
    };
    let got = walk_posts(&fx, &access, &oldest, 4, async || {
        extra += 1;
        fx.publish("bob", NewPost::new(format!("interloper {extra}")))
            .await;
    })
    .await;
    assert!(
        got.windows(2).all(|w| w[0] < w[1]),
        "oldest first: strictly increasing ids, no repeats"
    );
    assert_eq!(
        &got[..at_start.len().min(got.len())],
        &at_start[..],
        "oldest first: every post that existed, in order"
    );
    assert!(
        got.len() > at_start.len(),
        "oldest first: posts added behind the cursor show up at the end"
    );

    // A concurrent publisher during the walk.
    let before: HashSet<PostId> = at_start
        .iter()
        .copied()
        .chain(got.iter().copied())
        .collect();
    let wc = fx.wc.clone();
    let bob = fx.viewer("bob");
    let publisher = tokio::spawn(async move {
        for i in 0..30 {
            ok(
                wc.publish(&bob, NewPost::new(format!("racer {i}"))).await,
                "concurrent publish",
            );
            tokio::task::yield_now().await;
        }
    });
    let got = walk_posts(&fx, &access, &newest, 3, async || {
        tokio::task::yield_now().await
    })
    .await;
    join(publisher).await;
    assert!(
        got.windows(2).all(|w| w[0] > w[1]),
        "newest first: strictly decreasing ids, no repeats"
    );
    let got: HashSet<PostId> = got.into_iter().collect();
    let lost: Vec<&PostId> = before.iter().filter(|id| !got.contains(id)).collect();
    assert!(
        lost.is_empty(),
        "posts lost while another task published: {lost:?}"
    );
}

/// Notifications created between page reads neither repeat nor hide older ones.
pub async fn notification_pages_are_stable(store: Arc<dyn Store>) {
    let fx = Fixture::new(store, "pagesnotes").await;
    let people = fx.add_people("mentioner", 30);
    for p in &people[..17] {
        fx.publish(p.as_str(), NewPost::new("hello @bob")).await;
    }
    let bob = fx.viewer("bob");
    let mut next_writer = people[17..].iter();
    let out = pages_with(
        "service.notifications",
        4,
        async |req| fx.wc.notifications(&bob, &req).await,
        async || {
            if let Some(w) = next_writer.next() {
                fx.publish(w.as_str(), NewPost::new("another @bob")).await;
            }
        },
    )
    .await;
    assert!(
        out.windows(2).all(|w| w[0].seq > w[1].seq),
        "notifications: strictly decreasing seq, no repeats"
    );
    let authors: Vec<&PersonId> = out.iter().map(|n| &n.actors[0]).collect();
    let want: Vec<&PersonId> = people[..17].iter().rev().collect();
    assert_eq!(
        authors, want,
        "notifications: exactly the ones that existed when the walk began"
    );

    for w in next_writer {
        fx.publish(w.as_str(), NewPost::new("late @bob")).await;
    }
    let stored = all_pages("store.notifications", 7, async |page| {
        fx.store.notifications(&fx.tenant, &bob.person, &page).await
    })
    .await;
    assert_eq!(stored.len(), 30, "30 mentions, 30 notifications");
    assert_unique(stored.iter().map(|n| n.seq), "store.notifications seq");
}

/// Follows, mutes and reactions added between page reads neither repeat nor hide the
/// ones that existed when the walk began.
pub async fn follow_mute_reaction_pages_are_stable(store: Arc<dyn Store>) {
    let fx = Fixture::new(store, "pagesfollow").await;
    let s = &*fx.store;
    let alice = fx.viewer("alice");
    for i in 0..17 {
        ok(
            fx.wc
                .follow(
                    &alice,
                    FollowTarget::Hashtag(hashtag_key(&format!("tag{i}"))),
                )
                .await,
            "follow",
        );
        ok(
            fx.wc
                .mute(&alice, MuteTarget::Word(format!("word{i}")))
                .await,
            "mute",
        );
    }
    let mut added = 100;
    let follows = pages_with(
        "service.follows",
        4,
        async |req| fx.wc.follows(&alice, &req).await,
        async || {
            added += 1;
            ok(
                fx.wc
                    .follow(
                        &alice,
                        FollowTarget::Hashtag(hashtag_key(&format!("tag{added}"))),
                    )
                    .await,
                "follow",
            );
        },
    )
    .await;
    assert_unique(follows.iter(), "follows walked while following more");
    for i in 0..17 {
        let t = FollowTarget::Hashtag(hashtag_key(&format!("tag{i}")));
        assert!(
            follows.contains(&t),
            "follows: {t:?} went missing while more were followed"
        );
    }
    let mutes = pages_with(
        "service.mutes",
        4,
        async |req| fx.wc.mutes(&alice, &req).await,
        async || {
            added += 1;
            ok(
                fx.wc
                    .mute(&alice, MuteTarget::Word(format!("word{added}")))
                    .await,
                "mute",
            );
        },
    )
    .await;
    assert_unique(mutes.iter(), "mutes walked while muting more");
    for i in 0..17 {
        let t = MuteTarget::Word(format!("word{i}"));
        assert!(
            mutes.contains(&t),
            "mutes: {t:?} went missing while more were muted"
        );
    }

    let post = fx.publish("alice", NewPost::new("react")).await;
    let people = fx.add_people("reactor", 30);
    for p in &people[..15] {
        fx.tick();
        ok(
            fx.wc
                .react(
                    &Viewer::new(fx.tenant.clone(), p.clone()),
                    &post.id,
                    ReactionKind::Like,
                )
                .await,
            "react",
        );
    }
    let mut late = people[15..].iter();
    let access = fx.access("dave").await;
    let reactions = pages_with(
        "store.reactions",
        4,
        async |req| s.reactions(&access, &post.id, &req).await,
        async || {
            if let Some(p) = late.next() {
                fx.tick();
                ok(
                    fx.wc
                        .react(
                            &Viewer::new(fx.tenant.clone(), p.clone()),
                            &post.id,
                            ReactionKind::Like,
                        )
                        .await,
                    "react",
                );
            }
        },
    )
    .await;
    assert_unique(
        reactions.iter().map(|r| (&r.person, r.kind)),
        "reactions walked while reacting",
    );
    let who: HashSet<&PersonId> = reactions.iter().map(|r| &r.person).collect();
    for p in &people[..15] {
        assert!(
            who.contains(p),
            "reactions: {p}'s like went missing while others reacted"
        );
    }
}

//! Replies and threads.

use std::sync::Arc;

use watercooler_core::store::{Order, PostFilter};
use watercooler_core::{NewPost, NotificationKind, PageRequest, PersonId, PostId, Store};

use crate::check::{all_pages, hidden, invalid, ok};
use crate::fixture::Fixture;

/// Replies (and replies to replies) join their root's thread: `reply_to` names the parent,
/// `thread_root` the root; the thread lists the replies oldest first across pages; the root
/// counts every reply and its last activity, a reply its direct replies; lists hold roots
/// only unless replies are asked for; the parent's author is notified; replying counts as
/// an interaction with the parent's author.
pub async fn replies_form_threads(store: Arc<dyn Store>) {
    let fx = Fixture::new(store, "threads").await;
    let s = &*fx.store;
    let root = fx
        .publish("alice", NewPost::new("Root of the thread"))
        .await;
    let b1 = fx.reply("bob", &root.id, "bob answers").await;
    let c1 = fx.reply("carol", &b1.id, "carol answers bob").await;
    let a1 = fx.reply("alice", &root.id, "alice closes").await;

    assert_eq!(
        (b1.reply_to, b1.thread_root),
        (Some(root.id), Some(root.id)),
        "a reply to the root"
    );
    assert_eq!(
        (c1.reply_to, c1.thread_root),
        (Some(b1.id), Some(root.id)),
        "a reply to a reply"
    );
    assert_eq!(c1.thread_id(), root.id);
    assert!(c1.is_reply() && !root.is_reply());

    let dave = fx.viewer("dave");
    let t = ok(
        fx.wc.thread(&dave, &root.id, &PageRequest::first(10)).await,
        "service.thread",
    );
    assert_eq!(t.root.post, root, "service.thread: the root");
    let ids: Vec<PostId> = t.replies.items.iter().map(|v| v.post.id).collect();
    assert_eq!(
        ids,
        vec![b1.id, c1.id, a1.id],
        "service.thread: replies oldest first"
    );
    assert_eq!(t.replies.next, None);
    assert_eq!(
        t.root.stats.replies, 3,
        "the root counts every reply of its thread"
    );
    assert_eq!(
        t.root.stats.last_activity,
        Some(a1.created_at),
        "the root's last activity is the last reply"
    );
    let b1_view = ok(fx.wc.post(&dave, &b1.id).await, "service.post");
    assert_eq!(
        b1_view.stats.replies, 1,
        "a reply counts its direct replies"
    );

    let paged = all_pages("service.thread replies", 2, async |page| {
        fx.wc
            .thread(&dave, &root.id, &page)
            .await
            .map(|t| t.replies)
    })
    .await;
    let ids: Vec<PostId> = paged.iter().map(|v| v.post.id).collect();
    assert_eq!(ids, vec![b1.id, c1.id, a1.id], "service.thread paged by 2");

    let access = fx.access("dave").await;
    let list = async |f: PostFilter| {
        let items = all_pages("store.list_posts", 10, async |page| {
            s.list_posts(&access, &f, &page).await
        })
        .await;
        items
            .into_iter()
            .map(|v| v.post.id)
            .collect::<Vec<PostId>>()
    };
    assert_eq!(
        list(PostFilter::default()).await,
        vec![root.id],
        "lists hold roots only by default"
    );
    assert_eq!(
        list(PostFilter {
            include_replies: true,
            ..Default::default()
        })
        .await,
        vec![a1.id, c1.id, b1.id, root.id],
        "include_replies lists replies too, newest first"
    );
    assert_eq!(
        list(PostFilter {
            thread: Some(root.id),
            order: Order::OldestFirst,
            ..Default::default()
        })
        .await,
        vec![b1.id, c1.id, a1.id],
        "the thread filter lists the thread's replies"
    );
    assert_eq!(
        list(PostFilter {
            thread: Some(root.id),
            ..Default::default()
        })
        .await,
        vec![a1.id, c1.id, b1.id],
        "the thread filter, newest first"
    );

    let n = ok(
        fx.wc
            .notifications(&fx.viewer("alice"), &PageRequest::first(10))
            .await,
        "notifications",
    );
    assert!(
        n.items.iter().any(|n| n.kind == NotificationKind::Reply
            && n.post == root.id
            && n.actors.contains(&PersonId::new("bob"))),
        "alice must be notified of bob's reply to her post: {:?}",
        n.items
    );
    let n = ok(
        fx.wc
            .notifications(&fx.viewer("bob"), &PageRequest::first(10))
            .await,
        "notifications",
    );
    assert!(
        n.items.iter().any(|n| n.kind == NotificationKind::Reply
            && n.post == b1.id
            && n.actors == vec![PersonId::new("carol")]),
        "bob must be notified of carol's reply to his reply: {:?}",
        n.items
    );

    let inter = ok(
        s.interactions(&fx.tenant, &PersonId::new("bob"), 10).await,
        "store.interactions",
    );
    assert_eq!(
        inter,
        vec![(PersonId::new("alice"), 1)],
        "bob replied to alice once"
    );
    let inter = ok(
        s.interactions(&fx.tenant, &PersonId::new("carol"), 10)
            .await,
        "store.interactions",
    );
    assert_eq!(
        inter,
        vec![(PersonId::new("bob"), 1)],
        "carol replied to bob once"
    );

    // The thread of a reply is its root's thread.
    let via_reply = ok(
        fx.wc.thread(&dave, &c1.id, &PageRequest::first(10)).await,
        "service.thread of a reply",
    );
    assert_eq!(
        via_reply.root.post.id, root.id,
        "service.thread of a reply shows its root"
    );
    assert_eq!(
        via_reply.replies.items.len(),
        3,
        "service.thread of a reply lists the whole thread"
    );

    hidden(
        fx.wc
            .reply(
                &dave,
                &PostId::from_u128(root.id.as_u128() ^ 0xff),
                "to nothing",
            )
            .await,
        "reply to an unknown post",
    );
    invalid(
        fx.wc.reply(&dave, &root.id, " \n ").await,
        Some("text"),
        "a blank reply",
    );
}

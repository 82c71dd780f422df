//! People who leave groups, and authors who were never in them (imports carry such posts):
//! they keep seeing their own posts, and must learn nothing of the replies others write in
//! the group — not from a notification, a reply count, a thread or a preview.

use std::sync::Arc;

use watercooler_core::{
    GroupId, ImportedPost, NewPost, Notification, NotificationKind, PageRequest, ParentRef,
    PersonId, Post, PostId, Store,
};

use crate::check::{all_pages, ok};
use crate::fixture::Fixture;

/// Every notification the store keeps for `person`, as stored (unfiltered by the service).
async fn stored_notifications(fx: &Fixture, person: &str) -> Vec<Notification> {
    all_pages("store.notifications", 50, async |page| {
        fx.store
            .notifications(&fx.tenant, &PersonId::new(person), &page)
            .await
    })
    .await
}

/// The reply notifications about `post` the service shows `person`.
async fn shown_replies(fx: &Fixture, person: &str, post: &PostId) -> Vec<Notification> {
    all_pages("notifications", 50, async |page| {
        fx.wc.notifications(&fx.viewer(person), &page).await
    })
    .await
    .into_iter()
    .filter(|n| &n.post == post && n.kind == NotificationKind::Reply)
    .collect()
}

fn membership(fx: &Fixture, person: &str, join: bool) {
    let (t, hr, p) = (&fx.tenant, GroupId::new("hr"), PersonId::new(person));
    if join {
        ok(fx.dir.add_member(t, &hr, &p), "directory: add member");
    } else {
        ok(fx.dir.remove_member(t, &hr, &p), "directory: remove member");
    }
}

/// Bob posts in the private group `hr`, then leaves it; replies written there after he
/// left never notify him, and the reply notification he got while a member is not shown
/// while he is out (it is again once he rejoins). An author imported into a group they
/// were never in is not notified of replies to their post either.
pub async fn reply_notifications_need_the_reply_visible(store: Arc<dyn Store>) {
    let fx = Fixture::new(store, "leavenotes").await;
    membership(&fx, "bob", true);
    let post = fx
        .publish("bob", NewPost::new("Reorganisation notes").in_group("hr"))
        .await;
    let carols = fx.reply("carol", &post.id, "Thanks Bob").await;
    let shown = shown_replies(&fx, "bob", &post.id).await;
    assert_eq!(shown.len(), 1, "bob, a member, is told carol replied");
    assert_eq!(
        shown[0].subject,
        Some(carols.id),
        "a reply notification names the reply, so a client can link to it"
    );

    membership(&fx, "bob", false);
    ok(
        fx.wc.post(&fx.viewer("bob"), &post.id).await,
        "bob still sees his own post",
    );
    let shown = shown_replies(&fx, "bob", &post.id).await;
    assert!(
        shown.is_empty(),
        "bob left hr: a reply notification names a reply he may not see: {shown:?}"
    );

    // A reply written after he left is never stored as a notification to him.
    membership(&fx, "alice", true);
    fx.reply("alice", &post.id, "Agreed").await;
    let stored = stored_notifications(&fx, "bob").await;
    assert!(
        !stored
            .iter()
            .any(|n| n.actors.contains(&PersonId::new("alice"))),
        "alice replied after bob left hr: no notification may name her: {stored:?}"
    );

    membership(&fx, "bob", true);
    let shown = shown_replies(&fx, "bob", &post.id).await;
    assert_eq!(shown.len(), 1, "bob rejoined: the notification is back");
    assert_eq!(
        shown[0].actors,
        vec![PersonId::new("carol")],
        "only the reply made while he could see replies was notified"
    );
    assert_eq!(shown[0].subject, Some(carols.id));

    // Dave was never in hr; an import makes him the author of a reply there.
    fx.tick();
    let imported = ok(
        fx.admin()
            .await
            .import(ImportedPost {
                id: PostId::from_parts(fx.now(), 0xdae),
                author: PersonId::new("dave"),
                created_at: fx.now(),
                post: NewPost::new("Imported answer"),
                parent: Some(ParentRef::of(&post)),
            })
            .await,
        "import a reply by dave into the hr thread",
    );
    fx.reply("carol", &imported.id, "Noted, Dave").await;
    assert!(
        stored_notifications(&fx, "dave").await.is_empty(),
        "dave may not see carol's reply: he is not notified of it"
    );
    assert!(shown_replies(&fx, "dave", &imported.id).await.is_empty());
}

/// Reply counts: someone who sees a post but not its replies (its author, after leaving
/// the group) sees only the replies they may see counted — their own — on every read
/// path: the post, the thread, their profile; members keep seeing every reply counted.
pub async fn reply_counts_count_what_the_viewer_sees(store: Arc<dyn Store>) {
    let fx = Fixture::new(store, "leavecounts").await;
    membership(&fx, "bob", true);
    let root = fx
        .publish("bob", NewPost::new("Budget draft").in_group("hr"))
        .await;
    fx.reply("carol", &root.id, "Looks fine").await;
    let own = fx.reply("bob", &root.id, "Updated the numbers").await;
    fx.reply("carol", &own.id, "Thanks for updating").await;

    let replies_of = async |person: &str, post: &Post| {
        ok(fx.wc.post(&fx.viewer(person), &post.id).await, "post")
            .stats
            .replies
    };
    assert_eq!(replies_of("carol", &root).await, 3, "carol sees the thread");
    assert_eq!(replies_of("carol", &own).await, 1);
    assert_eq!(replies_of("bob", &root).await, 3, "bob, a member, too");

    membership(&fx, "bob", false);
    assert_eq!(
        replies_of("bob", &root).await,
        1,
        "bob left hr: only his own reply counts for him"
    );
    assert_eq!(
        replies_of("bob", &own).await,
        0,
        "carol's answer to bob's reply is invisible to him, so not counted"
    );
    let bob = fx.viewer("bob");
    let thread = ok(
        fx.wc.thread(&bob, &root.id, &PageRequest::first(50)).await,
        "thread",
    );
    let ids: Vec<PostId> = thread.replies.items.iter().map(|v| v.post.id).collect();
    assert_eq!(ids, vec![own.id], "the thread shows bob his own reply only");
    assert_eq!(
        thread.root.stats.replies, 1,
        "the thread's root count agrees"
    );
    let view = ok(fx.wc.post(&bob, &root.id).await, "post");
    assert_eq!(
        view.stats.last_activity,
        Some(own.created_at),
        "the latest activity shown is the latest he may see"
    );
    let profile = all_pages("profile_feed", 50, async |page| {
        fx.wc.profile_feed(&bob, &PersonId::new("bob"), &page).await
    })
    .await;
    let item = profile.iter().find(|v| v.post.id == root.id);
    assert_eq!(
        item.map(|v| v.stats.replies),
        Some(1),
        "his profile shows the same count"
    );

    membership(&fx, "bob", true);
    assert_eq!(
        replies_of("bob", &root).await,
        3,
        "rejoined: all replies count"
    );
}

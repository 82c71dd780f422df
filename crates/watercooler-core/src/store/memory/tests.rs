//! Unit tests of the memory store, driven through the [`Store`] trait.

use chrono::{DateTime, Duration, Utc};
use watercooler_text::hashtag_key;

use super::MemoryStore;
use crate::access::Access;
use crate::error::Error;
use crate::ids::{GroupId, PersonId, PostId, Seq, TenantId};
use crate::model::{
    ChangeKind, FollowTarget, HashtagRef, MentionRef, MuteTarget, NewNotification,
    NotificationKind, Post, PostEdit, Reaction, ReactionKind, Visibility,
};
use crate::page::{Cursor, PageRequest};
use crate::store::{CandidateQuery, Order, PostFilter, PostUpdate, Store};

fn t0() -> DateTime<Utc> {
    DateTime::from_timestamp(1_360_000_000, 0).unwrap()
}

fn tenant() -> TenantId {
    TenantId::new("t")
}

fn access(person: &str, groups: &[&str]) -> Access {
    Access::new(
        tenant(),
        person.into(),
        groups.iter().map(|g| GroupId::new(*g)),
        false,
    )
}

/// A post by `author` at `t0 + minute` minutes.
fn post(n: u64, author: &str, visibility: Visibility) -> Post {
    let at = t0() + Duration::minutes(n as i64);
    Post {
        text: format!("post {n}"),
        visibility,
        ..Post::for_test(tenant().as_str(), author, at, n)
    }
}

fn tagged(mut p: Post, tag: &str) -> Post {
    p.hashtags.push(HashtagRef {
        key: hashtag_key(tag),
        display: tag.into(),
        range: 0..1,
    });
    p
}

fn mentioning(mut p: Post, who: &str) -> Post {
    p.mentions.push(MentionRef {
        person: who.into(),
        handle: who.into(),
        range: 0..1,
    });
    p
}

fn reply(n: u64, author: &str, parent: &Post) -> Post {
    let mut p = post(n, author, parent.visibility.clone());
    p.reply_to = Some(parent.id);
    p.thread_root = Some(parent.thread_id());
    p
}

fn note(recipient: &str, kind: NotificationKind, post: PostId, actor: &str) -> NewNotification {
    NewNotification {
        recipient: recipient.into(),
        kind,
        post,
        actor: actor.into(),
        at: t0(),
        subject: None,
    }
}

async fn ids_of(
    store: &MemoryStore,
    a: &Access,
    filter: &PostFilter,
    limit: usize,
) -> Vec<Vec<PostId>> {
    let mut pages = Vec::new();
    let mut req = PageRequest::first(limit);
    loop {
        let page = store.list_posts(a, filter, &req).await.unwrap();
        pages.push(page.items.iter().map(|v| v.post.id).collect());
        match page.next {
            Some(c) => req = PageRequest::after(c, limit),
            None => return pages,
        }
    }
}

#[tokio::test]
async fn visibility_is_enforced_on_every_read() {
    let s = MemoryStore::new();
    let org = post(1, "ann", Visibility::Organization);
    let grp = post(2, "ann", Visibility::group("g"));
    let dm = post(3, "ann", Visibility::direct(["bob".into()]));
    s.insert_posts(&[org.clone(), grp.clone(), dm.clone()])
        .await
        .unwrap();

    let bob = access("bob", &[]);
    let carl = access("carl", &["g"]);
    let dave = access("dave", &[]);
    let ids = [org.id, grp.id, dm.id];
    let seen = |a: &Access| {
        let a = a.clone();
        let s = &s;
        async move {
            s.get_posts(&a, &ids)
                .await
                .unwrap()
                .into_iter()
                .map(|v| v.post.id)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(seen(&access("ann", &[])).await, ids.to_vec());
    assert_eq!(seen(&bob).await, vec![org.id, dm.id]);
    assert_eq!(seen(&carl).await, vec![org.id, grp.id]);
    assert_eq!(seen(&dave).await, vec![org.id]);
    assert!(s.get_post(&dave, &grp.id).await.unwrap().is_none());
    // Another tenant with the same person ids sees nothing.
    let other = Access::new("u".into(), "ann".into(), [], false);
    assert!(s.get_posts(&other, &ids).await.unwrap().is_empty());
    // A group list for a non-member holds nothing of others.
    let filter = PostFilter {
        group: Some("g".into()),
        ..Default::default()
    };
    assert_eq!(
        ids_of(&s, &dave, &filter, 10).await,
        vec![Vec::<PostId>::new()]
    );
    assert_eq!(ids_of(&s, &carl, &filter, 10).await, vec![vec![grp.id]]);
}

#[tokio::test]
async fn pages_are_full_exact_and_stable_while_posting() {
    let s = MemoryStore::new();
    // Every third post is in a group the viewer is not in.
    let posts: Vec<Post> = (1..=30)
        .map(|n| {
            if n % 3 == 0 {
                post(n, "ann", Visibility::group("g"))
            } else {
                post(n, "ann", Visibility::Organization)
            }
        })
        .collect();
    s.insert_posts(&posts).await.unwrap();
    let bob = access("bob", &[]);
    let first = s
        .list_posts(&bob, &PostFilter::default(), &PageRequest::first(5))
        .await
        .unwrap();
    assert_eq!(first.items.len(), 5);
    // Newer posts arrive: the next page continues where the first ended.
    s.insert_post(&post(100, "ann", Visibility::Organization), &[])
        .await
        .unwrap();
    let mut all: Vec<PostId> = first.items.iter().map(|v| v.post.id).collect();
    let mut req = PageRequest::after(first.next.unwrap(), 5);
    loop {
        let page = s
            .list_posts(&bob, &PostFilter::default(), &req)
            .await
            .unwrap();
        all.extend(page.items.iter().map(|v| v.post.id));
        match page.next {
            Some(c) => {
                assert_eq!(page.items.len(), 5, "a page with a next cursor is full");
                req = PageRequest::after(c, 5);
            }
            None => break,
        }
    }
    let expected: Vec<PostId> = posts
        .iter()
        .rev()
        .filter(|p| p.visibility == Visibility::Organization)
        .map(|p| p.id)
        .collect();
    assert_eq!(all, expected);
    // Oldest first is the mirror image.
    let filter = PostFilter {
        order: Order::OldestFirst,
        ..Default::default()
    };
    let oldest: Vec<PostId> = ids_of(&s, &bob, &filter, 7).await.concat();
    let mut mirrored = expected.clone();
    mirrored.reverse();
    mirrored.push(PostId::from_parts(t0() + Duration::minutes(100), 100));
    assert_eq!(oldest, mirrored);
}

#[tokio::test]
async fn bad_cursors_and_limits_are_invalid() {
    let s = MemoryStore::new();
    let a = access("ann", &[]);
    for c in ["", "xyz", "-1", &"z".repeat(32)] {
        let r = s
            .list_posts(
                &a,
                &PostFilter::default(),
                &PageRequest::after(Cursor::new(c), 5),
            )
            .await;
        assert!(matches!(r, Err(Error::Invalid { .. })), "{c:?}");
        let r = s
            .notifications(
                &tenant(),
                &"ann".into(),
                &PageRequest::after(Cursor::new(c), 5),
            )
            .await;
        assert!(matches!(r, Err(Error::Invalid { .. })), "{c:?}");
    }
    for limit in [0, 201] {
        let r = s
            .list_posts(&a, &PostFilter::default(), &PageRequest::first(limit))
            .await;
        assert!(matches!(r, Err(Error::Invalid { .. })));
    }
}

#[tokio::test]
async fn duplicate_ids_conflict_and_batches_are_all_or_nothing() {
    let s = MemoryStore::new();
    let p = post(1, "ann", Visibility::Organization);
    s.insert_post(&p, &[]).await.unwrap();
    let before = s.last_seq().await.unwrap();
    assert!(matches!(
        s.insert_post(&p, &[]).await,
        Err(Error::AlreadyExists(_))
    ));
    let fresh = post(2, "ann", Visibility::Organization);
    assert!(matches!(
        s.insert_posts(&[fresh.clone(), p.clone()]).await,
        Err(Error::AlreadyExists(_))
    ));
    let orphan = reply(3, "bob", &post(99, "x", Visibility::Organization));
    assert!(matches!(
        s.insert_posts(&[orphan]).await,
        Err(Error::NotFound { .. })
    ));
    assert_eq!(s.last_seq().await.unwrap(), before);
    assert!(
        s.get_post(&access("ann", &[]), &fresh.id)
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn replies_count_on_thread_and_deleting_a_root_takes_the_thread() {
    let s = MemoryStore::new();
    let root = post(1, "ann", Visibility::Organization);
    let r1 = reply(2, "bob", &root);
    let r2 = reply(3, "carl", &r1);
    s.insert_posts(&[root.clone(), r1.clone(), r2.clone()])
        .await
        .unwrap();
    let a = access("ann", &[]);
    assert_eq!(
        s.get_post(&a, &root.id)
            .await
            .unwrap()
            .unwrap()
            .stats
            .replies,
        2
    );
    assert_eq!(
        s.get_post(&a, &r1.id).await.unwrap().unwrap().stats.replies,
        1
    );
    assert_eq!(
        s.interactions(&tenant(), &"bob".into(), 10).await.unwrap(),
        vec![("ann".into(), 1)]
    );
    assert_eq!(
        s.interactions(&tenant(), &"carl".into(), 10).await.unwrap(),
        vec![("bob".into(), 1)]
    );
    let thread = PostFilter {
        thread: Some(root.id),
        order: Order::OldestFirst,
        ..Default::default()
    };
    assert_eq!(ids_of(&s, &a, &thread, 10).await, vec![vec![r1.id, r2.id]]);

    // Deleting a reply uncounts it.
    s.delete_post(&tenant(), &r2.id, t0()).await.unwrap();
    assert_eq!(
        s.get_post(&a, &root.id)
            .await
            .unwrap()
            .unwrap()
            .stats
            .replies,
        1
    );
    assert_eq!(
        s.get_post(&a, &r1.id).await.unwrap().unwrap().stats.replies,
        0
    );

    let before = s.last_seq().await.unwrap();
    s.delete_post(&tenant(), &root.id, t0()).await.unwrap();
    let log = s.changes(before, 10).await.unwrap();
    assert_eq!(
        log.iter().map(|c| (c.post, c.kind)).collect::<Vec<_>>(),
        vec![(r1.id, ChangeKind::Deleted), (root.id, ChangeKind::Deleted)]
    );
    assert!(s.get_post(&a, &r1.id).await.unwrap().is_none());
    assert!(matches!(
        s.delete_post(&tenant(), &root.id, t0()).await,
        Err(Error::NotFound { .. })
    ));
}

#[tokio::test]
async fn reactions_count_notify_and_page() {
    let s = MemoryStore::new();
    let p = post(1, "ann", Visibility::Organization);
    s.insert_post(&p, &[]).await.unwrap();
    let react = |who: &str, kind, minutes| Reaction {
        post: p.id,
        person: who.into(),
        kind,
        at: t0() + Duration::minutes(minutes),
    };
    let n = |who: &str| note("ann", NotificationKind::Reaction, p.id, who);
    assert!(
        s.add_reaction(
            &tenant(),
            &react("bob", ReactionKind::Like, 1),
            Some(&n("bob"))
        )
        .await
        .unwrap()
    );
    assert!(
        !s.add_reaction(
            &tenant(),
            &react("bob", ReactionKind::Like, 2),
            Some(&n("bob"))
        )
        .await
        .unwrap()
    );
    assert!(
        s.add_reaction(
            &tenant(),
            &react("bob", ReactionKind::Funny, 3),
            Some(&n("bob"))
        )
        .await
        .unwrap()
    );
    assert!(
        s.add_reaction(
            &tenant(),
            &react("carl", ReactionKind::Like, 4),
            Some(&n("carl"))
        )
        .await
        .unwrap()
    );
    let a = access("ann", &[]);
    let stats = s.get_post(&a, &p.id).await.unwrap().unwrap().stats;
    assert_eq!(
        (
            stats.reactions_of(ReactionKind::Like),
            stats.total_reactions()
        ),
        (2, 3)
    );

    let inbox = s
        .notifications(&tenant(), &"ann".into(), &PageRequest::first(10))
        .await
        .unwrap();
    assert_eq!(inbox.items.len(), 1);
    assert_eq!(
        inbox.items[0].actors,
        vec![PersonId::new("carl"), PersonId::new("bob")]
    );

    // Pages newest first, then the rest.
    let first = s
        .reactions(&a, &p.id, &PageRequest::first(2))
        .await
        .unwrap();
    assert_eq!(
        first
            .items
            .iter()
            .map(|r| r.person.as_str())
            .collect::<Vec<_>>(),
        ["carl", "bob"]
    );
    let rest = s
        .reactions(&a, &p.id, &PageRequest::after(first.next.unwrap(), 2))
        .await
        .unwrap();
    assert_eq!(rest.items.len(), 1);
    assert_eq!(rest.items[0].kind, ReactionKind::Like);
    assert!(rest.next.is_none());

    // Bob keeps one reaction: still an actor. Removing the last one drops him.
    assert!(
        s.remove_reaction(&tenant(), &p.id, &"bob".into(), ReactionKind::Like)
            .await
            .unwrap()
    );
    let inbox = s
        .notifications(&tenant(), &"ann".into(), &PageRequest::first(10))
        .await
        .unwrap();
    assert_eq!(inbox.items[0].actors.len(), 2);
    assert!(
        s.remove_reaction(&tenant(), &p.id, &"bob".into(), ReactionKind::Funny)
            .await
            .unwrap()
    );
    assert!(
        !s.remove_reaction(&tenant(), &p.id, &"bob".into(), ReactionKind::Funny)
            .await
            .unwrap()
    );
    let inbox = s
        .notifications(&tenant(), &"ann".into(), &PageRequest::first(10))
        .await
        .unwrap();
    assert_eq!(inbox.items[0].actors, vec![PersonId::new("carl")]);
    assert!(
        s.remove_reaction(&tenant(), &p.id, &"carl".into(), ReactionKind::Like)
            .await
            .unwrap()
    );
    let inbox = s
        .notifications(&tenant(), &"ann".into(), &PageRequest::first(10))
        .await
        .unwrap();
    assert!(inbox.items.is_empty());
    // A reaction on a missing post.
    let missing = Reaction {
        post: PostId::MAX,
        ..react("bob", ReactionKind::Like, 1)
    };
    assert!(matches!(
        s.add_reaction(&tenant(), &missing, None).await,
        Err(Error::NotFound { .. })
    ));
}

#[tokio::test]
async fn notifications_page_and_mark_seen() {
    let s = MemoryStore::new();
    for n in 1..=5 {
        let p = mentioning(post(n, "ann", Visibility::Organization), "bob");
        s.insert_post(&p, &[note("bob", NotificationKind::Mention, p.id, "ann")])
            .await
            .unwrap();
    }
    let bob = PersonId::new("bob");
    let first = s
        .notifications(&tenant(), &bob, &PageRequest::first(3))
        .await
        .unwrap();
    assert_eq!(first.items.len(), 3);
    assert_eq!(
        first.next.as_ref().map(|c| c.as_str().to_owned()),
        Some(first.items[2].seq.to_string())
    );
    let rest = s
        .notifications(&tenant(), &bob, &PageRequest::after(first.next.unwrap(), 3))
        .await
        .unwrap();
    assert_eq!(rest.items.len(), 2);
    assert!(rest.items[0].seq < first.items[2].seq);
    assert_eq!(
        s.mark_notifications_seen(&tenant(), &bob, first.items[1].seq)
            .await
            .unwrap(),
        4
    );
    assert_eq!(
        s.mark_notifications_seen(&tenant(), &bob, u64::MAX)
            .await
            .unwrap(),
        1
    );
}

#[tokio::test]
async fn edits_keep_revisions_and_reindex_entities() {
    let s = MemoryStore::new();
    let p = tagged(post(1, "ann", Visibility::Organization), "old");
    s.insert_post(&p, &[]).await.unwrap();
    let edit = PostEdit {
        id: p.id,
        text: "new text".into(),
        edited_at: t0() + Duration::hours(1),
        hashtags: vec![HashtagRef {
            key: hashtag_key("new"),
            display: "New".into(),
            range: 0..1,
        }],
        mentions: Vec::new(),
        urls: Vec::new(),
    };
    s.update_post(&tenant(), &PostUpdate::text(edit.clone(), vec![]))
        .await
        .unwrap();
    let a = access("bob", &[]);
    let v = s.get_post(&a, &p.id).await.unwrap().unwrap();
    assert_eq!(v.post.text, "new text");
    assert_eq!(v.post.edited_at, Some(edit.edited_at));
    let revs = s.revisions(&a, &p.id).await.unwrap();
    assert_eq!(
        (revs.len(), revs[0].number, revs[0].text.as_str()),
        (1, 0, "post 1")
    );
    let by_tag = |k: &str| PostFilter {
        hashtag: Some(hashtag_key(k)),
        ..Default::default()
    };
    assert_eq!(
        ids_of(&s, &a, &by_tag("old"), 10).await,
        vec![Vec::<PostId>::new()]
    );
    assert_eq!(ids_of(&s, &a, &by_tag("new"), 10).await, vec![vec![p.id]]);
    assert!(s.suggest_tags(&a, "ol", 10).await.unwrap().is_empty());
    let missing = PostEdit {
        id: PostId::MAX,
        ..edit
    };
    assert!(matches!(
        s.update_post(&tenant(), &PostUpdate::text(missing.clone(), vec![]))
            .await,
        Err(Error::NotFound { .. })
    ));
    // Invisible posts show no revisions.
    let g = post(2, "ann", Visibility::group("g"));
    s.insert_post(&g, &[]).await.unwrap();
    let edit = PostEdit {
        id: g.id,
        ..missing
    };
    s.update_post(&tenant(), &PostUpdate::text(edit, vec![]))
        .await
        .unwrap();
    assert!(s.revisions(&a, &g.id).await.unwrap().is_empty());
}

#[tokio::test]
async fn feed_candidates_follow_the_query() {
    let s = MemoryStore::new();
    let old = post(1, "friend", Visibility::Organization);
    let f1 = post(10, "friend", Visibility::Organization);
    let f2 = tagged(post(11, "friend", Visibility::Organization), "rust");
    let g_in = post(12, "x", Visibility::group("mine"));
    let g_out = post(13, "x", Visibility::group("other"));
    let t1 = tagged(post(14, "y", Visibility::Organization), "rust");
    let m1 = mentioning(post(15, "z", Visibility::Organization), "me");
    let pop = post(16, "w", Visibility::Organization);
    let dull = post(17, "w", Visibility::Organization);
    let dm = post(18, "w", Visibility::direct(["q".into()]));
    let mut ann = post(19, "admin", Visibility::Organization);
    ann.announcement = true;
    ann.pinned_until = Some(t0() + Duration::days(10));
    let late = post(30, "friend", Visibility::Organization);
    let r = reply(20, "friend", &pop);
    let all = [
        &old, &f1, &f2, &g_in, &g_out, &t1, &m1, &pop, &dull, &dm, &ann, &r, &late,
    ];
    s.insert_posts(&all.map(|p| (*p).clone())).await.unwrap();
    for who in ["a", "b"] {
        let like = Reaction {
            post: dm.id,
            person: who.into(),
            kind: ReactionKind::Like,
            at: t0(),
        };
        s.add_reaction(&tenant(), &like, None).await.unwrap();
    }
    let me = access("me", &["mine"]);
    let q = CandidateQuery {
        authors: vec!["friend".into()],
        groups: vec!["mine".into(), "other".into()],
        hashtags: vec![hashtag_key("rust")],
        mentioning_viewer: true,
        since: t0() + Duration::minutes(5),
        max_id: PostId::from_parts(t0() + Duration::minutes(25), 0),
        per_source: 10,
        popular: 1,
        now: t0() + Duration::days(1),
    };
    let c = s.feed_candidates(&me, &q).await.unwrap();
    let got: Vec<PostId> = c.iter().map(|c| c.view.post.id).collect();
    // Newest first, no replies, nothing before `since` or after `max_id`, nothing invisible.
    assert_eq!(
        got,
        vec![ann.id, pop.id, m1.id, t1.id, g_in.id, f2.id, f1.id]
    );
    let f2c = &c[got.iter().position(|id| *id == f2.id).unwrap()];
    assert!(f2c.sources.followed_author && f2c.sources.hashtag && !f2c.sources.group);
    assert!(c[0].sources.pinned);
    assert!(
        c[1].sources.popular,
        "the replied-to post is the most engaged visible one"
    );

    // per_source bounds each kind.
    let c = s
        .feed_candidates(
            &me,
            &CandidateQuery {
                per_source: 1,
                popular: 0,
                ..q.clone()
            },
        )
        .await
        .unwrap();
    let authors: Vec<_> = c.iter().filter(|c| c.sources.followed_author).collect();
    assert_eq!(authors.len(), 1);
    assert_eq!(authors[0].view.post.id, f2.id);
    // The pin expired: gone.
    let c = s
        .feed_candidates(
            &me,
            &CandidateQuery {
                now: t0() + Duration::days(11),
                ..q
            },
        )
        .await
        .unwrap();
    assert!(c.iter().all(|c| !c.sources.pinned));
}

#[tokio::test]
async fn tag_activity_and_suggestions_count_visible_posts_only() {
    let s = MemoryStore::new();
    let posts = [
        tagged(post(1, "a", Visibility::Organization), "Café"),
        tagged(post(2, "b", Visibility::Organization), "café"),
        tagged(post(3, "a", Visibility::Organization), "CAFÉ"),
        tagged(post(4, "c", Visibility::group("secret")), "cafésecret"),
        tagged(post(5, "c", Visibility::direct(["d".into()])), "cafédm"),
        tagged(post(90, "c", Visibility::Organization), "café"),
    ];
    s.insert_posts(&posts).await.unwrap();
    let outsider = access("x", &[]);
    let hour = s.tag_activity(&outsider, t0(), 3600).await.unwrap();
    let keys: Vec<(&str, u32)> = hour.iter().map(|b| (b.key.as_str(), b.authors)).collect();
    assert_eq!(keys, vec![("café", 2), ("café", 1)]);
    assert_eq!(hour[0].display, "CAFÉ");
    let member = access("m", &["secret"]);
    assert_eq!(s.tag_activity(&member, t0(), 3600).await.unwrap().len(), 3);
    assert!(matches!(
        s.tag_activity(&member, t0(), 0).await,
        Err(Error::Invalid { .. })
    ));

    let names = |v: Vec<crate::store::TagSuggestion>| {
        v.into_iter()
            .map(|t| (t.key.as_str().to_owned(), t.posts))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        names(s.suggest_tags(&outsider, "caf", 10).await.unwrap()),
        vec![("café".into(), 4)]
    );
    assert_eq!(
        names(s.suggest_tags(&member, "caf", 10).await.unwrap()),
        vec![("café".into(), 4), ("cafésecret".into(), 1)]
    );
    let d = access("d", &[]);
    assert_eq!(
        names(s.suggest_tags(&d, "cafed", 10).await.unwrap()),
        vec![]
    );
    assert_eq!(
        names(s.suggest_tags(&d, "caféd", 10).await.unwrap()),
        vec![("cafédm".into(), 1)]
    );
    // The author of a group post sees their own tag even outside the group.
    assert_eq!(
        s.suggest_tags(&access("c", &[]), "cafés", 10)
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(s.suggest_tags(&member, "caf", 1).await.unwrap().len(), 1);
}

#[tokio::test]
async fn follows_and_mutes_page_in_stable_order() {
    let s = MemoryStore::new();
    let me = PersonId::new("me");
    for p in ["c", "a", "b"] {
        assert!(
            s.follow(&tenant(), &me, &FollowTarget::Person(p.into()))
                .await
                .unwrap()
        );
    }
    assert!(
        !s.follow(&tenant(), &me, &FollowTarget::Person("a".into()))
            .await
            .unwrap()
    );
    s.follow(&tenant(), &me, &FollowTarget::Hashtag(hashtag_key("x")))
        .await
        .unwrap();
    let first = s
        .follows(&tenant(), &me, &PageRequest::first(2))
        .await
        .unwrap();
    assert_eq!(
        first.items,
        vec![
            FollowTarget::Person("a".into()),
            FollowTarget::Person("b".into())
        ]
    );
    let rest = s
        .follows(&tenant(), &me, &PageRequest::after(first.next.unwrap(), 2))
        .await
        .unwrap();
    assert_eq!(
        rest.items,
        vec![
            FollowTarget::Person("c".into()),
            FollowTarget::Hashtag(hashtag_key("x"))
        ]
    );
    assert!(rest.next.is_none());
    assert!(
        s.unfollow(&tenant(), &me, &FollowTarget::Person("a".into()))
            .await
            .unwrap()
    );
    assert!(
        !s.unfollow(&tenant(), &me, &FollowTarget::Person("a".into()))
            .await
            .unwrap()
    );
    assert!(
        s.mute(&tenant(), &me, &MuteTarget::Word("foo".into()))
            .await
            .unwrap()
    );
    assert_eq!(
        s.mutes(&tenant(), &me, &PageRequest::first(5))
            .await
            .unwrap()
            .items
            .len(),
        1
    );
    assert!(
        s.unmute(&tenant(), &me, &MuteTarget::Word("foo".into()))
            .await
            .unwrap()
    );
    // Other tenants are separate.
    assert!(
        s.follows(&"u".into(), &me, &PageRequest::first(5))
            .await
            .unwrap()
            .items
            .is_empty()
    );
}

#[tokio::test]
async fn change_log_is_strictly_increasing_across_tenants() {
    let s = MemoryStore::new();
    let mut other = post(2, "ann", Visibility::Organization);
    other.tenant = "u".into();
    s.insert_post(&post(1, "ann", Visibility::Organization), &[])
        .await
        .unwrap();
    s.insert_post(&other, &[]).await.unwrap();
    s.set_pinned(
        &tenant(),
        &post(1, "ann", Visibility::Organization).id,
        Some(t0()),
        t0(),
    )
    .await
    .unwrap();
    let log = s.changes(Seq(0), 10).await.unwrap();
    assert_eq!(
        log.iter().map(|c| c.seq.0).collect::<Vec<_>>(),
        vec![1, 2, 3]
    );
    assert_eq!(log[1].tenant, TenantId::new("u"));
    assert_eq!(log[2].kind, ChangeKind::Edited);
    assert_eq!(s.changes(Seq(1), 1).await.unwrap()[0].seq, Seq(2));
    assert_eq!(s.last_seq().await.unwrap(), Seq(3));
    // scan_posts walks tenants in order and resumes.
    let all = s.scan_posts(None, 10).await.unwrap();
    assert_eq!(
        all.iter().map(|p| p.tenant.as_str()).collect::<Vec<_>>(),
        ["t", "u"]
    );
    let rest = s
        .scan_posts(Some((all[0].tenant.clone(), all[0].id)), 10)
        .await
        .unwrap();
    assert_eq!(rest, vec![other]);
}

#[tokio::test]
async fn erasure_removes_everything_and_is_idempotent() {
    let s = MemoryStore::new();
    let mine = post(1, "eve", Visibility::Organization);
    let theirs = mentioning(post(2, "ann", Visibility::Organization), "eve");
    let my_reply = reply(3, "eve", &theirs);
    let their_reply = reply(4, "ann", &mine);
    s.insert_posts(&[
        mine.clone(),
        theirs.clone(),
        my_reply.clone(),
        their_reply.clone(),
    ])
    .await
    .unwrap();
    let t = tenant();
    s.insert_post(
        &mentioning(post(5, "ann", Visibility::Organization), "eve"),
        &[note(
            "eve",
            NotificationKind::Mention,
            PostId::from_parts(t0() + Duration::minutes(5), 5),
            "ann",
        )],
    )
    .await
    .unwrap();
    let like = Reaction {
        post: theirs.id,
        person: "eve".into(),
        kind: ReactionKind::Like,
        at: t0(),
    };
    s.add_reaction(
        &t,
        &like,
        Some(&note("ann", NotificationKind::Reaction, theirs.id, "eve")),
    )
    .await
    .unwrap();
    s.follow(&t, &"eve".into(), &FollowTarget::Person("ann".into()))
        .await
        .unwrap();
    s.follow(&t, &"ann".into(), &FollowTarget::Person("eve".into()))
        .await
        .unwrap();
    s.mute(&t, &"bob".into(), &MuteTarget::Person("eve".into()))
        .await
        .unwrap();
    s.mark_posts_seen(&t, &"eve".into(), &[theirs.id])
        .await
        .unwrap();

    let before = s.export_person(&t, &"eve".into()).await.unwrap();
    assert_eq!(
        (
            before.posts.len(),
            before.reactions.len(),
            before.follows.len()
        ),
        (2, 1, 1)
    );
    assert_eq!((before.notifications.len(), before.seen.len()), (1, 1));

    let report = s.erase_person(&t, &"eve".into(), t0()).await.unwrap();
    assert_eq!(report.posts, 2);
    assert_eq!(report.reactions, 1);
    assert_eq!(report.follows_and_mutes, 3);
    assert_eq!(
        report.notifications, 2,
        "her inbox item and the reaction only she caused"
    );
    assert_eq!(report.mentions, 2);
    let log = s.changes(Seq(0), 100).await.unwrap();
    let kinds = |id: PostId| {
        log.iter()
            .filter(|c| c.post == id)
            .map(|c| c.kind)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        kinds(mine.id),
        vec![ChangeKind::Created, ChangeKind::Erased]
    );
    assert_eq!(
        kinds(their_reply.id),
        vec![ChangeKind::Created, ChangeKind::Deleted]
    );
    assert_eq!(
        kinds(theirs.id),
        vec![ChangeKind::Created, ChangeKind::Edited]
    );
    assert_eq!(report.last_seq, Some(log.last().unwrap().seq));

    let ann = access("ann", &[]);
    let v = s.get_post(&ann, &theirs.id).await.unwrap().unwrap();
    assert!(v.post.mentions.is_empty());
    assert_eq!((v.stats.total_reactions(), v.stats.replies), (0, 0));
    assert!(
        s.notifications(&t, &"ann".into(), &PageRequest::first(10))
            .await
            .unwrap()
            .items
            .is_empty()
    );
    assert!(
        s.follows(&t, &"ann".into(), &PageRequest::first(10))
            .await
            .unwrap()
            .items
            .is_empty()
    );
    assert!(
        s.mutes(&t, &"bob".into(), &PageRequest::first(10))
            .await
            .unwrap()
            .items
            .is_empty()
    );
    assert!(
        s.interactions(&t, &"ann".into(), 10)
            .await
            .unwrap()
            .is_empty()
    );
    let after = s.export_person(&t, &"eve".into()).await.unwrap();
    assert_eq!(after, Default::default());
    let again = s.erase_person(&t, &"eve".into(), t0()).await.unwrap();
    assert!(again.is_empty());
    assert_eq!(again.last_seq, None);
}

//! Behaviour of the service over the memory store and directory: publishing, replies,
//! edits, deletes, reactions, follows, mutes, pins, threads, notifications, erasure and
//! export; visibility on every read; tenant isolation; typed errors that change nothing.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use watercooler_core::watercooler_text::{TextError, hashtag_key};
use watercooler_core::*;

const T: &str = "acme";
const U: &str = "beta";

fn start() -> DateTime<Utc> {
    DateTime::from_timestamp(1_360_000_000, 0).unwrap()
}

struct World {
    wc: Watercooler,
    dir: Arc<MemoryDirectory>,
    store: Arc<MemoryStore>,
    clock: Arc<ManualClock>,
}

/// Two tenants with the same person ids, handles, group ids and names: ann, bob, carl,
/// dave (admin) and eve; group `g` (private: ann, bob) and `open` (public: carl).
fn world() -> World {
    let dir = Arc::new(MemoryDirectory::new());
    for tenant in [T, U] {
        let t = TenantId::new(tenant);
        for (id, name) in [
            ("ann", "Ann"),
            ("bob", "Bob"),
            ("carl", "Carl"),
            ("dave", "Dave"),
            ("eve", "Eve"),
        ] {
            let mut p = Person::new(id, id, format!("{name} of {tenant}"));
            p.admin = id == "dave";
            dir.add_person(&t, p).unwrap();
        }
        for (g, private) in [("g", true), ("open", false)] {
            let group = Group {
                id: g.into(),
                name: g.into(),
                kind: GroupKind::Community,
                private,
            };
            dir.add_group(&t, group).unwrap();
        }
        for (g, p) in [("g", "ann"), ("g", "bob"), ("open", "carl")] {
            dir.add_member(&t, &g.into(), &p.into()).unwrap();
        }
    }
    let store = Arc::new(MemoryStore::new());
    let clock = Arc::new(ManualClock::new(start()));
    let wc = Watercooler::builder(store.clone(), dir.clone())
        .clock(clock.clone())
        .id_salt(1)
        .build();
    World {
        wc,
        dir,
        store,
        clock,
    }
}

fn v(person: &str) -> Viewer {
    Viewer::new(T, person)
}

async fn inbox(w: &World, viewer: &Viewer) -> Vec<Notification> {
    w.wc.notifications(viewer, &PageRequest::first(50))
        .await
        .unwrap()
        .items
}

fn is_not_found<T: std::fmt::Debug>(r: Result<T>) -> bool {
    matches!(r, Err(Error::NotFound { .. }))
}

fn is_forbidden<T: std::fmt::Debug>(r: Result<T>) -> bool {
    matches!(r, Err(Error::Forbidden { .. }))
}

fn is_invalid<T: std::fmt::Debug>(r: Result<T>) -> bool {
    matches!(r, Err(Error::Invalid { .. }))
}

#[tokio::test]
async fn publish_normalises_extracts_resolves_and_notifies() {
    let w = world();
    // "Cafe" + combining acute: stored as NFC.
    let text = "Hoi @Bob en @carl, zie #Cafe\u{301} op https://intranet.example.com/x @ann @nobody";
    let post =
        w.wc.publish(&v("ann"), NewPost::new(text).language(Language::dutch()))
            .await
            .unwrap();
    assert!(post.text.contains("#Café"));
    assert_eq!(post.language, Language::dutch());
    assert_eq!(post.hashtags.len(), 1);
    assert_eq!(post.hashtags[0].key, hashtag_key("café"));
    assert_eq!(&post.text[post.hashtags[0].range.clone()], "#Café");
    let mentioned: Vec<&str> = post.mentions.iter().map(|m| m.person.as_str()).collect();
    assert_eq!(
        mentioned,
        ["bob", "carl", "ann"],
        "unknown handles stay plain text"
    );
    assert_eq!(post.mentions[0].handle, "Bob");
    assert_eq!(post.urls.len(), 1);

    for who in ["bob", "carl"] {
        let n = inbox(&w, &v(who)).await;
        assert_eq!(n.len(), 1);
        assert_eq!(
            (n[0].kind, n[0].post, n[0].actors.clone()),
            (NotificationKind::Mention, post.id, vec!["ann".into()])
        );
    }
    assert!(
        inbox(&w, &v("ann")).await.is_empty(),
        "no notification about yourself"
    );
    let read = w.wc.post(&v("eve"), &post.id).await.unwrap();
    assert_eq!(read.post, post);
    let changes = w.store.changes(Seq(0), 10).await.unwrap();
    assert_eq!(changes.len(), 1);
    assert_eq!(
        (changes[0].post, changes[0].kind),
        (post.id, ChangeKind::Created)
    );
}

#[tokio::test]
async fn a_mention_never_grants_access() {
    let w = world();
    let group_post =
        w.wc.publish(
            &v("ann"),
            NewPost::new("@bob @carl @eve private plans").in_group("g"),
        )
        .await
        .unwrap();
    assert_eq!(
        group_post
            .mentions
            .iter()
            .map(|m| m.person.as_str())
            .collect::<Vec<_>>(),
        ["bob"]
    );
    let direct =
        w.wc.publish(
            &v("ann"),
            NewPost::new("@bob @carl just us").direct_to(["bob".into()]),
        )
        .await
        .unwrap();
    assert_eq!(direct.mentions.len(), 1);
    assert_eq!(inbox(&w, &v("bob")).await.len(), 2);
    for outsider in ["carl", "eve"] {
        assert!(inbox(&w, &v(outsider)).await.is_empty());
        assert!(is_not_found(w.wc.post(&v(outsider), &group_post.id).await));
        assert!(is_not_found(w.wc.post(&v(outsider), &direct.id).await));
        assert!(is_not_found(
            w.wc.thread(&v(outsider), &direct.id, &PageRequest::first(5))
                .await
        ));
        assert!(is_not_found(
            w.wc.reply(&v(outsider), &group_post.id, "let me in").await
        ));
        assert!(is_not_found(
            w.wc.react(&v(outsider), &group_post.id, ReactionKind::Like)
                .await
        ));
        assert!(is_not_found(
            w.wc.revisions(&v(outsider), &group_post.id).await
        ));
        assert!(is_not_found(
            w.wc.reactions(&v(outsider), &direct.id, &PageRequest::first(5))
                .await
        ));
    }
    // An admin reads no more than anyone else.
    assert!(is_not_found(w.wc.post(&v("dave"), &group_post.id).await));
    assert!(is_not_found(w.wc.delete(&v("dave"), &direct.id).await));
}

#[tokio::test]
async fn invalid_input_is_typed_and_changes_nothing() {
    let w = world();
    let before = w.store.last_seq().await.unwrap();
    let huge = "a".repeat(1 << 20);
    for text in ["", "   \n ", "a\0b", huge.as_str()] {
        let err =
            w.wc.publish(&v("ann"), NewPost::new(text))
                .await
                .unwrap_err();
        assert!(
            matches!(err, Error::Invalid { field: "text", .. }),
            "{err:?}"
        );
        assert!(err.text_error().is_some());
    }
    let err =
        w.wc.publish(&v("ann"), NewPost::new(huge.as_str()))
            .await
            .unwrap_err();
    assert!(matches!(
        err.text_error(),
        Some(TextError::TooManyBytes { .. })
    ));

    assert!(is_forbidden(
        w.wc.publish(&v("carl"), NewPost::new("hi").in_group("g"))
            .await
    ));
    assert!(is_not_found(
        w.wc.publish(&v("ann"), NewPost::new("hi").in_group("nope"))
            .await
    ));
    assert!(is_invalid(
        w.wc.publish(&v("ann"), NewPost::new("hi").direct_to(["zed".into()]))
            .await
    ));
    assert!(is_invalid(
        w.wc.publish(&v("ann"), NewPost::new("hi").direct_to([]))
            .await
    ));
    assert!(is_forbidden(
        w.wc.publish(&v("ann"), NewPost::new("hi").announcement())
            .await
    ));
    assert!(is_forbidden(
        w.wc.publish(&Viewer::new(T, "stranger"), NewPost::new("hi"))
            .await
    ));
    assert!(is_forbidden(
        w.wc.publish(&Viewer::new("nowhere", "ann"), NewPost::new("hi"))
            .await
    ));
    let p = PageRequest::first(0);
    assert!(is_invalid(w.wc.notifications(&v("ann"), &p).await));
    assert!(is_invalid(w.wc.follows(&v("ann"), &p).await));
    assert!(is_invalid(
        w.wc.mark_seen(&v("ann"), &vec![PostId::MIN; 201]).await
    ));
    let bad_cursor = PageRequest::after(Cursor::new("garbage"), 5);
    assert!(is_invalid(w.wc.notifications(&v("ann"), &bad_cursor).await));
    assert!(is_invalid(w.wc.mutes(&v("ann"), &bad_cursor).await));

    assert_eq!(w.store.last_seq().await.unwrap(), before);
    assert!(inbox(&w, &v("bob")).await.is_empty());
}

#[tokio::test]
async fn replies_build_threads_and_notify_the_parent_author() {
    let w = world();
    let root =
        w.wc.publish(&v("ann"), NewPost::new("Lunch?").in_group("g"))
            .await
            .unwrap();
    w.clock.advance(Duration::seconds(1));
    let r1 =
        w.wc.reply(&v("bob"), &root.id, "Yes! @ann @carl")
            .await
            .unwrap();
    w.clock.advance(Duration::seconds(1));
    let r2 = w.wc.reply(&v("ann"), &r1.id, "Great").await.unwrap();
    assert_eq!(r1.visibility, root.visibility);
    assert_eq!(
        (r1.thread_root, r1.reply_to),
        (Some(root.id), Some(root.id))
    );
    assert_eq!((r2.thread_root, r2.reply_to), (Some(root.id), Some(r1.id)));
    assert_eq!(
        r1.mentions
            .iter()
            .map(|m| m.person.as_str())
            .collect::<Vec<_>>(),
        ["ann"]
    );

    let ann = inbox(&w, &v("ann")).await;
    let kinds: Vec<NotificationKind> = ann.iter().map(|n| n.kind).collect();
    assert_eq!(kinds.len(), 2);
    assert!(kinds.contains(&NotificationKind::Reply) && kinds.contains(&NotificationKind::Mention));
    let bob = inbox(&w, &v("bob")).await;
    assert_eq!(bob.len(), 1);
    assert_eq!((bob[0].kind, bob[0].post), (NotificationKind::Reply, r1.id));

    let thread =
        w.wc.thread(&v("bob"), &r2.id, &PageRequest::first(1))
            .await
            .unwrap();
    assert_eq!(thread.root.post.id, root.id);
    assert_eq!(thread.root.stats.replies, 2);
    assert_eq!(thread.replies.items[0].post.id, r1.id);
    let rest =
        w.wc.thread(
            &v("bob"),
            &root.id,
            &PageRequest::after(thread.replies.next.unwrap(), 5),
        )
        .await
        .unwrap();
    assert_eq!(
        rest.replies
            .items
            .iter()
            .map(|p| p.post.id)
            .collect::<Vec<_>>(),
        vec![r2.id]
    );
    assert!(is_not_found(
        w.wc.thread(&v("carl"), &root.id, &PageRequest::first(5))
            .await
    ));
}

#[tokio::test]
async fn edits_are_own_only_keep_revisions_and_notify_new_mentions_once() {
    let w = world();
    let p =
        w.wc.publish(&v("ann"), NewPost::new("Hello @bob #old"))
            .await
            .unwrap();
    w.clock.advance(Duration::minutes(1));
    let edited =
        w.wc.edit(&v("ann"), &p.id, "Hello @bob and @carl #new")
            .await
            .unwrap();
    assert_eq!(edited.edited_at, Some(w.clock.now()));
    assert_eq!(edited.hashtags[0].key, hashtag_key("new"));
    assert_eq!(w.wc.post(&v("eve"), &p.id).await.unwrap().post, edited);
    assert_eq!(
        inbox(&w, &v("bob")).await.len(),
        1,
        "bob was already mentioned"
    );
    assert_eq!(inbox(&w, &v("carl")).await.len(), 1);
    let revs = w.wc.revisions(&v("eve"), &p.id).await.unwrap();
    assert_eq!(revs.len(), 1);
    assert_eq!(revs[0].text, "Hello @bob #old");
    // An unchanged text makes no revision.
    w.wc.edit(&v("ann"), &p.id, "Hello @bob and @carl #new")
        .await
        .unwrap();
    assert_eq!(w.wc.revisions(&v("ann"), &p.id).await.unwrap().len(), 1);

    let before = w.store.last_seq().await.unwrap();
    assert!(is_forbidden(w.wc.edit(&v("bob"), &p.id, "mine now").await));
    assert!(is_forbidden(
        w.wc.edit(&v("dave"), &p.id, "admins neither").await
    ));
    assert!(is_invalid(w.wc.edit(&v("ann"), &p.id, "").await));
    let secret =
        w.wc.publish(&v("ann"), NewPost::new("secret").in_group("g"))
            .await
            .unwrap();
    assert!(is_not_found(w.wc.edit(&v("carl"), &secret.id, "x").await));
    assert!(is_not_found(w.wc.edit(&v("ann"), &PostId::MAX, "x").await));
    assert_eq!(
        w.store.last_seq().await.unwrap().0,
        before.0 + 1,
        "only the group post was written"
    );
}

#[tokio::test]
async fn deletes_by_author_or_admin_take_the_thread() {
    let w = world();
    let p =
        w.wc.publish(&v("ann"), NewPost::new("to go"))
            .await
            .unwrap();
    let r = w.wc.reply(&v("bob"), &p.id, "reply").await.unwrap();
    assert!(is_forbidden(w.wc.delete(&v("bob"), &p.id).await));
    w.wc.delete(&v("ann"), &p.id).await.unwrap();
    assert!(is_not_found(w.wc.post(&v("bob"), &r.id).await));
    assert!(
        inbox(&w, &v("ann")).await.is_empty(),
        "the reply notification went with the post"
    );
    assert!(is_not_found(w.wc.delete(&v("ann"), &p.id).await));
    let q =
        w.wc.publish(&v("bob"), NewPost::new("moderated"))
            .await
            .unwrap();
    w.wc.delete(&v("dave"), &q.id).await.unwrap();
    assert!(is_not_found(w.wc.post(&v("bob"), &q.id).await));
}

#[tokio::test]
async fn announcements_are_pinned_by_admins_only() {
    let w = world();
    let a =
        w.wc.publish(&v("dave"), NewPost::new("Townhall at 3").announcement())
            .await
            .unwrap();
    let plain =
        w.wc.publish(&v("dave"), NewPost::new("plain"))
            .await
            .unwrap();
    let until = start() + Duration::days(2);
    assert!(is_forbidden(w.wc.pin(&v("ann"), &a.id, until).await));
    assert!(is_invalid(w.wc.pin(&v("dave"), &plain.id, until).await));
    assert!(is_invalid(
        w.wc.pin(&v("dave"), &a.id, start() - Duration::days(1))
            .await
    ));
    w.wc.pin(&v("dave"), &a.id, until).await.unwrap();
    let read = w.wc.post(&v("eve"), &a.id).await.unwrap().post;
    assert_eq!(read.pinned_until, Some(until));
    assert!(read.is_pinned_at(w.clock.now()));
    assert!(is_forbidden(w.wc.unpin(&v("ann"), &a.id).await));
    w.wc.unpin(&v("dave"), &a.id).await.unwrap();
    assert_eq!(
        w.wc.post(&v("eve"), &a.id).await.unwrap().post.pinned_until,
        None
    );
}

#[tokio::test]
async fn reactions_aggregate_into_one_notification() {
    let w = world();
    let p =
        w.wc.publish(&v("ann"), NewPost::new("Party!"))
            .await
            .unwrap();
    assert!(
        w.wc.react(&v("bob"), &p.id, ReactionKind::Celebrate)
            .await
            .unwrap()
    );
    assert!(
        !w.wc
            .react(&v("bob"), &p.id, ReactionKind::Celebrate)
            .await
            .unwrap()
    );
    w.clock.advance(Duration::seconds(5));
    assert!(
        w.wc.react(&v("carl"), &p.id, ReactionKind::Like)
            .await
            .unwrap()
    );
    assert!(
        w.wc.react(&v("ann"), &p.id, ReactionKind::Like)
            .await
            .unwrap()
    );
    let n = inbox(&w, &v("ann")).await;
    assert_eq!(n.len(), 1);
    assert_eq!(
        n[0].actors,
        vec![PersonId::new("carl"), PersonId::new("bob")]
    );
    assert_eq!(n[0].updated_at, w.clock.now());
    let view = w.wc.post(&v("eve"), &p.id).await.unwrap();
    assert_eq!(view.stats.total_reactions(), 3);
    let list =
        w.wc.reactions(&v("eve"), &p.id, &PageRequest::first(10))
            .await
            .unwrap();
    assert_eq!(list.items.len(), 3);
    assert!(
        w.wc.unreact(&v("carl"), &p.id, ReactionKind::Like)
            .await
            .unwrap()
    );
    assert!(
        !w.wc
            .unreact(&v("carl"), &p.id, ReactionKind::Like)
            .await
            .unwrap()
    );
    assert_eq!(
        inbox(&w, &v("ann")).await[0].actors,
        vec![PersonId::new("bob")]
    );
    assert_eq!(
        w.wc.mark_notifications_seen(&v("ann"), u64::MAX)
            .await
            .unwrap(),
        1
    );
    assert!(inbox(&w, &v("ann")).await[0].seen);
}

#[tokio::test]
async fn follows_and_mutes_are_checked_and_normalised() {
    let w = world();
    let me = v("carl");
    assert!(
        w.wc.follow(&me, FollowTarget::Person("ann".into()))
            .await
            .unwrap()
    );
    assert!(
        !w.wc
            .follow(&me, FollowTarget::Person("ann".into()))
            .await
            .unwrap()
    );
    assert!(
        w.wc.follow(&me, FollowTarget::Hashtag(hashtag_key("#Koffie")))
            .await
            .unwrap()
    );
    assert!(
        w.wc.follow(&me, FollowTarget::Group("open".into()))
            .await
            .unwrap()
    );
    assert!(is_invalid(
        w.wc.follow(&me, FollowTarget::Person("carl".into())).await
    ));
    assert!(is_not_found(
        w.wc.follow(&me, FollowTarget::Person("zed".into())).await
    ));
    assert!(
        is_not_found(w.wc.follow(&me, FollowTarget::Group("g".into())).await),
        "private, not a member"
    );
    assert!(is_not_found(
        w.wc.follow(&me, FollowTarget::Group("nope".into())).await
    ));
    assert!(is_invalid(
        w.wc.follow(&me, FollowTarget::Hashtag(hashtag_key("#")))
            .await
    ));
    let follows = w.wc.follows(&me, &PageRequest::first(10)).await.unwrap();
    assert_eq!(follows.items.len(), 3);
    assert!(
        w.wc.unfollow(&me, &FollowTarget::Person("ann".into()))
            .await
            .unwrap()
    );

    assert!(
        w.wc.mute(&me, MuteTarget::Word("Koffie".into()))
            .await
            .unwrap()
    );
    assert!(
        !w.wc
            .mute(&me, MuteTarget::Word("KOFFIE ".into()))
            .await
            .unwrap()
    );
    assert!(is_invalid(
        w.wc.mute(&me, MuteTarget::Word("two words".into())).await
    ));
    assert!(is_invalid(
        w.wc.mute(&me, MuteTarget::Word(" ".into())).await
    ));
    assert!(is_invalid(
        w.wc.mute(&me, MuteTarget::Person("carl".into())).await
    ));
    assert!(
        w.wc.mute(&me, MuteTarget::Person("bob".into()))
            .await
            .unwrap()
    );
    let mutes =
        w.wc.mutes(&me, &PageRequest::first(10))
            .await
            .unwrap()
            .items;
    assert_eq!(
        mutes,
        vec![
            MuteTarget::Person("bob".into()),
            MuteTarget::Word("koffie".into())
        ]
    );
    assert!(
        w.wc.unmute(&me, &MuteTarget::Word("kOffie".into()))
            .await
            .unwrap()
    );
}

fn is_invalid_tag<T: std::fmt::Debug>(r: Result<T>) -> bool {
    matches!(r, Err(Error::Invalid { field: "tag", .. }))
}

#[tokio::test]
async fn follows_and_mutes_refuse_keys_no_hashtag_has() {
    let w = world();
    let me = v("carl");
    for bad in ["hello world", ".abc", "#a#b", "2024", "", "#"] {
        let key = hashtag_key(bad);
        assert!(
            is_invalid_tag(w.wc.follow(&me, FollowTarget::Hashtag(key.clone())).await),
            "follow {bad:?}"
        );
        assert!(
            is_invalid_tag(w.wc.mute(&me, MuteTarget::Hashtag(key)).await),
            "mute {bad:?}"
        );
    }
    let long = hashtag_key(&"a".repeat(watercooler_text::MAX_KEY_BYTES + 1));
    assert!(is_invalid_tag(
        w.wc.follow(&me, FollowTarget::Hashtag(long)).await
    ));
    // Names made into keys by parse_hashtag, and keys of real tags, are fine.
    let koffie = watercooler_text::parse_hashtag("＃Koffie").unwrap();
    assert_eq!(koffie, hashtag_key("koffie"));
    assert!(
        w.wc.follow(&me, FollowTarget::Hashtag(koffie.clone()))
            .await
            .unwrap()
    );
    assert!(
        w.wc.follow(&me, FollowTarget::Hashtag(hashtag_key("#ゆる～い")))
            .await
            .unwrap()
    );
    assert!(w.wc.mute(&me, MuteTarget::Hashtag(koffie)).await.unwrap());
    // Nothing was stored for the refused ones, and unmuting takes any key.
    assert_eq!(
        w.wc.follows(&me, &PageRequest::first(10))
            .await
            .unwrap()
            .items
            .len(),
        2
    );
    assert!(
        !w.wc
            .unmute(&me, &MuteTarget::Hashtag(hashtag_key("hello world")))
            .await
            .unwrap()
    );
}

#[tokio::test]
async fn notifications_about_posts_no_longer_visible_are_hidden_and_pages_stay_full() {
    let w = world();
    let mut visible_ids = Vec::new();
    for i in 0..6 {
        let group =
            w.wc.publish(
                &v("ann"),
                NewPost::new(format!("@bob group {i}")).in_group("g"),
            )
            .await
            .unwrap();
        let org =
            w.wc.publish(&v("ann"), NewPost::new(format!("@bob org {i}")))
                .await
                .unwrap();
        let _ = group;
        visible_ids.push(org.id);
    }
    assert_eq!(inbox(&w, &v("bob")).await.len(), 12);
    w.dir
        .remove_member(&T.into(), &"g".into(), &"bob".into())
        .unwrap();
    let mut seen = Vec::new();
    let mut req = PageRequest::first(4);
    loop {
        let page = w.wc.notifications(&v("bob"), &req).await.unwrap();
        if page.next.is_some() {
            assert_eq!(page.items.len(), 4);
        }
        seen.extend(page.items.iter().map(|n| n.post));
        match page.next {
            Some(c) => req = PageRequest::after(c, 4),
            None => break,
        }
    }
    visible_ids.reverse();
    assert_eq!(seen, visible_ids);
}

#[tokio::test]
async fn tenants_with_identical_ids_handles_and_tags_are_isolated() {
    let w = world();
    let a =
        w.wc.publish(&Viewer::new(T, "ann"), NewPost::new("@bob #shared in acme"))
            .await
            .unwrap();
    let b =
        w.wc.publish(
            &Viewer::new(U, "ann"),
            NewPost::new("#shared in beta").in_group("g"),
        )
        .await
        .unwrap();
    assert_eq!(a.mentions[0].person, PersonId::new("bob"));
    assert_eq!(inbox(&w, &Viewer::new(T, "bob")).await.len(), 1);
    assert!(inbox(&w, &Viewer::new(U, "bob")).await.is_empty());
    assert!(is_not_found(w.wc.post(&Viewer::new(U, "ann"), &a.id).await));
    assert!(is_not_found(w.wc.post(&Viewer::new(T, "bob"), &b.id).await));
    assert!(is_not_found(
        w.wc.react(&Viewer::new(U, "bob"), &a.id, ReactionKind::Like)
            .await
    ));
    assert!(is_not_found(
        w.wc.delete(&Viewer::new(U, "ann"), &a.id).await
    ));
    let access = w.wc.access(&Viewer::new(U, "carl")).await.unwrap();
    assert!(
        w.store
            .suggest_tags(&access, "sha", 10)
            .await
            .unwrap()
            .is_empty()
    );
    let access = w.wc.access(&Viewer::new(T, "carl")).await.unwrap();
    assert_eq!(
        w.store.suggest_tags(&access, "sha", 10).await.unwrap()[0].posts,
        1
    );
    // Beta's admin erases beta's ann; acme's ann is another person.
    let beta = w.wc.admin(&Viewer::new(U, "dave")).await.unwrap();
    let erased = beta.erase_person(&"ann".into()).await.unwrap();
    assert_eq!(erased.posts, 1);
    assert!(w.wc.post(&Viewer::new(T, "bob"), &a.id).await.is_ok());
}

#[tokio::test]
async fn erase_and_export_cover_everything_and_erase_is_idempotent() {
    let w = world();
    let eve = v("eve");
    let own =
        w.wc.publish(&eve, NewPost::new("mine #gdpr"))
            .await
            .unwrap();
    let other =
        w.wc.publish(&v("ann"), NewPost::new("hi @eve"))
            .await
            .unwrap();
    w.clock.advance(Duration::hours(1));
    w.wc.edit(&eve, &own.id, "mine, edited #gdpr")
        .await
        .unwrap();
    w.wc.reply(&eve, &other.id, "thanks").await.unwrap();
    w.wc.react(&eve, &other.id, ReactionKind::Like)
        .await
        .unwrap();
    w.wc.follow(&eve, FollowTarget::Person("ann".into()))
        .await
        .unwrap();
    w.wc.mute(&eve, MuteTarget::Word("spam".into()))
        .await
        .unwrap();
    w.wc.mark_seen(&eve, &[other.id]).await.unwrap();

    let admin = w.wc.admin(&v("dave")).await.unwrap();
    let export = admin.export_person(&"eve".into()).await.unwrap();
    assert_eq!(
        export.profile.as_ref().map(|p| p.handle.as_str()),
        Some("eve")
    );
    assert_eq!(export.data.posts.len(), 2);
    assert_eq!(export.data.revisions.len(), 1);
    assert_eq!(
        (
            export.data.reactions.len(),
            export.data.follows.len(),
            export.data.mutes.len()
        ),
        (1, 1, 1)
    );
    assert_eq!(
        (export.data.notifications.len(), export.data.seen.clone()),
        (1, vec![other.id])
    );
    let json = serde_json::to_string(&export).unwrap();
    assert!(json.contains("mine, edited #gdpr") && json.contains("\"seen\""));

    let report = admin.erase_person(&"eve".into()).await.unwrap();
    assert_eq!(
        (report.posts, report.reactions, report.follows_and_mutes),
        (2, 1, 2)
    );
    assert_eq!(report.mentions, 1);
    assert!(
        report.notifications >= 2,
        "her mention, and ann's reply and reaction notifications"
    );
    let after = admin.export_person(&"eve".into()).await.unwrap();
    assert_eq!(after.data, watercooler_core::store::PersonData::default());
    let other_now = w.wc.post(&v("ann"), &other.id).await.unwrap();
    assert!(other_now.post.mentions.is_empty());
    assert_eq!(
        other_now.post.text, "hi @eve",
        "the text is the author's; only the link goes"
    );
    assert_eq!(
        (other_now.stats.replies, other_now.stats.total_reactions()),
        (0, 0)
    );
    assert!(inbox(&w, &v("ann")).await.is_empty());
    assert!(admin.erase_person(&"eve".into()).await.unwrap().is_empty());
}

#[tokio::test]
async fn import_keeps_time_and_ids_and_resolves_like_publish() {
    let w = world();
    let at = start() - Duration::days(30);
    let id = PostId::from_parts(at, 1);
    let root = ImportedPost {
        id,
        author: "ann".into(),
        created_at: at,
        post: NewPost::new("old @bob @carl").in_group("g"),
        parent: None,
    };
    let (post, notes) = w.wc.prepare_import(&T.into(), root.clone()).await.unwrap();
    assert_eq!((post.id, post.created_at), (id, at));
    assert_eq!(post.mentions.len(), 1, "carl is not in the group");
    assert_eq!(notes.len(), 1);
    let admin = w.wc.admin(&v("dave")).await.unwrap();
    let stored = admin.import(root).await.unwrap();
    let reply = ImportedPost {
        id: PostId::from_parts(at, 2),
        author: "bob".into(),
        created_at: at,
        post: NewPost::new("re"),
        parent: Some(ParentRef::of(&stored)),
    };
    let r = admin.import(reply).await.unwrap();
    assert_eq!(
        (r.visibility.clone(), r.thread_root),
        (stored.visibility.clone(), Some(stored.id))
    );
    assert_eq!(inbox(&w, &v("ann")).await[0].kind, NotificationKind::Reply);
    let unknown = ImportedPost {
        author: "zed".into(),
        id: PostId::from_parts(at, 3),
        ..r_import(at)
    };
    assert!(is_not_found(admin.import(unknown).await));
}

/// The company-wide calls are behind `Watercooler::admin`: anyone the directory does not
/// call an admin — a colleague, a stranger, an admin's id in another tenant, an admin whose
/// flag was withdrawn — gets `Forbidden` and no handle, so nothing is erased, exported or
/// imported.
#[tokio::test]
async fn only_admins_get_the_company_wide_calls_and_a_refusal_changes_nothing() {
    let w = world();
    let own = w.wc.publish(&v("eve"), NewPost::new("mine")).await.unwrap();
    let before = w.store.last_seq().await.unwrap();
    let dave = w.wc.admin(&v("dave")).await.unwrap();
    assert_eq!((dave.tenant(), dave.person()), (&T.into(), &"dave".into()));
    let eves = dave.export_person(&"eve".into()).await.unwrap();

    for (who, viewer) in [
        ("a colleague", v("eve")),
        ("someone the directory does not know", v("zed")),
        (
            "an admin's id in a tenant that does not know it",
            Viewer::new("gamma", "dave"),
        ),
    ] {
        assert!(is_forbidden(w.wc.admin(&viewer).await), "{who}");
    }
    let mut demoted = Person::new("dave", "dave", "Dave of acme");
    demoted.admin = false;
    w.dir.add_person(&T.into(), demoted).unwrap();
    assert!(
        is_forbidden(w.wc.admin(&v("dave")).await),
        "a withdrawn flag counts from the next handle"
    );

    assert_eq!(
        w.store.last_seq().await.unwrap(),
        before,
        "nothing was written"
    );
    // The handle made before the demotion still works (it is checked once, when made).
    assert_eq!(
        dave.export_person(&"eve".into()).await.unwrap().data,
        eves.data
    );
    assert!(w.wc.post(&v("eve"), &own.id).await.is_ok());
}

fn r_import(at: DateTime<Utc>) -> ImportedPost {
    ImportedPost {
        id: PostId::from_parts(at, 9),
        author: "ann".into(),
        created_at: at,
        post: NewPost::new("x"),
        parent: None,
    }
}

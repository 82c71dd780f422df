//! Posts: publish, read, edit (with revisions) and delete.

use std::sync::Arc;

use watercooler_core::store::{Order, PostFilter};
use watercooler_core::watercooler_text::hashtag_key;
use watercooler_core::{
    ChangeKind, Language, NewPost, NotificationKind, PageRequest, PersonId, PostId, ReactionKind,
    Revision, Store, Visibility,
};

use crate::check::{all_pages, hidden, ok, refused};
use crate::fixture::Fixture;
use crate::probe::assert_gone;
use crate::state::{Snapshot, assert_no_new_changes, last_seq, scan_tenant, tenant_changes};

/// Publishing stores the post as typed (in NFC) with its hashtags, resolved mentions and
/// URLs; every read returns exactly what was stored; the change log gets one `Created`
/// entry per post; a mentioned colleague is notified, an unknown handle is left as text.
pub async fn publish_then_read(store: Arc<dyn Store>) {
    let fx = Fixture::new(store, "publish").await;
    let s = &*fx.store;
    let before = last_seq(s).await;

    // "Cafe" + U+0301 must be stored composed.
    let typed = "Lunch at the #Cafe\u{301} with @bob and @nobody see https://example.com/menu";
    let p1 = fx.publish("alice", NewPost::new(typed)).await;
    let p2 = fx
        .publish(
            "alice",
            NewPost::new("Tweede bericht #koffie").language(Language::dutch()),
        )
        .await;

    assert_eq!(p1.tenant, fx.tenant, "publish: wrong tenant");
    assert_eq!(p1.author, PersonId::new("alice"), "publish: wrong author");
    assert_eq!(
        p1.text, "Lunch at the #Caf\u{e9} with @bob and @nobody see https://example.com/menu",
        "publish: the text must be stored in NFC"
    );
    assert_eq!(
        p1.created_at,
        fx.now() - chrono::Duration::seconds(1),
        "publish: created_at is not the clock's time"
    );
    assert_eq!(
        p1.id.created_at(),
        p1.created_at,
        "publish: the post id does not encode created_at"
    );
    assert!(p2.id > p1.id, "publish: a later post must get a larger id");
    assert_eq!(p1.edited_at, None);
    assert_eq!(p1.visibility, Visibility::Organization);
    assert_eq!(
        (p1.reply_to, p1.thread_root),
        (None, None),
        "publish: a root post has no parent"
    );
    assert!(!p1.announcement && p1.pinned_until.is_none());
    assert_eq!(
        p1.language,
        Language::unknown(),
        "publish: no language given means `und`"
    );
    assert_eq!(p2.language, Language::dutch());

    assert_eq!(
        p1.hashtags.len(),
        1,
        "publish: hashtags of {:?}: {:?}",
        p1.text,
        p1.hashtags
    );
    let tag = &p1.hashtags[0];
    assert_eq!(
        tag.key,
        hashtag_key("#caf\u{e9}"),
        "publish: wrong hashtag key"
    );
    assert_eq!(
        p1.text.get(tag.range.clone()),
        Some(format!("#{}", tag.display).as_str()),
        "publish: hashtag range"
    );
    assert_eq!(
        p1.mentions.len(),
        1,
        "publish: only @bob exists, @nobody must stay text: {:?}",
        p1.mentions
    );
    assert_eq!(p1.mentions[0].person, PersonId::new("bob"));
    assert_eq!(
        p1.text.get(p1.mentions[0].range.clone()),
        Some("@bob"),
        "publish: mention range"
    );
    assert_eq!(p1.urls.len(), 1, "publish: urls: {:?}", p1.urls);
    assert_eq!(
        p1.text.get(p1.urls[0].range.clone()),
        Some(p1.urls[0].url.as_str()),
        "publish: url range"
    );

    // Every read returns the stored post, with zeroed counters.
    let bob = fx.viewer("bob");
    let seen = ok(fx.wc.post(&bob, &p1.id).await, "service.post");
    assert_eq!(
        seen.post, p1,
        "service.post must return the post as published"
    );
    assert_eq!(
        seen.stats,
        Default::default(),
        "a new post has no reactions or replies"
    );
    let access = fx.access("bob").await;
    let got = ok(s.get_post(&access, &p1.id).await, "store.get_post");
    assert_eq!(got.map(|v| v.post), Some(p1.clone()), "store.get_post");
    let missing = PostId::from_u128(p2.id.as_u128() + 1);
    let many = ok(
        s.get_posts(&access, &[p2.id, missing, p1.id]).await,
        "store.get_posts",
    );
    let ids: Vec<PostId> = many.iter().map(|v| v.post.id).collect();
    assert_eq!(
        ids,
        vec![p2.id, p1.id],
        "store.get_posts keeps the order of the ids and skips unknown ones"
    );

    let by_alice = PostFilter {
        author: Some(PersonId::new("alice")),
        ..Default::default()
    };
    let listed = ok(
        s.list_posts(&access, &by_alice, &PageRequest::first(10))
            .await,
        "store.list_posts",
    );
    let ids: Vec<PostId> = listed.items.iter().map(|v| v.post.id).collect();
    assert_eq!(
        ids,
        vec![p2.id, p1.id],
        "store.list_posts(author) newest first"
    );
    assert_eq!(
        listed.next, None,
        "store.list_posts: two posts fit one page of 10"
    );
    let oldest = PostFilter {
        order: Order::OldestFirst,
        ..by_alice.clone()
    };
    let listed = ok(
        s.list_posts(&access, &oldest, &PageRequest::first(10))
            .await,
        "store.list_posts",
    );
    let ids: Vec<PostId> = listed.items.iter().map(|v| v.post.id).collect();
    assert_eq!(
        ids,
        vec![p1.id, p2.id],
        "store.list_posts(author, oldest first)"
    );
    // Another spelling of the tag finds the post.
    let by_tag = PostFilter {
        hashtag: Some(hashtag_key("#CAF\u{c9}")),
        ..Default::default()
    };
    let listed = ok(
        s.list_posts(&access, &by_tag, &PageRequest::first(10))
            .await,
        "store.list_posts",
    );
    let ids: Vec<PostId> = listed.items.iter().map(|v| v.post.id).collect();
    assert_eq!(
        ids,
        vec![p1.id],
        "store.list_posts(hashtag) matches every spelling of the tag"
    );

    // Derived-state reads see the same post.
    let indexed = ok(
        s.posts_for_indexing(&fx.tenant, &[p1.id, missing]).await,
        "store.posts_for_indexing",
    );
    assert_eq!(indexed, vec![p1.clone()], "store.posts_for_indexing");
    let scanned = scan_tenant(s, &fx.tenant).await;
    assert_eq!(
        scanned,
        vec![p1.clone(), p2.clone()],
        "store.scan_posts holds the tenant's posts in id order"
    );

    // The change log: one Created entry each, in order.
    let changes = tenant_changes(s, &fx.tenant, before).await;
    let got: Vec<(PostId, ChangeKind)> = changes.iter().map(|c| (c.post, c.kind)).collect();
    assert_eq!(
        got,
        vec![(p1.id, ChangeKind::Created), (p2.id, ChangeKind::Created)],
        "change log after two publishes"
    );
    assert_eq!(
        changes[0].at, p1.created_at,
        "change log: `at` of the Created entry"
    );

    // Notifications: bob was mentioned; nobody else hears about it.
    let n = ok(
        fx.wc.notifications(&bob, &PageRequest::first(10)).await,
        "service.notifications",
    );
    assert_eq!(
        n.items.len(),
        1,
        "bob has exactly one notification: {:?}",
        n.items
    );
    let n = &n.items[0];
    assert_eq!(
        (n.kind, n.post, n.seen),
        (NotificationKind::Mention, p1.id, false)
    );
    assert_eq!(n.actors, vec![PersonId::new("alice")]);
    assert_eq!(n.recipient, PersonId::new("bob"));
    for other in ["alice", "carol", "dave"] {
        let n = ok(
            fx.wc
                .notifications(&fx.viewer(other), &PageRequest::first(10))
                .await,
            "service.notifications",
        );
        assert!(
            n.items.is_empty(),
            "{other} was not mentioned but got {:?}",
            n.items
        );
    }
}

/// Editing replaces the text and entities, keeps each earlier text as a numbered revision
/// (oldest first, with the time it was replaced), writes an `Edited` entry per edit,
/// notifies only newly mentioned people, and drops the old hashtags from every tag read.
/// Only the author may edit (an admin may not edit someone else's post).
pub async fn edit_keeps_revisions(store: Arc<dyn Store>) {
    let fx = Fixture::new(store, "edit").await;
    let s = &*fx.store;
    let first = "First draft #alphaold with @bob";
    let p = fx.publish("alice", NewPost::new(first)).await;
    let bob = fx.viewer("bob");
    let bob_n = ok(
        fx.wc.notifications(&bob, &PageRequest::first(10)).await,
        "service.notifications",
    );
    assert_eq!(bob_n.items.len(), 1, "bob was mentioned once");
    ok(
        fx.wc
            .mark_notifications_seen(&bob, bob_n.items[0].seq)
            .await,
        "mark seen",
    );
    let bob_n = ok(
        fx.wc.notifications(&bob, &PageRequest::first(10)).await,
        "service.notifications",
    );

    let before = last_seq(s).await;
    let second = "Second draft #betaold with @bob and @carol";
    let e1 = fx.edit("alice", &p.id, second).await;
    let t1 = fx.now();
    assert_eq!(
        (e1.id, e1.created_at, &e1.author),
        (p.id, p.created_at, &p.author),
        "edit keeps id, time and author"
    );
    assert_eq!(e1.text, second);
    assert_eq!(
        e1.edited_at,
        Some(t1),
        "edit: edited_at is the clock's time"
    );
    assert_eq!(
        e1.hashtags
            .iter()
            .map(|h| h.key.clone())
            .collect::<Vec<_>>(),
        vec![hashtag_key("betaold")]
    );
    let mentioned: Vec<&str> = e1.mentions.iter().map(|m| m.person.as_str()).collect();
    assert_eq!(mentioned, vec!["bob", "carol"], "edit re-resolves mentions");

    // Only carol is newly mentioned: bob's notification is untouched (still seen).
    let after = ok(
        fx.wc.notifications(&bob, &PageRequest::first(10)).await,
        "service.notifications",
    );
    assert_eq!(
        after, bob_n,
        "an edit must not notify bob again (he was already mentioned)"
    );
    let carol = ok(
        fx.wc
            .notifications(&fx.viewer("carol"), &PageRequest::first(10))
            .await,
        "service.notifications",
    );
    assert!(
        carol.items.len() == 1
            && carol.items[0].kind == NotificationKind::Mention
            && carol.items[0].post == p.id,
        "carol, newly mentioned by the edit, must get one mention notification: {:?}",
        carol.items
    );

    let third = "Third #gammanew";
    let e2 = fx.edit("alice", &p.id, third).await;
    let t2 = fx.now();
    let want = vec![
        Revision {
            post: p.id,
            number: 0,
            text: first.into(),
            replaced_at: t1,
        },
        Revision {
            post: p.id,
            number: 1,
            text: second.into(),
            replaced_at: t2,
        },
    ];
    let author = fx.access("alice").await;
    assert_eq!(
        ok(s.revisions(&author, &p.id).await, "store.revisions"),
        want,
        "store.revisions"
    );
    assert_eq!(
        ok(fx.wc.revisions(&bob, &p.id).await, "service.revisions"),
        want,
        "service.revisions"
    );
    let read = ok(fx.wc.post(&bob, &p.id).await, "service.post").post;
    assert_eq!(read, e2, "service.post returns the latest edit");
    let indexed = ok(
        s.posts_for_indexing(&fx.tenant, &[p.id]).await,
        "store.posts_for_indexing",
    );
    assert_eq!(
        indexed,
        vec![e2.clone()],
        "store.posts_for_indexing returns the latest edit"
    );

    // Old tags are gone from every tag read; the new one is there.
    let access = fx.access("dave").await;
    for (tag, expect) in [("alphaold", false), ("betaold", false), ("gammanew", true)] {
        let f = PostFilter {
            hashtag: Some(hashtag_key(tag)),
            ..Default::default()
        };
        let l = ok(
            s.list_posts(&access, &f, &PageRequest::first(10)).await,
            "store.list_posts",
        );
        assert_eq!(
            l.items.len() == 1,
            expect,
            "store.list_posts(#{tag}) after the edits: {:?}",
            l.items
        );
        let sugg = ok(s.suggest_tags(&access, tag, 10).await, "store.suggest_tags");
        assert_eq!(
            sugg.iter().any(|x| x.key == hashtag_key(tag)),
            expect,
            "store.suggest_tags({tag}) after the edits"
        );
        let since = p.created_at - chrono::Duration::days(1);
        let act = ok(
            s.tag_activity(&access, since, 3600).await,
            "store.tag_activity",
        );
        assert_eq!(
            act.iter().any(|b| b.key == hashtag_key(tag)),
            expect,
            "store.tag_activity(#{tag}) after the edits"
        );
    }

    let changes = tenant_changes(s, &fx.tenant, before).await;
    let kinds: Vec<(PostId, ChangeKind)> = changes.iter().map(|c| (c.post, c.kind)).collect();
    assert_eq!(
        kinds,
        vec![(p.id, ChangeKind::Edited), (p.id, ChangeKind::Edited)],
        "one Edited entry per edit"
    );

    // Editing to the same text changes nothing: no revision, no entry.
    let seq = last_seq(s).await;
    let same = fx.edit("alice", &p.id, third).await;
    assert_eq!(
        same, e2,
        "an edit to the same text returns the post unchanged"
    );
    assert_no_new_changes(
        &tenant_changes(s, &fx.tenant, seq).await,
        "an edit to the same text",
    );
    assert_eq!(
        ok(s.revisions(&author, &p.id).await, "store.revisions"),
        want,
        "no revision for an unchanged text"
    );

    // Nobody but the author may edit, not even an admin.
    let bobs = fx.publish("bob", NewPost::new("Bob's own words")).await;
    let snap = Snapshot::take(&fx, &fx.tenant).await;
    let seq = last_seq(s).await;
    refused(
        fx.wc.edit(&bob, &p.id, "hijacked").await,
        "bob edits alice's post",
    );
    refused(
        fx.wc.edit(&fx.viewer("alice"), &bobs.id, "hijacked").await,
        "admin alice edits bob's post",
    );
    refused(
        fx.wc.edit(&fx.viewer("alice"), &p.id, "").await,
        "edit to an empty text",
    );
    Snapshot::take(&fx, &fx.tenant)
        .await
        .assert_same(&snap, "refused edits");
    assert_no_new_changes(&tenant_changes(s, &fx.tenant, seq).await, "refused edits");
}

/// Deleting a thread root removes it and its whole thread from every read path — post,
/// posts, every list, revisions, reactions, thread, feed candidates, tag activity and
/// suggestions, indexing reads and scans — with the notifications about those posts; each
/// deleted post gets one `Deleted` entry; deleting again is "not found".
pub async fn delete_removes_from_every_read_path(store: Arc<dyn Store>) {
    let fx = Fixture::new(store, "delete").await;
    let s = &*fx.store;
    let root = fx
        .publish("alice", NewPost::new("Plan #delroot for @bob"))
        .await;
    let root = fx
        .edit("alice", &root.id, "Plan v2 #delroot for @bob")
        .await;
    let r1 = fx.reply("bob", &root.id, "Reply #delreply1 from bob").await;
    let r2 = fx.reply("alice", &r1.id, "Answer #delreply2 to @bob").await;
    ok(
        fx.wc
            .react(&fx.viewer("carol"), &root.id, ReactionKind::Like)
            .await,
        "react",
    );
    ok(
        fx.wc
            .react(&fx.viewer("carol"), &r1.id, ReactionKind::Funny)
            .await,
        "react",
    );
    ok(
        fx.wc.mark_seen(&fx.viewer("dave"), &[root.id, r1.id]).await,
        "mark seen",
    );
    let keep = fx.publish("alice", NewPost::new("Unrelated #keepme")).await;

    // Before: the thread is everywhere (this proves the checks below can fail).
    let note_about = |n: &watercooler_core::Notification| [root.id, r1.id, r2.id].contains(&n.post);
    let bob_n = ok(
        fx.wc
            .notifications(&fx.viewer("bob"), &PageRequest::first(50))
            .await,
        "notifications",
    );
    assert!(
        bob_n.items.iter().any(note_about),
        "bob was mentioned in the thread and replied to"
    );

    let before = last_seq(s).await;
    fx.tick();
    ok(
        fx.wc.delete(&fx.viewer("alice"), &root.id).await,
        "delete the root",
    );

    let viewers: Vec<_> = ["alice", "bob", "carol", "dave"]
        .map(|p| fx.viewer(p))
        .into();
    let refs: Vec<&_> = viewers.iter().collect();
    for p in [&root, &r1, &r2] {
        assert_gone(&fx, p, &refs, "after deleting the thread root").await;
    }
    for v in &viewers {
        let n = ok(
            fx.wc.notifications(v, &PageRequest::first(50)).await,
            "service.notifications",
        );
        assert!(
            !n.items.iter().any(note_about),
            "{} still has notifications about deleted posts: {:?}",
            v.person,
            n.items
        );
        let n = all_pages("store.notifications", 50, async |page| {
            s.notifications(&fx.tenant, &v.person, &page).await
        })
        .await;
        assert!(
            !n.iter().any(note_about),
            "store.notifications of {} still mention deleted posts",
            v.person
        );
        let data = ok(
            s.export_person(&fx.tenant, &v.person).await,
            "store.export_person",
        );
        assert!(
            !data
                .posts
                .iter()
                .any(|p| [root.id, r1.id, r2.id].contains(&p.id)),
            "export of {} still holds deleted posts",
            v.person
        );
        assert!(
            data.revisions.iter().all(|r| r.post != root.id),
            "export of {} still holds revisions of a deleted post",
            v.person
        );
        assert!(
            !data
                .reactions
                .iter()
                .any(|r| [root.id, r1.id].contains(&r.post)),
            "export of {} still holds reactions on deleted posts",
            v.person
        );
    }
    let indexed = ok(
        s.posts_for_indexing(&fx.tenant, &[root.id, r1.id, r2.id, keep.id])
            .await,
        "posts_for_indexing",
    );
    assert_eq!(
        indexed,
        vec![keep.clone()],
        "store.posts_for_indexing after delete"
    );
    assert_eq!(
        scan_tenant(s, &fx.tenant).await,
        vec![keep.clone()],
        "store.scan_posts after delete"
    );

    let changes = tenant_changes(s, &fx.tenant, before).await;
    let mut got: Vec<PostId> = changes
        .iter()
        .map(|c| {
            assert_eq!(
                c.kind,
                ChangeKind::Deleted,
                "deleting writes only Deleted entries: {changes:?}"
            );
            c.post
        })
        .collect();
    got.sort();
    let mut want = vec![root.id, r1.id, r2.id];
    want.sort();
    assert_eq!(
        got, want,
        "one Deleted entry per post of the deleted thread"
    );

    hidden(
        fx.wc.delete(&fx.viewer("alice"), &root.id).await,
        "deleting a deleted post",
    );
    hidden(
        s.delete_post(&fx.tenant, &root.id, fx.now()).await,
        "store.delete_post of a deleted post",
    );
    hidden(
        fx.wc.post(&fx.viewer("alice"), &root.id).await,
        "service.post of a deleted post",
    );
}

/// Deleting a reply removes only that reply (and its own replies): the root stays, its
/// reply counter drops, the thread lists the other replies.
pub async fn delete_reply_keeps_thread(store: Arc<dyn Store>) {
    let fx = Fixture::new(store, "delreply").await;
    let s = &*fx.store;
    let root = fx.publish("alice", NewPost::new("Root")).await;
    let a = fx.reply("bob", &root.id, "reply a").await;
    let b = fx.reply("carol", &root.id, "reply b").await;
    let before = last_seq(s).await;
    ok(
        fx.wc.delete(&fx.viewer("bob"), &a.id).await,
        "bob deletes his reply",
    );
    let dave = fx.viewer("dave");
    let view = ok(fx.wc.post(&dave, &root.id).await, "service.post");
    assert_eq!(
        view.stats.replies, 1,
        "the root counts one reply after the other was deleted"
    );
    let t = ok(
        fx.wc.thread(&dave, &root.id, &PageRequest::first(10)).await,
        "service.thread",
    );
    let ids: Vec<PostId> = t.replies.items.iter().map(|v| v.post.id).collect();
    assert_eq!(ids, vec![b.id], "the thread lists the remaining reply");
    let changes = tenant_changes(s, &fx.tenant, before).await;
    let got: Vec<(PostId, ChangeKind)> = changes.iter().map(|c| (c.post, c.kind)).collect();
    assert_eq!(
        got,
        vec![(a.id, ChangeKind::Deleted)],
        "deleting a reply deletes only it"
    );
}

/// Only the author deletes their post; an admin may delete any post they can see, but not
/// one they cannot see. Refused deletes change nothing.
pub async fn delete_needs_author_or_admin(store: Arc<dyn Store>) {
    let fx = Fixture::new(store, "delperm").await;
    let s = &*fx.store;
    let bobs = fx.publish("bob", NewPost::new("Bob's post")).await;
    let private = fx
        .publish(
            "bob",
            NewPost::new("for carol only").direct_to([PersonId::new("carol")]),
        )
        .await;
    let snap = Snapshot::take(&fx, &fx.tenant).await;
    let seq = last_seq(s).await;
    refused(
        fx.wc.delete(&fx.viewer("dave"), &bobs.id).await,
        "dave deletes bob's post",
    );
    refused(
        fx.wc.delete(&fx.viewer("carol"), &private.id).await,
        "a recipient deletes a direct post",
    );
    hidden(
        fx.wc.delete(&fx.viewer("alice"), &private.id).await,
        "admin deletes a post she cannot see",
    );
    Snapshot::take(&fx, &fx.tenant)
        .await
        .assert_same(&snap, "refused deletes");
    assert_no_new_changes(&tenant_changes(s, &fx.tenant, seq).await, "refused deletes");

    ok(
        fx.wc.delete(&fx.viewer("alice"), &bobs.id).await,
        "admin deletes a visible post",
    );
    hidden(
        fx.wc.post(&fx.viewer("bob"), &bobs.id).await,
        "the post deleted by the admin",
    );
    let visible = ok(
        fx.wc.post(&fx.viewer("carol"), &private.id).await,
        "service.post",
    );
    assert_eq!(visible.post, private, "the direct post stays");
    ok(
        fx.wc.delete(&fx.viewer("bob"), &private.id).await,
        "the author deletes their post",
    );
    hidden(
        fx.wc.post(&fx.viewer("carol"), &private.id).await,
        "the post deleted by its author",
    );
}

/// What a write returns is what is stored: with a clock that has nanoseconds, the post a
/// publish, reply or edit returns equals the one read back (every store keeps times to
/// the microsecond, so the service creates them so), and so do the reactions' times.
pub async fn writes_return_what_is_stored(store: Arc<dyn Store>) {
    let fx = Fixture::new(store, "precision").await;
    fx.advance(chrono::Duration::nanoseconds(123_456_789));
    let alice = fx.viewer("alice");
    let bob = fx.viewer("bob");
    let published = fx.publish("alice", NewPost::new("Precise #timing")).await;
    let replied = fx.reply("bob", &published.id, "Very precise").await;
    let edited = fx
        .edit("alice", &published.id, "Precise #timing, edited")
        .await;
    for (what, returned) in [("reply", &replied), ("edit", &edited)] {
        let read = ok(fx.wc.post(&bob, &returned.id).await, what).post;
        assert_eq!(
            &read, returned,
            "{what}: the returned post equals the stored one"
        );
    }
    let scanned = scan_tenant(&*fx.store, &fx.tenant).await;
    assert!(
        scanned.contains(&edited) && scanned.contains(&replied),
        "the store's own scan returns the same posts"
    );
    let read = ok(fx.wc.post(&alice, &published.id).await, "post").post;
    assert_eq!(
        read.created_at, published.created_at,
        "publish time kept exactly"
    );
    fx.advance(chrono::Duration::nanoseconds(987_654_321));
    ok(
        fx.wc.react(&bob, &published.id, ReactionKind::Like).await,
        "react",
    );
    let reactions = ok(
        fx.wc
            .reactions(&alice, &published.id, &PageRequest::first(10))
            .await,
        "reactions",
    );
    let at = reactions.items[0].at;
    assert_eq!(
        at,
        watercooler_core::stored_precision(fx.now()),
        "the reaction's time is the clock's, to the microsecond"
    );
}

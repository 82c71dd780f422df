//! The store's reads for derived features: feed candidates, tag activity, tag suggestions
//! and seen state.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use watercooler_core::store::{CandidateQuery, CandidateSources};
use watercooler_core::watercooler_text::hashtag_key;
use watercooler_core::{GroupId, NewPost, Person, PersonId, PostId, ReactionKind, Store};

use crate::check::ok;
use crate::fixture::{Fixture, start};

/// Feed candidates are exactly the union of the query's sources, each post once with every
/// source that brought it: the newest visible root posts since `since` and at or below
/// `max_id` by the followed authors, in the asked groups, with the followed hashtags and
/// mentioning the viewer (at most `per_source` per source), the pinned announcements (even
/// older than `since`), and the `popular` most engaged organisation posts no other source
/// brought. Replies, old posts and posts the viewer may not see are never candidates.
pub async fn feed_candidates_follow_the_query(store: Arc<dyn Store>) {
    let fx = Fixture::new(store, "candidates").await;
    let s = &*fx.store;
    let t = fx.tenant.clone();
    ok(
        fx.dir
            .add_person(&t, Person::new("frank", "frank", "Frank")),
        "directory: add frank",
    );
    ok(
        fx.dir
            .add_member(&t, &GroupId::new("eng"), &PersonId::new("frank")),
        "directory: frank joins eng",
    );

    let ann = fx
        .publish("alice", NewPost::new("Pinned news").announcement())
        .await;
    ok(
        fx.wc
            .pin(&fx.viewer("alice"), &ann.id, start() + Duration::days(1))
            .await,
        "pin",
    );
    let _old = fx.publish("bob", NewPost::new("old bob")).await;
    fx.advance(Duration::hours(1));
    let since = fx.now();
    let mut b = Vec::new();
    for i in 1..=5 {
        b.push(fx.publish("bob", NewPost::new(format!("bob {i}"))).await);
    }
    let bg = fx
        .publish("bob", NewPost::new("bob in eng").in_group("eng"))
        .await;
    let g1 = fx
        .publish("frank", NewPost::new("eng news").in_group("eng"))
        .await;
    let h1 = fx.publish("dave", NewPost::new("about #feedtopic")).await;
    let m1 = fx.publish("dave", NewPost::new("hey @alice")).await;
    let pop = fx.publish("carol", NewPost::new("popular")).await;
    let less = fx.publish("dave", NewPost::new("less popular")).await;
    let _hidden = fx
        .publish(
            "carol",
            NewPost::new("hr only #feedtopic @alice").in_group("hr"),
        )
        .await;
    let _reply = fx.reply("dave", &h1.id, "reply #feedtopic @alice").await;
    for who in ["bob", "dave", "frank"] {
        fx.tick();
        ok(
            fx.wc
                .react(&fx.viewer(who), &pop.id, ReactionKind::Like)
                .await,
            "react",
        );
    }
    fx.tick();
    ok(
        fx.wc
            .react(&fx.viewer("bob"), &less.id, ReactionKind::Like)
            .await,
        "react",
    );

    let access = fx.access("alice").await;
    let base = CandidateQuery {
        authors: vec![PersonId::new("bob")],
        groups: vec![GroupId::new("eng"), GroupId::new("hr")],
        hashtags: vec![hashtag_key("feedtopic")],
        mentioning_viewer: true,
        since,
        max_id: PostId::MAX,
        per_source: 10,
        popular: 1,
        now: fx.now(),
    };
    let src = |f: fn(&mut CandidateSources)| {
        let mut s = CandidateSources::default();
        f(&mut s);
        s
    };
    let author = src(|s| s.followed_author = true);
    let mut want: BTreeMap<PostId, CandidateSources> = b.iter().map(|p| (p.id, author)).collect();
    want.insert(
        bg.id,
        src(|s| {
            s.followed_author = true;
            s.group = true;
        }),
    );
    want.insert(g1.id, src(|s| s.group = true));
    want.insert(h1.id, src(|s| s.hashtag = true));
    want.insert(m1.id, src(|s| s.mention = true));
    want.insert(ann.id, src(|s| s.pinned = true));
    want.insert(pop.id, src(|s| s.popular = true));
    let got = candidates(s, &access, &base).await;
    assert_eq!(
        got, want,
        "feed candidates for the full query (left: got, right: want)"
    );

    let only_bob = CandidateQuery {
        groups: vec![],
        hashtags: vec![],
        mentioning_viewer: false,
        popular: 0,
        per_source: 2,
        ..base.clone()
    };
    let got = candidates(s, &access, &only_bob).await;
    let want: BTreeMap<PostId, CandidateSources> = [
        (
            bg.id,
            src(|s| {
                s.followed_author = true;
            }),
        ),
        (b[4].id, author),
        (ann.id, src(|s| s.pinned = true)),
    ]
    .into();
    assert_eq!(
        got, want,
        "per_source = 2: bob's two newest posts (and the pinned one)"
    );

    let snapshot = CandidateQuery {
        max_id: b[2].id,
        per_source: 10,
        ..only_bob
    };
    let got = candidates(s, &access, &snapshot).await;
    let want: BTreeMap<PostId, CandidateSources> = [
        (b[0].id, author),
        (b[1].id, author),
        (b[2].id, author),
        (ann.id, src(|s| s.pinned = true)),
    ]
    .into();
    assert_eq!(got, want, "max_id: nothing newer than the snapshot");
}

/// Candidates by post id, checking each post comes once.
async fn candidates(
    s: &dyn Store,
    access: &watercooler_core::Access,
    q: &CandidateQuery,
) -> BTreeMap<PostId, CandidateSources> {
    let c = ok(s.feed_candidates(access, q).await, "store.feed_candidates");
    let mut out = BTreeMap::new();
    for c in c {
        assert!(
            c.view.post.thread_root.is_none(),
            "a reply is a feed candidate: {:?}",
            c.view.post
        );
        let id = c.view.post.id;
        assert!(
            out.insert(id, c.sources).is_none(),
            "post {id} is a candidate twice"
        );
    }
    out
}

/// Tag activity counts distinct authors per tag key per bucket (every spelling one key),
/// with buckets starting at multiples of the bucket length, the latest typed form for
/// display, posts before `since` left out, and only posts the viewer may see counted.
pub async fn tag_activity_counts_distinct_authors(store: Arc<dyn Store>) {
    let fx = Fixture::new(store, "tagactivity").await;
    let s = &*fx.store;
    let at = |h: i64, m: i64| start() + Duration::hours(h) + Duration::minutes(m);
    let post = async |who: &str, when: DateTime<Utc>, text: &str, group: Option<&str>| {
        fx.clock.set(when);
        let mut p = NewPost::new(text);
        if let Some(g) = group {
            p = p.in_group(g);
        }
        ok(fx.wc.publish(&fx.viewer(who), p).await, "publish");
    };
    post("bob", at(0, 1), "first #Alpha", None).await;
    post("carol", at(0, 10), "second #alpha", None).await;
    post("bob", at(0, 20), "third #ALPHA", None).await;
    post("dave", at(1, 5), "fourth #alpha", None).await;
    post("carol", at(1, 6), "hidden #alpha #betahidden", Some("hr")).await;

    let alpha = hashtag_key("alpha");
    let buckets = async |viewer: &str, since: DateTime<Utc>, secs: i64| {
        let access = fx.access(viewer).await;
        let mut got: Vec<(String, DateTime<Utc>, u32, String)> = ok(
            s.tag_activity(&access, since, secs).await,
            "store.tag_activity",
        )
        .into_iter()
        .map(|b| {
            (
                b.key.as_str().to_owned(),
                b.bucket_start,
                b.authors,
                b.display,
            )
        })
        .collect();
        got.sort();
        got
    };
    let a = alpha.as_str().to_owned();
    assert_eq!(
        buckets("alice", start(), 3600).await,
        vec![
            (a.clone(), at(0, 0), 2, "ALPHA".into()),
            (a.clone(), at(1, 0), 1, "alpha".into())
        ],
        "alice: two hourly buckets; the hr post is not hers to count"
    );
    let carol = buckets("carol", start(), 3600).await;
    assert!(
        carol.contains(&(a.clone(), at(1, 0), 2, "alpha".into())),
        "carol counts her hr post: {carol:?}"
    );
    assert!(
        carol
            .iter()
            .any(|b| b.0 == hashtag_key("betahidden").as_str()),
        "carol sees #betahidden"
    );
    assert_eq!(
        buckets("alice", at(0, 30), 3600).await,
        vec![(a.clone(), at(1, 0), 1, "alpha".into())],
        "posts before `since` are left out"
    );
    let day = buckets("alice", start(), 86_400).await;
    let midnight =
        DateTime::from_timestamp(start().timestamp() / 86_400 * 86_400, 0).unwrap_or_default();
    assert_eq!(day.len(), 1, "one daily bucket: {day:?}");
    assert_eq!(
        (day[0].1, day[0].2),
        (midnight, 3),
        "daily bucket from midnight, three distinct authors"
    );
}

/// Tag suggestions are the tags whose key starts with the prefix, used in posts the viewer
/// may see, most used first, at most `limit`, each with its count of visible posts.
pub async fn suggest_tags_rank_by_use(store: Arc<dyn Store>) {
    let fx = Fixture::new(store, "suggest").await;
    let s = &*fx.store;
    for (who, text, n, group) in [
        ("bob", "#alpha", 3, None),
        ("dave", "#alps", 2, None),
        ("bob", "#alphabet", 1, None),
        ("bob", "#beta", 1, None),
        ("carol", "#alpine", 5, Some("hr")),
    ] {
        for i in 0..n {
            let mut p = NewPost::new(format!("{text} number {i}"));
            if let Some(g) = group {
                p = p.in_group(g);
            }
            fx.publish(who, p).await;
        }
    }
    let get = async |viewer: &str, prefix: &str, limit: usize| {
        let access = fx.access(viewer).await;
        ok(
            s.suggest_tags(&access, prefix, limit).await,
            "store.suggest_tags",
        )
        .into_iter()
        .map(|x| (x.key.as_str().to_owned(), x.posts))
        .collect::<Vec<_>>()
    };
    let k = |s: &str| hashtag_key(s).as_str().to_owned();
    assert_eq!(
        get("alice", "alp", 10).await,
        vec![(k("alpha"), 3), (k("alps"), 2), (k("alphabet"), 1)],
        "alice: visible tags starting with alp, most used first"
    );
    assert_eq!(
        get("alice", "alp", 2).await,
        vec![(k("alpha"), 3), (k("alps"), 2)],
        "limit 2"
    );
    assert_eq!(
        get("carol", "alp", 1).await,
        vec![(k("alpine"), 5)],
        "carol sees her hr tag"
    );
    assert!(
        get("alice", "zzz", 10).await.is_empty(),
        "no tag starts with zzz"
    );

    // The spelling shown is that of the newest post the viewer may see: a later spelling
    // in a post hidden from them (a private group's) must not reach them.
    fx.publish("bob", NewPost::new("Open #Fusie")).await;
    fx.publish("carol", NewPost::new("Stil: #FUSIE").in_group("hr"))
        .await;
    let shown = async |viewer: &str| {
        let access = fx.access(viewer).await;
        ok(
            s.suggest_tags(&access, "fus", 10).await,
            "store.suggest_tags",
        )
        .into_iter()
        .map(|x| (x.display, x.posts))
        .collect::<Vec<_>>()
    };
    assert_eq!(
        shown("alice").await,
        vec![("Fusie".to_owned(), 1)],
        "alice is not in hr: the spelling of carol's hr post must not reach her"
    );
    assert_eq!(
        shown("carol").await,
        vec![("FUSIE".to_owned(), 2)],
        "carol sees her own, newer spelling"
    );
}

/// Seen state is per person: `seen_posts` returns which of the asked posts the person
/// marked seen, marking twice is harmless, and other people's state is separate.
pub async fn seen_state_is_per_person(store: Arc<dyn Store>) {
    let fx = Fixture::new(store, "seen").await;
    let s = &*fx.store;
    let t = fx.tenant.clone();
    let p: Vec<PostId> = {
        let mut v = Vec::new();
        for i in 0..3 {
            v.push(
                fx.publish("alice", NewPost::new(format!("post {i}")))
                    .await
                    .id,
            );
        }
        v
    };
    let bob = fx.viewer("bob");
    ok(fx.wc.mark_seen(&bob, &[p[0], p[1]]).await, "mark seen");
    ok(fx.wc.mark_seen(&bob, &[p[1]]).await, "mark seen again");
    let mut got = ok(
        s.seen_posts(&t, &PersonId::new("bob"), &p).await,
        "seen_posts",
    );
    got.sort();
    assert_eq!(got, vec![p[0], p[1]], "bob has seen the first two");
    let carol = ok(
        s.seen_posts(&t, &PersonId::new("carol"), &p).await,
        "seen_posts",
    );
    assert!(carol.is_empty(), "carol has seen nothing: {carol:?}");
    ok(
        s.mark_posts_seen(&t, &PersonId::new("carol"), &[p[2]])
            .await,
        "store.mark_posts_seen",
    );
    let carol = ok(
        s.seen_posts(&t, &PersonId::new("carol"), &p).await,
        "seen_posts",
    );
    assert_eq!(carol, vec![p[2]], "carol has seen the third");
    let none = ok(
        s.seen_posts(&t, &PersonId::new("bob"), &[]).await,
        "seen_posts of nothing",
    );
    assert!(none.is_empty());
}

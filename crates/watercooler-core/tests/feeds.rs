//! Feeds through the service on the in-memory store: what the ranked home feed draws, how it
//! pages while posts are published, muting, threads, and the chronological feeds.

use std::collections::HashSet;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use watercooler_core::rank::{
    DefaultRanker, Explanation, FeedItem, FeedOptions, FeedPage, Ranked, Ranker, Signal,
    ViewerContext,
};
use watercooler_core::store::Candidate;
use watercooler_core::watercooler_text::hashtag_key;
use watercooler_core::{
    Cursor, FollowTarget, Group, GroupKind, ManualClock, MemoryDirectory, MemoryStore, MuteTarget,
    NewPost, PageRequest, Person, PersonId, Post, PostId, ReactionKind, Store, TenantId, Viewer,
    Watercooler, WatercoolerBuilder,
};

fn start() -> DateTime<Utc> {
    DateTime::from_timestamp(1_360_000_000, 0).unwrap()
}

fn t() -> TenantId {
    TenantId::new("acme")
}

fn v(p: &str) -> Viewer {
    Viewer::new("acme", p)
}

struct World {
    wc: Watercooler,
    clock: Arc<ManualClock>,
    store: Arc<MemoryStore>,
}

impl World {
    /// Publishes as `who`, one minute after the previous post.
    async fn post(&self, who: &str, p: NewPost) -> Post {
        self.clock.advance(Duration::minutes(1));
        self.wc.publish(&v(who), p).await.unwrap()
    }

    async fn follow(&self, who: &str, target: FollowTarget) {
        self.wc.follow(&v(who), target).await.unwrap();
    }

    async fn feed(&self, who: &str, limit: usize) -> FeedPage {
        let first = PageRequest::first(limit);
        self.wc.home_feed(&v(who), &first).await.unwrap()
    }
}

/// `me` (HR, manager `boss`, whose manager is `ceo`) is in the private team `team` with
/// `friend`; `stranger` alone is in `club`; `admin` may pin; `newbie` knows nobody.
fn world() -> World {
    world_with(|b| b)
}

/// [`world`] with a service configured by `configure`.
fn world_with(configure: impl FnOnce(WatercoolerBuilder) -> WatercoolerBuilder) -> World {
    let dir = MemoryDirectory::new();
    let person = |id: &str, dept: &str, manager: Option<&str>| {
        let mut p = Person::new(id, id, id);
        p.department = Some(dept.into());
        p.manager = manager.map(PersonId::from);
        p.locale = Some("en".into());
        p
    };
    for p in [
        person("me", "HR", Some("boss")),
        person("boss", "HR", Some("ceo")),
        person("ceo", "Board", None),
        person("friend", "IT", None),
        person("colleague", "HR", None),
        person("stranger", "Sales", None),
        person("newbie", "Sales", None),
        person("muted", "Sales", None),
    ] {
        dir.add_person(&t(), p).unwrap();
    }
    let mut admin = Person::new("admin", "admin", "Admin");
    admin.admin = true;
    dir.add_person(&t(), admin).unwrap();
    for (id, private) in [("team", true), ("club", true)] {
        let g = Group {
            id: id.into(),
            name: id.into(),
            kind: GroupKind::Team,
            private,
        };
        dir.add_group(&t(), g).unwrap();
    }
    for (g, p) in [("team", "me"), ("team", "friend"), ("club", "stranger")] {
        dir.add_member(&t(), &g.into(), &p.into()).unwrap();
    }
    let clock = Arc::new(ManualClock::new(start()));
    let store = Arc::new(MemoryStore::new());
    let builder = Watercooler::builder(store.clone(), Arc::new(dir))
        .clock(clock.clone())
        .id_salt(7);
    let wc = configure(builder).build();
    World { wc, clock, store }
}

fn ids(items: &[FeedItem]) -> Vec<PostId> {
    items.iter().map(|i| i.post.post.id).collect()
}

fn labels(item: &FeedItem) -> Vec<String> {
    item.explanation
        .parts
        .iter()
        .map(|p| p.label.clone())
        .collect()
}

fn assert_explained(item: &FeedItem) {
    let e = &item.explanation;
    assert_eq!(e.total, item.score);
    assert!(
        (e.sum() - e.total).abs() <= 1e-9 * e.total.abs().max(1.0),
        "{e:?}"
    );
}

#[tokio::test]
async fn the_home_feed_draws_from_every_source_and_nothing_invisible() {
    let w = world();
    w.follow("me", FollowTarget::Person("friend".into())).await;
    w.follow("me", FollowTarget::Hashtag(hashtag_key("duurzaamheid")))
        .await;

    let announcement = w
        .post(
            "admin",
            NewPost::new("Kantoor dicht vrijdag").announcement(),
        )
        .await;
    w.wc.pin(&v("admin"), &announcement.id, start() + Duration::days(3))
        .await
        .unwrap();
    let followed = w.post("friend", NewPost::new("Hallo allemaal")).await;
    let in_team = w
        .post("friend", NewPost::new("Team stand-up").in_group("team"))
        .await;
    let tagged = w
        .post("stranger", NewPost::new("Nieuwe fietsen #Duurzaamheid"))
        .await;
    let mention = w
        .post("stranger", NewPost::new("@me kun je even kijken?"))
        .await;
    let from_boss = w.post("ceo", NewPost::new("Kwartaalcijfers")).await;
    // Invisible to `me`: a post in someone else's private group, a direct message between
    // others, a mention of `me` inside a group `me` is not in (a mention grants nothing).
    let hidden = [
        w.post(
            "stranger",
            NewPost::new("club only #duurzaamheid").in_group("club"),
        )
        .await,
        w.post(
            "stranger",
            NewPost::new("psst").direct_to(["friend".into()]),
        )
        .await,
        w.post(
            "stranger",
            NewPost::new("@me secret #duurzaamheid").in_group("club"),
        )
        .await,
    ];
    w.clock.advance(Duration::minutes(5));

    let page = w.feed("me", 50).await;
    let got = ids(&page.items);
    for p in &hidden {
        assert!(
            !got.contains(&p.id),
            "invisible post {} in the feed",
            p.text
        );
    }
    assert_eq!(page.items[0].post.post.id, announcement.id, "pinned on top");
    assert!(labels(&page.items[0]).contains(&"pinned announcement".to_owned()));
    let item = |id: PostId| page.items.iter().find(|i| i.post.post.id == id).unwrap();
    assert!(item(followed.id).sources.followed_author);
    assert!(labels(item(followed.id)).contains(&"from someone you follow".to_owned()));
    assert!(item(in_team.id).sources.group);
    assert!(labels(item(in_team.id)).contains(&"from your group".to_owned()));
    assert!(item(tagged.id).sources.hashtag);
    assert!(labels(item(tagged.id)).contains(&"#Duurzaamheid, which you follow".to_owned()));
    assert!(item(mention.id).sources.mention);
    assert!(labels(item(mention.id)).contains(&"mentions you".to_owned()));
    // The CEO is not followed; the post comes in as out-of-network, and the manager chain
    // (me → boss → ceo) shows.
    assert!(item(from_boss.id).sources.popular);
    assert!(labels(item(from_boss.id)).contains(&"from your management".to_owned()));
    for i in &page.items {
        assert_explained(i);
    }
    assert!(page.next.is_none());
}

#[tokio::test]
async fn a_new_employee_sees_popular_posts_from_the_organisation() {
    let w = world();
    let popular = w
        .post("stranger", NewPost::new("Wie gaat er mee lunchen?"))
        .await;
    let quiet = w.post("colleague", NewPost::new("Stil bericht")).await;
    w.post(
        "friend",
        NewPost::new("alleen voor het team").in_group("team"),
    )
    .await;
    for who in ["me", "friend", "colleague"] {
        w.wc.react(&v(who), &popular.id, ReactionKind::Like)
            .await
            .unwrap();
    }
    let page = w.feed("newbie", 20).await;
    assert!(!page.items.is_empty(), "a new employee's feed is not empty");
    assert_eq!(page.items[0].post.post.id, popular.id);
    assert!(page.items[0].sources.popular);
    assert!(labels(&page.items[0]).contains(&"popular in the organisation".to_owned()));
    assert!(ids(&page.items).contains(&quiet.id));
    assert!(
        page.items
            .iter()
            .all(|i| i.post.post.visibility == watercooler_core::Visibility::Organization)
    );
}

#[tokio::test]
async fn replies_appear_inside_their_thread() {
    let w = world();
    w.follow("me", FollowTarget::Person("friend".into())).await;
    let root = w
        .post(
            "friend",
            NewPost::new("Wat vinden jullie van de nieuwe koffie?"),
        )
        .await;
    let mut replies = Vec::new();
    for (who, text) in [
        ("stranger", "lekker"),
        ("colleague", "te sterk"),
        ("muted", "bah"),
        ("stranger", "meer melk"),
    ] {
        w.clock.advance(Duration::minutes(1));
        replies.push(w.wc.reply(&v(who), &root.id, text).await.unwrap());
    }
    w.store
        .mute(&t(), &"me".into(), &MuteTarget::Person("muted".into()))
        .await
        .unwrap();
    let page = w.feed("me", 20).await;
    assert_eq!(ids(&page.items), [root.id], "replies are not feed items");
    let shown: Vec<&str> = page.items[0]
        .replies
        .iter()
        .map(|r| r.post.text.as_str())
        .collect();
    assert_eq!(
        shown,
        ["te sterk", "meer melk"],
        "latest two, oldest first, muted left out"
    );
    assert_eq!(page.items[0].post.stats.replies, 4);
}

#[tokio::test]
async fn muted_people_words_and_tags_are_removed() {
    let w = world();
    for p in ["friend", "stranger", "muted"] {
        w.follow("me", FollowTarget::Person(p.into())).await;
    }
    let keep = w
        .post(
            "friend",
            NewPost::new("Gewoon een bericht over categorieën"),
        )
        .await;
    let by_muted = w.post("muted", NewPost::new("Hoi")).await;
    let word = w
        .post("friend", NewPost::new("Wie wil er CAFE\u{301} verkeerd?"))
        .await;
    let tag = w.post("stranger", NewPost::new("Uitslag #Voetbal")).await;
    let phrase = w
        .post("stranger", NewPost::new("stuur me een e-mail"))
        .await;
    for m in [
        MuteTarget::Person("muted".into()),
        MuteTarget::Word("café".into()),
        MuteTarget::Hashtag(hashtag_key("voetbal")),
        MuteTarget::Word("e-mail".into()),
        MuteTarget::Word("categorie".into()),
    ] {
        w.wc.mute(&v("me"), m).await.unwrap();
    }
    let got = ids(&w.feed("me", 50).await.items);
    assert!(
        got.contains(&keep.id),
        "`categorie` is not the whole word `categorieën`"
    );
    for p in [&by_muted, &word, &tag, &phrase] {
        assert!(!got.contains(&p.id), "muted post shown: {}", p.text);
    }
    // Someone else's feed is untouched by my mutes.
    w.follow("friend", FollowTarget::Person("muted".into()))
        .await;
    assert!(ids(&w.feed("friend", 50).await.items).contains(&by_muted.id));
}

#[tokio::test]
async fn seen_posts_drop_in_rank() {
    let w = world();
    w.follow("me", FollowTarget::Person("friend".into())).await;
    let older = w.post("friend", NewPost::new("eerste")).await;
    let newer = w.post("colleague", NewPost::new("tweede")).await;
    w.follow("me", FollowTarget::Person("colleague".into()))
        .await;
    assert_eq!(ids(&w.feed("me", 10).await.items), [newer.id, older.id]);
    w.wc.mark_seen(&v("me"), &[newer.id]).await.unwrap();
    let page = w.feed("me", 10).await;
    assert_eq!(ids(&page.items), [older.id, newer.id]);
    assert!(
        page.items[1]
            .explanation
            .parts
            .iter()
            .any(|p| p.signal == Signal::Seen)
    );
}

/// Publishes a mixed batch of posts that all land in `me`'s feed.
async fn publish_batch(w: &World, n: usize, tag: &str) -> Vec<Post> {
    let mut out = Vec::new();
    for i in 0..n {
        let p = match i % 4 {
            0 => NewPost::new(format!("{tag} {i}")),
            1 => NewPost::new(format!("{tag} team {i}")).in_group("team"),
            2 => NewPost::new(format!("{tag} #duurzaamheid {i}")),
            _ => NewPost::new(format!("@me {tag} {i}")),
        };
        let who = ["friend", "stranger", "colleague", "ceo"][i % 4];
        let who = if i % 4 == 1 { "friend" } else { who };
        out.push(w.post(who, p).await);
    }
    out
}

async fn pages(w: &World, who: &str, limit: usize, between: impl AsyncFnMut(usize)) -> Vec<PostId> {
    let mut between = between;
    let mut all = Vec::new();
    let mut request = PageRequest::first(limit);
    for n in 0.. {
        let page = w.wc.home_feed(&v(who), &request).await.unwrap();
        assert!(page.items.len() <= limit);
        all.extend(ids(&page.items));
        match page.next {
            Some(c) => request = PageRequest::after(c, limit),
            None => break,
        }
        between(n).await;
    }
    all
}

#[tokio::test]
async fn paging_while_posts_are_published_neither_repeats_nor_skips() {
    let w = world();
    w.follow("me", FollowTarget::Person("friend".into())).await;
    w.follow("me", FollowTarget::Person("colleague".into()))
        .await;
    w.follow("me", FollowTarget::Hashtag(hashtag_key("duurzaamheid")))
        .await;
    let snapshot = publish_batch(&w, 60, "oud").await;
    // Engagement and replies on a few, so scores are not just recency.
    for p in snapshot.iter().step_by(7) {
        w.wc.react(&v("friend"), &p.id, ReactionKind::Celebrate)
            .await
            .unwrap();
    }
    w.clock.advance(Duration::minutes(10));

    // The whole snapshot in one page is the reference order.
    let reference = ids(&w.feed("me", 200).await.items);
    assert_eq!(reference.len(), 60);

    let mut published = Vec::new();
    let got = pages(&w, "me", 7, async |n| {
        // Between pages: new posts from every source, time passes.
        published.extend(publish_batch(&w, 5, &format!("nieuw{n}")).await);
        w.clock.advance(Duration::hours(1));
    })
    .await;
    let unique: HashSet<&PostId> = got.iter().collect();
    assert_eq!(unique.len(), got.len(), "a post was repeated");
    assert_eq!(
        got, reference,
        "pages must be exactly the snapshot, in order"
    );
    assert!(!published.is_empty());
    assert!(
        published.iter().all(|p| !got.contains(&p.id)),
        "new posts wait for a refresh"
    );

    // A refresh shows them.
    let fresh = ids(&w.feed("me", 200).await.items);
    assert!(published.iter().all(|p| fresh.contains(&p.id)));
}

#[tokio::test]
async fn marking_pages_seen_while_paging_never_brings_them_back() {
    let w = world();
    w.follow("me", FollowTarget::Person("friend".into())).await;
    w.follow("me", FollowTarget::Person("colleague".into()))
        .await;
    publish_batch(&w, 40, "post").await;
    w.clock.advance(Duration::minutes(10));
    let reference: HashSet<PostId> = ids(&w.feed("me", 200).await.items).into_iter().collect();

    let mut all = Vec::new();
    let mut request = PageRequest::first(6);
    loop {
        let page = w.wc.home_feed(&v("me"), &request).await.unwrap();
        let got = ids(&page.items);
        // The host marks what it showed as seen before asking for more.
        w.wc.mark_seen(&v("me"), &got).await.unwrap();
        all.extend(got);
        match page.next {
            Some(c) => request = PageRequest::after(c, 6),
            None => break,
        }
    }
    let unique: HashSet<PostId> = all.iter().copied().collect();
    assert_eq!(
        unique.len(),
        all.len(),
        "a post came back after it was marked seen"
    );
    assert_eq!(unique, reference, "nothing skipped");
}

/// Serves the oldest candidate first, where the default ranker serves the newest of
/// otherwise equal posts first.
#[derive(Debug)]
struct OldestFirst;

impl Ranker for OldestFirst {
    fn rank(&self, _: &ViewerContext, candidates: &[Candidate], _: DateTime<Utc>) -> Vec<Ranked> {
        // Candidates come sorted by id, oldest first.
        (0..candidates.len())
            .map(|index| {
                let score = (candidates.len() - index) as f64;
                Ranked {
                    index,
                    post: candidates[index].view.post.id,
                    score,
                    unseen_score: score,
                    author_rank: 0,
                }
            })
            .collect()
    }

    fn explain(
        &self,
        _: &ViewerContext,
        _: &Candidate,
        r: &Ranked,
        _: DateTime<Utc>,
    ) -> Explanation {
        Explanation {
            total: r.score,
            parts: Vec::new(),
        }
    }
}

/// Three followed posts, the oldest with three replies, as `world_with(configure)` sees them.
async fn followed_thread(
    configure: impl FnOnce(WatercoolerBuilder) -> WatercoolerBuilder,
) -> (World, Vec<PostId>) {
    let w = world_with(configure);
    w.follow("me", FollowTarget::Person("friend".into())).await;
    let mut posts = Vec::new();
    for i in 0..3 {
        posts.push(w.post("friend", NewPost::new(format!("Post {i}"))).await.id);
    }
    for i in 0..3 {
        w.clock.advance(Duration::minutes(1));
        w.wc.reply(&v("colleague"), &posts[0], &format!("Reply {i}"))
            .await
            .unwrap();
    }
    (w, posts)
}

#[tokio::test]
async fn the_builders_ranker_and_feed_options_rank_the_home_feed() {
    let first = PageRequest::first(10);
    let (plain, posts) = followed_thread(|b| b).await;
    let page = plain.wc.home_feed(&v("me"), &first).await.unwrap();
    let oldest = page
        .items
        .iter()
        .find(|i| i.post.post.id == posts[0])
        .unwrap();
    assert_eq!(oldest.replies.len(), 2, "the default shows two replies");
    assert_ne!(
        ids(&page.items),
        posts,
        "the default ranks newer posts above older ones"
    );

    let options = FeedOptions::default().replies_per_item(3);
    let (configured, posts) = followed_thread(|b| {
        b.ranker(Arc::new(OldestFirst))
            .feed_options(options.clone())
    })
    .await;
    let page = configured.wc.home_feed(&v("me"), &first).await.unwrap();
    assert_eq!(
        ids(&page.items),
        posts,
        "the builder's ranker: oldest first"
    );
    assert_eq!(
        page.items[0].replies.len(),
        3,
        "the builder's options: three replies"
    );
    assert_eq!(configured.wc.options().feed, options);

    // One call overrides both; the builder's choice holds again on the next.
    let page = configured
        .wc
        .home_feed_with(
            &v("me"),
            &DefaultRanker::default(),
            &FeedOptions::default(),
            &first,
        )
        .await
        .unwrap();
    assert_ne!(ids(&page.items), posts, "the call's ranker wins");
    let oldest = page
        .items
        .iter()
        .find(|i| i.post.post.id == posts[0])
        .unwrap();
    assert_eq!(oldest.replies.len(), 2, "the call's options win");
    let page = configured.wc.home_feed(&v("me"), &first).await.unwrap();
    assert_eq!(ids(&page.items), posts);
}

#[tokio::test]
async fn bad_cursors_limits_and_viewers_are_refused() {
    let w = world();
    w.follow("me", FollowTarget::Person("friend".into())).await;
    publish_batch(&w, 10, "x").await;
    let first = w.feed("me", 3).await;
    let good = first.next.clone().unwrap();
    let invalid = |r: watercooler_core::Result<FeedPage>| {
        matches!(r, Err(watercooler_core::Error::Invalid { .. }))
    };
    for garbage in [
        "",
        "abc",
        "r1",
        "r1zz",
        &good.as_str()[..20],
        &format!("{}0", good.as_str()),
    ] {
        assert!(
            invalid(
                w.wc.home_feed(&v("me"), &PageRequest::after(Cursor::new(garbage), 3))
                    .await
            ),
            "{garbage}"
        );
    }
    // A chronological feed's cursor is not a home feed cursor.
    let chrono =
        w.wc.profile_feed(&v("me"), &"friend".into(), &PageRequest::first(1))
            .await
            .unwrap();
    let chrono = PageRequest::after(chrono.next.unwrap(), 3);
    assert!(invalid(w.wc.home_feed(&v("me"), &chrono).await));
    assert!(invalid(
        w.wc.home_feed(&v("me"), &PageRequest::first(0)).await
    ));
    assert!(invalid(
        w.wc.home_feed(&v("me"), &PageRequest::first(201)).await
    ));
    // A good cursor with a bad limit is still refused.
    let too_many = PageRequest::after(good.clone(), 201);
    assert!(invalid(w.wc.home_feed(&v("me"), &too_many).await));
    assert!(matches!(
        w.wc.home_feed(&v("nobody"), &PageRequest::first(3)).await,
        Err(watercooler_core::Error::Forbidden { .. })
    ));
    // Someone else's cursor only positions *my* feed: nothing of theirs leaks.
    let mine: HashSet<PostId> = ids(&w.feed("stranger", 200).await.items)
        .into_iter()
        .collect();
    let page =
        w.wc.home_feed(&v("stranger"), &PageRequest::after(good, 50))
            .await
            .unwrap();
    assert!(ids(&page.items).iter().all(|id| mine.contains(id)));
}

#[tokio::test]
async fn group_feed_is_for_members_and_says_nothing_to_others() {
    let w = world();
    let mut team_posts = Vec::new();
    for i in 0..5 {
        team_posts.push(
            w.post("friend", NewPost::new(format!("team {i}")).in_group("team"))
                .await,
        );
    }
    w.post("friend", NewPost::new("public")).await;
    let page =
        w.wc.group_feed(&v("me"), &"team".into(), &PageRequest::first(3))
            .await
            .unwrap();
    let first: Vec<PostId> = page.items.iter().map(|p| p.post.id).collect();
    assert_eq!(
        first,
        [team_posts[4].id, team_posts[3].id, team_posts[2].id]
    );
    // Paging while a new post arrives: the next page continues where this one ended.
    w.post("friend", NewPost::new("team new").in_group("team"))
        .await;
    let next =
        w.wc.group_feed(
            &v("me"),
            &"team".into(),
            &PageRequest::after(page.next.unwrap(), 3),
        )
        .await
        .unwrap();
    let second: Vec<PostId> = next.items.iter().map(|p| p.post.id).collect();
    assert_eq!(second, [team_posts[1].id, team_posts[0].id]);

    let outsider =
        w.wc.group_feed(&v("stranger"), &"team".into(), &PageRequest::first(10))
            .await
            .unwrap();
    let unknown =
        w.wc.group_feed(&v("stranger"), &"nope".into(), &PageRequest::first(10))
            .await
            .unwrap();
    assert!(outsider.items.is_empty() && outsider.next.is_none());
    assert_eq!(
        outsider, unknown,
        "a private group and no group look the same"
    );
}

#[tokio::test]
async fn hashtag_feed_matches_every_spelling_and_only_visible_posts() {
    let w = world();
    let spellings = ["#café", "#Café", "#CAFÉ", "#cafe\u{301}", "＃ｃａｆé"];
    let mut visible = Vec::new();
    for s in spellings {
        visible.push(
            w.post("friend", NewPost::new(format!("koffie {s}")))
                .await
                .id,
        );
    }
    let other = w.post("friend", NewPost::new("#cafe zonder accent")).await;
    let club = w
        .post(
            "stranger",
            NewPost::new("#café in de club").in_group("club"),
        )
        .await;
    let page =
        w.wc.hashtag_feed(&v("me"), "Café", &PageRequest::first(50))
            .await
            .unwrap();
    let mut got: Vec<PostId> = page.items.iter().map(|p| p.post.id).collect();
    got.reverse();
    assert_eq!(got, visible);
    assert!(!got.contains(&other.id) && !got.contains(&club.id));
    let club_view =
        w.wc.hashtag_feed(&v("stranger"), "#café", &PageRequest::first(50))
            .await
            .unwrap();
    assert!(club_view.items.iter().any(|p| p.post.id == club.id));
    for bad in [
        "",
        "#",
        "\u{200b}",
        "hello world",
        ".abc",
        "#café!",
        " café",
        "2024",
        &"a".repeat(100_000),
    ] {
        assert!(
            matches!(
                w.wc.hashtag_feed(&v("me"), bad, &PageRequest::first(5))
                    .await,
                Err(watercooler_core::Error::Invalid { field: "tag", .. })
            ),
            "{}",
            bad.chars().take(20).collect::<String>()
        );
    }
    // Full-width sign, and a key as follows() lists it.
    for good in ["＃CAFÉ", "café"] {
        let page =
            w.wc.hashtag_feed(&v("me"), good, &PageRequest::first(50))
                .await
                .unwrap();
        assert_eq!(page.items.len(), visible.len(), "{good}");
    }
}

#[tokio::test]
async fn hashtag_feed_skips_muted_posts_and_keeps_filling_the_page() {
    let w = world();
    let mut keep = Vec::new();
    for i in 0..12 {
        let who = if i % 3 == 0 { "friend" } else { "muted" };
        let p = w.post(who, NewPost::new(format!("#lunch {i}"))).await;
        if who == "friend" {
            keep.push(p.id);
        }
    }
    w.wc.mute(&v("me"), MuteTarget::Person("muted".into()))
        .await
        .unwrap();
    let mut got = Vec::new();
    let mut page = PageRequest::first(2);
    loop {
        let p = w.wc.hashtag_feed(&v("me"), "lunch", &page).await.unwrap();
        got.extend(p.items.iter().map(|v| v.post.id));
        match p.next {
            Some(c) => page = PageRequest::after(c, 2),
            None => break,
        }
    }
    got.reverse();
    assert_eq!(got, keep);
}

#[tokio::test]
async fn profile_feed_shows_what_the_viewer_may_see_of_that_person() {
    let w = world();
    let public = w.post("stranger", NewPost::new("openbaar")).await;
    let club = w
        .post("stranger", NewPost::new("club").in_group("club"))
        .await;
    let to_me = w
        .post(
            "stranger",
            NewPost::new("voor jou").direct_to(["me".into()]),
        )
        .await;
    let to_friend = w
        .post(
            "stranger",
            NewPost::new("voor friend").direct_to(["friend".into()]),
        )
        .await;
    let reply =
        w.wc.reply(&v("stranger"), &public.id, "mijn eigen antwoord")
            .await
            .unwrap();
    let got: Vec<PostId> =
        w.wc.profile_feed(&v("me"), &"stranger".into(), &PageRequest::first(50))
            .await
            .unwrap()
            .items
            .iter()
            .map(|p| p.post.id)
            .collect();
    assert_eq!(got, [to_me.id, public.id]);
    assert!(!got.contains(&club.id) && !got.contains(&to_friend.id) && !got.contains(&reply.id));
    let own: Vec<PostId> =
        w.wc.profile_feed(&v("stranger"), &"stranger".into(), &PageRequest::first(50))
            .await
            .unwrap()
            .items
            .iter()
            .map(|p| p.post.id)
            .collect();
    assert_eq!(own, [to_friend.id, to_me.id, club.id, public.id]);
}

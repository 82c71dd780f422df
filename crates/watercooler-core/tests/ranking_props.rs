//! Property tests: the ranking is a total, deterministic order whose explanations add up,
//! and no feed or trend ever shows a viewer a post they may not see, in random small worlds.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use proptest::prelude::*;
use watercooler_core::rank::{DefaultRanker, Ranker, RankerConfig, ViewerContext, cmp_ranked};
use watercooler_core::store::{Candidate, CandidateSources};
use watercooler_core::trends::TrendOptions;
use watercooler_core::watercooler_text::hashtag_key;
use watercooler_core::{
    Access, Clock, FollowTarget, Group, GroupId, GroupKind, HashtagRef, Language, ManualClock,
    MemoryDirectory, MemoryStore, MentionRef, MuteTarget, NewPost, PageRequest, Person, PersonId,
    Post, PostId, PostStats, PostView, ReactionKind, TenantId, Viewer, Visibility, Watercooler,
};

fn epoch() -> DateTime<Utc> {
    DateTime::from_timestamp(1_360_000_000, 0).unwrap()
}

// ----- the ranker, pure --------------------------------------------------------------------

/// One random candidate: (author, age in minutes, reactions, replies, visibility group,
/// mentions viewer, tags, pinned, popular).
type RawCandidate = (u8, u32, u16, u16, Option<u8>, bool, Vec<u8>, bool, bool);

fn raw_candidate() -> impl Strategy<Value = RawCandidate> {
    (
        0u8..8,
        0u32..200_000,
        any::<u16>(),
        0u16..500,
        prop::option::of(0u8..4),
        any::<bool>(),
        prop::collection::vec(0u8..6, 0..4),
        prop::bool::weighted(0.1),
        any::<bool>(),
    )
}

fn build(raw: &[RawCandidate], now: DateTime<Utc>) -> Vec<Candidate> {
    raw.iter()
        .enumerate()
        .map(
            |(i, (author, age, reactions, replies, group, mention, tags, pinned, popular))| {
                let created_at = now - Duration::minutes(i64::from(*age));
                let post = Post {
                    id: PostId::from_parts(created_at, i as u64),
                    tenant: "t".into(),
                    author: format!("p{author}").into(),
                    text: String::new(),
                    language: Language::unknown(),
                    created_at,
                    edited_at: None,
                    visibility: match group {
                        Some(g) => Visibility::group(format!("g{g}")),
                        None => Visibility::Organization,
                    },
                    reply_to: None,
                    thread_root: None,
                    announcement: *pinned,
                    pinned_until: pinned.then(|| now + Duration::hours(1)),
                    hashtags: tags
                        .iter()
                        .map(|t| HashtagRef {
                            key: hashtag_key(&format!("tag{t}")),
                            display: format!("Tag{t}"),
                            range: 0..1,
                        })
                        .collect(),
                    mentions: if *mention {
                        vec![MentionRef {
                            person: "p0".into(),
                            handle: "p0".into(),
                            range: 0..1,
                        }]
                    } else {
                        Vec::new()
                    },
                    urls: Vec::new(),
                };
                let mut stats = PostStats::default();
                stats.reactions[usize::from(*reactions % 5)] = u32::from(*reactions);
                stats.replies = u32::from(*replies);
                Candidate {
                    view: PostView { post, stats },
                    sources: CandidateSources {
                        popular: *popular,
                        ..CandidateSources::default()
                    },
                }
            },
        )
        .collect()
}

/// A viewer `p0` whose relations come from bit masks over the 8 people, 4 groups and 6 tags.
fn context(bits: u64, cands: &[Candidate]) -> ViewerContext {
    let mut c = ViewerContext::new("p0");
    let bit = |i: u32| bits >> (i % 64) & 1 == 1;
    for p in 0..8u32 {
        let id = PersonId::from(format!("p{p}"));
        if bit(p) {
            c.follows.insert(id.clone());
        }
        if bit(8 + p) {
            c.interactions.insert(id.clone(), p * 3);
        }
        if bit(16 + p) {
            c.manager_chain.push(id.clone());
        }
        c.departments
            .insert(id, if bit(24 + p) { "HR" } else { "IT" }.into());
    }
    c.department = Some("HR".into());
    for g in 0..4u32 {
        if bit(32 + g) {
            c.groups.insert(GroupId::from(format!("g{g}")));
        }
    }
    for t in 0..6u32 {
        if bit(36 + t) {
            c.followed_tags.insert(hashtag_key(&format!("tag{t}")));
        }
    }
    for (i, cand) in cands.iter().enumerate() {
        if bit(42 + (i as u32 % 22)) {
            c.seen.insert(cand.view.post.id);
        }
    }
    c
}

fn config() -> impl Strategy<Value = RankerConfig> {
    let w = || 0.0f64..100.0;
    (
        (
            0.01f64..1000.0,
            w(),
            w(),
            w(),
            0.01f64..1000.0,
            w(),
            w(),
            w(),
        ),
        (
            w(),
            w(),
            0.01f64..100.0,
            w(),
            w(),
            0u32..5,
            0.0f64..=1.0,
            0.0f64..=1.0,
        ),
        (0.0f64..=1.0, 0.0f64..1e6),
    )
        .prop_map(|(a, b, c)| {
            let mut cfg = RankerConfig::default();
            (
                cfg.half_life_hours,
                cfg.base,
                cfg.engagement,
                cfg.reply_weight,
                cfg.engagement_norm_hours,
                cfg.followed_author,
                cfg.group,
                cfg.department,
            ) = a;
            (
                cfg.manager_chain,
                cfg.interactions,
                cfg.interactions_half,
                cfg.mention,
                cfg.followed_hashtag,
                cfg.followed_hashtag_cap,
                cfg.seen,
                cfg.diversity_floor,
            ) = b;
            (cfg.diversity_decay, cfg.pinned_boost) = c;
            cfg
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn ranking_is_a_total_deterministic_order_and_explanations_add_up(
        raw in prop::collection::vec(raw_candidate(), 0..60),
        bits in any::<u64>(),
        cfg in config(),
    ) {
        let now = epoch();
        let cands = build(&raw, now);
        let ctx = context(bits, &cands);
        let ranker = DefaultRanker::new(cfg).unwrap();
        let ranked = ranker.rank(&ctx, &cands, now);

        // A permutation of the candidates.
        let mut idx: Vec<usize> = ranked.iter().map(|r| r.index).collect();
        idx.sort_unstable();
        prop_assert_eq!(idx, (0..cands.len()).collect::<Vec<_>>());
        for r in &ranked {
            prop_assert!(r.score.is_finite() && r.unseen_score.is_finite());
            prop_assert!(r.score >= 0.0);
            prop_assert!(r.unseen_score >= r.score);
            prop_assert_eq!(r.post, cands[r.index].view.post.id);
            let e = ranker.explain(&ctx, &cands[r.index], r, now);
            prop_assert_eq!(e.total, r.score);
            let tol = 1e-9 * e.total.abs().max(1.0);
            prop_assert!((e.sum() - e.total).abs() <= tol, "{:?}", e);
            prop_assert!(e.parts.iter().all(|p| p.contribution.is_finite() && !p.label.is_empty()));
        }
        // Strictly ordered: no ties survive the id tie-break.
        for w in ranked.windows(2) {
            prop_assert!(cmp_ranked(&w[0], &w[1]).is_lt());
        }
        // Deterministic, and independent of the input order.
        prop_assert_eq!(&ranker.rank(&ctx, &cands, now), &ranked);
        let mut rev = cands.clone();
        rev.reverse();
        let posts = |r: &[watercooler_core::rank::Ranked]| r.iter().map(|r| (r.post, r.score.to_bits())).collect::<Vec<_>>();
        prop_assert_eq!(posts(&ranker.rank(&ctx, &rev, now)), posts(&ranked));
    }
}

// ----- random worlds through the service ---------------------------------------------------

const PEOPLE: usize = 5;
const GROUPS: usize = 3;
const TAGS: [&str; 5] = ["Koffie", "café", "CAFÉ", "lunch", "Project_X"];
const TENANTS: [&str; 2] = ["t0", "t1"];

/// One step of a random history: (kind, a, b, c).
type Op = (u8, u8, u8, u8);

fn person(tenant: usize, p: usize) -> Viewer {
    Viewer::new(TENANTS[tenant], format!("{}p{p}", TENANTS[tenant]))
}

fn group(tenant: usize, g: usize) -> GroupId {
    GroupId::from(format!("{}g{g}", TENANTS[tenant]))
}

struct Truth {
    posts: HashMap<PostId, Post>,
    deleted: HashSet<PostId>,
}

async fn build_world(
    members: u32,
    private: u8,
    ops: &[Op],
) -> (Watercooler, Arc<ManualClock>, Truth) {
    let dir = MemoryDirectory::new();
    for (ti, t) in TENANTS.iter().enumerate() {
        let tenant = TenantId::new(*t);
        for p in 0..PEOPLE {
            let v = person(ti, p);
            // The same handles in both tenants: mentions must resolve within the tenant.
            let mut who = Person::new(v.person.clone(), format!("p{p}"), format!("P{p}"));
            who.admin = p == 0;
            dir.add_person(&tenant, who).unwrap();
        }
        for g in 0..GROUPS {
            let kind = GroupKind::Community;
            let grp = Group {
                id: group(ti, g),
                name: format!("G{g}"),
                kind,
                private: private >> g & 1 == 1,
            };
            dir.add_group(&tenant, grp).unwrap();
            for p in 0..PEOPLE {
                if members >> ((ti * GROUPS + g) * PEOPLE + p) & 1 == 1 {
                    dir.add_member(&tenant, &group(ti, g), &person(ti, p).person)
                        .unwrap();
                }
            }
        }
    }
    let clock = Arc::new(ManualClock::new(epoch()));
    let store = Arc::new(MemoryStore::new());
    let wc = Watercooler::builder(store, Arc::new(dir))
        .clock(clock.clone())
        .id_salt(3)
        .build();
    let mut truth = Truth {
        posts: HashMap::new(),
        deleted: HashSet::new(),
    };
    let mut order: Vec<PostId> = Vec::new();

    for &(kind, a, b, c) in ops {
        let ti = usize::from(a) % 2;
        let who = person(ti, usize::from(a / 2) % PEOPLE);
        // An earlier post (maybe deleted, maybe invisible to `who`).
        let picked = (!order.is_empty()).then(|| order[usize::from(b) % order.len()]);
        clock.advance(Duration::minutes(i64::from(c % 90) + 1));
        // Errors are part of the game (posting in a group one is not in, replying to an
        // invisible post, deleting someone else's): the service refuses and nothing changes.
        match kind % 10 {
            0..=3 => {
                let tag = TAGS[usize::from(b) % TAGS.len()];
                let mention = usize::from(c) % PEOPLE;
                let text = format!(
                    "hallo #{tag} @p{mention} {}",
                    ["koffie", "cafe", "werk"][usize::from(b) % 3]
                );
                let post = match c % 4 {
                    0 | 1 => NewPost::new(text),
                    2 => NewPost::new(text).in_group(group(ti, usize::from(b) % GROUPS)),
                    _ => NewPost::new(text).direct_to([person(ti, usize::from(b) % PEOPLE).person]),
                };
                let post = if b % 7 == 0 && who.person.as_str().ends_with("p0") {
                    post.announcement()
                } else {
                    post
                };
                if let Ok(p) = wc.publish(&who, post).await {
                    if p.announcement {
                        let _ = wc
                            .pin(
                                &who,
                                &p.id,
                                clock.now() + Duration::hours(i64::from(b % 48) + 1),
                            )
                            .await;
                    }
                    order.push(p.id);
                    truth.posts.insert(p.id, p);
                }
            }
            4 => {
                if let Some(parent) = picked
                    && let Ok(p) = wc
                        .reply(
                            &who,
                            &parent,
                            &format!("antwoord #{}", TAGS[usize::from(c) % TAGS.len()]),
                        )
                        .await
                {
                    order.push(p.id);
                    truth.posts.insert(p.id, p);
                }
            }
            5 => {
                let target = match c % 3 {
                    0 => FollowTarget::Person(person(ti, usize::from(b) % PEOPLE).person),
                    1 => FollowTarget::Hashtag(hashtag_key(TAGS[usize::from(b) % TAGS.len()])),
                    _ => FollowTarget::Group(group(ti, usize::from(b) % GROUPS)),
                };
                let _ = wc.follow(&who, target).await;
            }
            6 => {
                let target = match c % 3 {
                    0 => MuteTarget::Person(person(ti, usize::from(b) % PEOPLE).person),
                    1 => MuteTarget::Hashtag(hashtag_key(TAGS[usize::from(b) % TAGS.len()])),
                    _ => MuteTarget::Word(["koffie", "cafe", "werk"][usize::from(b) % 3].into()),
                };
                let _ = wc.mute(&who, target).await;
            }
            7 => {
                if let Some(p) = picked {
                    let _ = wc
                        .react(&who, &p, ReactionKind::ALL[usize::from(c) % 5])
                        .await;
                }
            }
            8 => {
                if let Some(p) = picked {
                    let _ = wc.mark_seen(&who, &[p]).await;
                }
            }
            _ => {
                if let Some(p) = picked
                    && wc.delete(&who, &p).await.is_ok()
                {
                    // Deleting a root deletes its thread.
                    let gone: Vec<PostId> = truth
                        .posts
                        .values()
                        .filter(|q| q.id == p || q.thread_root == Some(p))
                        .map(|q| q.id)
                        .collect();
                    truth.deleted.extend(gone);
                }
            }
        }
    }
    clock.advance(Duration::minutes(5));
    (wc, clock, truth)
}

/// Fails the property if `shown` is not a live post `access` may see.
fn check_visible(
    truth: &Truth,
    access: &Access,
    shown: &Post,
    place: &str,
) -> Result<(), TestCaseError> {
    let real = truth.posts.get(&shown.id);
    prop_assert!(real.is_some(), "{}: unknown post {}", place, shown.id);
    let real = real.unwrap();
    prop_assert!(
        !truth.deleted.contains(&shown.id),
        "{}: deleted post {}",
        place,
        shown.id
    );
    prop_assert!(
        access.can_see(real),
        "{}: invisible post {:?} shown to {:?}",
        place,
        real,
        access
    );
    Ok(())
}

async fn check_world(
    wc: &Watercooler,
    clock: &ManualClock,
    truth: &Truth,
) -> Result<(), TestCaseError> {
    let mut loose = TrendOptions::default();
    loose.min_authors = 1;
    loose.min_score = 0.0;
    loose.limit = 200;
    // Six-hour buckets over the whole history, so several authors share a bucket and
    // many trends form.
    loose.bucket_seconds = 6 * 3600;
    loose.history = 1;
    loose.peak_buckets = 40;
    let since = loose.since(clock.now());

    for ti in 0..TENANTS.len() {
        for p in 0..PEOPLE {
            let viewer = person(ti, p);
            let access = wc.access(&viewer).await.unwrap();

            // Home feed, every page, small pages.
            let mut request = PageRequest::first(3);
            let mut seen_items = HashSet::new();
            for _ in 0..100 {
                let page = wc.home_feed(&viewer, &request).await.unwrap();
                for item in &page.items {
                    check_visible(truth, &access, &item.post.post, "home feed")?;
                    prop_assert!(!item.post.post.is_reply(), "a reply as a feed item");
                    prop_assert!(
                        seen_items.insert(item.post.post.id),
                        "repeated across pages"
                    );
                    for r in &item.replies {
                        check_visible(truth, &access, &r.post, "home feed reply")?;
                        prop_assert_eq!(r.post.thread_root, Some(item.post.post.id));
                    }
                }
                match page.next {
                    Some(c) => request = PageRequest::after(c, 3),
                    None => break,
                }
            }

            // Chronological feeds: every group and person of both tenants, every tag.
            for gt in 0..TENANTS.len() {
                for g in 0..GROUPS {
                    let page = wc
                        .group_feed(&viewer, &group(gt, g), &PageRequest::first(200))
                        .await
                        .unwrap();
                    for v in &page.items {
                        check_visible(truth, &access, &v.post, "group feed")?;
                    }
                }
                for q in 0..PEOPLE {
                    let page = wc
                        .profile_feed(&viewer, &person(gt, q).person, &PageRequest::first(200))
                        .await
                        .unwrap();
                    for v in &page.items {
                        check_visible(truth, &access, &v.post, "profile feed")?;
                    }
                }
            }
            for tag in TAGS {
                let page = wc
                    .hashtag_feed(&viewer, tag, &PageRequest::first(200))
                    .await
                    .unwrap();
                for v in &page.items {
                    check_visible(truth, &access, &v.post, "hashtag feed")?;
                }
            }

            // Trends: every key and every count comes from posts this viewer may see.
            let mut visible: BTreeMap<(String, i64), BTreeSet<PersonId>> = BTreeMap::new();
            for post in truth.posts.values() {
                if truth.deleted.contains(&post.id)
                    || !access.can_see(post)
                    || post.created_at < since
                {
                    continue;
                }
                let bucket = post.created_at.timestamp().div_euclid(loose.bucket_seconds)
                    * loose.bucket_seconds;
                for h in &post.hashtags {
                    visible
                        .entry((h.key.as_str().to_owned(), bucket))
                        .or_default()
                        .insert(post.author.clone());
                }
            }
            for trend in wc.trending_hashtags_with(&viewer, &loose).await.unwrap() {
                let key = (trend.key.as_str().to_owned(), trend.peak_at.timestamp());
                let authors = visible.get(&key).map_or(0, |s| s.len() as u32);
                prop_assert_eq!(trend.authors, authors, "trend {:?} for {:?}", trend, viewer);
            }
        }
    }
    Ok(())
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn no_feed_or_trend_ever_shows_an_invisible_post(
        members in any::<u32>(),
        private in any::<u8>(),
        ops in prop::collection::vec((any::<u8>(), any::<u8>(), any::<u8>(), any::<u8>()), 20..90),
    ) {
        let rt = runtime();
        rt.block_on(async {
            let (wc, clock, truth) = build_world(members, private, &ops).await;
            check_world(&wc, &clock, &truth).await
        })?;
    }
}

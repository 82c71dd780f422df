//! Instruction counts (gungraun, under valgrind's callgrind) of the CPU-bound paths: entity
//! extraction, hashtag keys, ranking, the in-memory home feed and search on a RAM index.
//!
//! Unlike the criterion benches these do not measure time: each benchmark runs once and
//! callgrind counts the instructions of the benchmark function alone (the setup that builds
//! its input is excluded). The count does not depend on the machine's load, which is what
//! lets CI gate on it: `.ci/bench-instructions` compares every count with
//! `benches/baselines/instructions.json` and `.ci/bench-baseline` rewrites that file. See
//! docs/benchmarks.md (section "Instruction counts in CI").
//!
//! ```sh
//! cargo install --locked --version 0.20.0 gungraun-runner   # once; must match gungraun
//! cargo bench -p watercooler-workspace --bench instructions
//! ```
//!
//! Inputs are small (a few hundred posts of text, a world of a few thousand posts) because
//! everything, setup included, runs under valgrind, tens of times slower than native. They are
//! deterministic: the text comes from the start of the generated corpus and the feed and
//! search worlds from a fixed generator, so two runs do the same work.

// gungraun's macros generate undocumented modules for each benchmark and group.
#![allow(missing_docs)]

use std::hint::black_box;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use gungraun::{library_benchmark, library_benchmark_group, main};
use tokio::runtime::{Builder, Runtime};
use watercooler::rank::{DefaultRanker, FeedPage, Ranker, ViewerContext};
use watercooler::search::{
    IndexResults, SearchQuery, SearchRequest, TantivyIndex, TantivyOptions, parse,
};
use watercooler::store::Candidate;
use watercooler::watercooler_text::{Extractor, TagKey, handle_key, hashtag_key};
use watercooler::{
    Access, Directory, FollowTarget, Group, GroupKind, ImportedPost, Language, ManualClock,
    MemoryDirectory, MemoryStore, NewPost, PageRequest, ParentRef, Person, PostId, Reaction,
    ReactionKind, Store, TenantId, Viewer, Visibility, Watercooler,
};

// ----- shared helpers ------------------------------------------------------------------------

/// A small deterministic generator (no RNG dependency, no OS entropy): SplitMix64.
struct Mix(u64);

impl Mix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn pick<'a, T: ?Sized>(&mut self, items: &[&'a T]) -> &'a T {
        items[self.below(items.len())]
    }
}

/// The `text` of the first `n` posts of the generated `standard` corpus (fixed by the
/// digest test in tests/corpus_generate.rs).
fn corpus_texts(n: usize) -> Vec<String> {
    watercooler_workspace::corpus::generate::post_texts(
        &watercooler_workspace::corpus::Config::standard(),
        n,
    )
    .expect("the standard corpus is valid")
}

/// A current-thread runtime: the memory store and the service run on the calling thread,
/// so every instruction of a feed call is on the thread callgrind counts.
fn runtime() -> Runtime {
    Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime")
}

// ----- text: extraction and keys -------------------------------------------------------------

/// Posts extracted per iteration: ~60 kB of ordinary intranet text.
const EXTRACT_POSTS: usize = 500;

fn extract_corpus_input() -> (Extractor, Vec<String>) {
    (Extractor::default(), corpus_texts(EXTRACT_POSTS))
}

/// The inputs that make backtracking extractors quadratic, 10 kB each: a linear extractor
/// costs about the same per byte on these as on prose, a quadratic one explodes here first.
fn extract_pathological_input() -> (Extractor, Vec<String>) {
    const N: usize = 10_000;
    let inputs = vec![
        "a.".repeat(N / 2),
        "@".repeat(N),
        "#".repeat(N),
        "www.".repeat(N / 4),
        format!("https://example.com/{}", "-".repeat(N)),
        format!("#{}", "_".repeat(N)),
        format!("#a{}", "\u{301}".repeat(N / 2)),
        "a".repeat(N),
        format!("a{}", ".com_b".repeat(N / 6)),
    ];
    (Extractor::default(), inputs)
}

#[library_benchmark]
#[bench::corpus_500_posts(extract_corpus_input())]
#[bench::pathological_9x10kb(extract_pathological_input())]
fn extract(input: (Extractor, Vec<String>)) -> ((Extractor, Vec<String>), usize) {
    let (x, texts) = &input;
    let mut n = 0;
    for t in texts {
        n += black_box(x.extract(black_box(t))).len();
    }
    (input, n)
}

/// Hashtags typed in the first posts of the corpus (whitespace tokens starting with `#`,
/// as benches/text_keys.rs finds them), ASCII ones only: the fast path most keys take.
fn ascii_tags_input() -> Vec<String> {
    let mut tags: Vec<String> = corpus_texts(20_000)
        .iter()
        .flat_map(|t| {
            t.split_whitespace()
                .filter(|w| w.starts_with('#') && w.len() > 1 && w.is_ascii())
                .map(|w| w[1..].to_owned())
                .collect::<Vec<_>>()
        })
        .collect();
    tags.truncate(1_000);
    assert_eq!(tags.len(), 1_000, "the corpus has enough hashtags");
    tags
}

/// Tags that take the full NFKC → case fold → NFKC path: accents composed and decomposed,
/// `ß`/`ẞ`, Turkish `İ`, full-width letters, Greek final sigma, CJK, ZWJ emoji, zero-width
/// and variation-selector junk. 50 distinct spellings, 20 times each.
fn unicode_tags_input() -> Vec<String> {
    let base = [
        "Café",
        "cafe\u{301}",
        "CAFÉ",
        "Zähler",
        "Za\u{308}hler",
        "Straße",
        "STRAẞE",
        "İstanbul",
        "ıstanbul",
        "ＣＡＦＥ",
        "ＶＥＲＧＡＤＥＲＩＮＧ",
        "ΟΔΥΣΣΕΥΣ",
        "οδυσσευς",
        "日本語",
        "東京オリンピック",
        "한국어",
        "Ελληνικά",
        "Русский",
        "раураl",
        "مرحبا",
        "שלום",
        "हिन्दी",
        "ไทย",
        "tag\u{200B}wijs",
        "tag\u{FE0F}\u{FE0F}\u{FE0F}",
        "👩\u{200D}💻dev",
        "Duurzaamheid",
        "DUURZAAMHEID",
        "ĳsselmeer",
        "Ĳssel",
        "ﬁnance",
        "Ⅻuur",
        "naïef",
        "coöperatie",
        "Überstunden",
        "Ærø",
        "Øresund",
        "Łódź",
        "Škoda",
        "Ćevapi",
        "Ñandú",
        "Ça_va",
        "Ğüzel",
        "Ȿ_ɀ",
        "ǅemal",
        "ΣΊΣΥΦΟΣ",
        "Ⓐⓑⓒ",
        "𝔐𝔞𝔱𝔥",
        "ꭰꭱꭲ",
        "Ꭰ_Ꭱ",
    ];
    assert_eq!(base.len(), 50);
    (0..20)
        .flat_map(|_| base.iter().map(|s| (*s).to_owned()))
        .collect()
}

#[library_benchmark]
#[bench::ascii_1000_corpus_tags(ascii_tags_input())]
#[bench::unicode_1000_tags(unicode_tags_input())]
fn keys(tags: Vec<String>) -> (Vec<String>, usize) {
    let mut n = 0;
    for t in &tags {
        let key: TagKey = hashtag_key(black_box(t));
        n += black_box(key).as_str().len();
    }
    (tags, n)
}

library_benchmark_group!(name = text, benchmarks = [extract, keys]);

// ----- ranking -------------------------------------------------------------------------------

fn corpus_now() -> DateTime<Utc> {
    DateTime::from_timestamp(1_360_108_799, 0).expect("valid time")
}

/// Candidates and a viewer context shaped like a home feed's: the same as benches/rank.rs.
fn rank_input(n: usize) -> (ViewerContext, Vec<Candidate>) {
    watercooler_workspace::rank_input::candidates(n)
}

// A whole `rank` call: signals, scores, author diversity, sorts, explanations. (Plain
// comments: gungraun's attribute accepts no doc attributes.)
#[library_benchmark]
#[bench::candidates_1000(rank_input(1_000))]
fn rank(input: (ViewerContext, Vec<Candidate>)) -> (ViewerContext, Vec<Candidate>) {
    let (ctx, cands) = &input;
    black_box(DefaultRanker::default().rank(ctx, black_box(cands), corpus_now()));
    input
}

library_benchmark_group!(name = ranking, benchmarks = [rank]);

// ----- a synthetic company, for the feed and search ------------------------------------------

const TENANT: &str = "acme";
const PEOPLE: usize = 300;
const GROUPS: usize = 12;
/// Groups `g0`..`g3` are private.
const PRIVATE_GROUPS: usize = 4;
const FOLLOWS_PER_PERSON: usize = 25;

const FIRST: [&str; 16] = [
    "Jan", "Emma", "Sanne", "Daan", "Lotte", "Bram", "Fleur", "Thijs", "Olivia", "James", "Sophie",
    "Harry", "Noor", "Ruben", "Grace", "Liam",
];
const LAST: [&str; 12] = [
    "de Vries", "Jansen", "Bakker", "Visser", "Smit", "Meijer", "Smith", "Brown", "Taylor",
    "Wilson", "van Dijk", "Mulder",
];
const DEPARTMENTS: [&str; 6] = ["HR", "IT", "Sales", "Finance", "Legal", "Support"];
const DUTCH: [&str; 24] = [
    "de",
    "vergadering",
    "van",
    "morgen",
    "gaat",
    "niet",
    "door",
    "koffie",
    "automaat",
    "kapot",
    "wie",
    "heeft",
    "tijd",
    "voor",
    "een",
    "lunch",
    "project",
    "planning",
    "nieuwe",
    "collega",
    "welkom",
    "team",
    "goed",
    "werk",
];
const ENGLISH: [&str; 24] = [
    "the",
    "meeting",
    "is",
    "moved",
    "to",
    "friday",
    "coffee",
    "machine",
    "broken",
    "who",
    "has",
    "time",
    "for",
    "a",
    "lunch",
    "project",
    "planning",
    "new",
    "colleague",
    "welcome",
    "team",
    "great",
    "work",
    "release",
];
const TAGS: [&str; 12] = [
    "duurzaamheid",
    "koffie",
    "lean",
    "Innovatie",
    "café",
    "marketing",
    "onboarding",
    "release",
    "Fitness",
    "vrijdagborrel",
    "security",
    "klantcontact",
];

fn person_id(i: usize) -> String {
    format!("u{i}")
}

fn handle(i: usize) -> String {
    format!(
        "{}.{}{i}",
        FIRST[i % FIRST.len()].to_lowercase(),
        LAST[(i / FIRST.len()) % LAST.len()]
            .to_lowercase()
            .replace(' ', "")
    )
}

/// The groups person `i` belongs to.
fn groups_of(i: usize) -> [usize; 2] {
    [i % GROUPS, (i * 7 + 3) % GROUPS]
}

/// The directory and store of one tenant with `posts` posts over two weeks ending at
/// [`corpus_now`]: 300 people with Dutch and English names, departments and managers, 12
/// groups (4 private), 25 follows and 2 followed tags each; a fifth of the posts are
/// replies, a sixth are group posts, a third carry a hashtag, a tenth mention someone;
/// about two reactions per post. Same every run.
struct World {
    service: Watercooler,
    directory: Arc<MemoryDirectory>,
    store: Arc<MemoryStore>,
    runtime: Runtime,
}

fn world(posts: usize) -> World {
    let runtime = runtime();
    let tenant = TenantId::new(TENANT);
    let directory = Arc::new(MemoryDirectory::new());
    let store = Arc::new(MemoryStore::new());
    let mut m = Mix(0x00C0_FFEE);
    for i in 0..PEOPLE {
        let mut p = Person::new(
            person_id(i),
            handle(i),
            format!(
                "{} {}",
                FIRST[i % FIRST.len()],
                LAST[(i / FIRST.len()) % LAST.len()]
            ),
        );
        p.department = Some(DEPARTMENTS[i % DEPARTMENTS.len()].into());
        p.manager = (i > 0).then(|| person_id(i / 10).into());
        p.locale = Some(if i % 3 == 0 { "en" } else { "nl" }.into());
        directory.add_person(&tenant, p).expect("person");
    }
    for g in 0..GROUPS {
        let group = Group {
            id: format!("g{g}").into(),
            name: format!("Group {g}"),
            kind: if g % 2 == 0 {
                GroupKind::Team
            } else {
                GroupKind::Community
            },
            private: g < PRIVATE_GROUPS,
        };
        directory.add_group(&tenant, group).expect("group");
    }
    for i in 0..PEOPLE {
        for g in groups_of(i) {
            directory
                .add_member(&tenant, &format!("g{g}").into(), &person_id(i).into())
                .expect("member");
        }
    }
    let clock = Arc::new(ManualClock::new(corpus_now()));
    let service = Watercooler::builder(store.clone(), directory.clone())
        .clock(clock)
        .id_salt(0)
        .build();
    runtime.block_on(async {
        for i in 0..PEOPLE {
            let me = person_id(i).into();
            for k in 1..=FOLLOWS_PER_PERSON {
                let other = (i + k * k * 7 + 3) % PEOPLE;
                if other != i {
                    let target = FollowTarget::Person(person_id(other).into());
                    store.follow(&tenant, &me, &target).await.expect("follow");
                }
            }
            for t in [TAGS[i % TAGS.len()], TAGS[(i * 5 + 1) % TAGS.len()]] {
                let target = FollowTarget::Hashtag(hashtag_key(t));
                store.follow(&tenant, &me, &target).await.expect("follow");
            }
        }

        let start = corpus_now() - Duration::days(14);
        let step = Duration::days(14).num_seconds() / posts.max(1) as i64;
        let mut roots: Vec<ParentRef> = Vec::new();
        let mut ids = Vec::with_capacity(posts);
        let mut batch = Vec::new();
        for j in 0..posts {
            let author = m.below(PEOPLE);
            let created_at = start + Duration::seconds(step * j as i64 + 1);
            let dutch = m.below(3) != 0;
            let words: &[&str] = if dutch { &DUTCH } else { &ENGLISH };
            let mut text = String::new();
            for w in 0..8 + m.below(16) {
                if w > 0 {
                    text.push(' ');
                }
                text.push_str(m.pick(words));
            }
            if m.below(3) == 0 {
                text.push_str(" #");
                text.push_str(m.pick(&TAGS));
            }
            if m.below(10) == 0 {
                text.push_str(" @");
                text.push_str(&handle(m.below(PEOPLE)));
            }
            let mut new = NewPost::new(text).language(if dutch {
                Language::dutch()
            } else {
                Language::english()
            });
            if m.below(6) == 0 {
                new.visibility = Visibility::group(format!("g{}", groups_of(author)[0]));
            }
            let parent = (m.below(5) == 0 && !roots.is_empty())
                .then(|| roots[roots.len() - 1 - m.below(roots.len().min(200))].clone());
            let is_root = parent.is_none();
            let item = ImportedPost {
                id: PostId::from_parts(created_at, j as u64),
                author: person_id(author).into(),
                created_at,
                post: new,
                parent,
            };
            let (post, notes) = service
                .prepare_import(&tenant, item)
                .await
                .expect("post prepares");
            if is_root {
                roots.push(ParentRef::of(&post));
            }
            ids.push((post.id, post.created_at));
            if notes.is_empty() {
                batch.push(post);
            } else {
                // Keep the order: what is batched goes first.
                store.insert_posts(&batch).await.expect("insert");
                batch.clear();
                store.insert_post(&post, &notes).await.expect("insert");
            }
        }
        store.insert_posts(&batch).await.expect("insert");

        let kinds = [
            ReactionKind::Like,
            ReactionKind::Celebrate,
            ReactionKind::Support,
            ReactionKind::Insightful,
            ReactionKind::Funny,
        ];
        let mut reactions = Vec::with_capacity(posts * 2);
        for _ in 0..posts * 2 {
            // Recent posts draw more reactions.
            let back = m.below(ids.len()) + 1;
            let (post, at) = ids[ids.len() - 1 - m.below(back)];
            reactions.push(Reaction {
                post,
                person: person_id(m.below(PEOPLE)).into(),
                kind: kinds[m.below(kinds.len())],
                at: at + Duration::minutes(1 + m.below(600) as i64),
            });
        }
        store
            .add_reactions(&tenant, &reactions)
            .await
            .expect("reactions");
    });
    World {
        service,
        directory,
        store,
        runtime,
    }
}

// ----- the home feed -------------------------------------------------------------------------

/// Posts in the feed world: a few thousand, two weeks of a 300-person company.
const FEED_POSTS: usize = 3_000;
const FEED_LIMIT: usize = 20;

/// Someone in a private group, with the usual 25 follows.
fn feed_viewer() -> Viewer {
    Viewer::new(TENANT, person_id(42))
}

fn feed_input() -> (World, PageRequest) {
    let w = world(FEED_POSTS);
    // Run the same call once first, so that state built lazily on a first call (if any)
    // is not counted.
    let first = w
        .runtime
        .block_on(
            w.service
                .home_feed(&feed_viewer(), &PageRequest::first(FEED_LIMIT)),
        )
        .expect("home feed");
    assert_eq!(first.items.len(), FEED_LIMIT, "the viewer has a full page");
    (w, PageRequest::first(FEED_LIMIT))
}

fn feed_page_2_input() -> (World, PageRequest) {
    let (w, first_page) = feed_input();
    let first = w
        .runtime
        .block_on(w.service.home_feed(&feed_viewer(), &first_page))
        .expect("home feed");
    let next = first.next.expect("a second page");
    (w, PageRequest::after(next, FEED_LIMIT))
}

// One `home_feed` call through the service on the memory store: access, follows, the
// candidate query, ranking, replies, explanations.
#[library_benchmark]
#[bench::page_1(feed_input())]
#[bench::page_2(feed_page_2_input())]
fn home_feed(input: (World, PageRequest)) -> ((World, PageRequest), FeedPage) {
    let (w, request) = &input;
    let page = w
        .runtime
        .block_on(w.service.home_feed(black_box(&feed_viewer()), request))
        .expect("home feed");
    (input, page)
}

library_benchmark_group!(name = feed, benchmarks = [home_feed]);

// ----- search on a RAM index ----------------------------------------------------------------

/// Posts in the search world: a few hundred.
const SEARCH_POSTS: usize = 600;

/// A searcher ready to query: the index is built, closed (no follower, no writer
/// threads left), and warmed with one pass of the same queries.
struct SearchInput {
    _world: World,
    index: Arc<TantivyIndex>,
    access: Access,
    queries: Vec<SearchQuery>,
    request: SearchRequest,
}

fn search_input(kind: &str) -> SearchInput {
    let w = world(SEARCH_POSTS);
    let tenant = TenantId::new(TENANT);
    let index = w.runtime.block_on(async {
        let ix = TantivyIndex::open(w.store.clone(), TantivyOptions::in_memory())
            .await
            .expect("index opens");
        ix.close().await.expect("index closes");
        ix
    });
    let access = w
        .runtime
        .block_on(w.service.access(&feed_viewer()))
        .expect("access");
    let texts: Vec<String> = match kind {
        "word" => [
            "vergadering",
            "koffie",
            "meeting",
            "project",
            "lunch",
            "welkom",
        ]
        .map(str::to_owned)
        .to_vec(),
        "two_words" => [
            "koffie automaat",
            "nieuwe collega",
            "coffee machine",
            "project planning",
            "lunch team",
            "great work",
        ]
        .map(str::to_owned)
        .to_vec(),
        "hashtag" => [
            "#koffie",
            "#Café",
            "#lean",
            "#innovatie",
            "#release",
            "#fitness",
        ]
        .map(str::to_owned)
        .to_vec(),
        "from" => (0..6).map(|i| format!("from:{}", handle(i * 37))).collect(),
        other => panic!("unknown query kind {other}"),
    };
    let queries: Vec<SearchQuery> = texts
        .iter()
        .map(|t| {
            let mut q = parse(t);
            let keys = q.handles();
            if !keys.is_empty() {
                let people = w
                    .runtime
                    .block_on(w.directory.resolve_handles(&tenant, &keys))
                    .expect("resolve");
                q.resolve_people(&|k| {
                    people
                        .iter()
                        .find(|p| &handle_key(&p.handle) == k)
                        .map(|p| p.id.clone())
                });
            }
            q
        })
        .collect();
    let request = SearchRequest {
        limit: 20,
        cursor: None,
        now: corpus_now(),
    };
    let mut hits = 0;
    for q in &queries {
        hits += index
            .search_sync(&access, q, &request)
            .expect("search")
            .hits
            .len();
    }
    assert!(hits > 0, "the {kind} queries find something");
    SearchInput {
        _world: w,
        index,
        access,
        queries,
        request,
    }
}

// Six queries of one kind at the index (`search_sync`: permission filter, scoring with
// recency, one page of 20), for a member of a private group.
#[library_benchmark]
#[bench::word(search_input("word"))]
#[bench::two_words(search_input("two_words"))]
#[bench::hashtag(search_input("hashtag"))]
#[bench::from_person(search_input("from"))]
fn search(input: SearchInput) -> (SearchInput, Vec<IndexResults>) {
    let results = input
        .queries
        .iter()
        .map(|q| {
            input
                .index
                .search_sync(&input.access, black_box(q), &input.request)
                .expect("search")
        })
        .collect();
    (input, results)
}

library_benchmark_group!(name = search_ram, benchmarks = [search]);

main!(library_benchmark_groups = text, ranking, feed, search_ram);

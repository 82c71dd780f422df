//! Nobody finds what they may not see. A generated world of two tenants (same person and
//! group ids in both), private and open groups, direct posts, replies, edits, deletes and
//! an erasure; then, for every person and a sample of queries, every page of results is
//! checked: no hit, count, snippet or tag suggestion comes from a post the person may not
//! see (another tenant, a group they are not in, someone else's direct post, deleted or
//! erased), and nothing they may see is missing. Adversarial queries return safe results.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use chrono::{DateTime, Duration};
use watercooler_core::search::{SearchIndex, Suggestion};
use watercooler_core::watercooler_text::hashtag_key;
use watercooler_core::*;
use watercooler_tantivy::{TantivyIndex, TantivyOptions};

const TENANTS: [&str; 2] = ["t1", "t2"];
const PEOPLE: usize = 12;
/// Words the Dutch and English stemmers leave alone, so a plain token match is the oracle.
const WORDS: [&str; 10] = [
    "krimbol", "fratzik", "plonk", "zworp", "quibbix", "dramlok", "snivak", "blorf", "vrakl",
    "glimp",
];
const TAGS: [&str; 4] = ["Duurzaam", "café", "Koffie", "lunch"];

/// A small deterministic generator (xorshift64*), so every run builds the same world.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

fn person(i: usize) -> String {
    format!("p{i}")
}

/// Groups: `g0` private (p0–p2), `g1` open (p3–p6), `g2` private (p0, p7); the same in
/// both tenants.
fn groups() -> Vec<(&'static str, bool, Vec<usize>)> {
    vec![
        ("g0", true, vec![0, 1, 2]),
        ("g1", false, vec![3, 4, 5, 6]),
        ("g2", true, vec![0, 7]),
    ]
}

struct World {
    wc: Watercooler,
    store: Arc<MemoryStore>,
    index: Arc<TantivyIndex>,
}

async fn build() -> World {
    let dir = Arc::new(MemoryDirectory::new());
    for t in TENANTS {
        let tenant = TenantId::new(t);
        for i in 0..PEOPLE {
            dir.add_person(
                &tenant,
                Person::new(person(i), person(i), format!("Person {i} {t}")),
            )
            .unwrap();
        }
        for (g, private, members) in groups() {
            let group = Group {
                id: g.into(),
                name: g.into(),
                kind: GroupKind::Team,
                private,
            };
            dir.add_group(&tenant, group).unwrap();
            for m in members {
                dir.add_member(&tenant, &g.into(), &person(m).into())
                    .unwrap();
            }
        }
    }
    // Erasure is an admin's call; the officer posts nothing and is in no group.
    let mut officer = Person::new("dpo", "dpo", "Privacy officer");
    officer.admin = true;
    dir.add_person(&"t1".into(), officer).unwrap();
    let store = Arc::new(MemoryStore::new());
    let clock = Arc::new(ManualClock::new(
        DateTime::from_timestamp(1_360_000_000, 0).unwrap(),
    ));
    let index = TantivyIndex::open(store.clone(), TantivyOptions::in_memory())
        .await
        .unwrap();
    let wc = Watercooler::builder(store.clone(), dir)
        .clock(clock.clone())
        .id_salt(3)
        .search(index.clone())
        .build();

    let mut rng = Rng(0x5eed_1234_abcd_0001);
    let mut posts: Vec<(TenantId, PersonId, PostId)> = Vec::new();
    for n in 0..500 {
        clock.advance(Duration::minutes(7));
        let t = *rng.pick(&TENANTS);
        let author = rng.below(PEOPLE);
        let viewer = Viewer::new(t, person(author));
        let mut words: Vec<String> = (0..3 + rng.below(5))
            .map(|_| rng.pick(&WORDS).to_string())
            .collect();
        // Words that exist in one tenant only, and in posts that will be deleted.
        words.push(format!("uniek{t}"));
        if rng.below(3) == 0 {
            words.push(format!("#{}", rng.pick(&TAGS)));
        }
        if rng.below(4) == 0 {
            words.push(format!("@{}", person(rng.below(PEOPLE))));
        }
        let text = words.join(" ");
        // Replies to an earlier post of the tenant the author may see.
        if n % 9 == 0
            && let Some((_, _, parent)) = posts
                .iter()
                .rev()
                .filter(|(pt, _, _)| pt.as_str() == t)
                .nth(rng.below(5))
            && let Ok(reply) = wc.reply(&viewer, parent, &text).await
        {
            posts.push((t.into(), reply.author.clone(), reply.id));
            continue;
        }
        let mut new = NewPost::new(text).language(if rng.below(2) == 0 {
            Language::dutch()
        } else {
            Language::english()
        });
        let member_of: Vec<&str> = groups()
            .into_iter()
            .filter(|(_, _, m)| m.contains(&author))
            .map(|(g, _, _)| g)
            .collect();
        match rng.below(20) {
            0..=11 => {}
            12..=16 if !member_of.is_empty() => new = new.in_group(*rng.pick(&member_of)),
            _ => {
                let to: Vec<PersonId> = (0..1 + rng.below(3))
                    .map(|_| PersonId::new(person(rng.below(PEOPLE))))
                    .filter(|p| p.as_str() != person(author))
                    .collect();
                if !to.is_empty() {
                    new = new.direct_to(to);
                }
            }
        }
        let post = wc.publish(&viewer, new).await.unwrap();
        posts.push((t.into(), post.author.clone(), post.id));
    }
    // Edits (new words), deletes (with a word found nowhere else), and an erasure.
    for (i, (t, author, id)) in posts.iter().enumerate() {
        let viewer = Viewer {
            tenant: t.clone(),
            person: author.clone(),
        };
        match i % 17 {
            3 => {
                let _ = wc
                    .edit(
                        &viewer,
                        id,
                        &format!("herschreven {} {}", WORDS[i % 10], WORDS[(i + 3) % 10]),
                    )
                    .await;
            }
            5 => {
                let _ = wc.edit(&viewer, id, "weggaand bericht").await;
                let _ = wc.delete(&viewer, id).await;
            }
            _ => {}
        }
    }
    wc.admin(&Viewer::new("t1", "dpo"))
        .await
        .unwrap()
        .erase_person(&person(11).into())
        .await
        .unwrap();
    index.refresh().await.unwrap();
    World { wc, store, index }
}

/// Every live post of a tenant, by id.
async fn live_posts(store: &MemoryStore, tenant: &str) -> BTreeMap<PostId, Post> {
    let mut out = BTreeMap::new();
    let mut after = None;
    loop {
        let page = store.scan_posts(after.clone(), 200).await.unwrap();
        let Some(last) = page.last() else { break };
        after = Some((last.tenant.clone(), last.id));
        out.extend(
            page.into_iter()
                .filter(|p| p.tenant.as_str() == tenant)
                .map(|p| (p.id, p)),
        );
    }
    out
}

fn tokens(text: &str) -> BTreeSet<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// Removes tags and entities from a snippet, leaving the text it shows.
fn snippet_text(s: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in s.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            '…' => {}
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// All pages of a search, checked for visibility, duplicates, counts and snippets.
async fn search_all(w: &World, access: &Access, viewer: &Viewer, q: &str) -> BTreeSet<PostId> {
    let mut seen = BTreeSet::new();
    let mut page = PageRequest::first(40);
    let mut total = None;
    for _ in 0..100 {
        let r =
            w.wc.search(viewer, q, &page)
                .await
                .unwrap_or_else(|e| panic!("{q:?}: {e}"));
        total.get_or_insert(r.total);
        for hit in &r.hits {
            let post = &hit.view.post;
            assert!(
                access.can_see(post),
                "{viewer:?} got an invisible post for {q:?}"
            );
            assert!(seen.insert(post.id), "{q:?}: duplicate hit");
            let shown = snippet_text(&hit.snippet);
            assert!(
                post.text.contains(&shown),
                "{q:?}: snippet {shown:?} not from {:?}",
                post.text
            );
        }
        match r.next {
            Some(c) => page = PageRequest::after(c, 40),
            None => break,
        }
    }
    assert_eq!(
        total.unwrap_or(0),
        seen.len() as u64,
        "{viewer:?} {q:?}: count"
    );
    seen
}

#[tokio::test]
async fn nobody_finds_what_they_may_not_see() {
    let w = build().await;
    let mut queries: Vec<String> = WORDS.iter().map(|s| s.to_string()).collect();
    queries.extend([
        "krimbol fratzik".into(),
        "\"plonk zworp\"".into(),
        "quibbix -dramlok".into(),
        "snivak OR blorf".into(),
        "uniekt1".into(),
        "uniekt2".into(),
        "weggaand".into(),
        "herschreven".into(),
        "in:g0".into(),
        "in:g2 krimbol".into(),
        "from:p0".into(),
        "from:p11".into(),
        "@p3".into(),
        "#café".into(),
        "#duurzaam glimp".into(),
        "has:link".into(),
        "-krimbol".into(),
    ]);
    let mut checked = 0usize;
    let (mut oracle_hits, mut hidden) = (0usize, 0usize);
    for t in TENANTS {
        let live = live_posts(&w.store, t).await;
        let other = live_posts(&w.store, if t == "t1" { "t2" } else { "t1" }).await;
        let mut union: HashMap<&str, BTreeSet<PostId>> = HashMap::new();
        let mut per_person: Vec<(Access, HashMap<&str, BTreeSet<PostId>>)> = Vec::new();
        for i in 0..PEOPLE {
            let viewer = Viewer::new(t, person(i));
            let access = w.wc.access(&viewer).await.unwrap();
            let visible: BTreeMap<&PostId, &Post> =
                live.iter().filter(|(_, p)| access.can_see(p)).collect();
            let mut mine = HashMap::new();
            for q in &queries {
                let hits = search_all(&w, &access, &viewer, q).await;
                assert!(
                    hits.iter().all(|id| !other.contains_key(id)),
                    "{q:?}: other tenant"
                );
                // Plain words: the oracle is a token match over what the person may see.
                if WORDS.contains(&q.as_str()) || q.starts_with("uniek") || q == "weggaand" {
                    let expected: BTreeSet<PostId> = visible
                        .iter()
                        .filter(|(_, p)| tokens(&p.text).contains(q.as_str()))
                        .map(|(id, _)| **id)
                        .collect();
                    assert_eq!(hits, expected, "{viewer:?} {q:?}");
                    oracle_hits += hits.len();
                    hidden += live
                        .values()
                        .filter(|p| !access.can_see(p) && tokens(&p.text).contains(q.as_str()))
                        .count();
                }
                union
                    .entry(q.as_str())
                    .or_default()
                    .extend(hits.iter().copied());
                mine.insert(q.as_str(), hits);
                checked += 1;
            }
            // Deleted posts' words and the erased person's posts are gone for everyone.
            assert!(mine["weggaand"].is_empty());
            assert!(t != "t1" || mine["from:p11"].is_empty());
            assert!(mine[&*format!("uniek{}", if t == "t1" { "t2" } else { "t1" })].is_empty());
            per_person.push((access, mine));
        }
        // Whatever someone found that this person may see, they found too.
        for (access, mine) in &per_person {
            for (q, all) in &union {
                let expected: BTreeSet<PostId> = all
                    .iter()
                    .filter(|id| live.get(id).is_some_and(|p| access.can_see(p)))
                    .copied()
                    .collect();
                assert_eq!(&mine[q], &expected, "{:?} {q:?}", access.person());
            }
        }
        check_suggestions(&w, t, &live).await;
    }
    assert_eq!(checked, 2 * PEOPLE * queries.len());
    // The oracle compared real result sets, and visibility made a difference.
    assert!(oracle_hits > 1_000, "{oracle_hits}");
    assert!(hidden > 100, "{hidden}");
}

async fn check_suggestions(w: &World, t: &str, live: &BTreeMap<PostId, Post>) {
    for i in 0..PEOPLE {
        let viewer = Viewer::new(t, person(i));
        let access = w.wc.access(&viewer).await.unwrap();
        let mut expected: BTreeMap<String, u32> = BTreeMap::new();
        for p in live.values().filter(|p| access.can_see(p)) {
            let keys: BTreeSet<&str> = p.hashtags.iter().map(|h| h.key.as_str()).collect();
            for k in keys {
                *expected.entry(k.to_owned()).or_default() += 1;
            }
        }
        for prefix in ["#", "#d", "#c", "#k", "#l", "#CAF"] {
            let got: BTreeMap<String, u32> =
                w.wc.suggest(&viewer, prefix, 50)
                    .await
                    .unwrap()
                    .into_iter()
                    .map(|s| match s {
                        Suggestion::Tag(t) => (t.key.as_str().to_owned(), t.posts),
                        other => panic!("{other:?}"),
                    })
                    .collect();
            let key_prefix = hashtag_key(&prefix[1..]);
            let want: BTreeMap<String, u32> = expected
                .iter()
                .filter(|(k, _)| k.starts_with(key_prefix.as_str()))
                .map(|(k, n)| (k.clone(), *n))
                .collect();
            assert_eq!(got, want, "{viewer:?} {prefix}");
        }
    }
}

#[tokio::test]
async fn adversarial_queries_are_safe_for_everyone() {
    let w = build().await;
    let nested = format!("{}krimbol{}", "(".repeat(10_000), ")".repeat(10_000));
    let long = "krimbol fratzik ".repeat(7_000);
    let adversarial: Vec<String> = vec![
        "tenant:t2".into(),
        "tenant:t1 OR tenant:t2".into(),
        "group:g0".into(),
        "acl:o".into(),
        "key:*".into(),
        "author:p0".into(),
        "*".into(),
        "*:*".into(),
        "krimbol*".into(),
        "/kr.*/".into(),
        "krimbol~2".into(),
        "[a TO z]".into(),
        "{* TO *}".into(),
        nested,
        long,
        "\u{0}\u{1}\u{7}\u{1b}[31m krimbol".into(),
        "\u{202E}lobmirk\u{202C} \u{2066}x\u{2069}".into(),
        "\"unclosed phrase krimbol".into(),
        "((( OR ) AND -)".into(),
        "- -- --- OR OR AND".into(),
        "in:g0 in:g2 from:p0".into(),
        "in:\u{0}".into(),
        format!("#{}", "x".repeat(5_000)),
        format!("@{}", "y".repeat(5_000)),
        "before:9999-99-99 after:0000-00-00".into(),
        "\u{FDFA}".repeat(300),
        "e\u{301}".repeat(3_000),
    ];
    for t in TENANTS {
        let live = live_posts(&w.store, t).await;
        for i in 0..PEOPLE {
            let viewer = Viewer::new(t, person(i));
            let access = w.wc.access(&viewer).await.unwrap();
            for q in &adversarial {
                let hits = search_all(&w, &access, &viewer, q).await;
                assert!(
                    hits.iter()
                        .all(|id| live.get(id).is_some_and(|p| access.can_see(p)))
                );
            }
        }
    }
    // A person of one tenant with another tenant's ids still sees only their own tenant.
    let stranger = Viewer::new("t3", "p0");
    assert!(
        w.wc.search(&stranger, "krimbol", &PageRequest::first(10))
            .await
            .is_err()
    );
    assert!(
        w.index
            .documents()
            .unwrap()
            .iter()
            .all(|d| d.tenant.as_str() != "t3")
    );
}

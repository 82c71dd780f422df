//! Search through the service over the memory store, with the built-in tantivy index:
//! languages, the query language, ranking, pagination, snippets, edits and deletes at once,
//! autocomplete, rebuilds, and disk indexes that resume, move aside and rebuild.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use watercooler_core::search::{SearchIndex, SearchResults, Suggestion, fingerprint};
use watercooler_core::*;
use watercooler_tantivy::{
    IndexedPost, OpenReport, RebuildCause, TantivyIndex, TantivyOptions, Unusable,
};

const T: &str = "acme";

fn start() -> DateTime<Utc> {
    DateTime::from_timestamp(1_360_000_000, 0).unwrap()
}

struct World {
    wc: Watercooler,
    dir: Arc<MemoryDirectory>,
    store: Arc<MemoryStore>,
    index: Arc<TantivyIndex>,
    clock: Arc<ManualClock>,
}

fn viewer(p: &str) -> Viewer {
    Viewer::new(T, p)
}

/// Tenant `acme`: ann, bob, carl, jan, janneke; private group `g` (ann, bob). Tenant `beta`
/// has people with the same ids.
fn directory() -> Arc<MemoryDirectory> {
    let dir = Arc::new(MemoryDirectory::new());
    for tenant in [T, "beta"] {
        let t = TenantId::new(tenant);
        for (id, name) in [
            ("ann", "Ann Smit"),
            ("bob", "Bob Bakker"),
            ("carl", "Carl Jansen"),
            ("jan", "Jan de Vries"),
            ("janneke", "Janneke Visser"),
        ] {
            dir.add_person(&t, Person::new(id, id, name)).unwrap();
        }
        let group = Group {
            id: "g".into(),
            name: "G".into(),
            kind: GroupKind::Team,
            private: true,
        };
        dir.add_group(&t, group).unwrap();
        for p in ["ann", "bob"] {
            dir.add_member(&t, &"g".into(), &p.into()).unwrap();
        }
    }
    dir
}

async fn world_with(options: TantivyOptions) -> World {
    let dir = directory();
    let store = Arc::new(MemoryStore::new());
    let clock = Arc::new(ManualClock::new(start()));
    let index = TantivyIndex::open(store.clone(), options).await.unwrap();
    let wc = Watercooler::builder(store.clone(), dir.clone())
        .clock(clock.clone())
        .id_salt(1)
        .search(index.clone())
        .build();
    World {
        wc,
        dir,
        store,
        index,
        clock,
    }
}

async fn world() -> World {
    world_with(TantivyOptions::in_memory()).await
}

impl World {
    /// The company-wide calls, for a privacy officer added to `acme` on first use (the
    /// standard directory has no admin, so no other test sees one).
    async fn admin(&self) -> Admin<'_> {
        let mut officer = Person::new("dpo", "dpo", "Privacy officer");
        officer.admin = true;
        self.dir.add_person(&T.into(), officer).unwrap();
        self.wc.admin(&viewer("dpo")).await.unwrap()
    }

    async fn post(&self, who: &str, new: NewPost) -> Post {
        self.clock.advance(Duration::minutes(1));
        self.wc.publish(&viewer(who), new).await.unwrap()
    }

    async fn nl(&self, who: &str, text: &str) -> Post {
        self.post(who, NewPost::new(text).language(Language::dutch()))
            .await
    }

    async fn en(&self, who: &str, text: &str) -> Post {
        self.post(who, NewPost::new(text).language(Language::english()))
            .await
    }

    /// Makes everything published so far searchable (the follower would within its poll
    /// interval; tests do not wait for time).
    async fn sync(&self) {
        self.index.refresh().await.unwrap();
    }

    async fn search(&self, who: &str, q: &str) -> SearchResults {
        self.wc
            .search(&viewer(who), q, &PageRequest::first(50))
            .await
            .unwrap()
    }

    async fn ids(&self, who: &str, q: &str) -> Vec<PostId> {
        self.search(who, q)
            .await
            .hits
            .iter()
            .map(|h| h.view.post.id)
            .collect()
    }

    /// The index equals the store: same posts, same versions, nothing twice.
    async fn assert_index_equals_store(&self) {
        assert_index_equals_store(&self.store, &self.index).await;
    }
}

async fn assert_index_equals_store(store: &MemoryStore, index: &TantivyIndex) {
    let mut expected = Vec::new();
    let mut after = None;
    loop {
        let page = store.scan_posts(after.clone(), 100).await.unwrap();
        let Some(last) = page.last() else { break };
        after = Some((last.tenant.clone(), last.id));
        expected.extend(page.iter().map(|p| IndexedPost {
            tenant: p.tenant.clone(),
            id: p.id,
            fingerprint: fingerprint(p),
        }));
    }
    expected.sort();
    assert_eq!(index.documents().unwrap(), expected);
}

#[tokio::test]
async fn dutch_and_english_words_are_stemmed_by_the_posts_language() {
    let w = world().await;
    let nl = w
        .nl("ann", "De vergadering van morgen gaat niet door")
        .await;
    let en = w.en("bob", "The meeting is moved to Friday").await;
    w.sync().await;
    assert_eq!(w.ids("carl", "vergaderingen").await, vec![nl.id]);
    assert_eq!(w.ids("carl", "meetings").await, vec![en.id]);
    assert_eq!(w.ids("carl", "Vergadering MORGEN").await, vec![nl.id]);
    assert!(w.ids("carl", "vergadering friday").await.is_empty());
}

#[tokio::test]
async fn accents_and_case_are_ignored_and_decomposed_queries_match() {
    let w = world().await;
    let p = w.nl("ann", "Koffie in het Café op de hoek").await;
    w.sync().await;
    for q in ["cafe", "CAFÉ", "cafe\u{301}", "ＣＡＦＥ", "ca\u{200B}fe"] {
        assert_eq!(w.ids("bob", q).await, vec![p.id], "{q:?}");
    }
}

#[tokio::test]
async fn ligatures_find_their_spelled_out_letters_and_back() {
    let w = world().await;
    let oeuvre = w.en("ann", "Her œuvre is vast").await;
    let plain = w.post("ann", NewPost::new("Een oeuvre van formaat")).await;
    let ijs = w.nl("ann", "Het ĳs is dun").await;
    let strasse = w.post("ann", NewPost::new("Die Straße ist lang")).await;
    w.sync().await;
    let sorted = |mut v: Vec<PostId>| {
        v.sort();
        v
    };
    let both = sorted(vec![oeuvre.id, plain.id]);
    for q in [
        "oeuvre",
        "œuvre",
        "Œuvre",
        "OEUVRE",
        "\"her oeuvre\"",
        "“her œuvre”",
    ] {
        let expected = if q.contains(' ') {
            vec![oeuvre.id]
        } else {
            both.clone()
        };
        assert_eq!(sorted(w.ids("bob", q).await), expected, "{q}");
    }
    for q in ["ijs", "ĳs", "IJS", "Ĳs"] {
        assert_eq!(w.ids("bob", q).await, vec![ijs.id], "{q}");
    }
    for q in ["strasse", "STRASSE", "straße", "STRAẞE"] {
        assert_eq!(w.ids("bob", q).await, vec![strasse.id], "{q}");
    }
    // The snippet highlights the word as written.
    let r = w.search("bob", "oeuvre").await;
    let snippet = |id| {
        &r.hits
            .iter()
            .find(|h| h.view.post.id == id)
            .unwrap()
            .snippet
    };
    assert!(
        snippet(oeuvre.id).contains("<em>œuvre</em>"),
        "{}",
        snippet(oeuvre.id)
    );
    assert!(
        snippet(plain.id).contains("<em>oeuvre</em>"),
        "{}",
        snippet(plain.id)
    );
    let r = w.search("bob", "ijs").await;
    assert!(
        r.hits[0].snippet.contains("<em>ĳs</em>"),
        "{}",
        r.hits[0].snippet
    );
}

#[tokio::test]
async fn a_hashtag_finds_every_spelling_of_its_key() {
    let w = world().await;
    let mut tagged = Vec::new();
    for text in [
        "Lunch #café",
        "Lunch #Café",
        "Lunch #CAFÉ",
        "Lunch #cafe\u{301}",
    ] {
        tagged.push(w.nl("ann", text).await.id);
    }
    let other = w.nl("ann", "Lunch #cafeteria").await.id;
    w.sync().await;
    let mut found = w.ids("bob", "#Café").await;
    found.sort();
    tagged.sort();
    assert_eq!(found, tagged);
    // The tag is a key, not a prefix.
    assert!(!w.ids("bob", "#café").await.contains(&other));
    // A plain word finds the tag's text too.
    assert_eq!(w.ids("bob", "cafeteria").await, vec![other]);
}

#[tokio::test]
async fn cjk_words_are_found_inside_sentences() {
    let w = world().await;
    let p = w
        .post(
            "ann",
            NewPost::new("今日は会議室で打ち合わせです").language(Language::new("ja")),
        )
        .await;
    let q = w
        .post(
            "ann",
            NewPost::new("東京の天気は晴れ").language(Language::new("ja")),
        )
        .await;
    w.sync().await;
    assert_eq!(w.ids("bob", "会議室").await, vec![p.id]);
    assert_eq!(w.ids("bob", "打ち合わせ").await, vec![p.id]);
    assert_eq!(w.ids("bob", "天気").await, vec![q.id]);
    assert!(w.ids("bob", "会議東京").await.is_empty());
    let hit = &w.search("bob", "会議室").await.hits[0];
    assert!(hit.snippet.contains("<em>会議室</em>"), "{}", hit.snippet);
}

#[tokio::test]
async fn the_query_language_filters_and_excludes() {
    let w = world().await;
    let a = w
        .nl("ann", "Taart in de kantine https://example.nl/taart")
        .await;
    w.clock
        .set(DateTime::from_timestamp(1_362_000_000, 0).unwrap());
    let b = w.nl("bob", "Taart voor @jan in de kantine").await;
    let c = w
        .post(
            "bob",
            NewPost::new("Taart in de teamkamer")
                .in_group("g")
                .language(Language::dutch()),
        )
        .await;
    let d = w.nl("carl", "Geen taart, wel koffie").await;
    w.sync().await;

    let sorted = |mut v: Vec<PostId>| {
        v.sort();
        v
    };
    assert_eq!(
        sorted(w.ids("ann", "taart").await),
        sorted(vec![a.id, b.id, c.id, d.id])
    );
    assert_eq!(w.ids("ann", "taart from:bob -teamkamer").await, vec![b.id]);
    assert_eq!(w.ids("ann", "taart from:@BOB in:g").await, vec![c.id]);
    assert_eq!(w.ids("ann", "taart @jan").await, vec![b.id]);
    assert_eq!(w.ids("ann", "has:link").await, vec![a.id]);
    assert_eq!(
        w.ids("ann", "\"in de kantine\" before:2013-02-20").await,
        vec![a.id]
    );
    assert_eq!(
        w.ids("ann", "\"in de kantine\" after:2013-02-20").await,
        vec![b.id]
    );
    assert_eq!(
        sorted(w.ids("ann", "koffie OR teamkamer").await),
        sorted(vec![c.id, d.id])
    );
    // Phrases keep their order; exclusions alone list the rest.
    assert!(w.ids("ann", "\"kantine de in\"").await.is_empty());
    assert_eq!(sorted(w.ids("ann", "-kantine -koffie").await), vec![c.id]);
    // An unknown person in from: matches nothing; an unknown @handle is just a word.
    assert!(w.ids("ann", "taart from:nobody").await.is_empty());
    assert_eq!(w.ids("ann", "@koffie").await, vec![d.id]);
    // Carl is not in g: the in: filter cannot widen what he sees.
    assert!(w.ids("carl", "in:g").await.is_empty());
}

#[tokio::test]
async fn typographic_quotes_make_a_phrase() {
    let w = world().await;
    let eta = w.en("ann", "3.0 eta is next Friday").await;
    let other = w.en("ann", "3.0 is late, eta unknown").await;
    w.sync().await;
    let mut both = vec![eta.id, other.id];
    both.sort();
    let mut unquoted = w.ids("bob", "3.0 eta").await;
    unquoted.sort();
    assert_eq!(unquoted, both);
    for q in [
        "“3.0 eta”",
        "„3.0 eta”",
        "„3.0 eta“",
        "«3.0 eta»",
        "”3.0 eta”",
        "“3.0 eta“",
        "\"3.0 eta\"",
    ] {
        assert_eq!(w.ids("bob", q).await, vec![eta.id], "{q}");
    }
    assert_eq!(w.ids("bob", "3.0 -“3.0 eta”").await, vec![other.id]);
    // Unbalanced, the phrase runs to the end of the query.
    assert_eq!(w.ids("bob", "„3.0 eta").await, vec![eta.id]);
}

#[tokio::test]
async fn field_names_wildcards_and_garbage_are_plain_text() {
    let w = world().await;
    let p = w.nl("ann", "De tenant: acme betaalt").await;
    w.sync().await;
    assert_eq!(w.ids("bob", "tenant:acme").await, vec![p.id]);
    for q in [
        "*",
        "body:*",
        "tenant:beta",
        "group:g",
        "a*",
        "/.*/",
        "",
        "\u{0}\u{7}",
        "((((",
        "\"\"",
    ] {
        assert!(w.ids("bob", q).await.is_empty(), "{q:?}");
    }
}

#[tokio::test]
async fn pages_follow_the_cursor_without_repeats_and_newest_first_on_ties() {
    let w = world().await;
    let mut all = Vec::new();
    for i in 0..25 {
        all.push(
            w.nl("ann", &format!("Dagelijkse update nummer {i}"))
                .await
                .id,
        );
    }
    w.sync().await;
    let mut seen = Vec::new();
    let mut page = PageRequest::first(10);
    loop {
        let r = w.wc.search(&viewer("bob"), "update", &page).await.unwrap();
        assert_eq!(r.total, 25);
        seen.extend(r.hits.iter().map(|h| h.view.post.id));
        // Posts published while paging do not shift the pages.
        w.nl("ann", "Nog een update").await;
        w.sync().await;
        match r.next {
            Some(c) => page = PageRequest::after(c, 10),
            None => break,
        }
    }
    all.reverse();
    assert_eq!(seen, all, "same relevance: newest first, each once");
    let bad = PageRequest::after(Cursor::new("nonsense"), 10);
    assert!(w.wc.search(&viewer("bob"), "update", &bad).await.is_err());
}

#[tokio::test]
async fn relevance_is_blended_with_recency() {
    let w = world().await;
    let old = w.nl("ann", "Fietsen fietsen fietsen naar het werk").await;
    w.clock.advance(Duration::days(365));
    let new = w
        .nl(
            "ann",
            "Fietsen naar het werk en verder een lange tekst over andere dingen",
        )
        .await;
    w.sync().await;
    // A year of age outweighs a higher term frequency with the default half-life.
    assert_eq!(w.ids("bob", "fietsen").await, vec![new.id, old.id]);
}

#[tokio::test]
async fn snippets_are_html_safe_and_highlight_matches() {
    let w = world().await;
    w.nl(
        "ann",
        "Pas op: <script>alert('x')</script> & de Koffie is op",
    )
    .await;
    w.sync().await;
    let r = w.search("bob", "koffie").await;
    assert_eq!(r.hits.len(), 1);
    let s = &r.hits[0].snippet;
    assert!(
        s.contains("&lt;script&gt;") && !s.contains("<script>"),
        "{s}"
    );
    assert!(s.contains("<em>Koffie</em>"), "{s}");
}

#[tokio::test]
async fn an_edit_is_searchable_by_its_new_words_only() {
    let w = world().await;
    let p = w.nl("ann", "Het oude woord staat hier").await;
    w.sync().await;
    assert_eq!(w.ids("bob", "oude").await, vec![p.id]);
    w.wc.edit(&viewer("ann"), &p.id, "Het nieuwe woord staat hier")
        .await
        .unwrap();
    // At once, with no wait: the stale hit is caught by its fingerprint, the index catches
    // up, and the old word finds nothing (no snippet of old text either).
    let r = w.search("bob", "oude").await;
    assert!(r.hits.is_empty() && r.total == 0, "{r:?}");
    let r = w.search("bob", "nieuwe").await;
    assert_eq!(r.hits.len(), 1);
    assert!(r.hits[0].snippet.contains("<em>nieuwe</em>"));
    w.assert_index_equals_store().await;
}

/// An index whose follower never polls by itself within a test: anything searchable is
/// there because a write path made it so.
async fn still_world() -> World {
    world_with(TantivyOptions::in_memory().poll_interval(StdDuration::from_secs(3_600))).await
}

#[tokio::test]
async fn an_edits_new_words_are_found_at_once() {
    let w = still_world().await;
    let p = w.nl("ann", "Het oude woord staat hier").await;
    w.sync().await;
    w.wc.edit(&viewer("ann"), &p.id, "Het gloednieuwe woord staat hier")
        .await
        .unwrap();
    // No sync and no stale hit to trigger a catch-up: `edit` itself made the index current.
    assert_eq!(w.ids("bob", "gloednieuwe").await, vec![p.id]);
    assert!(w.ids("bob", "oude").await.is_empty());
}

/// Writes straight to the store (bulk loads) do not wake the index; `refresh_search`
/// makes them searchable before it returns.
#[tokio::test]
async fn posts_bulk_loaded_through_the_store_are_found_after_refresh_search() {
    let w = still_world().await;
    w.sync().await;
    let at = start() - Duration::days(30);
    let tenant = TenantId::new(T);
    let mut items = Vec::new();
    for i in 0..3u64 {
        let item = ImportedPost {
            id: PostId::from_parts(at + Duration::minutes(i as i64), i),
            author: "ann".into(),
            created_at: at + Duration::minutes(i as i64),
            post: NewPost::new(format!("Bulkgeladen stroopwafel {i} @bob"))
                .language(Language::dutch()),
            parent: None,
        };
        items.push(w.wc.prepare_import(&tenant, item).await.unwrap());
    }
    w.store
        .insert_posts_with_notifications(&items)
        .await
        .unwrap();
    let item = ImportedPost {
        id: PostId::from_parts(at + Duration::minutes(10), 10),
        author: "carl".into(),
        created_at: at + Duration::minutes(10),
        post: NewPost::new("Bulkgeladen zonder meldingen").language(Language::dutch()),
        parent: None,
    };
    let (plain, _) = w.wc.prepare_import(&tenant, item).await.unwrap();
    w.store
        .insert_posts(std::slice::from_ref(&plain))
        .await
        .unwrap();
    let last = w.store.last_seq().await.unwrap();
    assert!(w.index.searchable_seq() < last, "nothing woke the index");

    let admin = w.admin().await;
    assert_eq!(admin.refresh_search().await.unwrap(), Some(last));
    let mut want: Vec<PostId> = items.iter().map(|(p, _)| p.id).collect();
    want.push(plain.id);
    want.sort();
    let mut found = w.ids("bob", "bulkgeladen").await;
    found.sort();
    assert_eq!(found, want);
    w.assert_index_equals_store().await;

    // Without an index there is nothing to bring up to date.
    let bare = Watercooler::builder(w.store.clone(), w.dir.clone()).build();
    let admin = bare.admin(&viewer("dpo")).await.unwrap();
    assert_eq!(admin.refresh_search().await.unwrap(), None);
}

#[tokio::test]
async fn a_delete_off_the_first_page_leaves_the_count_at_once() {
    let w = still_world().await;
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(w.nl("ann", &format!("Sleutelbos nummer {i}")).await.id);
    }
    w.sync().await;
    async fn first(w: &World) -> SearchResults {
        w.wc.search(&viewer("bob"), "sleutelbos", &PageRequest::first(2))
            .await
            .unwrap()
    }
    assert_eq!(first(&w).await.total, 5);
    // The oldest is not on a first page of two, so no stale hit would reveal it: the count
    // is right only because `delete` made the index current.
    w.wc.delete(&viewer("ann"), &ids[0]).await.unwrap();
    let r = first(&w).await;
    assert_eq!(r.total, 4);
    assert!(r.hits.iter().all(|h| h.view.post.id != ids[0]));
    w.assert_index_equals_store().await;
}

#[tokio::test]
async fn publishing_wakes_the_index_before_its_next_poll() {
    let w = still_world().await;
    w.sync().await;
    let p = w.nl("ann", "Vers gebakken appeltaart").await;
    let last = w.store.last_seq().await.unwrap();
    // Without the wake-up the next poll is an hour away. The deadline only stops a broken
    // build from hanging; speed is measured in benches/search.rs.
    let deadline = std::time::Instant::now() + StdDuration::from_secs(60);
    while w.index.searchable_seq() < last {
        assert!(
            std::time::Instant::now() < deadline,
            "publish did not wake the index"
        );
        tokio::time::sleep(StdDuration::from_millis(5)).await;
    }
    assert_eq!(w.ids("bob", "appeltaart").await, vec![p.id]);
}

#[tokio::test]
async fn a_delete_disappears_from_hits_and_counts_at_once() {
    let w = world().await;
    let p = w.nl("ann", "Verloren sleutelbos gevonden").await;
    let q = w.nl("bob", "Sleutelbos van bob").await;
    w.sync().await;
    assert_eq!(w.search("carl", "sleutelbos").await.total, 2);
    w.wc.delete(&viewer("ann"), &p.id).await.unwrap();
    let r = w.search("carl", "sleutelbos").await;
    assert_eq!(
        r.hits.iter().map(|h| h.view.post.id).collect::<Vec<_>>(),
        vec![q.id]
    );
    assert_eq!(r.total, 1);
    w.assert_index_equals_store().await;
}

#[tokio::test]
async fn erasure_removes_a_persons_posts_from_search() {
    let w = world().await;
    w.nl("jan", "Geheime receptuur van jan").await;
    w.nl("ann", "Receptuur van ann").await;
    w.sync().await;
    w.admin().await.erase_person(&"jan".into()).await.unwrap();
    let r = w.search("ann", "receptuur").await;
    assert_eq!(r.hits.len(), 1);
    assert_eq!(r.total, 1);
    assert!(w.ids("ann", "geheime").await.is_empty());
    w.assert_index_equals_store().await;
}

#[tokio::test]
async fn leaving_a_group_hides_its_posts_from_search_at_once() {
    let w = world().await;
    let p = w
        .post(
            "ann",
            NewPost::new("Reorganisatieplan concept")
                .in_group("g")
                .language(Language::dutch()),
        )
        .await;
    w.sync().await;
    assert_eq!(w.ids("bob", "reorganisatieplan").await, vec![p.id]);
    w.dir
        .remove_member(&T.into(), &"g".into(), &"bob".into())
        .unwrap();
    assert!(w.ids("bob", "reorganisatieplan").await.is_empty());
    assert_eq!(w.search("bob", "reorganisatieplan").await.total, 0);
}

#[tokio::test]
async fn autocomplete_suggests_people_and_visible_tags() {
    let w = world().await;
    w.nl("ann", "Op weg naar #duurzaamheid en #Duurzaam").await;
    w.nl("bob", "Ook #duurzaamheid").await;
    w.post(
        "ann",
        NewPost::new("Stil: #duurzaamheidsgeheim").in_group("g"),
    )
    .await;
    w.sync().await;

    let people: Vec<String> =
        w.wc.suggest(&viewer("carl"), "@ja", 10)
            .await
            .unwrap()
            .into_iter()
            .filter_map(|s| match s {
                Suggestion::Person(p) => Some(p.id.as_str().to_owned()),
                _ => None,
            })
            .collect();
    assert!(
        people.contains(&"jan".to_owned()) && people.contains(&"janneke".to_owned()),
        "{people:?}"
    );

    let tags = |who: &'static str| {
        let wc = w.wc.clone();
        async move {
            wc.suggest(&viewer(who), "#duu", 10)
                .await
                .unwrap()
                .into_iter()
                .filter_map(|s| match s {
                    Suggestion::Tag(t) => Some((t.key.as_str().to_owned(), t.posts)),
                    _ => None,
                })
                .collect::<Vec<_>>()
        }
    };
    // Carl is not in g: its tag is not suggested, nor counted.
    assert_eq!(
        tags("carl").await,
        vec![("duurzaamheid".into(), 2), ("duurzaam".into(), 1)]
    );
    assert_eq!(tags("bob").await.len(), 3);

    // Organisation counts are cached per segment: deletes and edits must still show at
    // once, and the viewer's own posts (also counted live) only once.
    let gone = w.nl("carl", "Weg met #duurzaamheid").await;
    let edited = w.nl("carl", "Eerst #duurzaam").await;
    w.sync().await;
    assert_eq!(
        tags("carl").await,
        vec![("duurzaamheid".into(), 3), ("duurzaam".into(), 2)]
    );
    assert_eq!(tags("bob").await[0], ("duurzaamheid".into(), 3));
    w.wc.delete(&viewer("carl"), &gone.id).await.unwrap();
    w.wc.edit(&viewer("carl"), &edited.id, "Nu #duurzaamheid")
        .await
        .unwrap();
    assert_eq!(
        tags("carl").await,
        vec![("duurzaamheid".into(), 3), ("duurzaam".into(), 1)]
    );
    assert_eq!(
        tags("bob").await,
        vec![
            ("duurzaamheid".into(), 3),
            ("duurzaam".into(), 1),
            ("duurzaamheidsgeheim".into(), 1)
        ]
    );
    assert!(
        w.wc.suggest(&viewer("carl"), "duu", 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        w.wc.suggest(&viewer("carl"), &format!("#{}", "x".repeat(100_000)), 10)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn a_rebuild_gives_exactly_the_incremental_index() {
    let w = world().await;
    let mut ids = Vec::new();
    for i in 0..40 {
        ids.push(
            w.nl("ann", &format!("Bericht {i} over #thema{}", i % 3))
                .await
                .id,
        );
    }
    w.wc.edit(&viewer("ann"), &ids[3], "Aangepast bericht")
        .await
        .unwrap();
    w.wc.delete(&viewer("ann"), &ids[5]).await.unwrap();
    w.sync().await;
    let incremental = w.index.documents().unwrap();
    assert_eq!(incremental.len(), 39);
    w.index.rebuild().await.unwrap();
    assert_eq!(w.index.documents().unwrap(), incremental);
    w.assert_index_equals_store().await;
}

// ----- on disk ------------------------------------------------------------------------------

static DIRS: AtomicU32 = AtomicU32::new(0);

/// A fresh directory under the system's temporary directory, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Self {
        let n = DIRS.fetch_add(1, Ordering::Relaxed);
        let p = std::env::temp_dir()
            .join(format!("wc-search-test-{}-{n}", std::process::id()))
            .join("index");
        let _ = std::fs::remove_dir_all(p.parent().unwrap());
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        TempDir(p)
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(self.0.parent().unwrap());
    }
}

fn disk(dir: &TempDir) -> TantivyOptions {
    TantivyOptions::in_directory(dir.path()).poll_interval(StdDuration::from_millis(10))
}

#[tokio::test]
async fn a_disk_index_resumes_from_its_watermark_with_tokenizers_registered() {
    let tmp = TempDir::new();
    let w = world_with(disk(&tmp)).await;
    let a = w.nl("ann", "Vergaderingen op dinsdag").await;
    w.sync().await;
    let seq = w.index.searchable_seq();
    w.index.close().await.unwrap();
    drop(w.wc);
    // More posts while the index is closed.
    let wc2 = Watercooler::builder(w.store.clone(), w.dir.clone())
        .clock(w.clock.clone())
        .id_salt(2)
        .build();
    w.clock.advance(Duration::minutes(1));
    let c = wc2
        .publish(
            &viewer("bob"),
            NewPost::new("Vergadering op woensdag").language(Language::dutch()),
        )
        .await
        .unwrap();

    let index = TantivyIndex::open(w.store.clone(), disk(&tmp))
        .await
        .unwrap();
    assert!(index.searchable_seq() > seq);
    assert!(index.moved_aside().is_none());
    assert_eq!(
        index.open_report(),
        OpenReport::default(),
        "resumed, not rebuilt"
    );
    assert_index_equals_store(&w.store, &index).await;
    let wc3 = Watercooler::builder(w.store.clone(), w.dir.clone())
        .clock(w.clock.clone())
        .search(index.clone())
        .build();
    // Stemmed search works after reopening: the analyzers were registered again.
    let r = wc3
        .search(&viewer("carl"), "vergadering", &PageRequest::first(10))
        .await
        .unwrap();
    let mut found: Vec<PostId> = r.hits.iter().map(|h| h.view.post.id).collect();
    found.sort();
    assert_eq!(found, vec![a.id, c.id]);
    index.close().await.unwrap();
}

async fn filled(tmp: &TempDir) -> (Arc<MemoryStore>, Vec<IndexedPost>) {
    let w = world_with(disk(tmp)).await;
    for i in 0..30 {
        w.nl("ann", &format!("Bericht nummer {i}")).await;
    }
    w.sync().await;
    let docs = w.index.documents().unwrap();
    w.index.close().await.unwrap();
    (w.store.clone(), docs)
}

async fn reopen_moved_aside(
    tmp: &TempDir,
    store: Arc<MemoryStore>,
    docs: &[IndexedPost],
    why: Unusable,
) {
    let index = TantivyIndex::open(store.clone(), disk(tmp).keep_moved_aside(true))
        .await
        .unwrap();
    let report = index.open_report();
    assert!(report.moved_aside());
    assert_eq!(report.rebuilt, Some(RebuildCause::MovedAside(why)));
    let aside = index.moved_aside().expect("moved aside").to_path_buf();
    assert!(aside.exists());
    assert_eq!(index.documents().unwrap(), docs);
    assert_index_equals_store(&store, &index).await;
    index.close().await.unwrap();
    std::fs::remove_dir_all(aside).unwrap();
}

#[tokio::test]
async fn a_corrupt_index_is_moved_aside_and_rebuilt() {
    let tmp = TempDir::new();
    let (store, docs) = filled(&tmp).await;
    assert_eq!(docs.len(), 30);
    // Flip bytes in every segment file.
    for entry in std::fs::read_dir(tmp.path()).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name.ends_with(".idx") || name.ends_with(".term") || name.ends_with(".fast") {
            let mut bytes = std::fs::read(&path).unwrap();
            for b in bytes.iter_mut().take(64) {
                *b ^= 0x5A;
            }
            std::fs::write(&path, bytes).unwrap();
        }
    }
    reopen_moved_aside(&tmp, store, &docs, Unusable::Damaged).await;
}

#[tokio::test]
async fn an_unreadable_meta_file_is_moved_aside_and_rebuilt() {
    let tmp = TempDir::new();
    let (store, docs) = filled(&tmp).await;
    std::fs::write(tmp.path().join("meta.json"), b"{ not json").unwrap();
    reopen_moved_aside(&tmp, store, &docs, Unusable::Damaged).await;
}

#[tokio::test]
async fn an_index_of_another_version_is_moved_aside_and_rebuilt() {
    let tmp = TempDir::new();
    let (store, docs) = filled(&tmp).await;
    let version = r#"{"format":"watercooler-search","schema_version":999,"tantivy_format":7}"#;
    std::fs::write(tmp.path().join("watercooler-search.json"), version).unwrap();
    reopen_moved_aside(&tmp, store, &docs, Unusable::Version).await;
}

#[tokio::test]
async fn moved_aside_indexes_are_removed_by_default() {
    let tmp = TempDir::new();
    let (store, _) = filled(&tmp).await;
    std::fs::remove_file(tmp.path().join("watercooler-search.json")).unwrap();
    let index = TantivyIndex::open(store.clone(), disk(&tmp)).await.unwrap();
    assert!(index.moved_aside().is_some());
    assert_eq!(
        index.open_report().rebuilt,
        Some(RebuildCause::MovedAside(Unusable::Version))
    );
    assert!(
        !index.moved_aside().unwrap().exists(),
        "erased text must not linger in a copy"
    );
    assert_index_equals_store(&store, &index).await;
    index.close().await.unwrap();
}

/// The names in the index's parent directory other than the index itself.
fn siblings(tmp: &TempDir) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(tmp.path().parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != "index")
        .collect();
    names.sort();
    names
}

/// The state an open leaves when it is killed after moving an unusable index aside and
/// before its rebuild completes: the old files in a sibling, the directory holding no
/// index yet.
fn killed_during_rebuild(tmp: &TempDir) -> PathBuf {
    let aside = tmp
        .path()
        .with_file_name("index.moved-aside-1765000000000-0");
    std::fs::create_dir(&aside).unwrap();
    for entry in std::fs::read_dir(tmp.path()).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        if !name.to_string_lossy().ends_with(".lock") {
            std::fs::rename(entry.path(), aside.join(name)).unwrap();
        }
    }
    aside
}

#[tokio::test]
async fn a_copy_left_by_a_rebuild_killed_part_way_is_removed_at_the_next_open() {
    let tmp = TempDir::new();
    let (store, docs) = filled(&tmp).await;
    let aside = killed_during_rebuild(&tmp);
    // A host's directory that merely starts with the same name is not ours to remove.
    let notes = tmp.path().with_file_name("index.moved-aside-notes");
    std::fs::create_dir(&notes).unwrap();

    let index = TantivyIndex::open(store.clone(), disk(&tmp)).await.unwrap();
    assert!(!aside.exists(), "erased text must not linger in a copy");
    assert_eq!(siblings(&tmp), vec!["index.moved-aside-notes"]);
    let report = index.open_report();
    assert_eq!(report.rebuilt, Some(RebuildCause::New));
    assert_eq!(report.leftovers_removed, 1);
    assert!(!report.moved_aside());
    assert_eq!(index.documents().unwrap(), docs);
    index.close().await.unwrap();

    // The next open finds nothing left to remove.
    let index = TantivyIndex::open(store.clone(), disk(&tmp)).await.unwrap();
    assert_eq!(index.open_report(), OpenReport::default());
    index.close().await.unwrap();
}

#[tokio::test]
async fn a_copy_left_by_a_killed_rebuild_is_kept_when_the_host_keeps_them() {
    let tmp = TempDir::new();
    let (store, docs) = filled(&tmp).await;
    let aside = killed_during_rebuild(&tmp);
    let index = TantivyIndex::open(store.clone(), disk(&tmp).keep_moved_aside(true))
        .await
        .unwrap();
    assert!(aside.join("meta.json").exists());
    assert_eq!(index.open_report().leftovers_removed, 0);
    assert_eq!(index.open_report().rebuilt, Some(RebuildCause::New));
    assert_eq!(index.documents().unwrap(), docs);
    index.close().await.unwrap();
}

/// Only the holder of the directory lock judges damage: a second open of a directory in
/// use is refused with the retryable error, even when what it would see looks unusable, and
/// touches nothing.
#[tokio::test]
async fn an_open_index_is_refused_to_a_second_opener_and_left_alone() {
    let tmp = TempDir::new();
    let (store, docs) = filled(&tmp).await;
    let first = TantivyIndex::open(store.clone(), disk(&tmp)).await.unwrap();
    // What a second opener would judge unusable if it looked.
    let version = tmp.path().join("watercooler-search.json");
    let good = std::fs::read(&version).unwrap();
    std::fs::write(&version, b"not a version").unwrap();
    let err = TantivyIndex::open(store.clone(), disk(&tmp))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Backend {
                retryable: true,
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(std::fs::read(&version).unwrap(), b"not a version");
    let siblings = std::fs::read_dir(tmp.path().parent().unwrap())
        .unwrap()
        .count();
    assert_eq!(siblings, 1, "nothing moved aside");
    std::fs::write(&version, good).unwrap();
    assert_eq!(first.documents().unwrap(), docs);
    // Closing lets go of the directory.
    first.close().await.unwrap();
    let second = TantivyIndex::open(store.clone(), disk(&tmp)).await.unwrap();
    assert!(second.moved_aside().is_none());
    assert_eq!(second.documents().unwrap(), docs);
    second.close().await.unwrap();
}

#[tokio::test]
async fn a_directory_that_is_not_an_index_is_refused_not_moved() {
    let tmp = TempDir::new();
    std::fs::create_dir_all(tmp.path()).unwrap();
    std::fs::write(tmp.path().join("thesis.docx"), b"precious").unwrap();
    let store = Arc::new(MemoryStore::new());
    let err = TantivyIndex::open(store, disk(&tmp)).await.unwrap_err();
    assert!(matches!(err, Error::Invalid { .. }), "{err}");
    assert!(tmp.path().join("thesis.docx").exists());
}

#[tokio::test]
async fn an_index_ahead_of_its_store_is_rebuilt() {
    let tmp = TempDir::new();
    let (_, docs) = filled(&tmp).await;
    assert_eq!(docs.len(), 30);
    // A new, empty store (the memory store of a restarted process).
    let store = Arc::new(MemoryStore::new());
    let index = TantivyIndex::open(store.clone(), disk(&tmp)).await.unwrap();
    assert_eq!(
        index.open_report().rebuilt,
        Some(RebuildCause::AheadOfStore)
    );
    assert!(index.documents().unwrap().is_empty());
    index.close().await.unwrap();
}

#[tokio::test]
async fn without_an_index_search_is_a_backend_error_and_suggest_uses_the_store() {
    let dir = directory();
    let store = Arc::new(MemoryStore::new());
    let wc = Watercooler::builder(store, dir).build();
    wc.publish(&viewer("ann"), NewPost::new("#koffie"))
        .await
        .unwrap();
    let err = wc
        .search(&viewer("ann"), "koffie", &PageRequest::first(10))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Backend { .. }));
    let s = wc.suggest(&viewer("ann"), "#kof", 10).await.unwrap();
    assert_eq!(s.len(), 1);
}

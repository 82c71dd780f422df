//! The PostgreSQL store on the generated `standard` corpus (200,000 posts, 223,822 reactions,
//! 70,664 follows), in a schema of its own that is dropped at the end:
//!
//! - **bulk load**: the corpus loader (`src/corpus/mod.rs`) prepares every post as publishing
//!   would (into a memory store, which is fast); then the posts go into PostgreSQL with
//!   `insert_posts` (2,000 per call, one transaction each, all roots before all replies)
//!   and the reactions with `add_reactions` (5,000 per call), each timed and reported per
//!   second (target ≥ 10,000 posts/s), then `PgStore::analyze`. With
//!   `WCPG_BENCH_FULL_LOAD=1` the loader also runs straight into a second schema, its
//!   batch calls for posts with notifications and for follows included;
//! - **feed_candidates** (the store query behind the ranked home feed) and **home_feed**
//!   (`Watercooler::home_feed`, first page of 20) for real viewers with their follows and
//!   groups (target p50 < 20 ms), and the same over the loader's memory store, for
//!   comparison;
//! - **PostgreSQL full-text search** beside our tantivy search: a `tsvector` per post in
//!   its language (`dutch`/`english`) with a GIN index, in a side table as Discourse keeps
//!   it, asked the search benchmark's own questions (a word, two words, a `#tag`,
//!   `from:person`; same generator and seed) with the store's visibility rule. This lives
//!   here only; it is not part of the crate's API.
//!
//! Besides criterion's estimates it prints p50/p90/p99 of single calls. `--quick` times
//! fewer calls (and 400 search viewers instead of all); the loads happen once either way.
//!
//! `WCPG_BENCH_KEEP_SCHEMA=1` keeps the loaded schema at the end (its name is printed), to
//! look at query plans on the corpus; drop it by hand afterwards.
//!
//! Needs PostgreSQL at `WATERCOOLER_PG_URL` (default
//! `postgres://postgres@127.0.0.1:5432/test`); fails without it.

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use sqlx::postgres::PgConnection;
use sqlx::{AssertSqlSafe, Connection, Row};
use tokio::runtime::{Builder, Runtime};
use watercooler::postgres::{PgOptions, PgStore};
use watercooler::store::CandidateQuery;
use watercooler::{
    Access, FollowTarget, MemoryStore, PageRequest, Post, PostId, Reaction, Store, TenantId,
    Viewer, Watercooler,
};
use watercooler_workspace::corpus::{self, Corpus};
use watercooler_workspace::store_bench::{all_follows, all_posts, percentiles, query_for, viewers};

/// Posts per `insert_posts` call, as the corpus loader batches them.
const BATCH: usize = 2_000;
/// Reactions per `add_reactions` call, as the corpus loader batches them.
const REACTION_BATCH: usize = 5_000;

fn url() -> String {
    std::env::var("WATERCOOLER_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

fn quick() -> bool {
    std::env::args().any(|a| a == "--quick")
}

fn runtime() -> Runtime {
    Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime")
}

/// A schema for this run, dropped at the end.
struct Schema {
    name: String,
    rt: Arc<Runtime>,
}

impl Schema {
    fn new(rt: &Arc<Runtime>, label: &str) -> Schema {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0);
        Schema {
            name: format!("wc_bench_{}_{nanos:x}_{label}", std::process::id()),
            rt: rt.clone(),
        }
    }

    fn options(&self) -> PgOptions {
        PgOptions::new(url())
            .schema(&self.name)
            .max_connections(8)
            .application_name("wc-bench")
    }
}

impl Drop for Schema {
    fn drop(&mut self) {
        let name = self.name.clone();
        // For looking at plans afterwards (`EXPLAIN ANALYZE` on the loaded corpus).
        if std::env::var("WCPG_BENCH_KEEP_SCHEMA").is_ok_and(|v| v == "1") {
            eprintln!("keeping schema {name} (WCPG_BENCH_KEEP_SCHEMA=1); drop it by hand");
            return;
        }
        self.rt.block_on(async move {
            if let Ok(mut c) = PgConnection::connect(&url()).await {
                let _ = sqlx::raw_sql(AssertSqlSafe(format!(
                    "DROP SCHEMA IF EXISTS {name} CASCADE"
                )))
                .execute(&mut c)
                .await;
            }
        });
    }
}

/// Every reaction of the corpus, per tenant, read back from the memory store.
async fn all_reactions(c: &Corpus, posts: &[Post]) -> Vec<(TenantId, Vec<Reaction>)> {
    let mut out: Vec<(TenantId, Vec<Reaction>)> = Vec::new();
    for p in posts {
        let author = Access::new(p.tenant.clone(), p.author.clone(), [], false);
        let mut req = PageRequest::first(200);
        loop {
            let page = c
                .store
                .reactions(&author, &p.id, &req)
                .await
                .expect("reactions");
            if out.last().is_none_or(|(t, _)| t != &p.tenant) {
                out.push((p.tenant.clone(), Vec::new()));
            }
            if let Some((_, v)) = out.last_mut() {
                v.extend(page.items);
            }
            match page.next {
                Some(cur) => req = PageRequest::after(cur, 200),
                None => break,
            }
        }
    }
    out
}

/// Bulk-loads the corpus into `store`; reports the rates.
async fn bulk_load(
    store: &PgStore,
    posts: &[Post],
    reactions: &[(TenantId, Vec<Reaction>)],
    follows: &[(TenantId, watercooler::PersonId, FollowTarget)],
) {
    let t = Instant::now();
    for chunk in posts.chunks(BATCH) {
        store.insert_posts(chunk).await.expect("insert_posts");
    }
    let secs = t.elapsed().as_secs_f64();
    eprintln!(
        "insert_posts into postgres, {} corpus posts in batches of {BATCH}: {secs:.1} s, {:.0} posts/s",
        posts.len(),
        posts.len() as f64 / secs
    );
    let t = Instant::now();
    let mut n = 0;
    for (tenant, rs) in reactions {
        for chunk in rs.chunks(REACTION_BATCH) {
            n += store
                .add_reactions(tenant, chunk)
                .await
                .expect("add_reactions");
        }
    }
    let secs = t.elapsed().as_secs_f64();
    eprintln!(
        "add_reactions into postgres, {n} reactions in batches of {REACTION_BATCH}: {secs:.1} s, {:.0} reactions/s",
        n as f64 / secs
    );
    // `follow_many`, 5,000 per call and tenant (as the corpus loader): one transaction each.
    let t = Instant::now();
    let mut by_tenant: std::collections::BTreeMap<
        &TenantId,
        Vec<(watercooler::PersonId, FollowTarget)>,
    > = Default::default();
    for (tenant, person, target) in follows {
        by_tenant
            .entry(tenant)
            .or_default()
            .push((person.clone(), target.clone()));
    }
    let mut new = 0;
    for (tenant, list) in &by_tenant {
        for chunk in list.chunks(5_000) {
            new += store.follow_many(tenant, chunk).await.expect("follow_many");
        }
    }
    assert_eq!(new, follows.len(), "every corpus follow is new");
    let secs = t.elapsed().as_secs_f64();
    eprintln!(
        "follow_many into postgres, {} follows, 5,000 per call: {secs:.2} s, {:.0} follows/s",
        follows.len(),
        follows.len() as f64 / secs
    );
}

// ----- PostgreSQL full-text search, for comparison -------------------------------------------

/// The four kinds of search the comparison runs.
#[derive(Debug, Clone)]
enum FtsQuery {
    /// One word, ranked by `ts_rank_cd`.
    Word(String),
    /// Two words, both required, ranked.
    TwoWords(String, String),
    /// A hashtag key, newest first.
    Tag(String),
    /// A person's posts, newest first.
    From(String),
}

/// Builds the side table Discourse-style: one `tsvector` per post in the post's language,
/// with a GIN index. Returns the time it took.
async fn fts_build(c: &mut PgConnection) -> Duration {
    let t = Instant::now();
    sqlx::raw_sql(
        "CREATE TABLE post_search_data (
             tenant text COLLATE \"C\" NOT NULL,
             post uuid NOT NULL,
             dutch boolean NOT NULL,
             search_data tsvector NOT NULL,
             PRIMARY KEY (tenant, post));
         INSERT INTO post_search_data
             SELECT tenant, id, language = 'nl',
                    to_tsvector(CASE WHEN language = 'nl' THEN 'dutch'::regconfig
                                     ELSE 'english'::regconfig END, body)
             FROM posts;
         CREATE INDEX post_search_data_gin ON post_search_data USING gin (search_data);
         ANALYZE post_search_data; ANALYZE posts; ANALYZE post_tags;",
    )
    .execute(c)
    .await
    .expect("build the tsvector side table");
    t.elapsed()
}

/// Runs one search as `access`: the top 20 ids, with the store's visibility rule.
async fn fts_search(c: &mut PgConnection, access: &Access, q: &FtsQuery) -> Vec<PostId> {
    // The visibility rule, as the store writes it ($1 tenant, $2 viewer, $3 their groups).
    const VISIBLE: &str = "p.tenant = $1 AND (p.author = $2 OR p.vis_kind = 0 \
        OR (p.vis_kind = 1 AND p.vis_group = ANY($3)) OR (p.vis_kind = 2 AND $2 = ANY(p.recipients)))";
    let (sql, arg) = match q {
        FtsQuery::Word(w) => (ranked("plainto_tsquery"), w.clone()),
        FtsQuery::TwoWords(a, b) => (ranked("plainto_tsquery"), format!("{a} {b}")),
        FtsQuery::Tag(k) => (
            format!(
                "SELECT p.id FROM posts p WHERE {VISIBLE} AND EXISTS (SELECT 1 FROM post_tags t \
                 WHERE t.tenant = p.tenant AND t.post = p.id AND t.key = $4) \
                 ORDER BY p.id DESC LIMIT 20"
            ),
            k.clone(),
        ),
        FtsQuery::From(a) => (
            format!(
                "SELECT p.id FROM posts p WHERE {VISIBLE} AND p.author = $4 ORDER BY p.id DESC LIMIT 20"
            ),
            a.clone(),
        ),
    };
    let groups: Vec<String> = access.groups().iter().map(|g| g.to_string()).collect();
    sqlx::query(AssertSqlSafe(sql))
        .bind(access.tenant().as_str())
        .bind(access.person().as_str())
        .bind(groups)
        .bind(arg)
        .fetch_all(c)
        .await
        .expect("full-text search")
        .iter()
        .map(|r| PostId::from_u128(r.get::<sqlx::types::Uuid, _>(0).as_u128()))
        .collect()
}

/// A ranked text search: each post matched against the query in its own language.
fn ranked(parser: &str) -> String {
    format!(
        "SELECT p.id FROM post_search_data s JOIN posts p ON p.tenant = s.tenant AND p.id = s.post \
         WHERE s.tenant = $1 AND p.tenant = $1 \
           AND ((s.dutch AND s.search_data @@ {parser}('dutch', $4)) \
             OR (NOT s.dutch AND s.search_data @@ {parser}('english', $4))) \
           AND (p.author = $2 OR p.vis_kind = 0 OR (p.vis_kind = 1 AND p.vis_group = ANY($3)) \
             OR (p.vis_kind = 2 AND $2 = ANY(p.recipients))) \
         ORDER BY ts_rank_cd(s.search_data, CASE WHEN s.dutch THEN {parser}('dutch', $4) \
                                                 ELSE {parser}('english', $4) END) DESC, p.id DESC \
         LIMIT 20"
    )
}

/// The search benchmark's generator (`benches/search.rs`), so both ask the same questions.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % n.max(1) as u64) as usize
    }
}

/// Queries of each kind per tenant, drawn exactly as `benches/search.rs` draws them (same
/// seed, same posts, same words): a word of 4+ letters, two words, the first tag as typed,
/// the author (its `from:` handle resolves to them).
fn fts_queries(c: &Corpus, posts: &[Post]) -> [Vec<(TenantId, Vec<FtsQuery>)>; 4] {
    let mut rng = Rng(0x5eed);
    let mut kinds: [Vec<(TenantId, Vec<FtsQuery>)>; 4] = Default::default();
    for t in c.directory.tenants().expect("tenants") {
        let mine: Vec<&Post> = posts.iter().filter(|p| p.tenant == t).collect();
        let (mut w, mut two, mut tag, mut from) = (vec![], vec![], vec![], vec![]);
        for _ in 0..200 {
            let p = mine[rng.below(mine.len())];
            let ws: Vec<&str> = p
                .text
                .split(|c: char| !c.is_alphabetic())
                .filter(|w| w.chars().count() >= 4)
                .collect();
            if ws.len() >= 2 {
                let a = ws[rng.below(ws.len())];
                let b = ws[rng.below(ws.len())];
                w.push(FtsQuery::Word(a.to_owned()));
                two.push(FtsQuery::TwoWords(a.to_owned(), b.to_owned()));
            }
            if let Some(h) = p.hashtags.first() {
                tag.push(FtsQuery::Tag(h.key.to_string()));
            }
            from.push(FtsQuery::From(p.author.to_string()));
        }
        for (k, list) in kinds.iter_mut().zip([w, two, tag, from]) {
            k.push((t.clone(), list));
        }
    }
    kinds
}

/// Every person of every tenant (400 of them spread evenly with `--quick`), as the search
/// benchmark takes its viewers.
fn fts_viewers(rt: &Runtime, c: &Corpus) -> Vec<Access> {
    let mut out = Vec::new();
    for tenant in c.directory.tenants().expect("tenants") {
        for p in c.directory.person_ids(&tenant).expect("people") {
            let v = Viewer::new(tenant.clone(), p);
            out.push(rt.block_on(c.service.access(&v)).expect("access"));
        }
    }
    if quick() {
        let step = (out.len() / 400).max(1);
        out = out.into_iter().step_by(step).collect();
    }
    out
}

/// Runs every kind of query for every viewer (the query of the viewer's tenant at the
/// viewer's position, as the search benchmark does) and prints the percentiles.
async fn fts_compare(
    c: &mut PgConnection,
    kinds: &[Vec<(TenantId, Vec<FtsQuery>)>; 4],
    viewers: &[Access],
) {
    for (kind, name) in kinds
        .iter()
        .zip(["a word", "two words", "a #tag", "from:person"])
    {
        let mut times = Vec::with_capacity(viewers.len());
        let mut hits = 0usize;
        for (i, a) in viewers.iter().enumerate() {
            let Some((_, list)) = kind.iter().find(|(t, _)| t == a.tenant()) else {
                continue;
            };
            let q = &list[i % list.len()];
            let t = Instant::now();
            hits += fts_search(c, a, q).await.len();
            times.push(t.elapsed());
        }
        eprintln!(
            "postgres full-text search, {name}: {:.1} hits per page of 20 on average",
            hits as f64 / times.len().max(1) as f64
        );
        percentiles(&format!("postgres full-text search, {name}"), times);
    }
}

// ----- the benchmark ---------------------------------------------------------------------------

fn bench(crit: &mut Criterion) {
    let rt = Arc::new(runtime());
    let calls = if quick() { 100 } else { 600 };

    let t = Instant::now();
    let c = rt
        .block_on(corpus::load(
            &corpus::Config::standard(),
            Arc::new(MemoryStore::new()),
        ))
        .expect("corpus loads");
    eprintln!(
        "corpus prepared by the loader (memory store): {:?} ({:?})",
        t.elapsed(),
        c.counts
    );
    let mut posts = rt.block_on(all_posts(&*c.store));
    // Roots first: a reply's thread root must exist (some corpus replies are timed before
    // their parent, so id order alone does not do).
    posts.sort_by_key(|p| p.thread_root.is_some());
    let reactions = rt.block_on(all_reactions(&c, &posts));
    let follows = rt.block_on(all_follows(&c));

    let schema = Schema::new(&rt, "corpus");
    let store = rt
        .block_on(PgStore::connect(schema.options()))
        .expect("connect to postgres");
    rt.block_on(bulk_load(&store, &posts, &reactions, &follows));
    // What autovacuum does shortly after an import, and an import should do itself.
    let t = Instant::now();
    rt.block_on(store.analyze()).expect("analyze");
    eprintln!("analyze after the import: {:?}", t.elapsed());

    if std::env::var("WCPG_BENCH_FULL_LOAD").is_ok_and(|v| v == "1") {
        let full = Schema::new(&rt, "loader");
        let target = rt
            .block_on(PgStore::connect(full.options()))
            .expect("connect");
        let t = Instant::now();
        let loaded = rt
            .block_on(corpus::load(
                &corpus::Config::standard(),
                Arc::new(target.clone()),
            ))
            .expect("corpus loads into postgres");
        let secs = t.elapsed().as_secs_f64();
        eprintln!(
            "corpus loader straight into postgres: {secs:.1} s, {:.0} posts/s ({:?})",
            loaded.counts.posts as f64 / secs,
            loaded.counts
        );
        rt.block_on(target.close());
    }

    // ----- the in-memory reference, alongside -------------------------------------------------
    // The loader's memory store holds the same corpus: the same queries and feeds over it
    // give the figures to compare with.
    let viewers = viewers(&c);
    let mem_queries: Vec<(Access, CandidateQuery)> = viewers
        .iter()
        .map(|v| rt.block_on(query_for(&c.service, &*c.store, c.now, v)))
        .collect();
    let mut times = Vec::new();
    while times.len() < calls {
        for (access, q) in &mem_queries {
            let t = Instant::now();
            black_box(
                rt.block_on(c.store.feed_candidates(access, q))
                    .expect("candidates"),
            );
            times.push(t.elapsed());
        }
    }
    percentiles("feed_candidates over the corpus (memory store)", times);
    let mut times = Vec::new();
    while times.len() < calls {
        for v in &viewers {
            let t = Instant::now();
            black_box(
                rt.block_on(c.service.home_feed(v, &PageRequest::first(20)))
                    .expect("home feed"),
            );
            times.push(t.elapsed());
        }
    }
    percentiles("home_feed first page over the corpus (memory store)", times);
    drop(mem_queries);

    // ----- the service over PostgreSQL -----------------------------------------------------
    let pg: Arc<dyn Store> = Arc::new(store.clone());
    let service = Watercooler::builder(pg.clone(), c.directory.clone())
        .clock(c.clock.clone())
        .build();
    let queries: Vec<(Access, CandidateQuery)> = viewers
        .iter()
        .map(|v| rt.block_on(query_for(&service, &*pg, c.now, v)))
        .collect();
    let mut times = Vec::new();
    let mut sizes = 0usize;
    while times.len() < calls {
        for (access, q) in &queries {
            let t = Instant::now();
            let got = rt
                .block_on(store.feed_candidates(access, q))
                .expect("candidates");
            times.push(t.elapsed());
            sizes += got.len();
        }
    }
    eprintln!(
        "feed_candidates: {} viewers, {:.0} candidates on average",
        queries.len(),
        sizes as f64 / times.len() as f64
    );
    percentiles("feed_candidates over the corpus (postgres)", times);
    let mut times = Vec::new();
    while times.len() < calls {
        for v in &viewers {
            let t = Instant::now();
            black_box(
                rt.block_on(service.home_feed(v, &PageRequest::first(20)))
                    .expect("home feed"),
            );
            times.push(t.elapsed());
        }
    }
    percentiles("home_feed first page over the corpus (postgres)", times);

    // ----- PostgreSQL full-text search ---------------------------------------------------------
    let mut conn = rt
        .block_on(async {
            let mut conn = PgConnection::connect(&url()).await?;
            sqlx::query("SELECT set_config('search_path', $1, false)")
                .bind(&schema.name)
                .execute(&mut conn)
                .await?;
            Ok::<_, sqlx::Error>(conn)
        })
        .expect("connect for full-text search");
    let built = rt.block_on(fts_build(&mut conn));
    eprintln!(
        "postgres full-text search: tsvector side table and GIN index over {} posts built in {built:?}",
        posts.len()
    );
    let fts = fts_queries(&c, &posts);
    let fts_viewers = fts_viewers(&rt, &c);
    rt.block_on(fts_compare(&mut conn, &fts, &fts_viewers));

    // ----- criterion ---------------------------------------------------------------------------
    // Batches of roots into fresh tenants: every iteration inserts new rows into the full
    // tables, as a running import does.
    let roots: Vec<Post> = posts
        .iter()
        .filter(|p| p.thread_root.is_none())
        .cloned()
        .collect();
    let mut group = crit.benchmark_group("postgres");
    group.throughput(Throughput::Elements(BATCH as u64));
    group.sample_size(10);
    let mut k = 0usize;
    group.bench_function("bulk_insert_posts_2000", |b| {
        b.iter_batched(
            || {
                k += 1;
                let tenant = TenantId::new(format!("iter-{k}"));
                let start = (k * BATCH) % (roots.len() - BATCH);
                roots[start..start + BATCH]
                    .iter()
                    .map(|p| Post {
                        tenant: tenant.clone(),
                        ..p.clone()
                    })
                    .collect::<Vec<Post>>()
            },
            |batch| rt.block_on(store.insert_posts(&batch)).expect("insert"),
            BatchSize::PerIteration,
        )
    });
    group.finish();
    let mut group = crit.benchmark_group("postgres");
    let mut i = 0usize;
    group.bench_function("feed_candidates", |b| {
        b.iter(|| {
            i = (i + 1) % queries.len();
            let (access, q) = &queries[i];
            black_box(
                rt.block_on(store.feed_candidates(access, q))
                    .expect("candidates"),
            )
        })
    });
    let mut j = 0usize;
    group.bench_function("home_feed_first_page", |b| {
        b.iter(|| {
            j = (j + 1) % viewers.len();
            black_box(
                rt.block_on(service.home_feed(&viewers[j], &PageRequest::first(20)))
                    .expect("feed"),
            )
        })
    });
    let words: Vec<(Access, FtsQuery)> = fts_viewers
        .iter()
        .enumerate()
        .filter_map(|(i, a)| {
            let (_, list) = fts[0].iter().find(|(t, _)| t == a.tenant())?;
            Some((a.clone(), list[i % list.len()].clone()))
        })
        .collect();
    let mut w = 0usize;
    group.bench_function("fts_word", |b| {
        b.iter(|| {
            w = (w + 1) % words.len();
            let (access, q) = &words[w];
            black_box(rt.block_on(fts_search(&mut conn, access, q)))
        })
    });
    group.finish();
    drop(service);
    drop(pg);
    rt.block_on(store.close());
    drop(schema);
}

criterion_group!(benches, bench);
criterion_main!(benches);

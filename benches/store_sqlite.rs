//! The SQLite store on the shared corpus (200,000 posts, 226,438 reactions, 70,716 follows):
//!
//! - **load**: the corpus loader (`src/corpus.rs`) into a fresh database file, once, timed
//!   and reported in posts/s — with `synchronous=NORMAL` (the bulk-import setting), and,
//!   when `WCSQ_BENCH_FULL_LOAD=1`, also with the default `FULL` (every call's commit
//!   waits for an fsync, and the loader makes ~120k single-row calls);
//! - **bulk path**: the whole corpus through the batched calls into a durable (`FULL`)
//!   store — 200,000 posts by `insert_posts` (2,000 per call, roots first), 226,438
//!   reactions by `add_reactions` (5,000 per call) — once, in posts/s (target ≥ 20,000);
//! - **bulk_insert_posts**: criterion on one `insert_posts` call of 2,000 corpus posts into
//!   that (full) store;
//! - **feed_candidates**: the store query behind the ranked home feed, for real viewers
//!   with their follows and groups over the loaded corpus (target p50 < 10 ms);
//! - **home_feed**: `Watercooler::home_feed` (first page of 20) over the SQLite store.
//!
//! Besides criterion's estimates it prints p50/p90/p99 of single calls. `--quick` keeps it
//! short: the corpus is loaded once, criterion then only measures queries and small
//! batches.

use std::hint::black_box;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Duration as Span;
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use tokio::runtime::{Builder, Runtime};
use watercooler::store::CandidateQuery;
use watercooler::{
    Access, FollowTarget, PageRequest, Post, PostId, Reaction, Store, TenantId, Viewer,
};
use watercooler_sqlite::{SqliteOptions, SqliteStore, Synchronous};
use watercooler_workspace::corpus::{self, Corpus};

/// Posts per `insert_posts` call, as the corpus loader batches them.
const BATCH: usize = 2_000;

fn runtime() -> Runtime {
    Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime")
}

/// A scratch directory for this run's database files, removed at the end.
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> Scratch {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("target")
            .join("bench-scratch")
            .join(format!("store-sqlite-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("scratch directory");
        Scratch(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn percentiles(what: &str, mut times: Vec<Duration>) {
    times.sort_unstable();
    let at = |q: f64| times[((times.len() - 1) as f64 * q) as usize];
    eprintln!(
        "{what}, {} calls: p50 {:?}, p90 {:?}, p99 {:?}, max {:?}",
        times.len(),
        at(0.5),
        at(0.9),
        at(0.99),
        at(1.0)
    );
}

/// Loads the corpus into a new database file with `sync`; reports the rate.
fn load(rt: &Runtime, scratch: &Scratch, name: &str, sync: Synchronous) -> (Corpus, SqliteStore) {
    let path = scratch.0.join(name);
    let store = rt
        .block_on(SqliteStore::open_with(
            &path,
            SqliteOptions::new().synchronous(sync),
        ))
        .expect("open database");
    let t = Instant::now();
    let c = rt
        .block_on(corpus::load(
            &corpus::default_dir(),
            Arc::new(store.clone()),
        ))
        .expect("corpus loads into sqlite");
    let secs = t.elapsed().as_secs_f64();
    eprintln!(
        "corpus load into sqlite ({sync:?}): {secs:.1} s, {:.0} posts/s ({} posts, {} reactions, {} follows)",
        c.counts.posts as f64 / secs,
        c.counts.posts,
        c.counts.reactions,
        c.counts.follows
    );
    (c, store)
}

/// The candidate query the home feed makes for `viewer` (its default options: 14 days,
/// 150 per source, 20 popular).
async fn query_for(c: &Corpus, viewer: &Viewer) -> (Access, CandidateQuery) {
    let access = c.service.access(viewer).await.expect("access");
    let mut authors = Vec::new();
    let mut hashtags = Vec::new();
    let mut req = PageRequest::first(200);
    loop {
        let page = c
            .store
            .follows(&viewer.tenant, &viewer.person, &req)
            .await
            .expect("follows");
        for f in page.items {
            match f {
                FollowTarget::Person(p) => authors.push(p),
                FollowTarget::Hashtag(k) => hashtags.push(k),
                _ => {}
            }
        }
        match page.next {
            Some(cur) => req = PageRequest::after(cur, 200),
            None => break,
        }
    }
    let q = CandidateQuery {
        authors,
        groups: access.groups().to_vec(),
        hashtags,
        mentioning_viewer: true,
        since: c.now - Span::days(14),
        max_id: PostId::MAX,
        per_source: 150,
        popular: 20,
        now: c.now,
    };
    (access, q)
}

/// Viewers spread over the tenants: every 13th person of each.
async fn viewers(c: &Corpus) -> Vec<Viewer> {
    let mut out = Vec::new();
    for tenant in c.per_tenant.keys() {
        let people = c.directory.person_ids(tenant).expect("people");
        out.extend(
            people
                .iter()
                .step_by(13)
                .map(|p| Viewer::new(tenant.clone(), p.clone())),
        );
    }
    out
}

/// Every post of the corpus store, to feed the bulk-insert benchmark.
async fn all_posts(store: &SqliteStore) -> Vec<Post> {
    let mut out: Vec<Post> = Vec::with_capacity(200_000);
    let mut after: Option<(TenantId, PostId)> = None;
    loop {
        let batch = store.scan_posts(after.clone(), 10_000).await.expect("scan");
        let Some(last) = batch.last() else { return out };
        after = Some((last.tenant.clone(), last.id));
        out.extend(batch);
    }
}

/// Every reaction of the corpus, per tenant, from the people's exports.
async fn all_reactions(c: &Corpus) -> Vec<(TenantId, Vec<Reaction>)> {
    let mut out = Vec::new();
    for tenant in c.per_tenant.keys() {
        let mut rs = Vec::new();
        for person in c.directory.person_ids(tenant).expect("people") {
            rs.extend(
                c.store
                    .export_person(tenant, &person)
                    .await
                    .expect("export")
                    .reactions,
            );
        }
        rs.sort_by_key(|r| r.at);
        out.push((tenant.clone(), rs));
    }
    out
}

fn bench(crit: &mut Criterion) {
    let rt = runtime();
    let scratch = Scratch::new();
    let (c, store) = load(&rt, &scratch, "corpus-normal.db", Synchronous::Normal);
    if std::env::var("WCSQ_BENCH_FULL_LOAD").is_ok_and(|v| v == "1") {
        drop(load(&rt, &scratch, "corpus-full.db", Synchronous::Full));
    }

    // ----- bulk path: the whole corpus through the batched calls, under FULL -------------
    let mut posts = rt.block_on(all_posts(&store));
    // A reply needs its root stored first; corpus ids are creation times, so roots first
    // and then id order keeps every reply after its root.
    posts.sort_by_key(|p| (p.thread_root.is_some(), p.tenant.clone(), p.id));
    let reactions = rt.block_on(all_reactions(&c));
    let target = rt
        .block_on(SqliteStore::open(scratch.0.join("bulk-full.db")))
        .expect("open bulk target");
    let t = Instant::now();
    for chunk in posts.chunks(BATCH) {
        rt.block_on(target.insert_posts(chunk))
            .expect("insert batch");
    }
    let posts_secs = t.elapsed().as_secs_f64();
    let t = Instant::now();
    for (tenant, rs) in &reactions {
        for chunk in rs.chunks(5_000) {
            rt.block_on(target.add_reactions(tenant, chunk))
                .expect("reaction batch");
        }
    }
    let reaction_secs = t.elapsed().as_secs_f64();
    let n_reactions: usize = reactions.iter().map(|(_, r)| r.len()).sum();
    eprintln!(
        "bulk path into a FULL store: {} posts in {posts_secs:.1} s ({:.0} posts/s), {n_reactions} reactions in {reaction_secs:.1} s ({:.0}/s); posts and reactions together {:.0} posts/s",
        posts.len(),
        posts.len() as f64 / posts_secs,
        n_reactions as f64 / reaction_secs,
        posts.len() as f64 / (posts_secs + reaction_secs)
    );
    drop(reactions);
    // Each criterion iteration inserts a batch of roots into a tenant of its own.
    let roots: Vec<Post> = posts
        .iter()
        .filter(|p| p.thread_root.is_none())
        .cloned()
        .collect();
    let mut group = crit.benchmark_group("sqlite");
    group.throughput(Throughput::Elements(BATCH as u64));
    group.sample_size(10);
    let mut k = 0usize;
    group.bench_function("bulk_insert_posts_2000_full", |b| {
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
            |batch| rt.block_on(target.insert_posts(&batch)).expect("insert"),
            BatchSize::PerIteration,
        )
    });
    group.finish();
    rt.block_on(target.close());
    drop(posts);

    // ----- feed candidates and the home feed -----------------------------------------------
    let viewers = rt.block_on(viewers(&c));
    let queries: Vec<(Access, CandidateQuery)> = viewers
        .iter()
        .map(|v| rt.block_on(query_for(&c, v)))
        .collect();
    let mut times = Vec::with_capacity(queries.len() * 3);
    let mut sizes = 0usize;
    for _ in 0..3 {
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
    percentiles("feed_candidates over the corpus (sqlite)", times);

    let mut times = Vec::with_capacity(viewers.len());
    for v in &viewers {
        let t = Instant::now();
        black_box(
            rt.block_on(c.service.home_feed(v, None, 20))
                .expect("home feed"),
        );
        times.push(t.elapsed());
    }
    percentiles("home_feed first page over the corpus (sqlite)", times);

    let mut group = crit.benchmark_group("sqlite");
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
                rt.block_on(c.service.home_feed(&viewers[j], None, 20))
                    .expect("feed"),
            )
        })
    });
    group.finish();
    drop(c);
    rt.block_on(store.close());
}

criterion_group!(benches, bench);
criterion_main!(benches);

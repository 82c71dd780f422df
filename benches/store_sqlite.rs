//! The SQLite store on the generated `standard` corpus (200,000 posts, 223,822 reactions,
//! 70,664 follows):
//!
//! - **bulk path**: the corpus loader (`src/corpus/mod.rs`) prepares every post as publishing
//!   would, into the memory store (seconds); then the whole corpus goes through the
//!   batched calls into a durable (`FULL`, the default) database file — 200,000 posts by
//!   `insert_posts` (2,000 per call, roots first), 226,438 reactions by `add_reactions`
//!   (5,000 per call) — once, in posts/s (target ≥ 20,000); then the 70,716 follows by
//!   `follow_many` (5,000 per call);
//! - **loader**: the corpus loader straight into a fresh `synchronous=NORMAL` file, timed
//!   in posts/s (every post, with its notifications, and every follow through the batch
//!   calls) — not with
//!   `--quick` unless `WCSQ_BENCH_LOADER=1`; `WCSQ_BENCH_FULL_LOAD=1` also times it into a
//!   `FULL` file (every call's commit waits for an fsync);
//! - **bulk_insert_posts**: criterion on one `insert_posts` call of 2,000 corpus posts into
//!   the full store;
//! - **feed_candidates**: the store query behind the ranked home feed (with
//!   `FeedOptions::default()`), for real viewers with their follows and groups over the
//!   bulk-loaded store (target p50 < 10 ms), and the same over the memory store;
//! - **home_feed**: `Watercooler::home_feed` (first page of 20) over the SQLite store and
//!   over the memory store.
//!
//! Besides criterion's estimates it prints p50/p90/p99 of single calls. `--quick` (as CI
//! runs it) keeps criterion short and skips the loader run.

use std::hint::black_box;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use tokio::runtime::{Builder, Runtime};
use watercooler::sqlite::{SqliteOptions, SqliteStore, Synchronous};
use watercooler::store::CandidateQuery;
use watercooler::{
    Access, FollowTarget, MemoryStore, PageRequest, PersonId, Post, Reaction, Store, TenantId,
    Watercooler,
};
use watercooler_workspace::corpus::{self, Corpus};
use watercooler_workspace::store_bench::{all_follows, all_posts, percentiles, query_for, viewers};

/// Posts per `insert_posts` call, as the corpus loader batches them.
const BATCH: usize = 2_000;

fn quick() -> bool {
    std::env::args().any(|a| a == "--quick")
}

/// Whether the environment variable `name` is `1`.
fn env_is(name: &str) -> bool {
    std::env::var(name).is_ok_and(|v| v == "1")
}

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
            &corpus::Config::standard(),
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
    // The corpus as publishing would build it, in the memory store (seconds): the source
    // of the bulk path, and the in-memory figures alongside.
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
    // The loader straight into SQLite makes ~100k single-post and ~70k single-follow
    // calls (one transaction each): a minute and more, so not in `--quick`.
    if !quick() || env_is("WCSQ_BENCH_LOADER") {
        drop(load(&rt, &scratch, "corpus-normal.db", Synchronous::Normal));
    }
    if env_is("WCSQ_BENCH_FULL_LOAD") {
        drop(load(&rt, &scratch, "corpus-full.db", Synchronous::Full));
    }

    // ----- bulk path: the whole corpus through the batched calls, under FULL -------------
    let mut posts = rt.block_on(all_posts(&*c.store));
    // A reply needs its root stored first; corpus ids are creation times, so roots first
    // and then id order keeps every reply after its root.
    posts.sort_by_key(|p| (p.thread_root.is_some(), p.tenant.clone(), p.id));
    let reactions = rt.block_on(all_reactions(&c));
    let follows = rt.block_on(all_follows(&c));
    let store = rt
        .block_on(SqliteStore::open(scratch.0.join("bulk-full.db")))
        .expect("open the bulk target");
    let t = Instant::now();
    for chunk in posts.chunks(BATCH) {
        rt.block_on(store.insert_posts(chunk))
            .expect("insert batch");
    }
    let posts_secs = t.elapsed().as_secs_f64();
    let t = Instant::now();
    for (tenant, rs) in &reactions {
        for chunk in rs.chunks(5_000) {
            rt.block_on(store.add_reactions(tenant, chunk))
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
    // `follow_many`, 5,000 per call and tenant (as the corpus loader): one transaction
    // (and, under FULL, one fsync) per call.
    let t = Instant::now();
    let mut by_tenant: std::collections::BTreeMap<&TenantId, Vec<(PersonId, FollowTarget)>> =
        Default::default();
    for (tenant, person, target) in &follows {
        by_tenant
            .entry(tenant)
            .or_default()
            .push((person.clone(), target.clone()));
    }
    let mut new = 0;
    rt.block_on(async {
        for (tenant, list) in &by_tenant {
            for chunk in list.chunks(5_000) {
                new += store.follow_many(tenant, chunk).await.expect("follow_many");
            }
        }
    });
    assert_eq!(new, follows.len(), "every corpus follow is new");
    let secs = t.elapsed().as_secs_f64();
    eprintln!(
        "follow_many into a FULL store, {} follows, 5,000 per call: {secs:.2} s, {:.0} follows/s",
        follows.len(),
        follows.len() as f64 / secs
    );
    drop(follows);

    // ----- feed candidates and the home feed, over SQLite and over memory ------------------
    let sqlite: Arc<dyn Store> = Arc::new(store.clone());
    let service = Watercooler::builder(sqlite.clone(), c.directory.clone())
        .clock(c.clock.clone())
        .build();
    let viewers = viewers(&c);
    for (name, service, st) in [
        ("memory store", &c.service, &c.store),
        ("sqlite", &service, &sqlite),
    ] {
        let queries: Vec<(Access, CandidateQuery)> = viewers
            .iter()
            .map(|v| rt.block_on(query_for(service, &**st, c.now, v)))
            .collect();
        let mut times = Vec::with_capacity(queries.len() * 3);
        let mut sizes = 0usize;
        for _ in 0..3 {
            for (access, q) in &queries {
                let t = Instant::now();
                let got = rt
                    .block_on(st.feed_candidates(access, q))
                    .expect("candidates");
                times.push(t.elapsed());
                sizes += got.len();
            }
        }
        eprintln!(
            "feed_candidates ({name}): {} viewers, {:.0} candidates on average",
            queries.len(),
            sizes as f64 / times.len() as f64
        );
        percentiles(&format!("feed_candidates over the corpus ({name})"), times);
        let mut times = Vec::with_capacity(viewers.len() * 3);
        for _ in 0..3 {
            for v in &viewers {
                let t = Instant::now();
                black_box(
                    rt.block_on(service.home_feed(v, &PageRequest::first(20)))
                        .expect("home feed"),
                );
                times.push(t.elapsed());
            }
        }
        percentiles(
            &format!("home_feed first page over the corpus ({name})"),
            times,
        );
    }
    let queries: Vec<(Access, CandidateQuery)> = viewers
        .iter()
        .map(|v| rt.block_on(query_for(&service, &*sqlite, c.now, v)))
        .collect();

    // ----- criterion ---------------------------------------------------------------------------
    // Each iteration inserts a batch of roots into a tenant of its own, into the full tables.
    let roots: Vec<Post> = posts
        .iter()
        .filter(|p| p.thread_root.is_none())
        .cloned()
        .collect();
    drop(posts);
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
            |batch| rt.block_on(store.insert_posts(&batch)).expect("insert"),
            BatchSize::PerIteration,
        )
    });
    group.finish();

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
                rt.block_on(service.home_feed(&viewers[j], &PageRequest::first(20)))
                    .expect("feed"),
            )
        })
    });
    group.finish();
    drop(service);
    drop(sqlite);
    drop(c);
    rt.block_on(store.close());
}

criterion_group!(benches, bench);
criterion_main!(benches);

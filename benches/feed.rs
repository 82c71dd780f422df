//! The ranked home feed over the whole corpus in the memory store: 20 items for a typical
//! person (target p50 < 2 ms, p99 < 10 ms).
//!
//! Criterion reports the mean and median of batches; for per-call percentiles this also
//! times single `home_feed` calls across many different viewers (every person of every
//! tenant, or the first 400 with `--quick`) and prints p50, p90, p99 and max.

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use tokio::runtime::{Builder, Runtime};
use watercooler::rank::{DefaultRanker, FeedOptions, Ranker, ViewerContext};
use watercooler::store::CandidateQuery;
use watercooler::{FollowTarget, MemoryStore, PageRequest, PostId, TenantId, Viewer};
use watercooler_workspace::corpus::{self, Corpus};

const LIMIT: usize = 20;

fn runtime() -> Runtime {
    Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime")
}

fn quick() -> bool {
    std::env::args().any(|a| a == "--quick")
}

/// Every person of every tenant, in a fixed order.
fn everyone(c: &Corpus) -> Vec<Viewer> {
    let mut out = Vec::new();
    for tenant in c.directory.tenants().expect("tenants") {
        for p in c.directory.person_ids(&tenant).expect("people") {
            out.push(Viewer {
                tenant: tenant.clone(),
                person: p,
            });
        }
    }
    out
}

/// The person of the largest tenant with the median number of follows.
fn typical(rt: &Runtime, c: &Corpus) -> Viewer {
    let tenant = TenantId::new("willemsen");
    let mut by_follows: Vec<(usize, Viewer)> = c
        .directory
        .person_ids(&tenant)
        .expect("people")
        .into_iter()
        .map(|p| {
            let n = rt
                .block_on(c.store.follows(&tenant, &p, &PageRequest::first(200)))
                .expect("follows")
                .items
                .len();
            (
                n,
                Viewer {
                    tenant: tenant.clone(),
                    person: p,
                },
            )
        })
        .collect();
    by_follows.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.person.cmp(&b.1.person)));
    let (n, v) = by_follows.swap_remove(by_follows.len() / 2);
    eprintln!("typical person: {} ({n} follows)", v.person);
    v
}

fn percentiles(rt: &Runtime, c: &Corpus, viewers: &[Viewer]) {
    let mut times: Vec<Duration> = Vec::with_capacity(viewers.len());
    let mut items = 0;
    for v in viewers {
        let t = Instant::now();
        let page = rt
            .block_on(c.service.home_feed(v, &PageRequest::first(LIMIT)))
            .expect("home feed");
        times.push(t.elapsed());
        items += page.items.len();
    }
    times.sort_unstable();
    let at = |q: f64| times[((times.len() - 1) as f64 * q) as usize];
    eprintln!(
        "home_feed({LIMIT}) over the corpus, {} viewers, one call each: p50 {:?}, p90 {:?}, \
         p99 {:?}, max {:?}; {:.1} items per page on average",
        times.len(),
        at(0.5),
        at(0.9),
        at(0.99),
        at(1.0),
        items as f64 / times.len() as f64
    );
}

/// Where the time of a home feed goes, on average over every fourth viewer: the store's
/// candidate query (the same query the service makes: follows, groups, followed tags,
/// mentions, popular) and the ranker, against whole `home_feed` calls.
fn breakdown(rt: &Runtime, c: &Corpus, viewers: &[Viewer]) {
    let o = FeedOptions::default();
    let (mut query, mut rank, mut whole, mut cands) =
        (Duration::ZERO, Duration::ZERO, Duration::ZERO, 0);
    let sample: Vec<&Viewer> = viewers.iter().step_by(4).collect();
    for v in &sample {
        let access = rt.block_on(c.service.access(v)).expect("access");
        let follows = rt
            .block_on(
                c.store
                    .follows(&v.tenant, &v.person, &PageRequest::first(200)),
            )
            .expect("follows");
        let (mut authors, mut hashtags) = (Vec::new(), Vec::new());
        for f in follows.items {
            match f {
                FollowTarget::Person(p) => authors.push(p),
                FollowTarget::Hashtag(t) => hashtags.push(t),
                _ => {}
            }
        }
        let q = CandidateQuery {
            authors,
            groups: access.groups().to_vec(),
            hashtags,
            mentioning_viewer: true,
            since: c.now - o.window,
            max_id: PostId::MAX,
            per_source: o.per_source,
            popular: o.popular,
            now: c.now,
        };
        let t = Instant::now();
        let found = rt
            .block_on(c.store.feed_candidates(&access, &q))
            .expect("candidates");
        query += t.elapsed();
        cands += found.len();
        let ctx = ViewerContext::new(v.person.clone());
        let t = Instant::now();
        black_box(DefaultRanker::default().rank(&ctx, &found, c.now));
        rank += t.elapsed();
        let t = Instant::now();
        black_box(
            rt.block_on(c.service.home_feed(v, &PageRequest::first(LIMIT)))
                .expect("home feed"),
        );
        whole += t.elapsed();
    }
    let n = sample.len().max(1) as u32;
    eprintln!(
        "home_feed({LIMIT}) breakdown, mean over {n} viewers: {} candidates; store query {:?}, \
         ranking {:?}, whole call {:?}",
        cands / n as usize,
        query / n,
        rank / n,
        whole / n
    );
}

fn bench(crit: &mut Criterion) {
    let rt = runtime();
    let t = Instant::now();
    let c = rt
        .block_on(corpus::load(
            &corpus::Config::standard(),
            Arc::new(MemoryStore::new()),
        ))
        .expect("corpus loads");
    eprintln!("corpus loaded in {:?} ({:?})", t.elapsed(), c.counts);

    let mut viewers = everyone(&c);
    if quick() {
        // Spread over the tenants rather than the first 400 of one.
        let step = (viewers.len() / 400).max(1);
        viewers = viewers.into_iter().step_by(step).collect();
    }
    // One warm-up pass (page faults, allocator), then the measured one.
    percentiles(&rt, &c, &viewers[..viewers.len().min(100)]);
    percentiles(&rt, &c, &viewers);

    let who = typical(&rt, &c);
    breakdown(&rt, &c, &viewers);
    crit.bench_function("home_feed_20_typical_person", |b| {
        b.iter(|| {
            rt.block_on(
                c.service
                    .home_feed(black_box(&who), &PageRequest::first(LIMIT)),
            )
            .expect("home feed")
        })
    });
    let first = rt
        .block_on(c.service.home_feed(&who, &PageRequest::first(LIMIT)))
        .expect("home feed");
    let page_2 = PageRequest::after(first.next.expect("a second page"), LIMIT);
    crit.bench_function("home_feed_20_typical_person_page_2", |b| {
        b.iter(|| {
            rt.block_on(c.service.home_feed(black_box(&who), &page_2))
                .expect("page 2")
        })
    });
}

criterion_group! {
    name = benches;
    // The corpus load dominates the run; a short measurement keeps `--quick` short too.
    config = Criterion::default().sample_size(30).measurement_time(Duration::from_secs(3));
    targets = bench
}
criterion_main!(benches);

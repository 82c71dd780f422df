//! The default ranker, pure: candidates scored per second from precomputed signals (target
//! ≥ 5 million per second on one core), and a whole `rank` call (signals, author
//! diversity, two sorts) over a home feed's worth of candidates.
//!
//! Besides criterion's estimates, prints its own candidates-per-second figure for the
//! scoring loop (best of several passes, one core).

use std::hint::black_box;
use std::time::Instant;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use watercooler::rank::{DefaultRanker, Ranker, Signals, flags};
use watercooler_workspace::rank_input::{Mix, candidates, now};

/// Signals shaped like a home feed's: mostly fresh, a few popular, some affinity.
fn signals(n: usize) -> Vec<Signals> {
    let mut m = Mix(42);
    (0..n)
        .map(|_| Signals {
            age_hours: m.below(14 * 24 * 60) as f64 / 60.0,
            reactions: if m.below(10) == 0 {
                m.below(200) as u32
            } else {
                m.below(5) as u32
            },
            replies: m.below(4) as u32,
            interactions: if m.below(4) == 0 {
                m.below(30) as u32
            } else {
                0
            },
            flags: (m.next_u64() as u16)
                & (flags::FOLLOWED_AUTHOR
                    | flags::GROUP
                    | flags::DEPARTMENT
                    | flags::MENTION
                    | flags::SEEN),
            followed_tags: m.below(3) as u8,
        })
        .collect()
}

/// The scoring loop: what "candidates scored per second" measures.
fn score_all(r: &DefaultRanker, s: &[Signals]) -> f64 {
    s.iter().map(|s| r.score(s, 0)).sum()
}

fn own_rate(r: &DefaultRanker, s: &[Signals]) {
    let mut best = f64::INFINITY;
    for _ in 0..20 {
        let t = Instant::now();
        black_box(score_all(r, black_box(s)));
        best = best.min(t.elapsed().as_secs_f64());
    }
    eprintln!(
        "default ranker: {:.1} million candidates scored per second (best of 20 passes over {})",
        s.len() as f64 / best / 1e6,
        s.len()
    );
}

fn bench(c: &mut Criterion) {
    let ranker = DefaultRanker::default();
    let s = signals(100_000);
    own_rate(&ranker, &s);

    let mut g = c.benchmark_group("rank");
    g.throughput(Throughput::Elements(s.len() as u64));
    g.bench_function("score_100k_signals", |b| {
        b.iter(|| score_all(&ranker, black_box(&s)))
    });

    let (ctx, cands) = candidates(1_000);
    g.throughput(Throughput::Elements(cands.len() as u64));
    g.bench_function("signals_1k_candidates", |b| {
        b.iter(|| {
            cands
                .iter()
                .map(|c| Signals::of(&ctx, c, now()))
                .fold(0u32, |a, s| a ^ s.reactions)
        })
    });
    g.bench_function("rank_1k_candidates", |b| {
        b.iter(|| ranker.rank(&ctx, black_box(&cands), now()))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

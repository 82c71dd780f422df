//! Throughput of entity extraction: watercooler-text (intranet and twitter-compatible profiles)
//! against the `twitter-text` crate 0.3.1, on the generated intranet corpus (`standard`) and on
//! pathological inputs.
//!
//! Run with `cargo bench --bench text_extract` (add `-- --quick` for a fast pass). Figures and
//! the machine they were taken on are in docs/text-extraction.md.

use std::hint::black_box;
use std::time::Duration;

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, Throughput, criterion_group, criterion_main};
use twitter_text::extractor::{Extract, Extractor as TwitterText};
use watercooler_text::{Extractor, OffsetUnit, convert_ranges_into};
use watercooler_workspace::corpus::generate::World;

/// Bytes of post text per benchmark iteration: enough posts for stable figures, few enough
/// that the slowest contender (twitter-text) still fits a short measurement.
const CORPUS_BYTES: usize = 2_000_000;

/// The `text` fields of the first posts of the generated `standard` corpus, up to
/// [`CORPUS_BYTES`].
fn posts() -> Vec<String> {
    let config = watercooler_workspace::corpus::Config::standard();
    let world = World::new(&config).expect("the standard corpus is valid");
    let mut out = Vec::new();
    let mut total = 0;
    for g in world.posts() {
        total += g.post.text.len();
        out.push(g.post.text);
        if total >= CORPUS_BYTES {
            break;
        }
    }
    out
}

fn configure(group: &mut BenchmarkGroup<'_, WallTime>) {
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(2));
}

fn corpus(c: &mut Criterion) {
    let posts = posts();
    let bytes: usize = posts.iter().map(String::len).sum();
    let intranet = Extractor::default();
    let twitter = Extractor::twitter_compatible();
    let tags_mentions = Extractor::builder().urls(false).cashtags(false).build();
    let tt = TwitterText::new();

    let mut g = c.benchmark_group("corpus_all_entities");
    configure(&mut g);
    g.throughput(Throughput::Bytes(bytes as u64));
    // "With indices": entities plus their UTF-16 offsets, which is what twitter-text returns.
    for (name, x) in [
        ("watercooler_intranet", &intranet),
        ("watercooler_twitter", &twitter),
    ] {
        g.bench_function(name, |b| {
            let mut entities = Vec::new();
            let mut ranges = Vec::new();
            let mut offsets = Vec::new();
            b.iter(|| {
                let mut n = 0;
                for p in &posts {
                    x.extract_into(p, &mut entities);
                    ranges.clear();
                    ranges.extend(entities.iter().map(|e| e.range()));
                    convert_ranges_into(p, &ranges, OffsetUnit::Utf16, &mut offsets)
                        .expect("entity ranges convert");
                    n += offsets.len();
                }
                black_box(n)
            })
        });
    }
    g.bench_function("twitter_text_0_3_1", |b| {
        b.iter(|| {
            let mut n = 0;
            for p in &posts {
                n += tt.extract_entities_with_indices(p).len();
            }
            black_box(n)
        })
    });
    g.finish();

    let mut g = c.benchmark_group("corpus_hashtags_mentions");
    configure(&mut g);
    g.throughput(Throughput::Bytes(bytes as u64));
    g.bench_function("watercooler_byte_ranges", |b| {
        let mut entities = Vec::new();
        b.iter(|| {
            let mut n = 0;
            for p in &posts {
                tags_mentions.extract_into(p, &mut entities);
                n += entities.len();
            }
            black_box(n)
        })
    });
    g.bench_function("watercooler_utf16_indices", |b| {
        let mut entities = Vec::new();
        let mut ranges = Vec::new();
        let mut offsets = Vec::new();
        b.iter(|| {
            let mut n = 0;
            for p in &posts {
                tags_mentions.extract_into(p, &mut entities);
                ranges.clear();
                ranges.extend(entities.iter().map(|e| e.range()));
                convert_ranges_into(p, &ranges, OffsetUnit::Utf16, &mut offsets)
                    .expect("entity ranges convert");
                n += offsets.len();
            }
            black_box(n)
        })
    });
    g.bench_function("twitter_text_0_3_1", |b| {
        b.iter(|| {
            let mut n = 0;
            for p in &posts {
                n += tt.extract_hashtags_with_indices(p).len();
                n += tt.extract_mentions_or_lists_with_indices(p).len();
            }
            black_box(n)
        })
    });
    g.finish();
}

/// The inputs that make regex-based extractors slow (see docs/text-extraction.md).
fn pathological_inputs() -> Vec<(&'static str, String)> {
    const N: usize = 100_000;
    vec![
        ("a_dot_100k", "a.".repeat(N / 2)),
        ("at_100k", "@".repeat(N)),
        ("hash_100k", "#".repeat(N)),
        ("www_100k", "www.".repeat(N / 4)),
        (
            "url_then_100k_dashes",
            format!("https://example.com/{}", "-".repeat(N)),
        ),
        ("tag_of_100k_underscores", format!("#{}", "_".repeat(N))),
        (
            "combining_marks_10k",
            format!("#a{}", "\u{301}".repeat(10_000)),
        ),
        ("one_word_100k", "a".repeat(N)),
        ("domain_chain_100k", format!("a{}", ".com_b".repeat(N / 6))),
    ]
}

fn pathological(c: &mut Criterion) {
    let x = Extractor::default();
    let mut g = c.benchmark_group("pathological");
    configure(&mut g);
    for (name, input) in pathological_inputs() {
        g.throughput(Throughput::Bytes(input.len() as u64));
        g.bench_function(name, |b| {
            let mut out = Vec::new();
            b.iter(|| {
                x.extract_into(black_box(&input), &mut out);
                black_box(out.len())
            })
        });
    }
    // One small input for contrast: twitter-text is quadratic on `a.a.a.…`.
    let small = "a.".repeat(5_000);
    let tt = TwitterText::new();
    g.throughput(Throughput::Bytes(small.len() as u64));
    g.bench_function("a_dot_10k/watercooler", |b| {
        let mut out = Vec::new();
        b.iter(|| {
            x.extract_into(black_box(&small), &mut out);
            black_box(out.len())
        })
    });
    g.bench_function("a_dot_10k/twitter_text_0_3_1", |b| {
        b.iter(|| black_box(tt.extract_entities_with_indices(black_box(&small)).len()))
    });
    g.finish();
}

criterion_group!(benches, corpus, pathological);
criterion_main!(benches);

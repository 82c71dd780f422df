//! Keys and rendering over the generated corpus (`standard`: 200,000 synthetic intranet
//! posts).
//!
//! `cargo bench --bench text_keys` (add `-- --quick` for a fast pass). Reports keys/s (ns/key
//! is the time per iteration divided by the number of keys) for all hashtags of the corpus,
//! split into the ASCII fast path and the rest, and MB/s for rendering posts to HTML.
//!
//! Hashtags and mentions are found by splitting on whitespace (tokens starting with `#`/`@`)
//! so this bench does not depend on the extractor; punctuation stuck to a token is kept,
//! which only makes some keys a little longer.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use watercooler_text::{Entity, EntityKind, NoLinks, PathLinks, hashtag_key, render_html_into};
use watercooler_workspace::corpus::Config;
use watercooler_workspace::corpus::generate::post_texts;

/// Posts rendered per iteration: a quarter of the corpus keeps one iteration near 100 ms.
const RENDER_POSTS: usize = 50_000;

fn load_texts() -> Vec<String> {
    let config = Config::standard();
    post_texts(&config, usize::MAX).expect("the standard corpus is valid")
}

/// Whitespace-separated tokens starting with `#` or `@`, as entities (sigil excluded from
/// the value).
fn sigil_entities(text: &str) -> Vec<Entity> {
    let mut entities = Vec::new();
    let mut start = None;
    for (i, c) in text
        .char_indices()
        .chain(std::iter::once((text.len(), ' ')))
    {
        match (c.is_whitespace(), start) {
            (false, None) => start = Some(i),
            (true, Some(s)) => {
                let kind = match text.as_bytes()[s] {
                    b'#' => Some(EntityKind::Hashtag),
                    b'@' => Some(EntityKind::Mention),
                    _ => None,
                };
                if let Some(kind) = kind.filter(|_| i > s + 1) {
                    entities.push(Entity::new(kind, s..i, s + 1..i, None));
                }
                start = None;
            }
            _ => {}
        }
    }
    entities
}

fn benches(c: &mut Criterion) {
    let texts = load_texts();
    let tags: Vec<&str> = texts
        .iter()
        .flat_map(|t| t.split_whitespace().filter(|w| w.starts_with('#')))
        .collect();
    let ascii: Vec<&str> = tags.iter().copied().filter(|t| t.is_ascii()).collect();
    let ascii_lower = ascii
        .iter()
        .filter(|t| !t.bytes().any(|b| b.is_ascii_uppercase()))
        .count();
    let non_ascii: Vec<&str> = tags.iter().copied().filter(|t| !t.is_ascii()).collect();
    eprintln!(
        "corpus: {} posts, {} hashtags ({} ASCII, {} of them lowercase; {} non-ASCII)",
        texts.len(),
        tags.len(),
        ascii.len(),
        ascii_lower,
        non_ascii.len()
    );

    // The corpus sets walk 200k tags spread over 24 MB of posts, so memory latency weighs
    // in; a small set that stays in cache shows the cost of the key itself.
    let hot: Vec<String> = ascii.iter().take(1_000).map(|t| (*t).to_owned()).collect();
    let hot: Vec<&str> = hot.iter().map(String::as_str).collect();

    let mut keys = c.benchmark_group("keys");
    keys.sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    for (name, set) in [
        ("all", &tags),
        ("ascii", &ascii),
        ("non_ascii", &non_ascii),
        ("ascii_hot_1000", &hot),
    ] {
        keys.throughput(Throughput::Elements(set.len() as u64));
        keys.bench_function(format!("hashtag_key/{name}"), |b| {
            b.iter(|| {
                for tag in set.iter() {
                    black_box(hashtag_key(black_box(tag)));
                }
            })
        });
    }
    keys.finish();

    let posts: Vec<(&str, Vec<Entity>)> = texts
        .iter()
        .take(RENDER_POSTS)
        .map(|t| (t.as_str(), sigil_entities(t)))
        .collect();
    let bytes: usize = posts.iter().map(|(t, _)| t.len()).sum();
    let mut render = c.benchmark_group("render_html");
    render
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4))
        .throughput(Throughput::Bytes(bytes as u64));
    let links = PathLinks::new("/tags/", "/people/");
    let mut out = String::with_capacity(64 * 1024);
    render.bench_function("path_links", |b| {
        b.iter(|| {
            for (text, entities) in &posts {
                out.clear();
                render_html_into(text, entities, &links, &mut out);
                black_box(&out);
            }
        })
    });
    render.bench_function("no_links", |b| {
        b.iter(|| {
            for (text, entities) in &posts {
                out.clear();
                render_html_into(text, entities, &NoLinks, &mut out);
                black_box(&out);
            }
        })
    });
    render.finish();
}

criterion_group!(text_keys, benches);
criterion_main!(text_keys);

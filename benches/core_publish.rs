//! Core write path over the memory store: `publish` of a typical post into a store holding
//! the whole corpus (target p50 < 20 µs), and loading the corpus (target < 10 s).
//!
//! Besides criterion's estimates, prints per-call percentiles of `publish` measured over
//! many single calls (criterion reports means of batches, not a p50 of calls).

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use tokio::runtime::{Builder, Runtime};
use watercooler::{Directory, MemoryStore, NewPost, Viewer};
use watercooler_workspace::corpus::{self, Corpus};

fn runtime() -> Runtime {
    Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime")
}

fn load(rt: &Runtime) -> Corpus {
    rt.block_on(corpus::load(
        &corpus::Config::standard(),
        Arc::new(MemoryStore::new()),
    ))
    .expect("corpus loads")
}

/// A typical intranet post: a few words, a mention of a colleague, two tags, a link.
fn typical(handle: &str, i: u64) -> NewPost {
    NewPost::new(format!(
        "Goedemorgen @{handle}! Wie gaat er vrijdag mee naar de #vrijdagmiddagborrel? \
         Agenda staat op https://intranet.example.com/agenda/{i} #innovatie"
    ))
}

fn percentiles(rt: &Runtime, c: &Corpus, author: &Viewer, handle: &str) {
    let n = 20_000u64;
    let mut times: Vec<Duration> = Vec::with_capacity(n as usize);
    for i in 0..n {
        let post = typical(handle, i);
        let t = Instant::now();
        rt.block_on(c.service.publish(author, post))
            .expect("publish");
        times.push(t.elapsed());
    }
    times.sort_unstable();
    let at = |q: f64| times[((times.len() - 1) as f64 * q) as usize];
    eprintln!(
        "publish over the corpus, {n} calls: p50 {:?}, p90 {:?}, p99 {:?}, max {:?}",
        at(0.5),
        at(0.9),
        at(0.99),
        at(1.0)
    );
}

fn bench(crit: &mut Criterion) {
    let rt = runtime();
    let t = Instant::now();
    let c = load(&rt);
    eprintln!("first corpus load: {:?} ({:?})", t.elapsed(), c.counts);
    let author = Viewer::new("willemsen", "willemsen:u0");
    let handle = rt
        .block_on(
            c.directory
                .person(&"willemsen".into(), &"willemsen:u1".into()),
        )
        .expect("directory")
        .expect("willemsen:u1 exists")
        .handle;
    percentiles(&rt, &c, &author, &handle);

    let mut i = 1_000_000u64;
    crit.bench_function("publish_typical_post_over_corpus", |b| {
        b.iter(|| {
            i += 1;
            let post = typical(&handle, i);
            black_box(
                rt.block_on(c.service.publish(&author, post))
                    .expect("publish"),
            )
        })
    });
    drop(c);

    let mut group = crit.benchmark_group("corpus");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(30));
    group.bench_function("load_into_memory_store", |b| {
        b.iter(|| black_box(load(&rt).counts))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

//! Writes the generated corpus as JSON Lines (the format of `src/corpus/jsonl.rs`), and
//! reports how fast the posts were generated and written.
//!
//! ```sh
//! cargo run --release --example corpus -- --size standard --out /tmp/corpus [--gzip] [--seed N] [--posts N]
//! cargo run --release --example corpus -- --size scale --count   # generate only, no files
//! ```

use std::error::Error;
use std::path::PathBuf;
use std::time::Instant;

use watercooler_workspace::corpus::generate::{Config, Size, World};
use watercooler_workspace::corpus::jsonl;

fn main() -> Result<(), Box<dyn Error>> {
    let mut size = Size::Standard;
    let mut out: Option<PathBuf> = None;
    let mut gzip = false;
    let mut count_only = false;
    let mut seed = None;
    let mut posts = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--size" => size = args.next().ok_or("--size needs a value")?.parse()?,
            "--out" => out = Some(args.next().ok_or("--out needs a directory")?.into()),
            "--gzip" => gzip = true,
            "--count" => count_only = true,
            "--seed" => seed = Some(args.next().ok_or("--seed needs a number")?.parse()?),
            "--posts" => posts = Some(args.next().ok_or("--posts needs a number")?.parse()?),
            other => return Err(format!("unknown argument {other}").into()),
        }
    }
    let mut config = Config::new(size);
    if let Some(s) = seed {
        config.seed = s;
    }
    if let Some(p) = posts {
        config.posts = p;
    }

    if count_only {
        // The generator alone: what a loader pays before its own work.
        let t = Instant::now();
        let world = World::new(&config)?;
        let built = t.elapsed();
        let t = Instant::now();
        let (mut n, mut reactions, mut bytes) = (0u64, 0u64, 0u64);
        for g in world.posts() {
            n += 1;
            reactions += g.reactions.len() as u64;
            bytes += g.post.text.len() as u64;
        }
        let s = t.elapsed().as_secs_f64();
        println!(
            "{size}: people and groups in {built:.2?}; {n} posts ({bytes} bytes of text), \
             {reactions} reactions in {s:.2} s: {:.0} posts/s",
            n as f64 / s
        );
        return Ok(());
    }

    let dir = out.ok_or("--out DIR is required (or --count)")?;
    let t = Instant::now();
    let w = jsonl::write(&config, &dir, gzip)?;
    for (file, lines) in &w.lines {
        println!("{file:<22} {lines:>12} lines");
    }
    let s = w.posts_time.as_secs_f64();
    println!(
        "{} MB of JSON in {:.1} s; posts and reactions at {:.0} posts/s",
        w.json_bytes / 1_000_000,
        t.elapsed().as_secs_f64(),
        config.posts as f64 / s
    );
    Ok(())
}

//! Writes a generated corpus as JSON Lines, in the format and with the file names of the
//! corpus the workspace used to read from the shared data set (`people`, `groups`,
//! `memberships`, `follows`, `posts`, `reactions`; `.jsonl`, or `.jsonl.gz` when gzipped),
//! for tools outside this workspace. `examples/corpus.rs` is its command line.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use flate2::Compression;
use flate2::write::GzEncoder;
use serde::Serialize;

use super::generate::{Config, World};

/// What [`write()`] wrote.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Written {
    /// Lines per file, in writing order.
    pub lines: Vec<(String, u64)>,
    /// Bytes of JSON (before compression).
    pub json_bytes: u64,
    /// Time spent on the posts and reactions.
    pub posts_time: Duration,
}

/// Where an output file's bytes go.
enum Sink {
    Plain(BufWriter<File>),
    Gzip(GzEncoder<BufWriter<File>>),
}

/// One output file: JSON Lines, gzipped or not, counting lines and bytes.
struct Out {
    inner: Sink,
    lines: u64,
    bytes: u64,
    path: PathBuf,
}

impl Out {
    fn create(dir: &Path, name: &str, gzip: bool) -> io::Result<Out> {
        let path = dir.join(if gzip {
            format!("{name}.jsonl.gz")
        } else {
            format!("{name}.jsonl")
        });
        let file = BufWriter::with_capacity(1 << 20, File::create(&path)?);
        let inner = if gzip {
            // Level 6: level 9 (the Python original's) is several times slower for ~3 %.
            Sink::Gzip(GzEncoder::new(file, Compression::new(6)))
        } else {
            Sink::Plain(file)
        };
        Ok(Out {
            inner,
            lines: 0,
            bytes: 0,
            path,
        })
    }

    fn line<T: Serialize>(&mut self, record: &T, scratch: &mut Vec<u8>) -> io::Result<()> {
        scratch.clear();
        serde_json::to_writer(&mut *scratch, record)?;
        scratch.push(b'\n');
        match &mut self.inner {
            Sink::Plain(w) => w.write_all(scratch)?,
            Sink::Gzip(w) => w.write_all(scratch)?,
        }
        self.lines += 1;
        self.bytes += scratch.len() as u64;
        Ok(())
    }

    fn finish(self, written: &mut Written) -> io::Result<()> {
        // Explicitly: dropping would write the gzip trailer and flush but lose their errors.
        match self.inner {
            Sink::Plain(mut w) => w.flush()?,
            Sink::Gzip(w) => w.finish()?.flush()?,
        }
        let name = self
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        written.lines.push((name, self.lines));
        written.json_bytes += self.bytes;
        Ok(())
    }
}

/// Generates the corpus of `config` into `dir` (created if missing). Constant memory beyond
/// the people and groups: posts are written as they are generated.
pub fn write(config: &Config, dir: &Path, gzip: bool) -> io::Result<Written> {
    std::fs::create_dir_all(dir)?;
    let world = World::new(config).map_err(io::Error::other)?;
    let mut written = Written::default();
    let mut scratch = Vec::with_capacity(4096);

    let mut out = Out::create(dir, "people", gzip)?;
    for r in world.people() {
        out.line(&r, &mut scratch)?;
    }
    out.finish(&mut written)?;
    let mut out = Out::create(dir, "groups", gzip)?;
    for r in world.groups() {
        out.line(&r, &mut scratch)?;
    }
    out.finish(&mut written)?;
    let mut out = Out::create(dir, "memberships", gzip)?;
    for r in world.memberships() {
        out.line(&r, &mut scratch)?;
    }
    out.finish(&mut written)?;
    let mut out = Out::create(dir, "follows", gzip)?;
    for r in world.follows() {
        out.line(&r, &mut scratch)?;
    }
    out.finish(&mut written)?;

    let t = Instant::now();
    let mut posts = Out::create(dir, "posts", gzip)?;
    let mut reactions = Out::create(dir, "reactions", gzip)?;
    for g in world.posts() {
        posts.line(&g.post, &mut scratch)?;
        for r in &g.reactions {
            reactions.line(r, &mut scratch)?;
        }
    }
    posts.finish(&mut written)?;
    reactions.finish(&mut written)?;
    written.posts_time = t.elapsed();
    Ok(written)
}

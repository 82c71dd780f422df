//! The index survives `kill -9`. A child process (this test binary, re-run with an
//! environment variable) replays a seeded sequence of store writes — posts, replies, edits,
//! deletes, an erasure — while its disk index follows, commits and sometimes rebuilds; the
//! parent kills it with SIGKILL at a seeded moment, twice per run (the second child starts
//! on the first one's index). Then the parent replays the whole sequence into a fresh store
//! (the same sequence gives the same change-log numbers), opens the index — which resumes
//! from the watermark in its last commit — and checks that it equals the store: no missing,
//! duplicate, stale or deleted document, and no index moved aside.
//!
//! A second child keeps writing to an index while the parent keeps opening the same
//! directory: the parent must be refused, never move the live index aside, and finally
//! find everything the writer committed.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration};
use watercooler_core::search::{SearchIndex, fingerprint};
use watercooler_core::watercooler_text::hashtag_key;
use watercooler_core::*;
use watercooler_tantivy::{IndexedPost, OpenReport, TantivyIndex, TantivyOptions};

const CHILD: &str = "WC_SEARCH_CRASH_CHILD";
const TEST_NAME: &str = "the_index_equals_the_store_after_kill_9_at_random_points";

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

enum Op {
    Insert(Post),
    Edit(TenantId, PostEdit),
    Delete(TenantId, PostId),
    Erase(TenantId, PersonId),
}

const WORDS: [&str; 8] = [
    "koffie",
    "vergadering",
    "meeting",
    "lunch",
    "project",
    "team",
    "会議室",
    "café",
];

/// The seeded write sequence.
fn ops(seed: u64) -> Vec<Op> {
    let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    let t0 = DateTime::from_timestamp(1_360_000_000, 0).unwrap();
    let mut out = Vec::new();
    let mut live: Vec<(TenantId, PostId, Option<PostId>)> = Vec::new();
    for i in 0..600u64 {
        let at = t0 + Duration::seconds(i as i64);
        let tenant = TenantId::new(if rng.below(3) == 0 { "b" } else { "a" });
        let text = (0..2 + rng.below(6))
            .map(|_| WORDS[rng.below(WORDS.len() as u64) as usize])
            .collect::<Vec<_>>()
            .join(" ");
        match rng.below(10) {
            0..=5 => {
                let id = PostId::from_parts(at, i);
                let author = PersonId::new(format!("u{}", rng.below(6)));
                let visibility = match rng.below(4) {
                    0 => Visibility::group("g"),
                    1 => Visibility::direct([PersonId::new("u1")]),
                    _ => Visibility::Organization,
                };
                // Replies to a live root of the same tenant (deleting the root deletes them).
                let parent = live
                    .iter()
                    .filter(|(t, _, root)| t == &tenant && root.is_none())
                    .nth(rng.below(3) as usize)
                    .map(|(_, p, _)| *p)
                    .filter(|_| rng.below(3) == 0);
                let tag = WORDS[rng.below(4) as usize];
                let post = Post {
                    id,
                    tenant: tenant.clone(),
                    author,
                    text: format!("{text} #{tag}"),
                    language: if rng.below(2) == 0 {
                        Language::dutch()
                    } else {
                        Language::english()
                    },
                    created_at: at,
                    edited_at: None,
                    visibility,
                    reply_to: parent,
                    thread_root: parent,
                    announcement: false,
                    pinned_until: None,
                    hashtags: vec![HashtagRef {
                        key: hashtag_key(tag),
                        display: tag.to_owned(),
                        range: 0..0,
                    }],
                    mentions: vec![],
                    urls: vec![],
                };
                live.push((tenant, id, parent));
                out.push(Op::Insert(post));
            }
            6 | 7 if !live.is_empty() => {
                let (t, id, _) = live[rng.below(live.len() as u64) as usize].clone();
                out.push(Op::Edit(
                    t,
                    PostEdit {
                        id,
                        text,
                        edited_at: at,
                        hashtags: vec![],
                        mentions: vec![],
                        urls: vec![],
                    },
                ));
            }
            8 if !live.is_empty() => {
                let (t, id, _) = live.remove(rng.below(live.len() as u64) as usize);
                // Its replies go with it.
                live.retain(|(_, _, root)| *root != Some(id));
                out.push(Op::Delete(t, id));
            }
            _ => {}
        }
        if i == 450 {
            out.push(Op::Erase("a".into(), "u3".into()));
            live.clear();
        }
    }
    out
}

async fn apply(store: &MemoryStore, op: &Op, at: DateTime<chrono::Utc>) {
    // Writes on posts a previous op removed fail the same way in every replay.
    let _ = match op {
        Op::Insert(p) => store.insert_post(p, &[]).await.map(|_| ()),
        Op::Edit(t, e) => store
            .update_post(
                t,
                &watercooler_core::store::PostUpdate::text(e.clone(), vec![]),
            )
            .await
            .map(|_| ()),
        Op::Delete(t, id) => store.delete_post(t, id, at).await.map(|_| ()),
        Op::Erase(t, p) => store.erase_person(t, p, at).await.map(|_| ()),
    };
}

fn options(path: &Path) -> TantivyOptions {
    TantivyOptions::in_directory(path)
        .poll_interval(StdDuration::from_millis(2))
        .batch_size(37)
}

/// The child: follow the writes until killed.
async fn child(spec: &str) {
    let (path, seed) = spec.split_once('|').unwrap();
    let seed: u64 = seed.parse().unwrap();
    let store = Arc::new(MemoryStore::new());
    let index = TantivyIndex::open(store.clone(), options(Path::new(path)))
        .await
        .unwrap();
    println!("READY");
    let at = DateTime::from_timestamp(1_400_000_000, 0).unwrap();
    for (i, op) in ops(seed).iter().enumerate() {
        apply(&store, op, at).await;
        if i % 10 == 0 {
            tokio::time::sleep(StdDuration::from_millis(1)).await;
        }
        if i % 47 == 0 {
            index.refresh().await.unwrap();
        }
        if i == 150 + (seed as usize % 5) * 40 {
            index.rebuild().await.unwrap();
        }
    }
    // Keep committing until killed (never exit by itself within a normal run).
    for _ in 0..30_000 {
        index.refresh().await.unwrap();
        tokio::time::sleep(StdDuration::from_millis(1)).await;
    }
}

fn spawn_and_kill(path: &Path, seed: u64, delay_ms: u64) {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", TEST_NAME, "--nocapture", "--test-threads=1"])
        .env(CHILD, format!("{}|{seed}", path.display()))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    loop {
        match lines.next() {
            Some(Ok(line)) if line.contains("READY") => break,
            Some(Ok(_)) => continue,
            other => panic!("child ended before it was ready: {other:?}"),
        }
    }
    std::thread::sleep(StdDuration::from_millis(delay_ms));
    child.kill().unwrap(); // SIGKILL on Unix.
    child.wait().unwrap();
}

fn watermark(path: &Path) -> Option<u64> {
    let meta: serde_json::Value =
        serde_json::from_slice(&std::fs::read(path.join("meta.json")).ok()?).ok()?;
    let payload: serde_json::Value = serde_json::from_str(meta.get("payload")?.as_str()?).ok()?;
    payload.get("watercooler_seq")?.as_u64()
}

async fn expected(store: &MemoryStore) -> Vec<IndexedPost> {
    let mut out = Vec::new();
    let mut after = None;
    loop {
        let page = store.scan_posts(after.clone(), 500).await.unwrap();
        let Some(last) = page.last() else { break };
        after = Some((last.tenant.clone(), last.id));
        out.extend(page.iter().map(|p| IndexedPost {
            tenant: p.tenant.clone(),
            id: p.id,
            fingerprint: fingerprint(p),
        }));
    }
    out.sort();
    out
}

fn temp_dir(seed: u64) -> PathBuf {
    let p = std::env::temp_dir().join(format!("wc-search-crash-{}-{seed}", std::process::id()));
    let _ = std::fs::remove_dir_all(&p);
    p.join("index")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_index_equals_the_store_after_kill_9_at_random_points() {
    if let Ok(spec) = std::env::var(CHILD) {
        child(&spec).await;
        return;
    }
    let at = DateTime::from_timestamp(1_400_000_000, 0).unwrap();
    for seed in 1..=5u64 {
        let path = temp_dir(seed);
        let mut rng = Rng(seed);
        let mut marks = Vec::new();
        for _ in 0..2 {
            spawn_and_kill(&path, seed, 5 + rng.below(3_000));
            marks.push(watermark(&path));
        }
        let store = Arc::new(MemoryStore::new());
        for op in ops(seed).iter() {
            apply(&store, op, at).await;
        }
        let last = store.last_seq().await.unwrap();
        let index = TantivyIndex::open(store.clone(), options(&path))
            .await
            .unwrap();
        assert!(
            index.moved_aside().is_none() && !index.open_report().moved_aside(),
            "seed {seed}: a kill made the index unusable"
        );
        assert_eq!(index.open_report().leftovers_removed, 0);
        let docs = index.documents().unwrap();
        let want = expected(&store).await;
        assert!(!want.is_empty());
        assert_eq!(
            docs.len(),
            want.len(),
            "seed {seed}: missing or duplicate documents"
        );
        assert_eq!(docs, want, "seed {seed}: stale or deleted documents");
        assert_eq!(index.searchable_seq(), last);
        eprintln!(
            "seed {seed}: watermarks at the kills {marks:?}, store at {}",
            last.0
        );
        index.close().await.unwrap();
        let _ = std::fs::remove_dir_all(path.parent().unwrap());
    }
}

// ----- a second process and a live index ----------------------------------------------------

const WRITER: &str = "WC_SEARCH_LIVE_WRITER";
const WRITER_TEST: &str = "a_second_process_is_refused_and_never_moves_a_live_index_aside";
const WRITER_SEED: u64 = 7;

/// The file the writer child leaves next to the index once its last commit is made, before
/// it lets go of the directory: the documents it committed.
fn done_marker(path: &Path) -> PathBuf {
    path.with_file_name("writer-done")
}

/// The writer child: the seeded writes, committed every few operations, rebuilt (which
/// ends with a merge of every segment) twice and purged after the erasure, with pauses so
/// the parent's opens land throughout; then its documents are written out and it exits.
async fn writer_child(path: &str) {
    let path = Path::new(path);
    let store = Arc::new(MemoryStore::new());
    let index = TantivyIndex::open(store.clone(), options(path))
        .await
        .unwrap();
    println!("READY");
    let at = DateTime::from_timestamp(1_400_000_000, 0).unwrap();
    for (i, op) in ops(WRITER_SEED).iter().enumerate() {
        apply(&store, op, at).await;
        if i % 10 == 0 {
            index.refresh().await.unwrap();
        }
        if i == 120 || i == 300 {
            index.rebuild().await.unwrap();
        }
        tokio::time::sleep(StdDuration::from_millis(1)).await;
    }
    index.refresh().await.unwrap();
    let docs = format!("{:?}", index.documents().unwrap());
    std::fs::write(done_marker(path), docs).unwrap();
    index.close().await.unwrap();
}

/// With a child process writing, committing and merging, the parent keeps opening the same
/// directory: every open is refused with the retryable error until the writer has let go,
/// nothing is ever moved aside, and the index the parent finally opens holds exactly what
/// the writer committed. Before the directory lock was taken first, an open could judge
/// the live index damaged (a segment just merged away) and move it aside.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_process_is_refused_and_never_moves_a_live_index_aside() {
    if let Ok(path) = std::env::var(WRITER) {
        writer_child(&path).await;
        return;
    }
    let path = std::env::temp_dir()
        .join(format!("wc-search-live-{}", std::process::id()))
        .join("index");
    let root = path.parent().unwrap().to_path_buf();
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(&root).unwrap();
    // The same writes, so that the index resumes from the writer's watermark when the
    // parent gets it (an index ahead of its store would be rebuilt).
    let store = Arc::new(MemoryStore::new());
    let at = DateTime::from_timestamp(1_400_000_000, 0).unwrap();
    for op in ops(WRITER_SEED).iter() {
        apply(&store, op, at).await;
    }

    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", WRITER_TEST, "--nocapture", "--test-threads=1"])
        .env(WRITER, &path)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    loop {
        match lines.next() {
            Some(Ok(line)) if line.contains("READY") => break,
            Some(Ok(_)) => continue,
            other => panic!("writer ended before it was ready: {other:?}"),
        }
    }
    // Drain the rest so the child never blocks on a full pipe.
    std::thread::spawn(move || lines.for_each(drop));

    let started = std::time::Instant::now();
    let (mut refused, mut opened) = (0u32, None);
    for _ in 0..20_000 {
        assert!(
            started.elapsed() < StdDuration::from_secs(60),
            "the writer did not finish"
        );
        match TantivyIndex::open(store.clone(), options(&path)).await {
            Err(Error::Backend {
                retryable: true, ..
            }) => {
                refused += 1;
            }
            Err(e) => panic!("open {}: not the retryable error: {e}", refused + 1),
            Ok(index) => {
                // The writer writes this before it lets go of the directory.
                assert!(
                    done_marker(&path).exists(),
                    "opened while the writer was still writing (after {refused} refusals)"
                );
                opened = Some(index);
                break;
            }
        }
        tokio::time::sleep(StdDuration::from_millis(1)).await;
    }
    let status = child.wait().unwrap();
    assert!(status.success(), "the writer failed: {status}");
    let index = match opened {
        Some(index) => index,
        None => panic!("never opened after the writer exited ({refused} refusals)"),
    };
    let written = std::fs::read_to_string(done_marker(&path)).unwrap();
    let siblings: Vec<String> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("moved-aside"))
        .collect();
    assert!(siblings.is_empty(), "moved aside: {siblings:?}");
    assert!(index.moved_aside().is_none());
    assert_eq!(
        index.open_report(),
        OpenReport::default(),
        "resumed from the writer's last commit"
    );
    assert_eq!(
        format!("{:?}", index.documents().unwrap()),
        written,
        "the documents the writer committed"
    );
    assert_eq!(index.documents().unwrap(), expected(&store).await);
    assert_eq!(index.searchable_seq(), store.last_seq().await.unwrap());
    eprintln!(
        "{refused} opens refused while the writer ran ({} ms)",
        started.elapsed().as_millis()
    );
    index.close().await.unwrap();
    let _ = std::fs::remove_dir_all(&root);
}

//! Durability under SIGKILL. This test binary is its own harness (`harness = false`): run
//! normally it is the parent; with `WCSQ_CRASH_CHILD` set it is the child, which publishes
//! posts (single, batched, with replies and reactions) into the database named by the
//! variable and prints `ok <id>` after every call that returned. The parent kills it with
//! SIGKILL at seeded random moments, reopens the database, and checks that every reported
//! post is there exactly once with exactly one change-log entry, and that nothing
//! half-written is visible: every stored post has its side rows, counters match the rows
//! they count, and every change-log entry names a stored post.

mod common;

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use watercooler_core::store::PostFilter;
use watercooler_core::watercooler_text::hashtag_key;
use watercooler_core::{
    Access, ChangeKind, HashtagRef, Language, PageRequest, PersonId, Post, PostId, PostIdGenerator,
    Reaction, ReactionKind, Seq, Store, TenantId, Visibility,
};
use watercooler_sqlite::SqliteStore;

use common::{Rng, TempDir};

const CHILD_ENV: &str = "WCSQ_CRASH_CHILD";
const SEED_ENV: &str = "WCSQ_CRASH_SEED";

fn tenant() -> TenantId {
    TenantId::new("crash")
}

fn make_post(ids: &PostIdGenerator, rng: &mut Rng, n: u64, parent: Option<&Post>) -> Post {
    let at: DateTime<Utc> =
        DateTime::from_timestamp(1_740_992_400 + n as i64, 0).unwrap_or_default();
    let tag = format!("tag{}", rng.below(20));
    let visibility = match (parent, rng.below(3)) {
        (Some(p), _) => p.visibility.clone(),
        (None, 0) => Visibility::group("g"),
        (None, 1) => Visibility::direct([PersonId::new("r1"), PersonId::new("r2")]),
        _ => Visibility::Organization,
    };
    let text = format!("post {n} #{tag}");
    let start = text.len() - tag.len() - 1;
    Post {
        id: ids.next(at),
        tenant: tenant(),
        author: PersonId::new(format!("a{}", rng.below(5))),
        text: text.clone(),
        language: Language::english(),
        created_at: at,
        edited_at: None,
        visibility,
        reply_to: parent.map(|p| p.id),
        thread_root: parent.map(|p| p.thread_root.unwrap_or(p.id)),
        announcement: false,
        pinned_until: None,
        hashtags: vec![HashtagRef {
            key: hashtag_key(&tag),
            display: tag,
            range: start..text.len(),
        }],
        mentions: Vec::new(),
        urls: Vec::new(),
    }
}

/// The child: publishes until killed, reporting each returned call on stdout.
async fn child(path: &str, seed: u64) {
    let store = SqliteStore::open(path).await.expect("child: open");
    let mut rng = Rng::new(seed);
    let ids = PostIdGenerator::new(seed);
    let mut out = std::io::stdout().lock();
    writeln!(out, "ready")
        .and_then(|()| out.flush())
        .expect("child: stdout");
    let mut made: Vec<Post> = Vec::new();
    for n in 0.. {
        match rng.below(4) {
            0 => {
                // A batch of roots and replies to them.
                let mut batch: Vec<Post> = Vec::new();
                for i in 0..(1 + rng.below(40)) {
                    let parent = if i > 0 && rng.below(3) == 0 {
                        Some(batch[0].clone())
                    } else {
                        None
                    };
                    batch.push(make_post(&ids, &mut rng, n * 100 + i, parent.as_ref()));
                }
                store
                    .insert_posts(&batch)
                    .await
                    .expect("child: insert_posts");
                for p in &batch {
                    writeln!(out, "ok {}", p.id).expect("child: stdout");
                }
                made.extend(batch);
            }
            1 if !made.is_empty() => {
                let post = made[rng.below(made.len() as u64) as usize].clone();
                let r = Reaction {
                    post: post.id,
                    person: PersonId::new(format!("a{}", rng.below(5))),
                    kind: ReactionKind::ALL[rng.below(5) as usize],
                    at: post.created_at,
                };
                store
                    .add_reaction(&tenant(), &r, None)
                    .await
                    .expect("child: react");
                writeln!(out, "reacted").expect("child: stdout");
            }
            _ => {
                let parent = if !made.is_empty() && rng.below(2) == 0 {
                    Some(made[rng.below(made.len() as u64) as usize].clone())
                } else {
                    None
                };
                let p = make_post(&ids, &mut rng, n * 100, parent.as_ref());
                store
                    .insert_post(&p, &[])
                    .await
                    .expect("child: insert_post");
                writeln!(out, "ok {}", p.id).expect("child: stdout");
                made.push(p);
            }
        }
        out.flush().expect("child: flush");
    }
}

/// One seeded run: start the child, kill it after a seeded delay, check the database.
/// Returns how many posts the child reported.
async fn run(seed: u64, dir: &TempDir) -> usize {
    let path = dir.file(&format!("crash-{seed}.db"));
    let mut rng = Rng::new(seed ^ 0xdead_beef);
    let exe = std::env::current_exe().expect("test binary path");
    let mut child = Command::new(exe)
        .env(CHILD_ENV, &path)
        .env(SEED_ENV, seed.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn child");
    let stdout = child.stdout.take().expect("child stdout");
    let (tx, rx) = mpsc::channel::<String>();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    // Wait until the child has opened the store, then let it work for a seeded while.
    let first = rx
        .recv_timeout(Duration::from_secs(120))
        .expect("child never got ready");
    assert_eq!(first, "ready");
    std::thread::sleep(Duration::from_millis(50 + rng.below(700)));
    if let Some(status) = child.try_wait().expect("poll child") {
        panic!("seed {seed}: the child stopped by itself ({status}) before the kill");
    }
    child.kill().expect("SIGKILL the child");
    let status = child.wait().expect("reap child");
    assert!(!status.success(), "the child was killed, not finished");
    reader.join().expect("reader thread");
    // A line cut short by the kill is not a report: only whole `ok <id>` lines count.
    let mut reported: Vec<PostId> = Vec::new();
    while let Ok(line) = rx.try_recv() {
        if let Some(id) = line.strip_prefix("ok ")
            && let Ok(id) = id.parse::<PostId>()
        {
            reported.push(id);
        }
    }

    let store = SqliteStore::open(&path)
        .await
        .expect("reopen after SIGKILL");
    let stored = store.scan_posts(None, 1_000_000).await.expect("scan");
    let by_id: HashMap<PostId, &Post> = stored.iter().map(|p| (p.id, p)).collect();
    assert_eq!(
        by_id.len(),
        stored.len(),
        "seed {seed}: a post is stored twice"
    );
    for id in &reported {
        assert!(
            by_id.contains_key(id),
            "seed {seed}: post {id} was acknowledged but is lost"
        );
    }
    // Every stored post has exactly one `Created` entry; every entry names a stored post.
    let changes = store.changes(Seq(0), 10_000_000).await.expect("changes");
    let mut created: HashMap<PostId, usize> = HashMap::new();
    for c in &changes {
        assert_eq!(
            c.kind,
            ChangeKind::Created,
            "seed {seed}: only publishing happened"
        );
        assert!(
            by_id.contains_key(&c.post),
            "seed {seed}: log entry for a missing post {}",
            c.post
        );
        *created.entry(c.post).or_default() += 1;
    }
    for p in &stored {
        assert_eq!(
            created.get(&p.id),
            Some(&1),
            "seed {seed}: post {} has no single log entry",
            p.id
        );
    }
    for w in changes.windows(2) {
        assert!(
            w[0].seq < w[1].seq,
            "seed {seed}: the log is not strictly increasing"
        );
    }
    // Side rows and counters are whole: each post is found through its hashtag, replies
    // counted on their roots match the replies stored, reaction counters match the rows.
    let author_of = |p: &Post| Access::new(tenant(), p.author.clone(), Vec::new(), false);
    let mut replies: HashMap<PostId, u32> = HashMap::new();
    for p in &stored {
        if let Some(root) = p.thread_root {
            *replies.entry(root).or_default() += 1;
        }
    }
    let roots: HashSet<PostId> = stored
        .iter()
        .filter(|p| p.thread_root.is_none())
        .map(|p| p.id)
        .collect();
    for p in &stored {
        let view = store
            .get_post(&author_of(p), &p.id)
            .await
            .expect("get")
            .expect("author sees it");
        let tag = p.hashtags[0].key.clone();
        let filter = PostFilter {
            hashtag: Some(tag),
            author: Some(p.author.clone()),
            include_replies: true,
            ..Default::default()
        };
        let mut found = false;
        let mut req = PageRequest::first(200);
        loop {
            let page = store
                .list_posts(&author_of(p), &filter, &req)
                .await
                .expect("list");
            found |= page.items.iter().any(|v| v.post.id == p.id);
            match page.next {
                Some(c) if !found => req = PageRequest::after(c, 200),
                _ => break,
            }
        }
        assert!(
            found,
            "seed {seed}: post {} is stored without its hashtag row",
            p.id
        );
        if roots.contains(&p.id) {
            assert_eq!(
                view.stats.replies,
                replies.get(&p.id).copied().unwrap_or(0),
                "seed {seed}: reply counter of {}",
                p.id
            );
        }
        let reactions = store
            .reactions(&author_of(p), &p.id, &PageRequest::first(200))
            .await
            .expect("reactions");
        assert_eq!(
            view.stats.total_reactions() as usize,
            reactions.items.len(),
            "seed {seed}: reaction counter of {}",
            p.id
        );
    }
    store.close().await;
    reported.len()
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    if let Ok(path) = std::env::var(CHILD_ENV) {
        let seed = std::env::var(SEED_ENV)
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        rt.block_on(child(&path, seed));
        return;
    }
    // Arguments from `cargo test` (filters, --nocapture, ...) do not apply to this harness.
    let dir = TempDir::new("crash");
    let mut total = 0;
    for seed in [11, 23, 37, 41, 59, 61] {
        let n = rt.block_on(run(seed, &dir));
        println!("crash seed {seed}: {n} acknowledged posts survived SIGKILL");
        total += n;
    }
    assert!(
        total > 0,
        "the children acknowledged no post at all: the test proved nothing"
    );
    println!("test result: ok. sigkill durability, 6 seeded runs");
}

//! The long load run: N tasks (default 4) publish, react and read against one file-backed
//! store for D seconds (default 30), then the counts are checked exactly and the rates
//! printed, on a tiny synthetic tenant. The test suite runs a 5-second version
//! (`tests/load.rs`); the workspace's `tests/store_load.rs` runs 30 seconds on the whole
//! shared corpus, through the service, in `cargo test --workspace`.
//!
//! ```text
//! cargo run --release -p watercooler-sqlite --example load -- [seconds] [tasks]
//! ```

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use watercooler_core::store::{CandidateQuery, PostFilter};
use watercooler_core::watercooler_text::hashtag_key;
use watercooler_core::{
    Access, HashtagRef, Language, PageRequest, PersonId, Post, PostId, PostIdGenerator, Reaction,
    ReactionKind, Seq, Store, TenantId, Visibility,
};
use watercooler_sqlite::SqliteStore;

fn tenant() -> TenantId {
    TenantId::new("load")
}

#[derive(Default)]
struct Counts {
    posts: AtomicU64,
    reactions: AtomicU64,
    reads: AtomicU64,
}

async fn worker(
    store: Arc<SqliteStore>,
    ids: Arc<PostIdGenerator>,
    n: u64,
    until: Instant,
    counts: Arc<Counts>,
) -> watercooler_core::Result<()> {
    let me = PersonId::new(format!("w{n}"));
    let access = Access::new(tenant(), me.clone(), Vec::new(), false);
    let mut i = n;
    while Instant::now() < until {
        i = i
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        match (i >> 33) % 10 {
            0..=2 => {
                let at: DateTime<Utc> = Utc::now();
                let text = "load #busy".to_owned();
                let post = Post {
                    id: ids.next(at),
                    tenant: tenant(),
                    author: me.clone(),
                    text,
                    language: Language::english(),
                    created_at: at,
                    edited_at: None,
                    visibility: Visibility::Organization,
                    reply_to: None,
                    thread_root: None,
                    announcement: false,
                    pinned_until: None,
                    hashtags: vec![HashtagRef {
                        key: hashtag_key("busy"),
                        display: "busy".into(),
                        range: 5..10,
                    }],
                    mentions: Vec::new(),
                    urls: Vec::new(),
                };
                store.insert_post(&post, &[]).await?;
                counts.posts.fetch_add(1, Ordering::Relaxed);
            }
            3..=5 => {
                let page = store
                    .list_posts(&access, &PostFilter::default(), &PageRequest::first(20))
                    .await?;
                counts.reads.fetch_add(1, Ordering::Relaxed);
                if let Some(v) = page.items.get(((i >> 20) % 20) as usize) {
                    let kind = ReactionKind::ALL[((i >> 40) % 5) as usize];
                    let r = Reaction {
                        post: v.post.id,
                        person: me.clone(),
                        kind,
                        at: Utc::now(),
                    };
                    if store.add_reaction(&tenant(), &r, None).await? {
                        counts.reactions.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
            _ => {
                let q = CandidateQuery {
                    authors: vec![PersonId::new("w0"), PersonId::new("w1")],
                    groups: Vec::new(),
                    hashtags: vec![hashtag_key("busy")],
                    mentioning_viewer: true,
                    since: Utc::now() - chrono::Duration::hours(1),
                    max_id: PostId::MAX,
                    per_source: 50,
                    popular: 10,
                    now: Utc::now(),
                };
                store.feed_candidates(&access, &q).await?;
                counts.reads.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let secs: u64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(30);
    let tasks: u64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(4);
    let dir = std::env::temp_dir().join(format!("wcsq-load-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let store = Arc::new(SqliteStore::open(dir.join("load.db")).await?);
    let ids = Arc::new(PostIdGenerator::default());
    let counts = Arc::new(Counts::default());
    let until = Instant::now() + Duration::from_secs(secs);
    let handles: Vec<_> = (0..tasks)
        .map(|n| tokio::spawn(worker(store.clone(), ids.clone(), n, until, counts.clone())))
        .collect();
    for h in handles {
        h.await??;
    }
    let posts = counts.posts.load(Ordering::Relaxed);
    let reactions = counts.reactions.load(Ordering::Relaxed);
    let reads = counts.reads.load(Ordering::Relaxed);
    let stored = store.scan_posts(None, usize::MAX).await?.len() as u64;
    let last = store.last_seq().await?;
    assert_eq!(stored, posts, "posts stored vs acknowledged");
    assert_eq!(last, Seq(posts), "change-log entries vs posts");
    println!(
        "{tasks} tasks, {secs} s: {posts} posts ({:.0}/s), {reactions} reactions, {reads} reads ({:.0}/s); counts exact",
        posts as f64 / secs as f64,
        reads as f64 / secs as f64
    );
    store.close().await;
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}

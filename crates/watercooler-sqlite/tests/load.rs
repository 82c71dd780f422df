//! Concurrency: four tasks publish, react and read against one file-backed store for a
//! few seconds. No call may fail (no SQLITE_BUSY leaks out, no deadlock), and afterwards
//! every count is exact: posts, change-log entries, reactions and their counters.
//! On a tiny tenant of its own, for a quick check of this crate alone; the 30-second load
//! on the whole shared corpus, through the service, is the workspace's
//! `tests/store_load.rs` (and the `load` example of this crate runs this one for longer).

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use watercooler_core::store::{CandidateQuery, PostFilter};
use watercooler_core::watercooler_text::hashtag_key;
use watercooler_core::{
    Access, ChangeKind, HashtagRef, Language, PageRequest, PersonId, Post, PostId, PostIdGenerator,
    Reaction, ReactionKind, Seq, Store, TenantId, Visibility,
};
use watercooler_sqlite::SqliteStore;

use common::{Rng, TempDir};

/// How long the tasks run. Bounded work, not a speed assertion.
const RUN_FOR: Duration = Duration::from_secs(5);
/// Generous: only a deadlock takes this long.
const DEADLOCK: Duration = Duration::from_secs(300);

fn tenant() -> TenantId {
    TenantId::new("load")
}

fn access(person: &str) -> Access {
    Access::new(tenant(), PersonId::new(person), Vec::new(), false)
}

/// What one task did, counted only for calls that returned Ok.
#[derive(Default, Debug)]
struct Done {
    posts: Vec<PostId>,
    reactions_added: u64,
    reads: u64,
}

async fn worker(
    store: Arc<SqliteStore>,
    ids: Arc<PostIdGenerator>,
    n: u64,
    shared: Arc<AtomicU64>,
) -> Done {
    let mut rng = Rng::new(n + 1);
    let me = format!("w{n}");
    let mut done = Done::default();
    let start = Instant::now();
    while start.elapsed() < RUN_FOR {
        match rng.below(10) {
            0..=2 => {
                let i = shared.fetch_add(1, Ordering::Relaxed);
                let at: DateTime<Utc> =
                    DateTime::from_timestamp(1_740_992_400 + i as i64, 0).unwrap_or_default();
                let text = format!("load {i} #busy");
                let post = Post {
                    id: ids.next(at),
                    tenant: tenant(),
                    author: PersonId::new(me.as_str()),
                    text: text.clone(),
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
                        range: text.len() - 5..text.len(),
                    }],
                    mentions: Vec::new(),
                    urls: Vec::new(),
                };
                store
                    .insert_post(&post, &[])
                    .await
                    .expect("publish under load");
                done.posts.push(post.id);
            }
            3..=5 => {
                // React to a recent post of anyone.
                let page = store
                    .list_posts(
                        &access(&me),
                        &PostFilter::default(),
                        &PageRequest::first(20),
                    )
                    .await
                    .expect("list under load");
                done.reads += 1;
                if let Some(v) = rng.maybe_pick(&page.items) {
                    let r = Reaction {
                        post: v.post.id,
                        person: PersonId::new(me.as_str()),
                        kind: *rng.pick(&ReactionKind::ALL),
                        at: v.post.created_at,
                    };
                    if store
                        .add_reaction(&tenant(), &r, None)
                        .await
                        .expect("react under load")
                    {
                        done.reactions_added += 1;
                    }
                }
            }
            _ => {
                let q = CandidateQuery {
                    authors: vec![PersonId::new("w0"), PersonId::new("w1")],
                    groups: Vec::new(),
                    hashtags: vec![hashtag_key("busy")],
                    mentioning_viewer: true,
                    since: DateTime::from_timestamp(1_740_992_400, 0).unwrap_or_default(),
                    max_id: PostId::MAX,
                    per_source: 50,
                    popular: 10,
                    now: Utc::now(),
                };
                store
                    .feed_candidates(&access(&me), &q)
                    .await
                    .expect("feed under load");
                store
                    .tag_activity(&access(&me), q.since, 3600)
                    .await
                    .expect("trends under load");
                done.reads += 2;
            }
        }
    }
    done
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn four_tasks_publish_react_and_read_without_errors_and_with_exact_counts() {
    let dir = TempDir::new("load");
    let store = Arc::new(SqliteStore::open(dir.file("load.db")).await.expect("open"));
    let ids = Arc::new(PostIdGenerator::new(9));
    let shared = Arc::new(AtomicU64::new(0));
    let tasks: Vec<_> = (0..4)
        .map(|n| tokio::spawn(worker(store.clone(), ids.clone(), n, shared.clone())))
        .collect();
    let mut done = Vec::new();
    for t in tasks {
        done.push(
            tokio::time::timeout(DEADLOCK, t)
                .await
                .expect("deadlock?")
                .expect("task panicked"),
        );
    }
    let posts: Vec<PostId> = done.iter().flat_map(|d| d.posts.iter().copied()).collect();
    let reactions: u64 = done.iter().map(|d| d.reactions_added).sum();
    assert!(posts.len() > 10, "the load did some publishing: {done:?}");
    assert!(reactions > 0, "the load did some reacting: {done:?}");

    // Exact counts: every acknowledged post once, one log entry each, nothing else.
    let stored = store.scan_posts(None, 10_000_000).await.expect("scan");
    assert_eq!(stored.len(), posts.len(), "posts stored vs acknowledged");
    let changes = store.changes(Seq(0), 10_000_000).await.expect("changes");
    assert_eq!(changes.len(), posts.len());
    assert!(changes.iter().all(|c| c.kind == ChangeKind::Created));
    assert_eq!(
        store.last_seq().await.expect("last"),
        Seq(posts.len() as u64)
    );
    // Counters equal the rows, and the rows equal the acknowledged reactions.
    let mut total = 0u64;
    for p in &stored {
        let v = store
            .get_post(&access("w0"), &p.id)
            .await
            .expect("get")
            .expect("org post");
        let rows = store
            .reactions(&access("w0"), &p.id, &PageRequest::first(200))
            .await
            .expect("reactions");
        assert_eq!(
            v.stats.total_reactions() as usize,
            rows.items.len(),
            "counter of {}",
            p.id
        );
        total += rows.items.len() as u64;
    }
    assert_eq!(total, reactions, "reactions stored vs acknowledged");
    let reads: u64 = done.iter().map(|d| d.reads).sum();
    println!(
        "load: {} posts, {reactions} reactions, {reads} reads in {RUN_FOR:?}",
        posts.len()
    );
}

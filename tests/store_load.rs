//! Load on the generated corpus (`small`: 5,000 posts in 3 tenants), for both durable
//! stores (issue #6). It goes in through `corpus::load`; then four tasks, for 30 seconds, publish through the service
//! as corpus people (with hashtags and a mention of a colleague, so notifications are
//! written), react to corpus posts, and read home feeds, notifications and a hashtag
//! list. No call may fail and nothing may hang; afterwards every count is exact: posts
//! per tenant, change-log entries, reaction counters and the mentioned people's
//! notifications, against what the tasks were told by the calls that succeeded.
//!
//! SQLite runs on a file with the default (durable) settings, in a directory removed at
//! the end. PostgreSQL gets a schema of its own, dropped at the end, also when the test
//! panics; it must be running (`WATERCOOLER_PG_URL`, default the CI server at
//! 127.0.0.1:5432): without it the test fails, it never skips.
//!
//! The shorter load tests of the store crates (`crates/watercooler-sqlite/tests/load.rs`,
//! `crates/watercooler-postgres/tests/postgres/load.rs`) run on a tiny tenant of their own.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use watercooler::postgres::PgOptions;
use watercooler::sqlite::SqliteStore;
use watercooler::{
    Access, ChangeKind, Directory, NewPost, NotificationKind, PageRequest, PersonId, PostId,
    ReactionKind, Store, TenantId, Viewer, Visibility,
};
use watercooler_workspace::corpus::{self, Corpus};

/// The PostgreSQL crate's test helpers: server URL, test schemas (named, dropped and swept
/// like its own tests' schemas), connecting loudly.
#[path = "../crates/watercooler-postgres/tests/postgres/common.rs"]
mod pg;

/// How long the tasks run: the figure. Bounded work, not a speed assertion.
const RUN_FOR: Duration = Duration::from_secs(30);
/// The tasks running at once.
const TASKS: u64 = 4;
/// Only a deadlock (or a store gone pathologically slow) takes this long; a debug build
/// loads the corpus in well under it.
const LOAD_TIMEOUT: Duration = Duration::from_secs(600);
/// The same for the load phase: 30 s of work and the calls in flight at its end.
const RUN_TIMEOUT: Duration = Duration::from_secs(240);
/// Corpus posts per tenant the tasks react to (organisation posts among the first ones).
const TARGETS_PER_TENANT: usize = 300;
/// The hashtag every published post carries.
const TAG: &str = "belasting";

/// A small deterministic generator: the tasks' choices differ per task and run alike.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) % n.max(1) as u64) as usize
    }
}

/// What the tasks may do in one tenant.
struct TenantPlan {
    tenant: TenantId,
    /// Everyone, with their handle.
    people: Vec<(PersonId, String)>,
    /// Organisation posts of the corpus: everyone may react to them.
    targets: Vec<PostId>,
}

/// What one task did, counted only for calls that returned Ok.
#[derive(Default, Debug)]
struct Done {
    /// (tenant, post, the colleague it mentions).
    published: Vec<(TenantId, PostId, PersonId)>,
    /// New reactions per (tenant, post), as the service reported them.
    reacted: HashMap<(TenantId, PostId), u32>,
    /// Reactions the service reported as existing already.
    repeated: u64,
    reads: u64,
}

/// The reactions on each target post, read as an ordinary member of its tenant.
async fn reaction_totals(
    store: &dyn Store,
    plan: &[TenantPlan],
) -> HashMap<(TenantId, PostId), u32> {
    let mut out = HashMap::new();
    for t in plan {
        let access = Access::new(t.tenant.clone(), t.people[0].0.clone(), [], false);
        for chunk in t.targets.chunks(200) {
            let views = store.get_posts(&access, chunk).await.expect("get_posts");
            assert_eq!(views.len(), chunk.len(), "every target post is readable");
            for v in views {
                out.insert((t.tenant.clone(), v.post.id), v.stats.total_reactions());
            }
        }
    }
    out
}

/// The tenants, their people and the posts to react to.
async fn plan(c: &Corpus) -> Vec<TenantPlan> {
    let mut corpus_ids: Vec<(&String, &PostId)> = c.post_ids.iter().collect();
    corpus_ids.sort();
    let mut plans = Vec::new();
    for tenant in c.directory.tenants().expect("tenants") {
        let mut people = Vec::new();
        for id in c.directory.person_ids(&tenant).expect("people") {
            let p = c
                .directory
                .person(&tenant, &id)
                .await
                .expect("directory")
                .expect("listed person");
            people.push((id, p.handle));
        }
        let prefix = format!("{tenant}:");
        let candidates: Vec<PostId> = corpus_ids
            .iter()
            .filter(|(k, _)| k.starts_with(&prefix))
            .map(|(_, id)| **id)
            .take(TARGETS_PER_TENANT * 2)
            .collect();
        let posts = c
            .store
            .posts_for_indexing(&tenant, &candidates)
            .await
            .expect("posts_for_indexing");
        let targets: Vec<PostId> = posts
            .iter()
            .filter(|p| p.visibility == Visibility::Organization)
            .map(|p| p.id)
            .take(TARGETS_PER_TENANT)
            .collect();
        assert!(
            targets.len() >= TARGETS_PER_TENANT / 2,
            "{tenant}: too few organisation posts to react to ({})",
            targets.len()
        );
        plans.push(TenantPlan {
            tenant,
            people,
            targets,
        });
    }
    assert_eq!(plans.len(), 3, "the corpus has three tenants");
    plans
}

async fn task(c: Arc<Corpus>, plan: Arc<Vec<TenantPlan>>, n: u64, until: Instant) -> Done {
    let mut rng = Rng(n + 1);
    let mut done = Done::default();
    let mut i = 0u64;
    while Instant::now() < until {
        i += 1;
        let t = &plan[rng.below(plan.len())];
        let (me, _) = &t.people[rng.below(t.people.len())];
        let viewer = Viewer::new(t.tenant.clone(), me.clone());
        match rng.below(10) {
            0..=2 => {
                let (colleague, handle) = loop {
                    let p = &t.people[rng.below(t.people.len())];
                    if &p.0 != me {
                        break p;
                    }
                };
                let text =
                    format!("Load {n}-{i}: wie helpt met de #{TAG} aangifte? @{handle} #taak{n}");
                let post = c
                    .service
                    .publish(&viewer, NewPost::new(text))
                    .await
                    .unwrap_or_else(|e| panic!("task {n}: publish as {me}: {e:?}"));
                assert!(
                    post.mentions.iter().any(|m| &m.person == colleague),
                    "task {n}: @{handle} resolves to {colleague}: {:?}",
                    post.mentions
                );
                done.published
                    .push((t.tenant.clone(), post.id, colleague.clone()));
            }
            3..=5 => {
                let post = t.targets[rng.below(t.targets.len())];
                let kind = ReactionKind::ALL[rng.below(ReactionKind::ALL.len())];
                let new = c
                    .service
                    .react(&viewer, &post, kind)
                    .await
                    .unwrap_or_else(|e| panic!("task {n}: react as {me} to {post}: {e:?}"));
                if new {
                    *done.reacted.entry((t.tenant.clone(), post)).or_default() += 1;
                } else {
                    done.repeated += 1;
                }
            }
            6..=7 => {
                c.service
                    .home_feed(&viewer, &PageRequest::first(20))
                    .await
                    .unwrap_or_else(|e| panic!("task {n}: home feed of {me}: {e:?}"));
                done.reads += 1;
            }
            8 => {
                c.service
                    .notifications(&viewer, &PageRequest::first(20))
                    .await
                    .unwrap_or_else(|e| panic!("task {n}: notifications of {me}: {e:?}"));
                done.reads += 1;
            }
            _ => {
                c.service
                    .hashtag_feed(&viewer, TAG, &PageRequest::first(20))
                    .await
                    .unwrap_or_else(|e| panic!("task {n}: #{TAG} as {me}: {e:?}"));
                done.reads += 1;
            }
        }
    }
    done
}

/// Loads the corpus into `store`, runs the tasks, and checks every count. `prepare` runs
/// between the two (PostgreSQL's `ANALYZE`).
async fn load_and_run(
    name: &str,
    store: Arc<dyn Store>,
    prepare: impl AsyncFnOnce(),
) -> Arc<Corpus> {
    let t = Instant::now();
    let config = corpus::Config::small();
    let c = tokio::time::timeout(LOAD_TIMEOUT, corpus::load(&config, store))
        .await
        .unwrap_or_else(|_| panic!("{name}: the corpus load did not finish in {LOAD_TIMEOUT:?}"))
        .unwrap_or_else(|e| panic!("{name}: the corpus load failed: {e}"));
    let loaded_in = t.elapsed();
    assert_eq!(c.counts.posts as u64, config.posts, "{name}: corpus posts");
    prepare().await;
    let c = Arc::new(c);
    let store = &*c.store;
    let plan = Arc::new(plan(&c).await);
    let reactions_before = reaction_totals(store, &plan).await;
    let seq_before = store.last_seq().await.expect("last_seq");

    let until = Instant::now() + RUN_FOR;
    let tasks: Vec<_> = (0..TASKS)
        .map(|n| tokio::spawn(task(c.clone(), plan.clone(), n, until)))
        .collect();
    let all = join_all(tasks);
    let done = tokio::time::timeout(RUN_TIMEOUT, all)
        .await
        .unwrap_or_else(|_| {
            panic!("{name}: the tasks did not finish in {RUN_TIMEOUT:?}: deadlock?")
        });

    // Every task did each kind of work.
    for (n, d) in done.iter().enumerate() {
        assert!(
            !d.published.is_empty() && !d.reacted.is_empty() && d.reads > 0,
            "{name}: task {n} did too little: {} posts, {} posts reacted to, {} reads",
            d.published.len(),
            d.reacted.len(),
            d.reads
        );
    }
    let published: Vec<&(TenantId, PostId, PersonId)> =
        done.iter().flat_map(|d| &d.published).collect();
    let mut reacted: HashMap<(TenantId, PostId), u32> = HashMap::new();
    for d in &done {
        for (k, v) in &d.reacted {
            *reacted.entry(k.clone()).or_default() += v;
        }
    }

    // The change log: one Created entry per acknowledged post, nothing else (reactions
    // are not post writes), and last_seq is its newest entry.
    let mut changes = Vec::new();
    let mut after = seq_before;
    loop {
        let batch = store.changes(after, 5_000).await.expect("changes");
        let Some(last) = batch.last() else { break };
        after = last.seq;
        changes.extend(batch);
    }
    assert_eq!(
        changes.len(),
        published.len(),
        "{name}: change-log entries written during the load vs posts acknowledged"
    );
    assert!(
        changes.iter().all(|c| c.kind == ChangeKind::Created),
        "{name}: only Created entries during the load"
    );
    let logged: HashSet<(TenantId, PostId)> =
        changes.iter().map(|c| (c.tenant.clone(), c.post)).collect();
    let acknowledged: HashSet<(TenantId, PostId)> =
        published.iter().map(|(t, p, _)| (t.clone(), *p)).collect();
    assert_eq!(
        logged, acknowledged,
        "{name}: the log names exactly the acknowledged posts"
    );
    assert_eq!(
        store.last_seq().await.expect("last_seq"),
        changes.last().map_or(seq_before, |c| c.seq),
        "{name}: last_seq is the newest entry"
    );

    // Posts per tenant: the corpus's plus the acknowledged ones.
    let mut stored: BTreeMap<TenantId, usize> = BTreeMap::new();
    let mut found = 0usize;
    let mut cursor: Option<(TenantId, PostId)> = None;
    loop {
        let batch = store
            .scan_posts(cursor.clone(), 10_000)
            .await
            .expect("scan");
        let Some(last) = batch.last() else { break };
        cursor = Some((last.tenant.clone(), last.id));
        for p in &batch {
            *stored.entry(p.tenant.clone()).or_default() += 1;
            found += usize::from(acknowledged.contains(&(p.tenant.clone(), p.id)));
        }
    }
    assert_eq!(
        found,
        acknowledged.len(),
        "{name}: every acknowledged post is stored"
    );
    for (tenant, counts) in &c.per_tenant {
        let mine = published.iter().filter(|(t, _, _)| t == tenant).count();
        assert_eq!(
            stored.get(tenant).copied().unwrap_or(0),
            counts.posts + mine,
            "{name}: posts of {tenant} = corpus + published"
        );
    }

    // Reaction counters: each target grew by exactly the reactions reported new.
    let reactions_after = reaction_totals(store, &plan).await;
    for (key, before) in &reactions_before {
        let added = reacted.get(key).copied().unwrap_or(0);
        assert_eq!(
            reactions_after.get(key).copied(),
            Some(before + added),
            "{name}: reactions on {} of {}",
            key.1,
            key.0
        );
    }

    // Each mentioned colleague has the mention among their notifications.
    let mut mentioned: HashMap<(TenantId, PersonId), Vec<PostId>> = HashMap::new();
    for (t, post, who) in &published {
        mentioned
            .entry((t.clone(), who.clone()))
            .or_default()
            .push(*post);
    }
    for ((tenant, who), posts) in &mentioned {
        let mut have: HashSet<PostId> = HashSet::new();
        let mut page = PageRequest::first(200);
        loop {
            let p = store
                .notifications(tenant, who, &page)
                .await
                .expect("notifications");
            have.extend(
                p.items
                    .iter()
                    .filter(|n| n.kind == NotificationKind::Mention)
                    .map(|n| n.post),
            );
            match p.next {
                Some(next) => page = PageRequest::after(next, 200),
                None => break,
            }
        }
        for post in posts {
            assert!(
                have.contains(post),
                "{name}: {who} of {tenant} has no notification of their mention in {post}"
            );
        }
    }

    let reactions: u32 = reacted.values().sum();
    let repeated: u64 = done.iter().map(|d| d.repeated).sum();
    let reads: u64 = done.iter().map(|d| d.reads).sum();
    println!(
        "{name}: corpus loaded in {:.1} s; {TASKS} tasks, {RUN_FOR:?}: {} posts, {reactions} \
         reactions new (+{repeated} existing), {reads} reads; counts exact",
        loaded_in.as_secs_f64(),
        published.len()
    );
    c
}

/// Waits for every task, passing a task's panic on with its own message.
async fn join_all(tasks: Vec<tokio::task::JoinHandle<Done>>) -> Vec<Done> {
    let mut out = Vec::with_capacity(tasks.len());
    for t in tasks {
        match t.await {
            Ok(d) => out.push(d),
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            Err(e) => panic!("a task did not finish: {e}"),
        }
    }
    out
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(TASKS as usize)
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

/// A directory under Cargo's temporary directory for tests, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(label: &str) -> TempDir {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(pg::unique_name(label));
        std::fs::create_dir_all(&dir).expect("create the test directory");
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn sqlite_on_the_corpus_four_tasks_for_30_seconds() {
    let dir = TempDir::new("store_load");
    runtime().block_on(async {
        let store = SqliteStore::open(dir.0.join("corpus.db"))
            .await
            .expect("open the database file");
        let c = load_and_run("sqlite", Arc::new(store.clone()), async || {}).await;
        drop(c);
        store.close().await;
    });
}

#[test]
fn postgres_on_the_corpus_four_tasks_for_30_seconds() {
    // Dropped with everything in it at the end, also while a panic unwinds.
    let schema = pg::Schema::new("store_load");
    runtime().block_on(async {
        // The default pool, not the small one of the crate's own tests: four tasks at once.
        let store = pg::connect(PgOptions::new(pg::url()).schema(&schema.name)).await;
        let analyzed = store.clone();
        // What an import should do before serving reads (docs/storage.md, "Bulk paths").
        let c = load_and_run("postgres", Arc::new(store.clone()), async move || {
            analyzed.analyze().await.expect("analyze");
        })
        .await;
        drop(c);
        store.close().await;
    });
}

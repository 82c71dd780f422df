//! Durability and atomicity under a killed client: a child process (this binary, re-run
//! with `WC_DURABILITY_SCHEMA` set) publishes single posts, batches and reactions as fast as
//! it can, reporting each call before it starts and after it returns; the parent kills it
//! with SIGKILL at a seeded random moment, several times. Then every post whose insert had
//! returned must be present exactly once with its change-log entry, every batch must be all
//! there or not at all, and no reaction may be half-applied.

#[path = "postgres/common.rs"]
mod common;

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::process::{Command, Stdio};
use std::str::FromStr;

use watercooler_core::{
    Access, Language, Post, PostId, PostIdGenerator, Reaction, ReactionKind, Seq, Store, TenantId,
    Visibility,
};

use common::{Schema, block_in_thread, connect, options_for};

const SCHEMA_VAR: &str = "WC_DURABILITY_SCHEMA";
const SEED_VAR: &str = "WC_DURABILITY_SEED";
const TENANT: &str = "durable";
const SEEDS: [u64; 5] = [11, 22, 33, 44, 55];

fn main() {
    match std::env::var(SCHEMA_VAR) {
        Ok(schema) => child(&schema),
        Err(_) => {
            for seed in SEEDS {
                parent(seed);
                println!("durability: seed {seed} ok");
            }
        }
    }
}

/// xorshift64*: a seeded, dependency-free generator.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % n.max(1)
    }
}

fn post(id: PostId, text: String) -> Post {
    Post {
        id,
        tenant: TenantId::new(TENANT),
        author: "writer".into(),
        text,
        language: Language::english(),
        created_at: id.created_at(),
        edited_at: None,
        visibility: Visibility::Organization,
        reply_to: None,
        thread_root: None,
        announcement: false,
        pinned_until: None,
        hashtags: vec![],
        mentions: vec![],
        urls: vec![],
    }
}

/// The child: writes until it is killed. Each line is flushed before the next call, so the
/// parent knows what had returned when the kill came.
fn child(schema: &str) {
    let seed: u64 = std::env::var(SEED_VAR)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let store = connect(options_for(schema)).await;
        let ids = PostIdGenerator::new(seed);
        let mut rng = Rng(seed | 1);
        let mut posted: Vec<PostId> = Vec::new();
        let out = std::io::stdout();
        let say = |line: String| {
            let mut o = out.lock();
            let _ = writeln!(o, "{line}");
            let _ = o.flush();
        };
        let t = TenantId::new(TENANT);
        for n in 0u64.. {
            match rng.below(10) {
                0..=5 => {
                    let id = ids.next(chrono::Utc::now());
                    say(format!("begin post {id}"));
                    store
                        .insert_post(&post(id, format!("single {n}")), &[])
                        .await
                        .unwrap();
                    say(format!("ok post {id}"));
                    posted.push(id);
                }
                6..=7 => {
                    let batch: Vec<Post> = (0..50)
                        .map(|i| post(ids.next(chrono::Utc::now()), format!("batch {n}.{i}")))
                        .collect();
                    let list: Vec<String> = batch.iter().map(|p| p.id.to_string()).collect();
                    say(format!("begin batch {}", list.join(",")));
                    store.insert_posts(&batch).await.unwrap();
                    say(format!("ok batch {}", list.join(",")));
                    posted.extend(batch.iter().map(|p| p.id));
                }
                _ => {
                    if posted.is_empty() {
                        continue;
                    }
                    let target = posted[rng.below(posted.len() as u64) as usize];
                    let person = format!("p{}", rng.below(20));
                    let r = Reaction {
                        post: target,
                        person: person.as_str().into(),
                        kind: ReactionKind::Like,
                        at: chrono::Utc::now(),
                    };
                    let added = store.add_reaction(&t, &r, None).await.unwrap();
                    say(format!("ok react {target} {person} {added}"));
                }
            }
        }
    });
}

/// What the child reported.
#[derive(Default)]
struct Report {
    /// Posts whose insert returned.
    acked: HashSet<PostId>,
    /// Batches started, and whether they returned.
    batches: Vec<(Vec<PostId>, bool)>,
    /// Reactions the store reported as new.
    reactions: HashSet<(PostId, String)>,
    /// A single post whose insert had started but not returned.
    in_flight: Option<PostId>,
}

fn ids(list: &str) -> Vec<PostId> {
    list.split(',')
        .map(|s| PostId::from_str(s).unwrap())
        .collect()
}

/// Takes in one line of the child's report; whether it acknowledged a returned call.
fn record(line: &str, report: &mut Report) -> bool {
    let mut parts = line.splitn(3, ' ');
    match (parts.next(), parts.next(), parts.next()) {
        (Some("begin"), Some("batch"), Some(list)) => report.batches.push((ids(list), false)),
        (Some("ok"), Some("batch"), Some(list)) => {
            let done = ids(list);
            report.acked.extend(done.iter().copied());
            if let Some(b) = report.batches.last_mut() {
                assert_eq!(b.0, done);
                b.1 = true;
            }
        }
        (Some("ok"), Some("post"), Some(id)) => {
            report.acked.insert(PostId::from_str(id).unwrap());
            report.in_flight = None;
        }
        (Some("ok"), Some("react"), Some(rest)) => {
            let mut r = rest.split(' ');
            let (post, person, added) = (r.next().unwrap(), r.next().unwrap(), r.next().unwrap());
            if added == "true" {
                report
                    .reactions
                    .insert((PostId::from_str(post).unwrap(), person.to_owned()));
            }
        }
        (Some("begin"), Some("post"), Some(id)) => {
            report.in_flight = Some(PostId::from_str(id).unwrap());
        }
        _ => panic!("unexpected line from the child: {line:?}"),
    }
    line.starts_with("ok ")
}

fn parent(seed: u64) {
    let schema = Schema::new("durable");
    // Create the schema first, so the child's time goes into writing.
    let name = schema.name.clone();
    block_in_thread(async move { connect(options_for(&name)).await.close().await });
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    // Kill after a seeded number of acknowledged calls, plus a seeded pause: the kill lands
    // anywhere in the next call (before, inside or after its transaction).
    let acks_before_kill = 20 + rng.below(200);
    let pause = std::time::Duration::from_micros(rng.below(150_000));

    let exe = std::env::current_exe().unwrap();
    let mut child = Command::new(exe)
        .env(SCHEMA_VAR, &schema.name)
        .env(SEED_VAR, seed.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    // The report as it comes; only whole lines count: the kill may cut the last one short.
    let (received, reader) = common::child_lines(child.stdout.take().unwrap());
    let mut report = Report::default();
    let mut acks = 0;
    for line in received.iter() {
        if record(&line, &mut report) {
            acks += 1;
            if acks >= acks_before_kill {
                break;
            }
        }
    }
    std::thread::sleep(pause);
    child.kill().unwrap(); // SIGKILL on Unix
    reader.join().unwrap();
    // Lines written before the kill still count.
    for line in received.try_iter() {
        record(&line, &mut report);
    }
    let status = child.wait().unwrap();
    assert!(
        !status.success(),
        "the child was supposed to be killed, it exited: {status}"
    );

    let name = schema.name.clone();
    block_in_thread(async move { verify(&name, seed, report).await });
}

async fn verify(schema: &str, seed: u64, report: Report) {
    let store = connect(options_for(schema)).await;
    // SIGKILL ends the client, not its server session: a COMMIT the child had sent may
    // still be completing. Posts and log are read by two calls, so such a commit landing
    // between them looks like a log entry without its post (seen once on a fast machine).
    // Read until two rounds, a quarter second apart, see the same — the dead client can
    // complete at most that one transaction.
    let read = async || {
        let stored = store.scan_posts(None, 1_000_000).await.unwrap();
        let log = store.changes(Seq(0), 1_000_000).await.unwrap();
        (stored, log)
    };
    let (mut stored, mut log) = read().await;
    for _ in 0..40 {
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
        let (s, l) = read().await;
        let settled = s.len() == stored.len() && l.len() == log.len();
        (stored, log) = (s, l);
        if settled {
            break;
        }
    }
    let stored_ids: HashSet<PostId> = stored.iter().map(|p| p.id).collect();
    assert_eq!(
        stored_ids.len(),
        stored.len(),
        "seed {seed}: a post is stored twice"
    );
    let mut created: HashMap<PostId, usize> = HashMap::new();
    for c in &log {
        *created.entry(c.post).or_default() += 1;
    }
    // Atomicity: a post exists exactly when its (one) Created entry does.
    for id in &stored_ids {
        assert_eq!(
            created.get(id),
            Some(&1),
            "seed {seed}: post {id} without exactly one log entry"
        );
    }
    assert_eq!(
        created.len(),
        stored_ids.len(),
        "seed {seed}: a log entry without its post"
    );
    // Durability: everything acknowledged is there.
    for id in &report.acked {
        assert!(
            stored_ids.contains(id),
            "seed {seed}: acknowledged post {id} is missing"
        );
    }
    // Batches are all or nothing, the interrupted one included.
    for (batch, done) in &report.batches {
        let present = batch.iter().filter(|id| stored_ids.contains(id)).count();
        assert!(
            present == 0 || present == batch.len(),
            "seed {seed}: a batch is half stored ({present} of {}, returned: {done})",
            batch.len()
        );
        assert!(!done || present == batch.len());
    }
    // Reactions: every acknowledged one is there, and counters match the rows exactly
    // (a reaction and its counter change commit together).
    let reader = Access::new(TenantId::new(TENANT), "writer".into(), [], false);
    let ids: Vec<PostId> = stored.iter().map(|p| p.id).collect();
    for view in store.get_posts(&reader, &ids).await.unwrap() {
        // At most 20 people react to a post: one page holds them all.
        let rows = store
            .reactions(
                &reader,
                &view.post.id,
                &watercooler_core::PageRequest::first(200),
            )
            .await
            .unwrap()
            .items;
        let counted = view.stats.reactions_of(ReactionKind::Like) as usize;
        assert_eq!(
            counted,
            rows.len(),
            "seed {seed}: counter of {}",
            view.post.id
        );
    }
    for (post, person) in &report.reactions {
        let rows = store
            .reactions(&reader, post, &watercooler_core::PageRequest::first(200))
            .await
            .unwrap()
            .items;
        assert!(
            rows.iter().any(|r| r.person.as_str() == person),
            "seed {seed}: acknowledged reaction of {person} on {post} is missing"
        );
    }
    assert!(
        !report.acked.is_empty(),
        "seed {seed}: the child was killed before writing anything"
    );
    let interrupted = report.batches.iter().filter(|(_, done)| !done).count();
    let in_flight = match &report.in_flight {
        Some(id) if stored_ids.contains(id) => "a post, committed before the kill",
        Some(_) => "a post, not committed",
        None if interrupted > 0 => "a batch",
        None => "nothing",
    };
    println!(
        "durability: seed {seed}: {} posts acknowledged, {} stored, {} batches ({interrupted} \
         interrupted), {} reactions acknowledged; killed during: {in_flight}",
        report.acked.len(),
        stored.len(),
        report.batches.len(),
        report.reactions.len()
    );
    store.close().await;
}

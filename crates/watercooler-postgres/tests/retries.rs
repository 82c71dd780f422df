//! Safe retries across a killed client: a child process (this binary, re-run with
//! `WC_RETRIES_SCHEMA` set) publishes posts with request keys through the service,
//! reporting each call before it starts and after it returns; the parent kills it with
//! SIGKILL at a seeded moment, then retries every call that had started — the in-doubt one
//! included — from a fresh service. Every key must end with exactly one post, and a retry
//! of a returned call must return the post that call returned.

#[path = "postgres/common.rs"]
mod common;

use std::collections::HashMap;
use std::io::Write;
use std::process::{Command, Stdio};
use std::str::FromStr;
use std::sync::Arc;

use watercooler_core::{
    MemoryDirectory, NewPost, Person, PostId, RequestKey, Store, TenantId, Viewer, Watercooler,
};

use common::{Schema, block_in_thread, connect, options_for};

const SCHEMA_VAR: &str = "WC_RETRIES_SCHEMA";
const SEED_VAR: &str = "WC_RETRIES_SEED";
const TENANT: &str = "retries";
const SEEDS: [u64; 3] = [7, 19, 31];

fn main() {
    match std::env::var(SCHEMA_VAR) {
        Ok(schema) => child(&schema),
        Err(_) => {
            for seed in SEEDS {
                parent(seed);
                println!("retries: seed {seed} ok");
            }
        }
    }
}

/// The service a client process runs: the store under test and a directory of one writer.
fn service(store: Arc<dyn Store>) -> (Watercooler, Viewer) {
    let dir = Arc::new(MemoryDirectory::new());
    let tenant = TenantId::new(TENANT);
    dir.add_person(&tenant, Person::new("writer", "writer", "Writer"))
        .unwrap();
    let wc = Watercooler::builder(store, dir).build();
    (wc, Viewer::new(TENANT, "writer"))
}

/// The n-th request: its key and body are a function of n, so a retry sends the same.
fn request(n: u64) -> NewPost {
    NewPost::new(format!("keyed post {n}")).request_key(RequestKey::new(format!("k-{n}")).unwrap())
}

fn child(schema: &str) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let store: Arc<dyn Store> = Arc::new(connect(options_for(schema)).await);
        let (wc, writer) = service(store);
        let out = std::io::stdout();
        let say = |line: String| {
            let mut o = out.lock();
            let _ = writeln!(o, "{line}");
            let _ = o.flush();
        };
        for n in 0u64.. {
            say(format!("begin {n}"));
            let post = wc.publish(&writer, request(n)).await.unwrap();
            say(format!("ok {n} {}", post.id));
        }
    });
}

fn parent(seed: u64) {
    let schema = Schema::new("retries");
    let name = schema.name.clone();
    block_in_thread(async move { connect(options_for(&name)).await.close().await });
    // xorshift, seeded: where the kill lands.
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut below = |n: u64| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x % n
    };
    let acks_before_kill = 10 + below(60);
    let pause = std::time::Duration::from_micros(below(20_000));

    let mut child = Command::new(std::env::current_exe().unwrap())
        .env(SCHEMA_VAR, &schema.name)
        .env(SEED_VAR, seed.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let (received, reader) = common::child_lines(child.stdout.take().unwrap());
    let mut begun = 0u64;
    let mut acked: HashMap<u64, PostId> = HashMap::new();
    let mut record = |line: &str| {
        let parts: Vec<&str> = line.split(' ').collect();
        match parts.as_slice() {
            ["begin", n] => begun = begun.max(n.parse::<u64>().unwrap() + 1),
            ["ok", n, id] => {
                acked.insert(n.parse().unwrap(), PostId::from_str(id).unwrap());
            }
            _ => panic!("unexpected line from the child: {line:?}"),
        }
    };
    for line in received.iter() {
        record(&line);
        if line.starts_with("ok ")
            && line.split(' ').nth(1).unwrap().parse::<u64>().unwrap() + 1 >= acks_before_kill
        {
            break;
        }
    }
    std::thread::sleep(pause);
    child.kill().unwrap();
    reader.join().unwrap();
    for line in received.try_iter() {
        record(&line);
    }
    assert!(
        !child.wait().unwrap().success(),
        "the child was to be killed"
    );

    let name = schema.name.clone();
    block_in_thread(async move { verify(&name, seed, begun, acked).await });
}

async fn verify(schema: &str, seed: u64, begun: u64, acked: HashMap<u64, PostId>) {
    let store: Arc<dyn Store> = Arc::new(connect(options_for(schema)).await);
    let (wc, writer) = service(Arc::clone(&store));
    // Retry every call that had started, as a client that saw no answer would; a kept
    // COMMIT of the killed client may still be landing, which the key covers too.
    let mut made: HashMap<u64, PostId> = HashMap::new();
    for n in 0..begun {
        let post = wc
            .publish(&writer, request(n))
            .await
            .unwrap_or_else(|e| panic!("seed {seed}: retrying request {n} failed: {e}"));
        if let Some(first) = acked.get(&n) {
            assert_eq!(
                &post.id, first,
                "seed {seed}: the retry of returned request {n} made another post"
            );
        }
        made.insert(n, post.id);
    }
    // Exactly one post per key: count the stored posts by their text.
    let stored = store.scan_posts(None, 1_000_000).await.unwrap();
    let mut per_text: HashMap<&str, usize> = HashMap::new();
    for p in &stored {
        *per_text.entry(p.text.as_str()).or_default() += 1;
    }
    for n in 0..begun {
        let text = format!("keyed post {n}");
        assert_eq!(
            per_text.get(text.as_str()),
            Some(&1),
            "seed {seed}: request {n} is stored {:?} times",
            per_text.get(text.as_str())
        );
    }
    assert_eq!(
        stored.len() as u64,
        begun,
        "seed {seed}: nothing else was stored"
    );
    let in_doubt = begun - acked.len() as u64;
    println!(
        "retries: seed {seed}: {begun} requests begun, {} returned, {in_doubt} in doubt at the \
         kill; after retrying all, {} posts, one per key",
        acked.len(),
        stored.len()
    );
}

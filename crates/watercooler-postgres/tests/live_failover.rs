//! A server with live subscribers is killed with SIGKILL; the client resumes on another
//! server from the last position it handled and gets exactly the events it missed.
//!
//! The child process (this binary, re-run with `WC_LIVE_SCHEMA` set) is server A: it
//! subscribes bob and prints every post it delivers, flushed, as `EVENT <seq> <post id>`.
//! The parent publishes through a third store, kills A part-way, publishes more while no
//! server has the subscriber, then subscribes again on server B (a fresh `PgStore`) with
//! the last position A reported.

#[path = "postgres/common.rs"]
mod common;

use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use watercooler_core::{
    Event, FollowTarget, MemoryDirectory, NewPost, Person, PostId, Seq, SubscribeOptions, TenantId,
    Viewer, Watercooler,
};

use common::{Schema, connect, options_for};

const SCHEMA_VAR: &str = "WC_LIVE_SCHEMA";
const BEFORE_KILL: usize = 30;
const AFTER_KILL: usize = 20;

fn main() {
    match std::env::var(SCHEMA_VAR) {
        Ok(schema) => child(&schema),
        Err(_) => {
            parent();
            println!("live_failover: ok");
        }
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

/// ann and bob of tenant `t`; every process builds the same.
fn service(store: watercooler_postgres::PgStore, salt: u64) -> Watercooler {
    let t = TenantId::new("t");
    let dir = MemoryDirectory::new();
    for p in ["ann", "bob"] {
        dir.add_person(&t, Person::new(p, p, p))
            .expect("add person");
    }
    Watercooler::builder(Arc::new(store), Arc::new(dir))
        .id_salt(salt)
        .build()
}

/// Server A: delivers bob's events until it is killed.
fn child(schema: &str) {
    runtime().block_on(async {
        let wc = service(connect(options_for(schema)).await, 1);
        let bob = Viewer::new("t", "bob");
        let mut sub = wc
            .subscribe(&bob, SubscribeOptions::new())
            .await
            .expect("subscribe on A");
        let mut out = std::io::stdout();
        writeln!(out, "READY")
            .and_then(|()| out.flush())
            .expect("stdout");
        // Bounded: a parent that failed before killing it must not leave it running.
        let deliver = async {
            while let Some(event) = sub.next().await {
                if let Event::Posted { seq, post, .. } = event {
                    writeln!(out, "EVENT {} {}", seq.0, post.post.id)
                        .and_then(|()| out.flush())
                        .expect("stdout");
                }
            }
        };
        let _ = tokio::time::timeout(Duration::from_secs(120), deliver).await;
    });
}

fn parent() {
    let schema = Schema::new("live_kill");
    let rt = runtime();
    let publisher = rt.block_on(async {
        let wc = service(schema.store().await, 2);
        wc.follow(&Viewer::new("t", "bob"), FollowTarget::Person("ann".into()))
            .await
            .expect("follow");
        wc
    });
    let exe = std::env::current_exe().expect("the test binary");
    let mut child = Command::new(exe)
        .env(SCHEMA_VAR, &schema.name)
        .stdout(Stdio::piped())
        .spawn()
        .expect("start server A");
    // Lines arrive through a channel, so every read has a deadline: a stuck server A fails
    // the test instead of hanging it.
    let (lines, _reader) = common::child_lines(child.stdout.take().expect("child stdout"));
    let next_line = |what: &str| match lines.recv_timeout(Duration::from_secs(20)) {
        Ok(line) => line,
        Err(e) => panic!("server A: no {what} within 20 s ({e})"),
    };
    let first = next_line("READY");
    if first != "READY" {
        let _ = child.kill();
        panic!("server A did not start: {first}");
    }

    let ann = Viewer::new("t", "ann");
    let mut published: Vec<PostId> = Vec::new();
    for i in 0..BEFORE_KILL {
        let p = rt
            .block_on(publisher.publish(&ann, NewPost::new(format!("before {i}"))))
            .expect("publish");
        published.push(p.id);
    }
    // Read what A delivered of the first half, then kill it part-way through.
    let mut handled: Vec<(Seq, PostId)> = Vec::new();
    while handled.len() < BEFORE_KILL / 2 {
        let line = next_line("event");
        let mut parts = line.split(' ');
        assert_eq!(parts.next(), Some("EVENT"), "{line}");
        let seq = Seq(parts.next().and_then(|s| s.parse().ok()).expect("seq"));
        let id: PostId = parts.next().and_then(|s| s.parse().ok()).expect("post id");
        handled.push((seq, id));
    }
    child.kill().expect("SIGKILL server A");
    let _ = child.wait();
    assert_eq!(
        handled.iter().map(|h| h.1).collect::<Vec<_>>(),
        published[..BEFORE_KILL / 2],
        "A delivered the posts in order"
    );

    for i in 0..AFTER_KILL {
        let p = rt
            .block_on(publisher.publish(&ann, NewPost::new(format!("after {i}"))))
            .expect("publish");
        published.push(p.id);
    }
    // The client reconnects to server B with the last position it handled.
    let (last_seq, _) = *handled.last().expect("some events");
    let got = rt.block_on(async {
        let b = service(schema.store().await, 3);
        let mut sub = b
            .subscribe(
                &Viewer::new("t", "bob"),
                SubscribeOptions::new().after(last_seq),
            )
            .await
            .expect("subscribe on B");
        let want = published.len() - handled.len();
        let mut got = Vec::new();
        while got.len() < want {
            match tokio::time::timeout(Duration::from_secs(10), sub.next()).await {
                Ok(Some(Event::Posted { post, .. })) => got.push(post.post.id),
                Ok(Some(_)) => {}
                other => panic!("B stopped delivering after {} events: {other:?}", got.len()),
            }
        }
        // Nothing more: none twice.
        if let Ok(Some(Event::Posted { post, .. })) =
            tokio::time::timeout(Duration::from_millis(500), sub.next()).await
        {
            panic!("B delivered {} more than once or unasked", post.post.id);
        }
        got
    });
    assert_eq!(
        got,
        published[handled.len()..],
        "B replays exactly what the client missed"
    );
}

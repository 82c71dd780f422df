//! Several app servers on one database: a write on server A wakes server B through
//! `LISTEN`/`NOTIFY`, so B's live subscribers receive it at once, without polling.

use std::sync::Arc;
use std::time::{Duration, Instant};

use watercooler_core::{
    Event, FollowTarget, MemoryDirectory, NewPost, Person, Seq, Store, SubscribeOptions, TenantId,
    Viewer, Watercooler,
};

use crate::common::Schema;

fn directory(tenant: &TenantId) -> Arc<MemoryDirectory> {
    let dir = Arc::new(MemoryDirectory::new());
    for p in ["ann", "bob"] {
        dir.add_person(tenant, Person::new(p, p, p)).unwrap();
    }
    dir
}

/// A write through store A ends store B's `wait_for_change` at once: far sooner than its
/// timeout, and B then reads the entry.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_on_one_server_wakes_the_other() {
    let schema = Schema::new("live_wake");
    let a = schema.store().await;
    let b = schema.store().await;
    let tenant = TenantId::new("t");
    let wc_a = Watercooler::builder(Arc::new(a.clone()), directory(&tenant))
        .id_salt(1)
        .build();
    let position = b.last_seq().await.unwrap();
    let waiter = {
        let b = b.clone();
        tokio::spawn(async move {
            let t = Instant::now();
            b.wait_for_change(position, Duration::from_secs(30))
                .await
                .unwrap();
            t.elapsed()
        })
    };
    // Let B's listener start before the write.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let post = wc_a
        .publish(&Viewer::new("t", "ann"), NewPost::new("from A"))
        .await
        .unwrap();
    let took = tokio::time::timeout(Duration::from_secs(5), waiter)
        .await
        .expect("B was woken")
        .unwrap();
    assert!(took < Duration::from_secs(3), "B woke after {took:?}");
    let after = b.changes(position, 10).await.unwrap();
    assert!(after.iter().any(|c| c.post == post.id), "{after:?}");
    a.close().await;
    b.close().await;
}

/// A subscriber on server B receives a post published on server A within a few seconds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_post_on_server_a_reaches_a_subscriber_on_server_b() {
    let schema = Schema::new("live_two");
    let a = schema.store().await;
    let b = schema.store().await;
    let tenant = TenantId::new("t");
    let dir = directory(&tenant);
    let wc_a = Watercooler::builder(Arc::new(a.clone()), dir.clone())
        .id_salt(1)
        .build();
    let wc_b = Watercooler::builder(Arc::new(b.clone()), dir)
        .id_salt(2)
        .build();
    let bob = Viewer::new("t", "bob");
    wc_b.follow(&bob, FollowTarget::Person("ann".into()))
        .await
        .unwrap();
    let mut sub = wc_b.subscribe(&bob, SubscribeOptions::new()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let t = Instant::now();
    let post = wc_a
        .publish(&Viewer::new("t", "ann"), NewPost::new("hello from A"))
        .await
        .unwrap();
    let event = tokio::time::timeout(Duration::from_secs(5), sub.next())
        .await
        .expect("delivered within 5 s")
        .expect("the stream is open");
    let took = t.elapsed();
    match event {
        Event::Posted {
            post: view, seq, ..
        } => {
            assert_eq!(view.post.id, post.id);
            assert!(seq > Seq(0));
        }
        other => panic!("expected the post, got {other:?}"),
    }
    // The follower's idle wait is 5 s: well under it means the notification woke B.
    assert!(took < Duration::from_secs(3), "delivered after {took:?}");
    drop(sub);
    a.close().await;
    b.close().await;
}

//! Losing connections: a backend terminated mid-call is a retryable error, the store
//! recovers, and nothing is lost or written twice.

use sqlx::AssertSqlSafe;
use watercooler_core::{PostId, Seq, Store};

use crate::changelog::{eventually, gate_key, install_gate, waiting};
use crate::common::{Schema, admin, connect};
use crate::schema::{id, post};

/// Change-log entries of `post`.
async fn entries_of(store: &dyn Store, post: PostId) -> usize {
    store
        .changes(Seq(0), 100_000)
        .await
        .unwrap()
        .iter()
        .filter(|c| c.post == post)
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backend_terminated_mid_write_is_retryable_and_nothing_is_lost() {
    let schema = Schema::new("terminate");
    let app = schema.name.clone();
    let store = connect(schema.options().application_name(&app)).await;
    let key = gate_key(2);
    let mut c = admin().await;
    install_gate(&mut c, &schema.name, "cut", key).await;
    let p = post("cut", "a", id(0, 1), "survives a lost connection");

    // The write stalls inside its COMMIT; its backend is then terminated under it.
    sqlx::query("SELECT pg_advisory_lock($1)")
        .bind(key)
        .execute(&mut c)
        .await
        .unwrap();
    let s = store.clone();
    let attempt = {
        let p = p.clone();
        tokio::spawn(async move { s.insert_post(&p, &[]).await })
    };
    eventually("the write stalls in its commit", async || {
        waiting(&mut c, &app, Some(key), 0).await == 1
    })
    .await;
    let killed: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM pg_locks l, pg_terminate_backend(l.pid) \
         WHERE l.locktype = 'advisory' AND NOT l.granted AND l.objid::bigint = $1",
    )
    .bind(key)
    .fetch_one(&mut c)
    .await
    .unwrap();
    assert_eq!(killed, 1);
    let e = attempt.await.unwrap().unwrap_err();
    assert!(
        e.is_retryable(),
        "a lost connection must be retryable: {e:?}"
    );
    sqlx::query("SELECT pg_advisory_unlock($1)")
        .bind(key)
        .execute(&mut c)
        .await
        .unwrap();

    // The aborted attempt left nothing; the retry stores the post once, with one entry.
    assert!(store.scan_posts(None, 10).await.unwrap().is_empty());
    let seq = store.insert_post(&p, &[]).await.unwrap();
    assert!(seq.0 > 0);
    let stored = store.scan_posts(None, 10).await.unwrap();
    assert_eq!(stored, vec![p.clone()]);
    assert_eq!(entries_of(&store, p.id).await, 1);
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_connections_killed_by_a_server_restart_are_replaced() {
    let schema = Schema::new("idlekill");
    let app = schema.name.clone();
    let store = connect(schema.options().application_name(&app)).await;
    let mut c = admin().await;
    let mut failures = 0;
    for round in 0..3u64 {
        // Warm the pool, then terminate every backend of the store (what a restart does).
        // From the second round on, a write may still draw a connection the previous
        // restart killed (the reads below stop at their first success): that costs a
        // retryable error and writes nothing, and the retry succeeds.
        for i in 0..4 {
            let p = post(
                "t",
                "a",
                id(round as i64 * 10 + i, round * 10 + i as u64),
                "x",
            );
            loop {
                match store.insert_post(&p, &[]).await {
                    Ok(_) => break,
                    Err(e) => {
                        assert!(round > 0 && e.is_retryable(), "{e:?}");
                        failures += 1;
                        assert!(failures <= 4 * 3, "the store does not recover: {e:?}");
                    }
                }
            }
        }
        let killed: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM pg_stat_activity a, pg_terminate_backend(a.pid) \
             WHERE a.application_name = $1",
        )
        .bind(&app)
        .fetch_one(&mut c)
        .await
        .unwrap();
        assert!(killed >= 1);
        eventually("the terminated backends are gone", async || {
            let left: i64 = sqlx::query_scalar(AssertSqlSafe(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1".to_owned(),
            ))
            .bind(&app)
            .fetch_one(&mut c)
            .await
            .unwrap();
            left == 0
        })
        .await;
        // The next calls work (a dead pooled connection is noticed and replaced), or fail
        // retryably a few times at most (once per dead pooled connection); nothing written
        // before is lost.
        loop {
            match store.scan_posts(None, 1000).await {
                Ok(posts) => {
                    assert_eq!(posts.len() as u64, (round + 1) * 4);
                    break;
                }
                Err(e) => {
                    assert!(e.is_retryable(), "{e:?}");
                    failures += 1;
                    assert!(failures <= 4 * 3, "the store does not recover: {e:?}");
                }
            }
        }
    }
    assert_eq!(store.last_seq().await.unwrap().0, 12);
    store.close().await;
}

//! The change log under concurrency: seqs commit in order, so followers reading
//! `seq > last` never skip a late commit; two stores (two pools) on one database see one
//! identical, gap-free log.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use sqlx::AssertSqlSafe;
use sqlx::postgres::PgConnection;
use watercooler_core::search::fingerprint;
use watercooler_core::{
    Change, ChangeKind, PostEdit, PostId, PostIdGenerator, Seq, Store, TenantId,
};
use watercooler_postgres::PgStore;
use watercooler_tantivy::{TantivyIndex, TantivyOptions};

use crate::common::{Schema, admin, connect};
use crate::schema::{id, post};

/// An advisory-lock key no other test uses at the same time.
pub fn gate_key(n: u32) -> i64 {
    (i64::from(std::process::id()) << 8) | i64::from(n)
}

/// Makes commits of change-log rows of `tenant` wait until the gate `key` opens: a deferred
/// constraint trigger runs inside `COMMIT`, after the writer took its seq (and while it
/// still holds the change-log lock).
pub async fn install_gate(c: &mut PgConnection, schema: &str, tenant: &str, key: i64) {
    sqlx::raw_sql(AssertSqlSafe(format!(
        "CREATE FUNCTION {schema}.gate_{key}() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN
             IF NEW.tenant = '{tenant}' THEN
                 PERFORM pg_advisory_lock_shared({key});
                 PERFORM pg_advisory_unlock_shared({key});
             END IF;
             RETURN NULL;
         END $$;
         CREATE CONSTRAINT TRIGGER gate_{key} AFTER INSERT ON {schema}.change_log
             DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION {schema}.gate_{key}();"
    )))
    .execute(c)
    .await
    .unwrap();
}

/// Backends of application `app` waiting for an advisory lock (`key`: that one; `None`:
/// any other than `except`).
pub async fn waiting(c: &mut PgConnection, app: &str, key: Option<i64>, except: i64) -> i64 {
    sqlx::query_scalar(
        "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid \
         WHERE l.locktype = 'advisory' AND NOT l.granted AND a.application_name = $1 \
           AND (($2::bigint IS NOT NULL AND l.objid::bigint = $2 % 4294967296) \
                OR ($2::bigint IS NULL AND l.objid::bigint <> $3 % 4294967296))",
    )
    .bind(app)
    .bind(key)
    .bind(except)
    .fetch_one(c)
    .await
    .unwrap()
}

/// Polls `cond` every 10 ms, failing after a minute (a liveness bound, not a timing test).
pub async fn eventually(what: &str, mut cond: impl AsyncFnMut() -> bool) {
    for _ in 0..6000 {
        if cond().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("{what}: still not the case after a minute");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_late_commit_is_never_skipped_by_a_follower() {
    let schema = Schema::new("latecommit");
    let app = schema.name.clone();
    let store = connect(schema.options().application_name(&app)).await;
    let key = gate_key(1);
    let mut c = admin().await;
    install_gate(&mut c, &schema.name, "slow", key).await;
    let before = store.last_seq().await.unwrap();

    // Close the gate, then W1 (tenant "slow") takes its seq and stalls inside COMMIT.
    sqlx::query("SELECT pg_advisory_lock($1)")
        .bind(key)
        .execute(&mut c)
        .await
        .unwrap();
    let s1 = store.clone();
    let w1 = tokio::spawn(async move {
        s1.insert_post(&post("slow", "a", id(0, 1), "first"), &[])
            .await
    });
    eventually("W1 stalls in its commit", async || {
        waiting(&mut c, &app, Some(key), 0).await == 1
    })
    .await;

    // W2 (tenant "fast") starts later and would commit first with a higher seq — unless
    // it waits for W1's commit before taking one. It must wait.
    let s2 = store.clone();
    let w2 = tokio::spawn(async move {
        s2.insert_post(&post("fast", "a", id(1, 2), "second"), &[])
            .await
    });
    eventually("W2 waits for the change-log lock", async || {
        assert!(
            !w2.is_finished(),
            "W2 committed while W1, with an earlier seq, was still in flight"
        );
        waiting(&mut c, &app, None, key).await == 1
    })
    .await;
    // A follower now sees neither.
    assert!(store.changes(before, 100).await.unwrap().is_empty());

    sqlx::query("SELECT pg_advisory_unlock($1)")
        .bind(key)
        .execute(&mut c)
        .await
        .unwrap();
    let seq1 = w1.await.unwrap().unwrap();
    let seq2 = w2.await.unwrap().unwrap();
    assert!(seq1 < seq2, "commit order {seq1} then {seq2}");
    let seen: Vec<(String, Seq)> = store
        .changes(before, 100)
        .await
        .unwrap()
        .into_iter()
        .map(|c| (c.tenant.to_string(), c.seq))
        .collect();
    assert_eq!(seen, [("slow".to_owned(), seq1), ("fast".to_owned(), seq2)]);
    store.close().await;
}

/// Reads the log from `after` until `stop` is set and a final read finds nothing new.
async fn follow(store: Arc<dyn Store>, stop: Arc<AtomicBool>) -> Vec<Change> {
    let mut seen: Vec<Change> = Vec::new();
    let mut last = Seq(0);
    loop {
        let finished = stop.load(Ordering::SeqCst);
        let batch = store.changes(last, 37).await.unwrap();
        if let Some(c) = batch.last() {
            last = c.seq;
        } else if finished {
            return seen;
        } else {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        seen.extend(batch);
    }
}

/// One writer: publishes, and edits or deletes some of what it published.
async fn write(
    store: PgStore,
    tenant: &'static str,
    salt: u64,
    n: usize,
) -> Vec<(Seq, ChangeKind)> {
    let ids = PostIdGenerator::new(salt);
    let t = TenantId::new(tenant);
    let mut done = Vec::new();
    for i in 0..n {
        let id = ids.next(chrono::Utc::now());
        let p = post(tenant, "w", id, &format!("post {i}"));
        done.push((
            store.insert_post(&p, &[]).await.unwrap(),
            ChangeKind::Created,
        ));
        match i % 5 {
            1 => {
                let edit = PostEdit {
                    id,
                    text: format!("edited {i}"),
                    edited_at: p.created_at,
                    hashtags: vec![],
                    mentions: vec![],
                    urls: vec![],
                };
                done.push((
                    store
                        .update_post(
                            &t,
                            &watercooler_core::store::PostUpdate::text(edit.clone(), vec![]),
                        )
                        .await
                        .unwrap(),
                    ChangeKind::Edited,
                ));
            }
            3 => done.push((
                store.delete_post(&t, &id, p.created_at).await.unwrap(),
                ChangeKind::Deleted,
            )),
            _ => {}
        }
    }
    done
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_stores_publishing_concurrently_see_one_identical_gap_free_log() {
    let schema = Schema::new("twostores");
    let a = connect(schema.options().application_name("wc-a")).await;
    let b = connect(schema.options().application_name("wc-b")).await;
    // Each "server" keeps a search index following its own store's change log, as a
    // watercooler instance does; both must end identical to the store.
    let index = |s: &PgStore| {
        let store: Arc<dyn Store> = Arc::new(s.clone());
        TantivyIndex::open(
            store,
            TantivyOptions::in_memory().poll_interval(Duration::from_millis(20)),
        )
    };
    let (ia, ib) = (index(&a).await.unwrap(), index(&b).await.unwrap());
    let stop = Arc::new(AtomicBool::new(false));
    let fa = tokio::spawn(follow(Arc::new(a.clone()), stop.clone()));
    let fb = tokio::spawn(follow(Arc::new(b.clone()), stop.clone()));
    let mut writers = Vec::new();
    for (i, (store, tenant)) in [
        (&a, "t1"),
        (&a, "t2"),
        (&b, "t1"),
        (&b, "t2"),
        (&a, "t3"),
        (&b, "t3"),
    ]
    .into_iter()
    .enumerate()
    {
        writers.push(tokio::spawn(write(store.clone(), tenant, i as u64 + 1, 40)));
    }
    let mut written: HashMap<Seq, ChangeKind> = HashMap::new();
    for w in writers {
        for (seq, kind) in w.await.unwrap() {
            assert!(
                written.insert(seq, kind).is_none(),
                "seq {seq} returned twice"
            );
        }
    }
    stop.store(true, Ordering::SeqCst);
    let (seen_a, seen_b) = (fa.await.unwrap(), fb.await.unwrap());

    let full = a.changes(Seq(0), 1_000_000).await.unwrap();
    // Every write is in the log once, with the seq its call returned and its kind.
    assert_eq!(full.len(), written.len());
    for c in &full {
        assert_eq!(written.get(&c.seq), Some(&c.kind), "entry {c:?}");
    }
    // Gap-free: 1, 2, 3, ... (a fresh schema, and no write failed after taking a seq).
    let seqs: Vec<u64> = full.iter().map(|c| c.seq.0).collect();
    assert_eq!(seqs, (1..=full.len() as u64).collect::<Vec<_>>());
    // Followers polling while the writes committed saw exactly that log: nothing skipped.
    assert_eq!(
        seen_a, full,
        "the follower of store A missed or reordered entries"
    );
    assert_eq!(
        seen_b, full,
        "the follower of store B missed or reordered entries"
    );
    assert_eq!(b.changes(Seq(0), 1_000_000).await.unwrap(), full);

    // The indexes, caught up, hold exactly the live posts as the store has them (edits
    // applied, deletes gone), and so are identical to each other.
    let last = full.last().map(|c| c.seq).unwrap_or_default();
    assert_eq!(ia.catch_up().await.unwrap(), last);
    assert_eq!(ib.catch_up().await.unwrap(), last);
    let live: Vec<(TenantId, PostId, u64)> = a
        .scan_posts(None, 1_000_000)
        .await
        .unwrap()
        .iter()
        .map(|p| (p.tenant.clone(), p.id, fingerprint(p)))
        .collect();
    assert!(live.len() > 100, "the writers left {} posts", live.len());
    for (name, idx) in [("A", &ia), ("B", &ib)] {
        let docs: Vec<(TenantId, PostId, u64)> = idx
            .documents()
            .unwrap()
            .into_iter()
            .map(|d| (d.tenant, d.id, d.fingerprint))
            .collect();
        assert_eq!(
            docs, live,
            "the search index of server {name} differs from the store"
        );
    }
    ia.close().await.unwrap();
    ib.close().await.unwrap();
    a.close().await;
    b.close().await;
}

//! The database file: persistence across reopening, and the typed errors for files this
//! library must not use (newer schema, corrupt, another application's, read-only) or that
//! are full.

mod common;

use std::os::unix::fs::PermissionsExt;

use chrono::DateTime;
use sqlx::Connection;
use watercooler_core::watercooler_text::hashtag_key;
use watercooler_core::{
    Access, HashtagRef, Language, NewNotification, NotificationKind, PageRequest, PersonId, Post,
    PostId, PostIdGenerator, Reaction, ReactionKind, Seq, Store, TenantId, Visibility,
};
use watercooler_sqlite::{SCHEMA_VERSION, SqliteError, SqliteOptions, SqliteStore, Synchronous};

use common::TempDir;

fn post(ids: &PostIdGenerator, n: i64, author: &str) -> Post {
    let at = DateTime::from_timestamp(1_740_992_400 + n, 123).expect("time");
    Post {
        id: ids.next(at),
        tenant: TenantId::new("t"),
        author: PersonId::new(author),
        text: format!("hello #Ünïcode {n}"),
        language: Language::english(),
        created_at: at,
        edited_at: None,
        visibility: Visibility::Organization,
        reply_to: None,
        thread_root: None,
        announcement: false,
        pinned_until: None,
        hashtags: vec![HashtagRef {
            key: hashtag_key("Ünïcode"),
            display: "Ünïcode".into(),
            range: 6..15,
        }],
        mentions: Vec::new(),
        urls: Vec::new(),
    }
}

fn reader() -> Access {
    Access::new(
        TenantId::new("t"),
        PersonId::new("reader"),
        Vec::new(),
        false,
    )
}

/// The typed error inside a store error, or a panic naming what came instead.
#[track_caller]
fn sqlite_error<T: std::fmt::Debug>(r: watercooler_core::Result<T>) -> (SqliteError, bool) {
    match r {
        Err(e) => {
            let retry = e.is_retryable();
            match e {
                watercooler_core::Error::Backend { source, .. } => {
                    match source.downcast::<SqliteError>() {
                        Ok(s) => (*s, retry),
                        Err(other) => panic!("backend error that is not a SqliteError: {other}"),
                    }
                }
                other => panic!("expected a backend error, got {other:?}"),
            }
        }
        Ok(v) => panic!("expected an error, got {v:?}"),
    }
}

async fn raw(path: &std::path::Path) -> sqlx::SqliteConnection {
    let opts = sqlx::sqlite::SqliteConnectOptions::new().filename(path);
    sqlx::SqliteConnection::connect_with(&opts)
        .await
        .expect("raw connection")
}

#[tokio::test]
async fn data_survives_reopening_with_pragmas_in_force() {
    let dir = TempDir::new("reopen");
    let path = dir.file("wc.db");
    let ids = PostIdGenerator::new(1);
    let posts: Vec<Post> = (0..20).map(|n| post(&ids, n, "ann")).collect();
    let reaction = Reaction {
        post: posts[3].id,
        person: PersonId::new("bob"),
        kind: ReactionKind::Celebrate,
        at: posts[3].created_at,
    };
    let note = NewNotification {
        recipient: PersonId::new("ann"),
        kind: NotificationKind::Reaction,
        post: posts[3].id,
        actor: PersonId::new("bob"),
        at: posts[3].created_at,
        subject: None,
    };
    {
        let store = SqliteStore::open(&path).await.expect("create");
        assert_eq!(
            store.insert_posts(&posts[..10]).await.expect("batch"),
            Seq(10)
        );
        for p in &posts[10..] {
            store.insert_post(p, &[]).await.expect("insert");
        }
        assert!(
            store
                .add_reaction(&TenantId::new("t"), &reaction, Some(&note))
                .await
                .expect("react")
        );
        store.close().await;
    }
    let store = SqliteStore::open(&path).await.expect("reopen");
    assert_eq!(store.last_seq().await.expect("seq"), Seq(20));
    let all = store.scan_posts(None, 100).await.expect("scan");
    assert_eq!(all, posts, "every post comes back exactly as written");
    let view = store
        .get_post(&reader(), &posts[3].id)
        .await
        .expect("get")
        .expect("visible");
    assert_eq!(view.stats.reactions_of(ReactionKind::Celebrate), 1);
    let notes = store
        .notifications(
            &TenantId::new("t"),
            &PersonId::new("ann"),
            &PageRequest::first(10),
        )
        .await
        .expect("notifications");
    assert_eq!(notes.items.len(), 1);
    assert_eq!(notes.items[0].actors, vec![PersonId::new("bob")]);
    store.close().await;

    // The file is ours, at our version, in WAL mode, with the sequence of the change log.
    let mut conn = raw(&path).await;
    let v: i64 = sqlx::query_scalar("PRAGMA user_version")
        .fetch_one(&mut conn)
        .await
        .expect("v");
    assert_eq!(v, SCHEMA_VERSION);
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(&mut conn)
        .await
        .expect("mode");
    assert_eq!(mode, "wal");
}

#[tokio::test]
async fn synchronous_normal_is_an_option() {
    let dir = TempDir::new("normal");
    let path = dir.file("wc.db");
    let store =
        SqliteStore::open_with(&path, SqliteOptions::new().synchronous(Synchronous::Normal))
            .await
            .expect("open");
    let ids = PostIdGenerator::new(2);
    store
        .insert_post(&post(&ids, 1, "ann"), &[])
        .await
        .expect("insert");
    store.close().await;
    let store = SqliteStore::open(&path).await.expect("reopen");
    assert_eq!(store.scan_posts(None, 10).await.expect("scan").len(), 1);
}

#[tokio::test]
async fn a_newer_schema_is_refused_and_left_untouched() {
    let dir = TempDir::new("newer");
    let path = dir.file("wc.db");
    {
        let store = SqliteStore::open(&path).await.expect("create");
        store
            .insert_post(&post(&PostIdGenerator::new(3), 1, "ann"), &[])
            .await
            .expect("insert");
        store.close().await;
    }
    let newer = SCHEMA_VERSION + 1;
    {
        let mut conn = raw(&path).await;
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "PRAGMA user_version = {newer}"
        )))
        .execute(&mut conn)
        .await
        .expect("bump version");
        conn.close().await.expect("close");
    }
    let (e, retry) = sqlite_error(SqliteStore::open(&path).await);
    assert!(
        matches!(e, SqliteError::NewerSchema { found, supported } if found == newer && supported == SCHEMA_VERSION),
        "{e:?}"
    );
    assert!(!retry, "a schema mismatch does not go away by retrying");
    assert!(
        e.to_string().contains("upgrade"),
        "the message says what to do: {e}"
    );
    // Not downgraded: the version is still the newer one and the data is there.
    let mut conn = raw(&path).await;
    let v: i64 = sqlx::query_scalar("PRAGMA user_version")
        .fetch_one(&mut conn)
        .await
        .expect("v");
    assert_eq!(v, newer);
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM posts")
        .fetch_one(&mut conn)
        .await
        .expect("n");
    assert_eq!(n, 1);
}

#[tokio::test]
async fn a_file_that_is_not_a_database_is_corrupt() {
    let dir = TempDir::new("garbage");
    let path = dir.file("wc.db");
    let garbage: Vec<u8> = (0..64 * 1024u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    std::fs::write(&path, &garbage).expect("write garbage");
    let (e, retry) = sqlite_error(SqliteStore::open(&path).await);
    assert!(matches!(e, SqliteError::Corrupt { .. }), "{e:?}");
    assert!(!retry);
    assert_eq!(
        std::fs::read(&path).expect("read back"),
        garbage,
        "the file was not touched"
    );
}

#[tokio::test]
async fn damaged_pages_are_a_typed_corruption_error() {
    let dir = TempDir::new("damaged");
    let path = dir.file("wc.db");
    {
        let store = SqliteStore::open(&path).await.expect("create");
        let ids = PostIdGenerator::new(4);
        let posts: Vec<Post> = (0..2000).map(|n| post(&ids, n, "ann")).collect();
        store.insert_posts(&posts).await.expect("fill");
        store.close().await;
    }
    // Overwrite every page after the schema pages with garbage, keeping page 1 (the header
    // and schema) intact so the file still opens.
    let mut bytes = std::fs::read(&path).expect("read");
    let page = 4096;
    assert!(bytes.len() > 8 * page, "the file has data pages");
    for (i, b) in bytes[4 * page..].iter_mut().enumerate() {
        *b = (i as u8).wrapping_mul(31) ^ 0x5a;
    }
    std::fs::write(&path, &bytes).expect("damage");

    let checked = SqliteStore::open_with(&path, SqliteOptions::new().check_on_open(true)).await;
    let (e, _) = sqlite_error(checked);
    assert!(
        matches!(e, SqliteError::Corrupt { .. }),
        "quick_check on open finds it: {e:?}"
    );

    // Without the check, the first read that touches a damaged page says so, typed.
    let store = SqliteStore::open(&path).await;
    match store {
        Ok(store) => {
            let (e, retry) = sqlite_error(store.scan_posts(None, 10_000).await);
            assert!(matches!(e, SqliteError::Corrupt { .. }), "{e:?}");
            assert!(!retry);
        }
        Err(err) => {
            let (e, _) = sqlite_error::<()>(Err(err));
            assert!(matches!(e, SqliteError::Corrupt { .. }), "{e:?}");
        }
    }
}

#[tokio::test]
async fn another_applications_database_is_refused() {
    let dir = TempDir::new("foreign");
    let path = dir.file("other.db");
    {
        let opts = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(&path)
            .create_if_missing(true);
        let mut conn = sqlx::SqliteConnection::connect_with(&opts)
            .await
            .expect("create");
        sqlx::raw_sql(
            "CREATE TABLE invoices (id INTEGER PRIMARY KEY); INSERT INTO invoices VALUES (1);",
        )
        .execute(&mut conn)
        .await
        .expect("other schema");
        conn.close().await.expect("close");
    }
    let (e, _) = sqlite_error(SqliteStore::open(&path).await);
    assert!(matches!(e, SqliteError::ForeignDatabase { .. }), "{e:?}");
    let mut conn = raw(&path).await;
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM sqlite_schema WHERE name = 'posts'")
        .fetch_one(&mut conn)
        .await
        .expect("schema");
    assert_eq!(n, 0, "no table of ours was added");
}

#[tokio::test]
async fn a_read_only_file_reads_and_refuses_writes_with_a_typed_error() {
    let dir = TempDir::new("readonly");
    let path = dir.file("wc.db");
    let ids = PostIdGenerator::new(5);
    let posts: Vec<Post> = (0..5).map(|n| post(&ids, n, "ann")).collect();
    {
        let store = SqliteStore::open(&path).await.expect("create");
        store.insert_posts(&posts).await.expect("fill");
        store.close().await;
    }
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o444)).expect("chmod");
    let store = SqliteStore::open(&path)
        .await
        .expect("a read-only file opens for reading");
    assert_eq!(store.scan_posts(None, 10).await.expect("read"), posts);
    let (e, retry) = sqlite_error(store.insert_post(&post(&ids, 99, "bob"), &[]).await);
    assert!(matches!(e, SqliteError::ReadOnly { .. }), "{e:?}");
    assert!(!retry);
    let (e, _) = sqlite_error(
        store
            .delete_post(&TenantId::new("t"), &posts[0].id, posts[0].created_at)
            .await,
    );
    assert!(matches!(e, SqliteError::ReadOnly { .. }), "{e:?}");
    store.close().await;

    // Nothing was lost or half-written.
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod back");
    let store = SqliteStore::open(&path).await.expect("reopen writable");
    assert_eq!(store.scan_posts(None, 10).await.expect("read"), posts);
    assert_eq!(store.last_seq().await.expect("seq"), Seq(5));
    store
        .insert_post(&post(&ids, 100, "bob"), &[])
        .await
        .expect("writable again");
}

#[tokio::test]
async fn read_only_option_on_a_missing_file_is_a_typed_error() {
    let dir = TempDir::new("missing");
    let path = dir.file("nope.db");
    let (e, _) =
        sqlite_error(SqliteStore::open_with(&path, SqliteOptions::new().read_only(true)).await);
    assert!(matches!(e, SqliteError::Io { .. }), "{e:?}");
    assert!(!path.exists(), "read-only never creates the file");
}

#[tokio::test]
async fn duplicate_ids_are_conflicts_and_change_nothing() {
    let store = SqliteStore::memory().await.expect("open");
    let ids = PostIdGenerator::new(6);
    let a = post(&ids, 1, "ann");
    store.insert_post(&a, &[]).await.expect("first");
    let e = store.insert_post(&a, &[]).await.expect_err("duplicate");
    assert!(
        matches!(e, watercooler_core::Error::AlreadyExists(_)),
        "{e:?}"
    );
    let b = post(&ids, 2, "ann");
    let e = store
        .insert_posts(&[b.clone(), a.clone()])
        .await
        .expect_err("batch with a duplicate");
    assert!(
        matches!(e, watercooler_core::Error::AlreadyExists(_)),
        "{e:?}"
    );
    assert!(
        store
            .get_post(&reader(), &b.id)
            .await
            .expect("read")
            .is_none(),
        "all or nothing"
    );
    assert_eq!(store.last_seq().await.expect("seq"), Seq(1));
    let _ = PostId::MIN;
}

/// The batch with notifications is one transaction: a duplicate id at its end leaves
/// nothing of the posts and notifications before it (the trait's default would keep them).
#[tokio::test]
async fn a_batch_with_notifications_is_all_or_nothing() {
    let store = SqliteStore::memory().await.expect("open");
    let ids = PostIdGenerator::new(7);
    let a = post(&ids, 1, "ann");
    store.insert_post(&a, &[]).await.expect("first");
    let b = post(&ids, 2, "ann");
    let note = NewNotification {
        recipient: PersonId::new("bea"),
        kind: NotificationKind::Mention,
        post: b.id,
        actor: PersonId::new("ann"),
        at: b.created_at,
        subject: None,
    };
    let e = store
        .insert_posts_with_notifications(&[(b.clone(), vec![note.clone()]), (a.clone(), vec![])])
        .await
        .expect_err("batch ending in a duplicate");
    assert!(
        matches!(e, watercooler_core::Error::AlreadyExists(_)),
        "{e:?}"
    );
    let bea = |store: SqliteStore| async move {
        store
            .notifications(
                &TenantId::new("t"),
                &PersonId::new("bea"),
                &PageRequest::first(10),
            )
            .await
            .expect("notifications")
            .items
    };
    assert!(bea(store.clone()).await.is_empty(), "no notification kept");
    assert!(
        store
            .get_post(&reader(), &b.id)
            .await
            .expect("read")
            .is_none(),
        "no post kept"
    );
    assert_eq!(
        store.last_seq().await.expect("seq"),
        Seq(1),
        "no entry kept"
    );
    // The same batch without the duplicate goes in whole.
    let seq = store
        .insert_posts_with_notifications(&[(b.clone(), vec![note])])
        .await
        .expect("batch");
    assert_eq!(seq, Seq(2));
    assert_eq!(
        bea(store.clone()).await.len(),
        1,
        "the notification is stored"
    );
}

/// A full database (here: the size cap standing in for a full disk) refuses the write that
/// does not fit with a typed error, keeps every write acknowledged before, leaves nothing
/// of the refused one, and takes writes again once there is room.
#[tokio::test]
async fn a_full_database_refuses_writes_with_a_typed_error_and_loses_nothing() {
    let dir = TempDir::new("full");
    let path = dir.file("wc.db");
    let cap = 1024 * 1024;
    let ids = PostIdGenerator::new(9);
    let big = |n: i64| Post {
        text: format!("{n} {}", "lorem ipsum dolor sit amet ".repeat(150)),
        hashtags: Vec::new(),
        ..post(&ids, n, "ann")
    };
    let store = SqliteStore::open_with(&path, SqliteOptions::new().max_size_bytes(cap))
        .await
        .expect("open with a cap");
    let mut stored = Vec::new();
    let mut refused = None;
    for n in 0..2_000 {
        let p = big(n);
        match store.insert_post(&p, &[]).await {
            Ok(_) => stored.push(p),
            Err(e) => {
                refused = Some((p, e));
                break;
            }
        }
    }
    let (lost, e) = refused.expect("a 1 MiB database fills up within 2,000 posts of 4 KiB");
    assert!(stored.len() > 10, "only {} posts fitted", stored.len());
    let (e, retry) = sqlite_error::<()>(Err(e));
    assert!(matches!(e, SqliteError::DiskFull { .. }), "{e:?}");
    assert!(!retry, "waiting does not make room");
    // A batch is refused whole.
    let batch: Vec<Post> = (5_000..5_020).map(big).collect();
    let (e, _) = sqlite_error(store.insert_posts(&batch).await);
    assert!(matches!(e, SqliteError::DiskFull { .. }), "{e:?}");
    // Reads still work and see exactly what was acknowledged.
    let all = store.scan_posts(None, 10_000).await.expect("read");
    assert_eq!(all, stored);
    assert_eq!(
        store.last_seq().await.expect("seq"),
        Seq(stored.len() as u64)
    );
    store.close().await;

    // Room again (no cap): nothing was lost or half-written, and writes work.
    let store = SqliteStore::open(&path).await.expect("reopen");
    assert_eq!(store.scan_posts(None, 10_000).await.expect("read"), stored);
    let changes = store.changes(Seq(0), 10_000).await.expect("log");
    assert_eq!(changes.len(), stored.len(), "one entry per stored post");
    assert!(changes.iter().all(|c| c.post != lost.id));
    store.insert_post(&lost, &[]).await.expect("fits now");
    store
        .insert_posts(&batch)
        .await
        .expect("the batch fits now");
    assert_eq!(
        store.last_seq().await.expect("seq"),
        Seq(stored.len() as u64 + 21)
    );
    store.close().await;
}

//! Connecting: migrations, the schema-version check, option checks, unreachable servers,
//! and values PostgreSQL cannot store.

use chrono::DateTime;
use sqlx::AssertSqlSafe;
use watercooler_core::watercooler_text::hashtag_key;
use watercooler_core::{Error, HashtagRef, Language, Post, PostId, Store, TenantId, Visibility};
use watercooler_postgres::{PgError, PgOptions, PgStore, SCHEMA_VERSION};

use crate::common::{Schema, admin, connect, pg_error};

/// A minimal organisation post.
pub fn post(tenant: &str, author: &str, id: PostId, text: &str) -> Post {
    Post {
        id,
        tenant: TenantId::new(tenant),
        author: author.into(),
        text: text.into(),
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

/// A post id at `secs` past a fixed time, told apart by `n`.
pub fn id(secs: i64, n: u64) -> PostId {
    PostId::from_parts(
        DateTime::from_timestamp(1_700_000_000 + secs, 0).unwrap(),
        n,
    )
}

#[tokio::test]
async fn connect_migrates_once_and_concurrent_connects_agree() {
    let schema = Schema::new("migrate");
    // Four servers starting at once on an empty schema: one migrates, all succeed.
    let opts = schema.options();
    let stores = futures::future::join_all((0..4).map(|_| PgStore::connect(opts.clone()))).await;
    for s in &stores {
        assert!(s.is_ok(), "{s:?}");
    }
    let mut c = admin().await;
    let versions: Vec<i64> = sqlx::query_scalar(AssertSqlSafe(format!(
        "SELECT version FROM {}.schema_version ORDER BY version",
        schema.name
    )))
    .fetch_all(&mut c)
    .await
    .unwrap();
    assert_eq!(versions, (1..=SCHEMA_VERSION).collect::<Vec<_>>());
    // Reconnecting leaves data alone.
    let store = schema.store().await;
    store
        .insert_post(&post("t", "a", id(0, 1), "kept"), &[])
        .await
        .unwrap();
    let again = schema.store().await;
    assert_eq!(again.scan_posts(None, 10).await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_schema_from_a_newer_build_is_refused() {
    let schema = Schema::new("newer");
    drop(schema.store().await);
    let mut c = admin().await;
    sqlx::raw_sql(AssertSqlSafe(format!(
        "INSERT INTO {}.schema_version (version, description, checksum) VALUES (99, 'future', 0)",
        schema.name
    )))
    .execute(&mut c)
    .await
    .unwrap();
    let e = PgStore::connect(schema.options()).await.unwrap_err();
    assert!(!e.is_retryable(), "{e:?}");
    match pg_error(&e) {
        Some(PgError::SchemaTooNew {
            found, supported, ..
        }) => {
            assert_eq!((*found, *supported), (99, SCHEMA_VERSION));
        }
        other => panic!("expected SchemaTooNew, got {other:?} ({e})"),
    }
}

#[tokio::test]
async fn a_changed_migration_is_refused() {
    let schema = Schema::new("changed");
    drop(schema.store().await);
    let mut c = admin().await;
    sqlx::raw_sql(AssertSqlSafe(format!(
        "UPDATE {}.schema_version SET checksum = checksum + 1 WHERE version = 1",
        schema.name
    )))
    .execute(&mut c)
    .await
    .unwrap();
    let e = PgStore::connect(schema.options()).await.unwrap_err();
    assert!(
        matches!(
            pg_error(&e),
            Some(PgError::SchemaModified { version: 1, .. })
        ),
        "{e:?}"
    );
}

#[tokio::test]
async fn bad_options_are_typed_errors() {
    for name in ["", "Upper", "a;drop table x", "pg_toast", "x\"y"] {
        let e = PgStore::connect(PgOptions::new(crate::common::url()).schema(name))
            .await
            .unwrap_err();
        assert!(
            matches!(pg_error(&e), Some(PgError::InvalidSchemaName { .. })),
            "{name}: {e:?}"
        );
    }
    let e = PgStore::connect(PgOptions::new("not a url"))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Invalid { field: "url", .. }), "{e:?}");
}

#[tokio::test]
async fn an_unreachable_server_is_a_retryable_error() {
    // Port 1 on loopback: nothing listens there, the connection is refused at once.
    let opts = PgOptions::new("postgres://postgres@127.0.0.1:1/test")
        .acquire_timeout(std::time::Duration::from_secs(5));
    let e = PgStore::connect(opts).await.unwrap_err();
    assert!(e.is_retryable(), "{e:?}");
    // The driver's error type stays inside ours.
    assert!(
        matches!(pg_error(&e), Some(PgError::Driver { .. })),
        "{e:?}"
    );
}

#[tokio::test]
async fn row_level_security_with_a_superuser_is_refused() {
    let schema = Schema::new("rlssuper");
    let e = PgStore::connect(schema.options().row_level_security(true))
        .await
        .unwrap_err();
    assert!(
        matches!(pg_error(&e), Some(PgError::RowLevelSecurityBypassed)),
        "{e:?}"
    );
}

#[tokio::test]
async fn rls_on_in_the_database_but_off_in_the_options_is_refused() {
    let schema = Schema::new("rlsoff");
    let opts = schema.rls_options().await;
    drop(connect(opts.clone()).await);
    let e = PgStore::connect(opts.row_level_security(false))
        .await
        .unwrap_err();
    assert!(
        matches!(pg_error(&e), Some(PgError::RowLevelSecurityMismatch { .. })),
        "{e:?}"
    );
}

#[tokio::test]
async fn values_postgres_cannot_store_are_invalid_not_backend_failures() {
    let schema = Schema::new("values");
    let store = schema.store().await;
    // NUL: PostgreSQL text cannot hold it (the service's validation refuses it earlier).
    let e = store
        .insert_post(&post("t", "a", id(0, 1), "nul\0here"), &[])
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Invalid { .. }), "{e:?}");
    // A key far beyond a B-tree entry (the service caps keys at 1 KiB).
    let mut p = post("t", "a", id(0, 2), "long tag");
    // Pseudo-random letters: a repeated letter would compress into a B-tree entry.
    let mut x: u32 = 1;
    let long: String = (0..20_000)
        .map(|_| {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            char::from(b'a' + ((x >> 16) % 26) as u8)
        })
        .collect();
    p.hashtags = vec![HashtagRef {
        key: hashtag_key(&long),
        display: long.clone(),
        range: 0..1,
    }];
    let e = store.insert_post(&p, &[]).await.unwrap_err();
    assert!(matches!(e, Error::Invalid { .. }), "{e:?}");
    // Nothing of either attempt was kept, and the store still works.
    assert!(store.scan_posts(None, 10).await.unwrap().is_empty());
    assert_eq!(store.last_seq().await.unwrap().0, 0);
    store
        .insert_post(&post("t", "a", id(0, 3), "fine"), &[])
        .await
        .unwrap();
    assert_eq!(store.scan_posts(None, 10).await.unwrap().len(), 1);
}

//! Row-level security: the store works with it on, and a connection that set tenant A
//! cannot read or write tenant B's rows, even with hand-written SQL.

use sqlx::postgres::PgConnection;
use sqlx::{AssertSqlSafe, Connection, Row};
use watercooler_core::store::PostFilter;
use watercooler_core::{
    Access, FollowTarget, NewNotification, NotificationKind, PageRequest, Reaction, ReactionKind,
    Seq, Store, TenantId,
};

use crate::common::{APP_ROLE, Schema, admin, connect, url_as};
use crate::schema::{id, post};

/// Every table of the schema.
const TABLES: [&str; 11] = [
    "posts",
    "post_tags",
    "post_mentions",
    "revisions",
    "reactions",
    "interactions",
    "follows",
    "mutes",
    "notifications",
    "seen_posts",
    "change_log",
];

/// Writes something into every table for `tenant`, through the store.
async fn fill(store: &dyn Store, tenant: &str, n: u64) {
    let t = TenantId::new(tenant);
    let mut p = post(tenant, "ann", id(n as i64, n), "hello #tag @bob");
    p.hashtags = vec![watercooler_core::HashtagRef {
        key: watercooler_core::watercooler_text::hashtag_key("tag"),
        display: "tag".into(),
        range: 6..10,
    }];
    p.mentions = vec![watercooler_core::MentionRef {
        person: "bob".into(),
        handle: "bob".into(),
        range: 11..15,
    }];
    let note = NewNotification {
        recipient: "bob".into(),
        kind: NotificationKind::Mention,
        post: p.id,
        actor: "ann".into(),
        at: p.created_at,
        subject: None,
    };
    store.insert_post(&p, &[note]).await.unwrap();
    let mut reply = post(tenant, "bob", id(n as i64 + 1, n + 1), "reply");
    reply.reply_to = Some(p.id);
    reply.thread_root = Some(p.id);
    store.insert_post(&reply, &[]).await.unwrap();
    let edit = watercooler_core::PostEdit {
        id: p.id,
        text: "edited #tag @bob".into(),
        edited_at: p.created_at,
        hashtags: p.hashtags.clone(),
        mentions: p.mentions.clone(),
        urls: vec![],
    };
    store
        .update_post(
            &t,
            &watercooler_core::store::PostUpdate::text(edit.clone(), vec![]),
        )
        .await
        .unwrap();
    let r = Reaction {
        post: p.id,
        person: "cy".into(),
        kind: ReactionKind::Like,
        at: p.created_at,
    };
    assert!(store.add_reaction(&t, &r, None).await.unwrap());
    store
        .follow(&t, &"cy".into(), &FollowTarget::Person("ann".into()))
        .await
        .unwrap();
    store
        .mute(
            &t,
            &"cy".into(),
            &watercooler_core::MuteTarget::Word("x".into()),
        )
        .await
        .unwrap();
    store
        .mark_posts_seen(&t, &"cy".into(), &[p.id])
        .await
        .unwrap();
}

#[tokio::test]
async fn with_rls_a_tenant_sees_only_its_own_rows_even_in_raw_sql() {
    let schema = Schema::new("rls");
    let store = connect(schema.rls_options().await).await;
    assert!(store.row_level_security());
    fill(&store, "tenant_a", 10).await;
    fill(&store, "tenant_b", 20).await;

    // The store's own tenant-scoped reads work under RLS.
    let a = Access::new("tenant_a".into(), "ann".into(), [], false);
    let page = store
        .list_posts(
            &a,
            &PostFilter {
                include_replies: true,
                ..Default::default()
            },
            &PageRequest::first(10),
        )
        .await
        .unwrap();
    assert_eq!(page.items.len(), 2);
    assert!(
        page.items
            .iter()
            .all(|v| v.post.tenant.as_str() == "tenant_a")
    );
    // And so do its cross-tenant reads.
    let changes = store.changes(Seq(0), 100).await.unwrap();
    assert!(changes.iter().any(|c| c.tenant.as_str() == "tenant_a"));
    assert!(changes.iter().any(|c| c.tenant.as_str() == "tenant_b"));
    assert_eq!(store.scan_posts(None, 100).await.unwrap().len(), 4);

    // Every table holds rows of both tenants (seen by the superuser, who bypasses RLS).
    let mut root = admin().await;
    for table in TABLES {
        let tenants: Vec<String> = sqlx::query_scalar(AssertSqlSafe(format!(
            "SELECT DISTINCT tenant::text FROM {}.{table} ORDER BY 1",
            schema.name
        )))
        .fetch_all(&mut root)
        .await
        .unwrap();
        assert_eq!(tenants, ["tenant_a", "tenant_b"], "{table}");
    }

    // A raw connection as the application role, tenant A set for the transaction.
    let mut c = PgConnection::connect(&url_as(APP_ROLE)).await.unwrap();
    sqlx::query("SELECT set_config('search_path', $1, false)")
        .bind(&schema.name)
        .execute(&mut c)
        .await
        .unwrap();
    let mut tx = c.begin().await.unwrap();
    sqlx::query("SELECT set_config('watercooler.tenant', 'tenant_a', true)")
        .execute(&mut *tx)
        .await
        .unwrap();
    for table in TABLES {
        // Asking for B by name, and asking for everything: only A's rows come back.
        let b: i64 = sqlx::query_scalar(AssertSqlSafe(format!(
            "SELECT count(*) FROM {table} WHERE tenant = 'tenant_b'"
        )))
        .fetch_one(&mut *tx)
        .await
        .unwrap();
        assert_eq!(
            b, 0,
            "{table}: tenant B's rows are readable with tenant A set"
        );
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT count(*), count(*) FILTER (WHERE tenant = 'tenant_a') FROM {table}"
        )))
        .fetch_one(&mut *tx)
        .await
        .unwrap();
        let (all, own): (i64, i64) = (row.get(0), row.get(1));
        assert!(
            own > 0 && all == own,
            "{table}: {all} rows visible, {own} of tenant A"
        );
    }
    // Writing for B, or moving A's rows to B, is refused.
    let e = sqlx::query(
        "INSERT INTO follows (tenant, person, kind, target) VALUES ('tenant_b', 'x', 0, 'y')",
    )
    .execute(&mut *tx)
    .await
    .unwrap_err();
    assert!(e.to_string().contains("row-level security"), "{e}");
    tx.rollback().await.unwrap();
    let mut tx = c.begin().await.unwrap();
    sqlx::query("SELECT set_config('watercooler.tenant', 'tenant_a', true)")
        .execute(&mut *tx)
        .await
        .unwrap();
    let e = sqlx::query("UPDATE posts SET tenant = 'tenant_b'")
        .execute(&mut *tx)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("row-level security"), "{e}");
    tx.rollback().await.unwrap();

    // The setting was transaction-local: the same connection afterwards, and one that never
    // set a tenant, see nothing at all.
    for table in TABLES {
        let n: i64 = sqlx::query_scalar(AssertSqlSafe(format!("SELECT count(*) FROM {table}")))
            .fetch_one(&mut c)
            .await
            .unwrap();
        assert_eq!(n, 0, "{table}: rows visible without a tenant set");
    }
    // Deleting without a tenant removes nothing.
    let n = sqlx::query("DELETE FROM posts")
        .execute(&mut c)
        .await
        .unwrap()
        .rows_affected();
    assert_eq!(n, 0);
    let still: i64 = sqlx::query_scalar(AssertSqlSafe(format!(
        "SELECT count(*) FROM {}.posts",
        schema.name
    )))
    .fetch_one(&mut root)
    .await
    .unwrap();
    assert_eq!(still, 4);
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_reference_comparison_holds_with_rls_on() {
    // The same differential run as without RLS: every store call must set the tenant
    // (or open the cross-tenant tables), or it would see nothing and differ.
    crate::differential::run_with(7, 200, true).await;
}

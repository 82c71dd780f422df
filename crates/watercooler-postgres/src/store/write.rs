//! Post writes: insert (the statements are in `insert.rs`), edit, pin, delete. Each is one
//! transaction that ends by appending its change-log entries (see `session.rs` for why last).

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Utc};
use sqlx::Row;
use sqlx::postgres::PgConnection;
use uuid::Uuid;
use watercooler_core::store::group_by_tenant;
use watercooler_core::{
    ChangeKind, Error, NewNotification, Post, PostEdit, PostId, Result, Seq, TenantId,
};

use super::insert::{MentionRows, TagRows, insert_run};
use super::notify;
use crate::PgStore;
use crate::codec::{self, post_id, uuid, uuids};
use crate::error::db;
use crate::session::{LogEntry, append_changes, commit, set_tenant};

impl PgStore {
    pub(crate) async fn insert_one(
        &self,
        post: &Post,
        notifications: &[NewNotification],
    ) -> Result<Seq> {
        let mut tx = self.writer(&post.tenant).await?;
        insert_run(&mut tx, &post.tenant, std::slice::from_ref(post)).await?;
        notify::add(&mut tx, &post.tenant, notifications).await?;
        let entry = created(post);
        let seq = append_changes(&mut tx, self.log_lock, self.rls, &[entry]).await?;
        commit(tx).await?;
        seq.ok_or_else(|| Error::backend("the change log took no entry"))
    }

    /// Inserts a batch in one transaction: posts in runs of one tenant, one multi-row
    /// statement per table and run, then the whole batch's log entries under one lock.
    pub(crate) async fn insert_many(&self, posts: &[Post]) -> Result<Seq> {
        if posts.is_empty() {
            return self.newest_seq().await;
        }
        let mut tx = self.begin().await?;
        let mut start = 0;
        while start < posts.len() {
            let tenant = &posts[start].tenant;
            let end = posts[start..]
                .iter()
                .position(|p| &p.tenant != tenant)
                .map_or(posts.len(), |n| start + n);
            if self.rls {
                set_tenant(&mut tx, tenant).await?;
            }
            insert_run(&mut tx, tenant, &posts[start..end]).await?;
            start = end;
        }
        let entries: Vec<LogEntry> = posts.iter().map(created).collect();
        let seq = append_changes(&mut tx, self.log_lock, self.rls, &entries).await?;
        commit(tx).await?;
        seq.ok_or_else(|| Error::backend("the change log took no entry"))
    }

    /// Inserts a batch with notifications in one transaction: per tenant, its posts as in
    /// [`PgStore::insert_many`], then its notifications in item order; then the whole
    /// batch's log entries, in item order, under one lock. Grouping by tenant rather than
    /// by run matters: an import interleaving tenants (the corpus) has runs of one or two
    /// posts, and each run costs a handful of statements. It gives the same rows as item
    /// by item: tenants share nothing but the log (written in item order) and the
    /// notification counter (whose values are compared within one recipient only), and
    /// notifications about a post of the batch are folded once all of its tenant's posts
    /// are in, which is harmless as folding reads no post row.
    pub(crate) async fn insert_many_notifying(
        &self,
        items: &[(Post, Vec<NewNotification>)],
    ) -> Result<Seq> {
        if items.is_empty() {
            return self.newest_seq().await;
        }
        let mut tx = self.begin().await?;
        for (tenant, group) in group_by_tenant(items, |(post, _)| &post.tenant) {
            if self.rls {
                set_tenant(&mut tx, tenant).await?;
            }
            // `insert_run` takes a slice of posts; the copy costs far less than a round trip.
            let posts: Vec<Post> = group.iter().map(|(p, _)| p.clone()).collect();
            insert_run(&mut tx, tenant, &posts).await?;
            for (_, notifications) in group {
                notify::add(&mut tx, tenant, notifications).await?;
            }
        }
        let entries: Vec<LogEntry> = items.iter().map(|(p, _)| created(p)).collect();
        let seq = append_changes(&mut tx, self.log_lock, self.rls, &entries).await?;
        commit(tx).await?;
        seq.ok_or_else(|| Error::backend("the change log took no entry"))
    }

    pub(crate) async fn edit_post(
        &self,
        tenant: &TenantId,
        edit: &PostEdit,
        notifications: &[NewNotification],
    ) -> Result<Seq> {
        let mut tx = self.writer(tenant).await?;
        let id = uuid(edit.id);
        let created_at: Option<DateTime<Utc>> = sqlx::query_scalar(
            "SELECT created_at FROM posts WHERE tenant = $1 AND id = $2 FOR NO KEY UPDATE",
        )
        .bind(tenant.as_str())
        .bind(id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?;
        let created_at = created_at.ok_or(Error::not_found("post"))?;
        // The old text becomes revision n, n = how many it has had (revisions only grow
        // while the post lives).
        sqlx::query(
            "INSERT INTO revisions (tenant, post, number, body, replaced_at) \
             SELECT p.tenant, p.id, \
                    (SELECT count(*)::int FROM revisions r WHERE r.tenant = p.tenant AND r.post = p.id), \
                    p.body, $3 \
             FROM posts p WHERE p.tenant = $1 AND p.id = $2",
        )
        .bind(tenant.as_str())
        .bind(id)
        .bind(edit.edited_at)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        sqlx::query(
            "UPDATE posts SET body = $3, edited_at = $4, hashtags = $5::jsonb, \
                              mentions = $6::jsonb, urls = $7::jsonb \
             WHERE tenant = $1 AND id = $2",
        )
        .bind(tenant.as_str())
        .bind(id)
        .bind(&edit.text)
        .bind(edit.edited_at)
        .bind(codec::encode_hashtags(&edit.hashtags)?)
        .bind(codec::encode_mentions(&edit.mentions)?)
        .bind(codec::encode_urls(&edit.urls)?)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        // The text-derived index rows are replaced wholesale.
        for sql in [
            "DELETE FROM post_tags WHERE tenant = $1 AND post = $2",
            "DELETE FROM post_mentions WHERE tenant = $1 AND post = $2",
        ] {
            sqlx::query(sql)
                .bind(tenant.as_str())
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
        }
        let mut tags = TagRows::default();
        tags.add(edit.id, &edit.hashtags, created_at);
        tags.insert(&mut tx, tenant).await?;
        let mut mentions = MentionRows::default();
        mentions.add(edit.id, &edit.mentions);
        mentions.insert(&mut tx, tenant).await?;
        notify::add(&mut tx, tenant, notifications).await?;
        let entry = LogEntry {
            tenant: tenant.clone(),
            post: edit.id,
            kind: ChangeKind::Edited,
            at: edit.edited_at,
        };
        let seq = append_changes(&mut tx, self.log_lock, self.rls, &[entry]).await?;
        commit(tx).await?;
        seq.ok_or_else(|| Error::backend("the change log took no entry"))
    }

    pub(crate) async fn pin(
        &self,
        tenant: &TenantId,
        id: PostId,
        until: Option<DateTime<Utc>>,
        at: DateTime<Utc>,
    ) -> Result<Seq> {
        let mut tx = self.writer(tenant).await?;
        let done = sqlx::query("UPDATE posts SET pinned_until = $3 WHERE tenant = $1 AND id = $2")
            .bind(tenant.as_str())
            .bind(uuid(id))
            .bind(until)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        if done.rows_affected() == 0 {
            return Err(Error::not_found("post"));
        }
        let entry = LogEntry {
            tenant: tenant.clone(),
            post: id,
            kind: ChangeKind::Edited,
            at,
        };
        let seq = append_changes(&mut tx, self.log_lock, self.rls, &[entry]).await?;
        commit(tx).await?;
        seq.ok_or_else(|| Error::backend("the change log took no entry"))
    }

    pub(crate) async fn delete(
        &self,
        tenant: &TenantId,
        id: PostId,
        at: DateTime<Utc>,
    ) -> Result<Seq> {
        let mut tx = self.writer(tenant).await?;
        // Locks the post against concurrent replies and reactions (they take a share lock
        // on it), so no reply lands in a thread being deleted.
        let root: Option<Option<Uuid>> = sqlx::query_scalar(
            "SELECT thread_root FROM posts WHERE tenant = $1 AND id = $2 FOR UPDATE",
        )
        .bind(tenant.as_str())
        .bind(uuid(id))
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?;
        let Some(root) = root else {
            return Err(Error::not_found("post"));
        };
        let mut order = Vec::new();
        if root.is_none() {
            // A thread root takes its replies along, oldest first, before itself.
            order = thread_replies(&mut tx, tenant, &[id])
                .await?
                .into_iter()
                .map(|(_, r)| r)
                .collect();
        }
        order.push(id);
        let entries: Vec<LogEntry> = order
            .into_iter()
            .map(|post| LogEntry {
                tenant: tenant.clone(),
                post,
                kind: ChangeKind::Deleted,
                at,
            })
            .collect();
        let entries = delete_posts(&mut tx, tenant, entries).await?;
        let seq = append_changes(&mut tx, self.log_lock, self.rls, &entries).await?;
        commit(tx).await?;
        seq.ok_or(Error::not_found("post"))
    }
}

/// The `Created` change-log entry of a new post.
pub(super) fn created(post: &Post) -> LogEntry {
    LogEntry {
        tenant: post.tenant.clone(),
        post: post.id,
        kind: ChangeKind::Created,
        at: post.created_at,
    }
}

/// The replies of these thread roots as (root, reply): grouped by root in the given order,
/// oldest first within a thread.
pub(crate) async fn thread_replies(
    conn: &mut PgConnection,
    tenant: &TenantId,
    roots: &[PostId],
) -> Result<Vec<(PostId, PostId)>> {
    if roots.is_empty() {
        return Ok(Vec::new());
    }
    let rows = sqlx::query(
        "SELECT r.root, p.id FROM unnest($2::uuid[]) WITH ORDINALITY AS r(root, o) \
         JOIN posts p ON p.tenant = $1 AND p.thread_root = r.root \
         ORDER BY r.o, p.id",
    )
    .bind(tenant.as_str())
    .bind(uuids(roots))
    .fetch_all(&mut *conn)
    .await
    .map_err(db)?;
    rows.iter()
        .map(|r| {
            let root = r.try_get::<Uuid, _>(0).map(post_id).map_err(db)?;
            let reply = r.try_get::<Uuid, _>(1).map(post_id).map_err(db)?;
            Ok((root, reply))
        })
        .collect()
}

/// Deletes the posts named by `entries` with everything hanging off them (reactions,
/// revisions, tag and mention rows, notifications about them), uncounts deleted replies on
/// the thread roots and parents that stay, and returns the entries of the posts that
/// existed, in the given order: the change-log entries to write.
pub(crate) async fn delete_posts(
    conn: &mut PgConnection,
    tenant: &TenantId,
    entries: Vec<LogEntry>,
) -> Result<Vec<LogEntry>> {
    if entries.is_empty() {
        return Ok(entries);
    }
    let ids = uuids(entries.iter().map(|e| &e.post));
    // Data-modifying CTEs all run, referenced or not: one round trip for seven tables.
    let rows = sqlx::query(
        "WITH d AS (DELETE FROM posts WHERE tenant = $1 AND id = ANY($2) \
                    RETURNING id, thread_root, reply_to), \
              r AS (DELETE FROM reactions WHERE tenant = $1 AND post = ANY($2)), \
              v AS (DELETE FROM revisions WHERE tenant = $1 AND post = ANY($2)), \
              t AS (DELETE FROM post_tags WHERE tenant = $1 AND post = ANY($2)), \
              m AS (DELETE FROM post_mentions WHERE tenant = $1 AND post = ANY($2)), \
              n AS (DELETE FROM notifications WHERE tenant = $1 AND post = ANY($2)), \
              k AS (DELETE FROM request_keys WHERE tenant = $1 AND post = ANY($2)) \
         SELECT id, thread_root, reply_to FROM d",
    )
    .bind(tenant.as_str())
    .bind(&ids)
    .fetch_all(&mut *conn)
    .await
    .map_err(db)?;
    let mut deleted: HashSet<PostId> = HashSet::with_capacity(rows.len());
    let mut uncount: BTreeMap<PostId, i32> = BTreeMap::new();
    for row in &rows {
        deleted.insert(post_id(row.try_get(0).map_err(db)?));
        let root: Option<Uuid> = row.try_get(1).map_err(db)?;
        let parent: Option<Uuid> = row.try_get(2).map_err(db)?;
        if let Some(root) = root {
            let root = post_id(root);
            *uncount.entry(root).or_default() += 1;
            let parent = parent.map_or(root, post_id);
            if parent != root {
                *uncount.entry(parent).or_default() += 1;
            }
        }
    }
    uncount.retain(|id, _| !deleted.contains(id));
    if !uncount.is_empty() {
        sqlx::query(
            "UPDATE posts p SET replies = GREATEST(p.replies - u.n, 0) \
             FROM unnest($2::uuid[], $3::int4[]) AS u(id, n) \
             WHERE p.tenant = $1 AND p.id = u.id",
        )
        .bind(tenant.as_str())
        .bind(uuids(uncount.keys()))
        .bind(uncount.values().copied().collect::<Vec<i32>>())
        .execute(&mut *conn)
        .await
        .map_err(db)?;
    }
    Ok(entries
        .into_iter()
        .filter(|e| deleted.contains(&e.post))
        .collect())
}

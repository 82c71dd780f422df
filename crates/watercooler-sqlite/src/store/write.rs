//! Writing posts: publishing (one or a batch), editing, pinning and deleting. Each call is
//! one write transaction holding the post rows, their side tables, the counters of the
//! thread they join, their notifications and their change-log entries.
//!
//! A batch travels as ONE JSON array bound to one parameter and is stored by one
//! `INSERT ... SELECT FROM jsonb_each(?)`; the schema's triggers derive the rest per row.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::SqliteConnection;
use watercooler_core::store::group_by_tenant;
use watercooler_core::{
    ChangeKind, Error, NewNotification, Post, PostEdit, PostId, Result, Seq, TenantId, Visibility,
};

use super::changes::{append, seq};
use super::notify::insert_notifications;
use super::{SqliteStore, begin_write};
use crate::codec::{Entities, entities_json, entities_ref, id_bytes, id_hex, ts};
use crate::error::map;

/// One post as it travels in a batch's JSON.
#[derive(Serialize)]
struct PostJson<'a> {
    t: &'a str,
    i: String,
    a: &'a str,
    x: &'a str,
    l: &'a str,
    c: i64,
    e: Option<i64>,
    v: &'static str,
    g: Option<&'a str>,
    // Absent rather than null: `->` would return the JSON text 'null'.
    #[serde(skip_serializing_if = "Option::is_none")]
    r: Option<Vec<&'a str>>,
    p: Option<String>,
    o: Option<String>,
    n: bool,
    u: Option<i64>,
    en: Entities<&'a str>,
}

fn post_json(p: &Post) -> Result<PostJson<'_>> {
    let (v, g, r) = match &p.visibility {
        Visibility::Organization => ("org", None, None),
        Visibility::Group { group } => ("group", Some(group.as_str()), None),
        Visibility::Direct { recipients } => (
            "direct",
            None,
            Some(recipients.iter().map(|r| r.as_str()).collect()),
        ),
    };
    Ok(PostJson {
        t: p.tenant.as_str(),
        i: id_hex(p.id),
        a: p.author.as_str(),
        x: &p.text,
        l: p.language.as_str(),
        c: ts(p.created_at)?,
        e: p.edited_at.map(ts).transpose()?,
        v,
        g,
        r,
        p: p.reply_to.map(id_hex),
        o: p.thread_root.map(id_hex),
        n: p.announcement,
        u: p.pinned_until.map(ts).transpose()?,
        en: entities_ref(&p.hashtags, &p.mentions, &p.urls),
    })
}

/// Stores a batch of posts inside the caller's transaction; returns the seq of the last
/// `Created` entry (`None` for an empty batch). One statement: the schema's insert trigger
/// writes each post's side rows, thread counters, interactions and log entry, and refuses
/// a reply whose thread root is not stored (before it, or earlier in the batch).
pub(super) async fn insert_batch<'a>(
    conn: &mut SqliteConnection,
    posts: impl IntoIterator<Item = &'a Post>,
) -> Result<Option<Seq>> {
    let rows: Vec<PostJson<'_>> = posts.into_iter().map(post_json).collect::<Result<_>>()?;
    if rows.is_empty() {
        return Ok(None);
    }
    let json = serde_json::to_string(&rows).map_err(|e| Error::invalid("post", e.to_string()))?;
    // `jsonb_each` hands each element over as JSONB, so the `->>` lookups below do not
    // parse text again. A primary-key violation (an id that exists, or twice in the batch)
    // is AlreadyExists.
    sqlx::query(
        "INSERT INTO posts (tenant, id, author, text, language, created_at, edited_at, vis, \
             group_id, recipients, reply_to, thread_root, announcement, pinned_until, entities) \
         SELECT j.value ->> 't', unhex(j.value ->> 'i'), j.value ->> 'a', j.value ->> 'x', \
             j.value ->> 'l', j.value ->> 'c', j.value ->> 'e', j.value ->> 'v', \
             j.value ->> 'g', j.value -> 'r', unhex(j.value ->> 'p'), unhex(j.value ->> 'o'), \
             j.value ->> 'n', j.value ->> 'u', j.value -> 'en' \
         FROM jsonb_each(?1) AS j ORDER BY j.key",
    )
    .bind(&json)
    .execute(&mut *conn)
    .await
    .map_err(map)?;
    let last: i64 = sqlx::query_scalar("SELECT seq FROM sqlite_sequence WHERE name = 'change_log'")
        .fetch_one(&mut *conn)
        .await
        .map_err(map)?;
    Ok(Some(seq(last)))
}

/// Deletes one post with what hangs off it (by cascade and trigger, which also uncounts a
/// reply on its thread); logs it as `kind`. `None` if it does not exist.
pub(super) async fn delete_one(
    conn: &mut SqliteConnection,
    tenant: &TenantId,
    id: PostId,
    kind: ChangeKind,
    at: DateTime<Utc>,
) -> Result<Option<Seq>> {
    let gone = sqlx::query("DELETE FROM posts WHERE tenant = ?1 AND id = ?2")
        .bind(tenant.as_str())
        .bind(&id_bytes(id)[..])
        .execute(&mut *conn)
        .await
        .map_err(map)?;
    if gone.rows_affected() == 0 {
        return Ok(None);
    }
    Ok(Some(append(conn, tenant, id, kind, at).await?))
}

/// Deletes a post; a thread root takes its replies along first, in id order, each logged
/// as `reply_kind`. Returns the last seq, `None` if the post does not exist.
pub(super) async fn delete_thread(
    conn: &mut SqliteConnection,
    tenant: &TenantId,
    id: PostId,
    kind: ChangeKind,
    reply_kind: ChangeKind,
    at: DateTime<Utc>,
) -> Result<Option<Seq>> {
    let root: Option<Option<Vec<u8>>> =
        sqlx::query_scalar("SELECT thread_root FROM posts WHERE tenant = ?1 AND id = ?2")
            .bind(tenant.as_str())
            .bind(&id_bytes(id)[..])
            .fetch_optional(&mut *conn)
            .await
            .map_err(map)?;
    match root {
        None => return Ok(None),
        Some(Some(_)) => {}
        Some(None) => {
            // The replies go as a set: their counters die with the root, so only the log
            // needs one entry each.
            sqlx::query(
                "INSERT INTO change_log (tenant, post, kind, at) \
                 SELECT tenant, id, ?3, ?4 FROM posts INDEXED BY posts_by_thread \
                 WHERE tenant = ?1 AND thread_root = ?2 ORDER BY id",
            )
            .bind(tenant.as_str())
            .bind(&id_bytes(id)[..])
            .bind(super::changes::kind_name(reply_kind))
            .bind(ts(at)?)
            .execute(&mut *conn)
            .await
            .map_err(map)?;
            sqlx::query("DELETE FROM posts INDEXED BY posts_by_thread WHERE tenant = ?1 AND thread_root = ?2")
                .bind(tenant.as_str())
                .bind(&id_bytes(id)[..])
                .execute(&mut *conn)
                .await
                .map_err(map)?;
        }
    }
    delete_one(conn, tenant, id, kind, at).await
}

impl SqliteStore {
    pub(super) async fn insert_post_impl(
        &self,
        post: &Post,
        notifications: &[NewNotification],
    ) -> Result<Seq> {
        let mut w = self.writer().await?;
        let mut tx = begin_write(&mut w).await?;
        let seq = insert_batch(&mut tx, std::slice::from_ref(post))
            .await?
            .unwrap_or_default();
        insert_notifications(&mut tx, &post.tenant, notifications).await?;
        tx.commit().await.map_err(map)?;
        Ok(seq)
    }

    pub(super) async fn insert_posts_impl(&self, posts: &[Post]) -> Result<Seq> {
        if posts.is_empty() {
            // Nothing written: the newest entry is still the newest.
            return self.last_seq_impl().await;
        }
        let mut w = self.writer().await?;
        let mut tx = begin_write(&mut w).await?;
        let seq = insert_batch(&mut tx, posts).await?.unwrap_or_default();
        tx.commit().await.map_err(map)?;
        Ok(seq)
    }

    pub(super) async fn insert_posts_with_notifications_impl(
        &self,
        items: &[(Post, Vec<NewNotification>)],
    ) -> Result<Seq> {
        if items.is_empty() {
            return self.last_seq_impl().await;
        }
        let mut w = self.writer().await?;
        let mut tx = begin_write(&mut w).await?;
        // All posts first, then each tenant's notifications in item order: one statement
        // per tenant rather than two per item. The same rows as item by item: notification
        // folding reads no post row, and the notification counter (not the change log's)
        // is compared within one recipient only.
        let seq = insert_batch(&mut tx, items.iter().map(|(p, _)| p))
            .await?
            .unwrap_or_default();
        for (tenant, group) in group_by_tenant(items, |(post, _)| &post.tenant) {
            insert_notifications(&mut tx, tenant, group.into_iter().flat_map(|(_, n)| n)).await?;
        }
        tx.commit().await.map_err(map)?;
        Ok(seq)
    }

    pub(super) async fn update_post_impl(
        &self,
        tenant: &TenantId,
        edit: &PostEdit,
        notifications: &[NewNotification],
    ) -> Result<Seq> {
        let id = &id_bytes(edit.id)[..];
        let edited_at = ts(edit.edited_at)?;
        let mut w = self.writer().await?;
        let mut tx = begin_write(&mut w).await?;
        // The old text becomes revision n, n = how many revisions exist.
        let kept = sqlx::query(
            "INSERT INTO revisions (tenant, post, number, text, replaced_at) \
             SELECT p.tenant, p.id, \
                 (SELECT count(*) FROM revisions AS r WHERE r.tenant = p.tenant AND r.post = p.id), \
                 p.text, ?3 \
             FROM posts AS p WHERE p.tenant = ?1 AND p.id = ?2",
        )
        .bind(tenant.as_str())
        .bind(id)
        .bind(edited_at)
        .execute(&mut *tx)
        .await
        .map_err(map)?;
        if kept.rows_affected() == 0 {
            return Err(Error::not_found("post"));
        }
        sqlx::query(
            "UPDATE posts SET text = ?3, edited_at = ?4, entities = ?5 WHERE tenant = ?1 AND id = ?2",
        )
        .bind(tenant.as_str())
        .bind(id)
        .bind(edit.text.as_str())
        .bind(edited_at)
        .bind(entities_json(&edit.hashtags, &edit.mentions, &edit.urls))
        .execute(&mut *tx)
        .await
        .map_err(map)?;
        // The update trigger re-derives the tags and mentions from the new entities.
        insert_notifications(&mut tx, tenant, notifications).await?;
        let seq = append(&mut tx, tenant, edit.id, ChangeKind::Edited, edit.edited_at).await?;
        tx.commit().await.map_err(map)?;
        Ok(seq)
    }

    pub(super) async fn set_pinned_impl(
        &self,
        tenant: &TenantId,
        id: &PostId,
        until: Option<DateTime<Utc>>,
        at: DateTime<Utc>,
    ) -> Result<Seq> {
        let until = until.map(ts).transpose()?;
        let mut w = self.writer().await?;
        let mut tx = begin_write(&mut w).await?;
        let done = sqlx::query("UPDATE posts SET pinned_until = ?3 WHERE tenant = ?1 AND id = ?2")
            .bind(tenant.as_str())
            .bind(&id_bytes(*id)[..])
            .bind(until)
            .execute(&mut *tx)
            .await
            .map_err(map)?;
        if done.rows_affected() == 0 {
            return Err(Error::not_found("post"));
        }
        let seq = append(&mut tx, tenant, *id, ChangeKind::Edited, at).await?;
        tx.commit().await.map_err(map)?;
        Ok(seq)
    }

    pub(super) async fn delete_post_impl(
        &self,
        tenant: &TenantId,
        id: &PostId,
        at: DateTime<Utc>,
    ) -> Result<Seq> {
        ts(at)?;
        let mut w = self.writer().await?;
        let mut tx = begin_write(&mut w).await?;
        let seq = delete_thread(
            &mut tx,
            tenant,
            *id,
            ChangeKind::Deleted,
            ChangeKind::Deleted,
            at,
        )
        .await?
        .ok_or(Error::not_found("post"))?;
        tx.commit().await.map_err(map)?;
        Ok(seq)
    }
}

//! Notifications (folded per recipient, kind and post) and the seen state of posts.

use std::collections::HashSet;

use sqlx::{Row, SqliteConnection};
use watercooler_core::store::cursor;
use watercooler_core::{
    Error, NewNotification, Notification, NotificationKind, Page, PageRequest, PersonId, PostId,
    Result, TenantId,
};

use super::SqliteStore;
use crate::codec::{id_bytes, id_hex, ids_json, limit, post_id, time, ts};
use crate::error::{bad_data, map};

/// One event as it travels in the batch's JSON: [recipient, kind, post, actor, at, subject].
type EventRow<'a> = (&'a str, &'a str, String, &'a str, i64, Option<String>);

/// Folds events into notifications inside the caller's transaction, in order (the
/// schema's `notification_events` trigger does the folding).
pub(super) async fn insert_notifications<'a>(
    conn: &mut SqliteConnection,
    tenant: &TenantId,
    events: impl IntoIterator<Item = &'a NewNotification>,
) -> Result<()> {
    let rows: Vec<EventRow<'_>> = events
        .into_iter()
        .map(|n| {
            Ok((
                n.recipient.as_str(),
                n.kind.as_str(),
                id_hex(n.post),
                n.actor.as_str(),
                ts(n.at)?,
                n.subject.map(id_hex),
            ))
        })
        .collect::<Result<_>>()?;
    if rows.is_empty() {
        return Ok(());
    }
    let json = serde_json::to_string(&rows).map_err(|e| bad_data(e.to_string()))?;
    sqlx::query(
        "INSERT INTO notification_events (tenant, recipient, kind, post, actor, at, subject) \
         SELECT ?1, j.value ->> 0, j.value ->> 1, unhex(j.value ->> 2), j.value ->> 3, \
             j.value ->> 4, unhex(j.value ->> 5) \
         FROM jsonb_each(?2) AS j ORDER BY j.key",
    )
    .bind(tenant.as_str())
    .bind(&json)
    .execute(&mut *conn)
    .await
    .map_err(map)?;
    Ok(())
}

/// Removes `actor` from one notification and drops it when no actor is left.
pub(super) async fn remove_actor(
    conn: &mut SqliteConnection,
    tenant: &TenantId,
    recipient: &str,
    kind: NotificationKind,
    post: &[u8],
    actor: &str,
) -> Result<()> {
    let gone = sqlx::query(
        "DELETE FROM notification_actors \
         WHERE tenant = ?1 AND recipient = ?2 AND kind = ?3 AND post = ?4 AND actor = ?5",
    )
    .bind(tenant.as_str())
    .bind(recipient)
    .bind(kind.as_str())
    .bind(post)
    .bind(actor)
    .execute(&mut *conn)
    .await
    .map_err(map)?;
    if gone.rows_affected() > 0 {
        sqlx::query(
            "DELETE FROM notifications AS n \
             WHERE n.tenant = ?1 AND n.recipient = ?2 AND n.kind = ?3 AND n.post = ?4 \
             AND NOT EXISTS (SELECT 1 FROM notification_actors AS a WHERE a.tenant = n.tenant \
                 AND a.recipient = n.recipient AND a.kind = n.kind AND a.post = n.post)",
        )
        .bind(tenant.as_str())
        .bind(recipient)
        .bind(kind.as_str())
        .bind(post)
        .execute(&mut *conn)
        .await
        .map_err(map)?;
    }
    Ok(())
}

/// Reads up to `max` notifications of `recipient` with a seq below `before`, newest first,
/// with their actors, most recent first.
pub(super) async fn read_notifications(
    conn: &mut SqliteConnection,
    tenant: &TenantId,
    recipient: &PersonId,
    before: i64,
    max: i64,
) -> Result<Vec<Notification>> {
    // The actors come along as one JSON array per notification, ordered most recent first.
    let rows = sqlx::query(
        "SELECT n.kind, n.post, n.seq, n.updated_at, n.seen, n.subject, \
             (SELECT json_group_array(actor) FROM (SELECT a.actor FROM notification_actors AS a \
                 WHERE a.tenant = n.tenant AND a.recipient = n.recipient AND a.kind = n.kind \
                 AND a.post = n.post ORDER BY a.ord DESC)) \
         FROM notifications AS n \
         WHERE n.tenant = ?1 AND n.recipient = ?2 AND n.seq < ?3 \
         ORDER BY n.seq DESC LIMIT ?4",
    )
    .bind(tenant.as_str())
    .bind(recipient.as_str())
    .bind(before)
    .bind(max)
    .fetch_all(&mut *conn)
    .await
    .map_err(map)?;
    rows.iter()
        .map(|r| {
            let kind: String = r.try_get(0).map_err(map)?;
            let post: Vec<u8> = r.try_get(1).map_err(map)?;
            let seq: i64 = r.try_get(2).map_err(map)?;
            let updated_at: i64 = r.try_get(3).map_err(map)?;
            let seen: bool = r.try_get(4).map_err(map)?;
            let subject: Option<Vec<u8>> = r.try_get(5).map_err(map)?;
            let actors: String = r.try_get(6).map_err(map)?;
            let actors: Vec<String> =
                serde_json::from_str(&actors).map_err(|e| bad_data(format!("actors: {e}")))?;
            Ok(Notification {
                seq: u64::try_from(seq).unwrap_or(0),
                recipient: recipient.clone(),
                kind: NotificationKind::parse(&kind)
                    .ok_or_else(|| bad_data(format!("notification kind {kind:?}")))?,
                post: post_id(&post)?,
                actors: actors.into_iter().map(PersonId::new).collect(),
                updated_at: time(updated_at),
                seen,
                subject: subject.as_deref().map(post_id).transpose()?,
            })
        })
        .collect()
}

impl SqliteStore {
    pub(super) async fn notifications_impl(
        &self,
        tenant: &TenantId,
        person: &PersonId,
        page: &PageRequest,
    ) -> Result<Page<Notification>> {
        page.validate()?;
        let before = match &page.cursor {
            // Seqs are stored signed: no seq of ours is beyond them.
            Some(c) => i64::try_from(cursor::parse_seq(c)?)
                .map_err(|_| Error::invalid("cursor", "not a cursor of this list"))?,
            None => i64::MAX,
        };
        let mut conn = self.read().await?;
        let mut items =
            read_notifications(&mut conn, tenant, person, before, limit(page.limit) + 1).await?;
        let more = items.len() > page.limit;
        items.truncate(page.limit);
        let next = if more {
            items.last().map(|n| cursor::seq(n.seq))
        } else {
            None
        };
        Ok(Page { items, next })
    }

    pub(super) async fn mark_notifications_seen_impl(
        &self,
        tenant: &TenantId,
        person: &PersonId,
        up_to: u64,
    ) -> Result<usize> {
        let up_to = i64::try_from(up_to).unwrap_or(i64::MAX);
        // One statement: atomic on its own, no transaction round trips.
        let mut conn = self.writer().await?;
        let done = sqlx::query(
            "UPDATE notifications SET seen = 1 \
             WHERE tenant = ?1 AND recipient = ?2 AND seq <= ?3 AND seen = 0",
        )
        .bind(tenant.as_str())
        .bind(person.as_str())
        .bind(up_to)
        .execute(&mut *conn)
        .await
        .map_err(map)?;
        Ok(usize::try_from(done.rows_affected()).unwrap_or(usize::MAX))
    }

    pub(super) async fn mark_posts_seen_impl(
        &self,
        tenant: &TenantId,
        person: &PersonId,
        posts: &[PostId],
    ) -> Result<()> {
        if posts.is_empty() {
            return Ok(());
        }
        // One statement: atomic on its own, no transaction round trips.
        let mut conn = self.writer().await?;
        sqlx::query(
            "INSERT OR IGNORE INTO seen_posts (tenant, person, post) \
             SELECT ?1, ?2, unhex(value) FROM json_each(?3)",
        )
        .bind(tenant.as_str())
        .bind(person.as_str())
        .bind(ids_json(posts.iter().copied()))
        .execute(&mut *conn)
        .await
        .map_err(map)?;
        Ok(())
    }

    pub(super) async fn seen_posts_impl(
        &self,
        tenant: &TenantId,
        person: &PersonId,
        posts: &[PostId],
    ) -> Result<Vec<PostId>> {
        if posts.is_empty() {
            return Ok(Vec::new());
        }
        let mut conn = self.read().await?;
        let rows: Vec<Vec<u8>> = sqlx::query_scalar(
            "SELECT post FROM seen_posts WHERE tenant = ?1 AND person = ?2 \
             AND post IN (SELECT unhex(value) FROM json_each(?3))",
        )
        .bind(tenant.as_str())
        .bind(person.as_str())
        .bind(ids_json(posts.iter().copied()))
        .fetch_all(&mut *conn)
        .await
        .map_err(map)?;
        let seen: HashSet<PostId> = rows.iter().map(|b| post_id(b)).collect::<Result<_>>()?;
        // In the order asked.
        Ok(posts
            .iter()
            .copied()
            .filter(|id| seen.contains(id))
            .collect())
    }

    /// Forgets that `person` saw `post`; whether they had.
    pub(super) async fn unsee_impl(
        &self,
        tenant: &TenantId,
        person: &PersonId,
        post: PostId,
    ) -> Result<bool> {
        let mut conn = self.writer().await?;
        let done =
            sqlx::query("DELETE FROM seen_posts WHERE tenant = ?1 AND person = ?2 AND post = ?3")
                .bind(tenant.as_str())
                .bind(person.as_str())
                .bind(id_bytes(post).to_vec())
                .execute(&mut *conn)
                .await
                .map_err(map)?;
        Ok(done.rows_affected() > 0)
    }

    /// Records that `person` saw `post`; whether it is new.
    pub(super) async fn see_impl(
        &self,
        tenant: &TenantId,
        person: &PersonId,
        post: PostId,
    ) -> Result<bool> {
        let mut conn = self.writer().await?;
        let done = sqlx::query(
            "INSERT OR IGNORE INTO seen_posts (tenant, person, post) VALUES (?1, ?2, ?3)",
        )
        .bind(tenant.as_str())
        .bind(person.as_str())
        .bind(id_bytes(post).to_vec())
        .execute(&mut *conn)
        .await
        .map_err(map)?;
        Ok(done.rows_affected() > 0)
    }

    /// The posts `person` has seen, by id, one page.
    pub(super) async fn seen_page_impl(
        &self,
        tenant: &TenantId,
        person: &PersonId,
        page: &PageRequest,
    ) -> Result<Page<PostId>> {
        page.validate()?;
        let after = page.cursor.as_ref().map(cursor::parse_post).transpose()?;
        let mut conn = self.read().await?;
        let rows: Vec<Vec<u8>> = sqlx::query_scalar(
            "SELECT post FROM seen_posts WHERE tenant = ?1 AND person = ?2 AND post > ?3 \
             ORDER BY post LIMIT ?4",
        )
        .bind(tenant.as_str())
        .bind(person.as_str())
        .bind(after.map_or_else(Vec::new, |a| id_bytes(a).to_vec()))
        .bind(limit(page.limit + 1))
        .fetch_all(&mut *conn)
        .await
        .map_err(map)?;
        let mut items: Vec<PostId> = rows.iter().map(|b| post_id(b)).collect::<Result<_>>()?;
        let next = if items.len() > page.limit {
            items.truncate(page.limit);
            items.last().map(|id| cursor::post(*id))
        } else {
            None
        };
        Ok(Page { items, next })
    }
}

//! Notifications: folding events into per-(recipient, kind, post) rows, reading and
//! marking them.

use chrono::{DateTime, Utc};
use sqlx::Row;
use sqlx::postgres::PgConnection;
use watercooler_core::store::cursor;
use watercooler_core::{
    NewNotification, Notification, NotificationKind, Page, PageRequest, PersonId, PostId, Result,
    TenantId,
};

use super::sql_limit;
use crate::PgStore;
use crate::codec::{self, post_id, uuid};
use crate::error::db;

/// Folds each event into its notification, in order: a new row, or the actor moved to the
/// front of an existing one, which takes a new seq (to the top of the list) and becomes
/// unseen again.
pub(crate) async fn add(
    conn: &mut PgConnection,
    tenant: &TenantId,
    events: &[NewNotification],
) -> Result<()> {
    for n in events {
        sqlx::query(
            "INSERT INTO notifications AS n \
                 (tenant, recipient, kind, post, seq, actors, updated_at, seen, subject) \
             VALUES ($1, $2, $3, $4, nextval('notification_seq'), ARRAY[$5::text], $6, false, \
                 $7) \
             ON CONFLICT (tenant, recipient, kind, post) DO UPDATE SET \
                 seq = EXCLUDED.seq, \
                 actors = array_prepend($5::text, array_remove(n.actors, $5::text)), \
                 updated_at = GREATEST(n.updated_at, EXCLUDED.updated_at), \
                 seen = false, \
                 subject = COALESCE(EXCLUDED.subject, n.subject)",
        )
        .bind(tenant.as_str())
        .bind(n.recipient.as_str())
        .bind(codec::notification_code(n.kind))
        .bind(uuid(n.post))
        .bind(n.actor.as_str())
        .bind(n.at)
        .bind(n.subject.map(uuid))
        .execute(&mut *conn)
        .await
        .map_err(db)?;
    }
    Ok(())
}

/// Removes `actor` from one notification, dropping it when no actor is left.
pub(crate) async fn remove_actor(
    conn: &mut PgConnection,
    tenant: &TenantId,
    recipient: &PersonId,
    kind: NotificationKind,
    post: PostId,
    actor: &PersonId,
) -> Result<()> {
    // An actor list holds each actor once, so "only this actor" means "empty after".
    for sql in [
        "DELETE FROM notifications WHERE tenant = $1 AND recipient = $2 AND kind = $3 \
         AND post = $4 AND actors = ARRAY[$5::text]",
        "UPDATE notifications SET actors = array_remove(actors, $5::text) \
         WHERE tenant = $1 AND recipient = $2 AND kind = $3 AND post = $4 \
           AND $5::text = ANY(actors)",
    ] {
        sqlx::query(sql)
            .bind(tenant.as_str())
            .bind(recipient.as_str())
            .bind(codec::notification_code(kind))
            .bind(uuid(post))
            .bind(actor.as_str())
            .execute(&mut *conn)
            .await
            .map_err(db)?;
    }
    Ok(())
}

/// The columns [`notification`] reads (the page query below spells them out too).
pub(crate) const NOTIFICATION_COLUMNS: &str =
    "seq, recipient, kind, post, actors, updated_at, seen, subject";

/// A notification row.
pub(crate) fn notification(row: &sqlx::postgres::PgRow) -> Result<Notification> {
    let seq: i64 = row.try_get(0).map_err(db)?;
    let actors: Vec<String> = row.try_get(4).map_err(db)?;
    Ok(Notification {
        seq: u64::try_from(seq).unwrap_or(0),
        recipient: PersonId::new(row.try_get::<String, _>(1).map_err(db)?),
        kind: codec::notification_kind(row.try_get(2).map_err(db)?)?,
        post: post_id(row.try_get(3).map_err(db)?),
        actors: actors.into_iter().map(PersonId::new).collect(),
        updated_at: row.try_get::<DateTime<Utc>, _>(5).map_err(db)?,
        seen: row.try_get(6).map_err(db)?,
        subject: row
            .try_get::<Option<uuid::Uuid>, _>(7)
            .map_err(db)?
            .map(post_id),
    })
}

impl PgStore {
    pub(crate) async fn notification_page(
        &self,
        tenant: &TenantId,
        person: &PersonId,
        page: &PageRequest,
    ) -> Result<Page<Notification>> {
        page.validate()?;
        let before = page.cursor.as_ref().map(cursor::parse_seq).transpose()?;
        let before = before.map_or(i64::MAX, |b| i64::try_from(b).unwrap_or(i64::MAX));
        let mut s = self.reader(tenant).await?;
        let found = sqlx::query(
            "SELECT seq, recipient, kind, post, actors, updated_at, seen, subject \
             FROM notifications \
             WHERE tenant = $1 AND recipient = $2 AND seq < $3 ORDER BY seq DESC LIMIT $4",
        )
        .bind(tenant.as_str())
        .bind(person.as_str())
        .bind(before)
        .bind(sql_limit(page.limit) + 1)
        .fetch_all(s.conn())
        .await
        .map_err(db)?;
        s.done().await?;
        let more = found.len() > page.limit;
        let items = found
            .iter()
            .take(page.limit)
            .map(notification)
            .collect::<Result<Vec<_>>>()?;
        let next = if more {
            items.last().map(|n| cursor::seq(n.seq))
        } else {
            None
        };
        Ok(Page { items, next })
    }

    pub(crate) async fn notifications_seen(
        &self,
        tenant: &TenantId,
        person: &PersonId,
        up_to: u64,
    ) -> Result<usize> {
        let mut tx = self.writer(tenant).await?;
        let done = sqlx::query(
            "UPDATE notifications SET seen = true \
             WHERE tenant = $1 AND recipient = $2 AND seq <= $3 AND NOT seen",
        )
        .bind(tenant.as_str())
        .bind(person.as_str())
        .bind(i64::try_from(up_to).unwrap_or(i64::MAX))
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        crate::session::commit(tx).await?;
        Ok(usize::try_from(done.rows_affected()).unwrap_or(usize::MAX))
    }
}

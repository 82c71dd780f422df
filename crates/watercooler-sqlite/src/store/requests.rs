//! Request keys of idempotent writes: kept in the transaction of the post they made, and
//! deleted with it (the `request_keys` foreign key cascades).

use sqlx::{Row, SqliteConnection};
use watercooler_core::{
    NewNotification, PersonId, Post, RequestKey, RequestRecord, Result, Seq, TenantId,
};

use super::notify::insert_notifications;
use super::write::insert_batch;
use super::{SqliteStore, begin_write};
use crate::codec::{id_bytes, post_id, time, ts};
use crate::error::map;

impl SqliteStore {
    pub(super) async fn insert_post_once_impl(
        &self,
        post: &Post,
        notifications: &[NewNotification],
        request: &RequestRecord,
    ) -> Result<Seq> {
        let mut w = self.writer().await?;
        let mut tx = begin_write(&mut w).await?;
        // The key first: a repeated key stops the transaction before any post row exists.
        insert_request(&mut tx, &post.tenant, request).await?;
        let seq = insert_batch(&mut tx, std::slice::from_ref(post))
            .await?
            .unwrap_or_default();
        insert_notifications(&mut tx, &post.tenant, notifications).await?;
        tx.commit().await.map_err(map)?;
        Ok(seq)
    }

    pub(super) async fn find_request_impl(
        &self,
        tenant: &TenantId,
        person: &PersonId,
        key: &RequestKey,
    ) -> Result<Option<RequestRecord>> {
        let mut conn = self.read().await?;
        let row = sqlx::query(
            "SELECT fingerprint, post, at FROM request_keys \
             WHERE tenant = ?1 AND person = ?2 AND key = ?3",
        )
        .bind(tenant.as_str())
        .bind(person.as_str())
        .bind(key.as_str())
        .fetch_optional(&mut *conn)
        .await
        .map_err(map)?;
        row.map(|r| {
            Ok(RequestRecord {
                person: person.clone(),
                key: key.clone(),
                // Stored as the same 64 bits in SQLite's signed integer.
                fingerprint: r.try_get::<i64, _>(0).map_err(map)? as u64,
                post: post_id(&r.try_get::<Vec<u8>, _>(1).map_err(map)?)?,
                at: time(r.try_get(2).map_err(map)?),
            })
        })
        .transpose()
    }
}

async fn insert_request(
    conn: &mut SqliteConnection,
    tenant: &TenantId,
    request: &RequestRecord,
) -> Result<()> {
    let done = sqlx::query(
        "INSERT INTO request_keys (tenant, person, key, fingerprint, post, at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO NOTHING",
    )
    .bind(tenant.as_str())
    .bind(request.person.as_str())
    .bind(request.key.as_str())
    .bind(request.fingerprint as i64)
    .bind(&id_bytes(request.post)[..])
    .bind(ts(request.at)?)
    .execute(&mut *conn)
    .await
    .map_err(map)?;
    if done.rows_affected() == 0 {
        return Err(request.already_exists());
    }
    Ok(())
}

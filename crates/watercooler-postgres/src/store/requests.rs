//! Request keys of idempotent writes: kept in the transaction of the post they made, and
//! deleted with it (`write.rs` deletes a post's rows from every table).

use chrono::{DateTime, Utc};
use sqlx::postgres::PgConnection;
use uuid::Uuid;
use watercooler_core::{
    Error, NewNotification, PersonId, Post, RequestKey, RequestRecord, Result, Seq, TenantId,
};

use super::insert::insert_run;
use super::notify;
use super::write::created;
use crate::PgStore;
use crate::codec::{post_id, uuid};
use crate::error::db;
use crate::session::{append_changes, commit};

impl PgStore {
    pub(crate) async fn insert_once(
        &self,
        post: &Post,
        notifications: &[NewNotification],
        request: &RequestRecord,
    ) -> Result<Seq> {
        let mut tx = self.writer(&post.tenant).await?;
        // The key first: a repeated key stops the transaction before any post row exists.
        insert_request(&mut tx, &post.tenant, request).await?;
        insert_run(&mut tx, &post.tenant, std::slice::from_ref(post)).await?;
        notify::add(&mut tx, &post.tenant, notifications).await?;
        let seq = append_changes(&mut tx, self.log_lock, self.rls, &[created(post)]).await?;
        commit(tx).await?;
        seq.ok_or_else(|| Error::backend("the change log took no entry"))
    }

    pub(crate) async fn request(
        &self,
        tenant: &TenantId,
        person: &PersonId,
        key: &RequestKey,
    ) -> Result<Option<RequestRecord>> {
        let mut s = self.reader(tenant).await?;
        let row: Option<(i64, Uuid, DateTime<Utc>)> = sqlx::query_as(
            "SELECT fingerprint, post, at FROM request_keys \
             WHERE tenant = $1 AND person = $2 AND key = $3",
        )
        .bind(tenant.as_str())
        .bind(person.as_str())
        .bind(key.as_str())
        .fetch_optional(s.conn())
        .await
        .map_err(db)?;
        s.done().await?;
        Ok(row.map(|(fingerprint, post, at)| RequestRecord {
            person: person.clone(),
            key: key.clone(),
            // Stored as the same 64 bits in a signed bigint.
            fingerprint: fingerprint as u64,
            post: post_id(post),
            at,
        }))
    }
}

async fn insert_request(
    conn: &mut PgConnection,
    tenant: &TenantId,
    request: &RequestRecord,
) -> Result<()> {
    let done = sqlx::query(
        "INSERT INTO request_keys (tenant, person, key, fingerprint, post, at) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
    )
    .bind(tenant.as_str())
    .bind(request.person.as_str())
    .bind(request.key.as_str())
    .bind(request.fingerprint as i64)
    .bind(uuid(request.post))
    .bind(request.at)
    .execute(&mut *conn)
    .await
    .map_err(db)?;
    if done.rows_affected() == 0 {
        return Err(request.already_exists());
    }
    Ok(())
}

//! The change log: appending inside a write transaction, and reading it.

use chrono::{DateTime, Utc};
use sqlx::{Row, SqliteConnection};
use watercooler_core::{Change, ChangeKind, PostId, Result, Seq, TenantId};

use super::SqliteStore;
use crate::codec::{id_bytes, limit, post_id, time, ts};
use crate::error::{bad_data, map};

/// A change kind as stored.
pub(super) fn kind_name(kind: ChangeKind) -> &'static str {
    match kind {
        ChangeKind::Created => "created",
        ChangeKind::Edited => "edited",
        ChangeKind::Deleted => "deleted",
        ChangeKind::Erased => "erased",
        // A kind added to the model later is logged as an edit until the schema names it:
        // followers then re-read the post, which is always safe.
        _ => "edited",
    }
}

fn kind(name: &str) -> Result<ChangeKind> {
    Ok(match name {
        "created" => ChangeKind::Created,
        "edited" => ChangeKind::Edited,
        "deleted" => ChangeKind::Deleted,
        "erased" => ChangeKind::Erased,
        other => return Err(bad_data(format!("change kind {other:?}"))),
    })
}

pub(super) fn seq(n: i64) -> Seq {
    Seq(u64::try_from(n).unwrap_or(0))
}

/// Appends one entry inside the caller's transaction; returns its seq.
pub(super) async fn append(
    conn: &mut SqliteConnection,
    tenant: &TenantId,
    post: PostId,
    change: ChangeKind,
    at: DateTime<Utc>,
) -> Result<Seq> {
    let n: i64 = sqlx::query_scalar(
        "INSERT INTO change_log (tenant, post, kind, at) VALUES (?1, ?2, ?3, ?4) RETURNING seq",
    )
    .bind(tenant.as_str())
    .bind(&id_bytes(post)[..])
    .bind(kind_name(change))
    .bind(ts(at)?)
    .fetch_one(&mut *conn)
    .await
    .map_err(map)?;
    Ok(seq(n))
}

impl SqliteStore {
    pub(super) async fn changes_impl(&self, after: Seq, max: usize) -> Result<Vec<Change>> {
        let after = i64::try_from(after.0).unwrap_or(i64::MAX);
        let mut conn = self.read().await?;
        let rows = sqlx::query(
            "SELECT seq, tenant, post, kind, at FROM change_log WHERE seq > ?1 \
             ORDER BY seq LIMIT ?2",
        )
        .bind(after)
        .bind(limit(max))
        .fetch_all(&mut *conn)
        .await
        .map_err(map)?;
        rows.iter()
            .map(|r| {
                let s: i64 = r.try_get(0).map_err(map)?;
                let tenant: String = r.try_get(1).map_err(map)?;
                let post: Vec<u8> = r.try_get(2).map_err(map)?;
                let k: String = r.try_get(3).map_err(map)?;
                let at: i64 = r.try_get(4).map_err(map)?;
                Ok(Change {
                    seq: seq(s),
                    tenant: TenantId::new(tenant),
                    post: post_id(&post)?,
                    kind: kind(&k)?,
                    at: time(at),
                })
            })
            .collect()
    }

    pub(super) async fn last_seq_impl(&self) -> Result<Seq> {
        let mut conn = self.read().await?;
        // AUTOINCREMENT keeps the largest seq ever handed out in sqlite_sequence, also
        // after the newest entries are gone.
        let n: Option<i64> =
            sqlx::query_scalar("SELECT seq FROM sqlite_sequence WHERE name = 'change_log'")
                .fetch_optional(&mut *conn)
                .await
                .map_err(map)?;
        Ok(seq(n.unwrap_or(0)))
    }
}

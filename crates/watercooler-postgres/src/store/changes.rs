//! The change log, read across tenants. Appending lives in `session.rs`.

use sqlx::Row;
use watercooler_core::{Change, Error, Result, Seq, TenantId};

use super::sql_limit;
use crate::PgStore;
use crate::codec::post_id;
use crate::error::db;
use crate::session::change_kind;

/// A seq as the `bigint` it is stored as.
fn stored(seq: Seq) -> i64 {
    i64::try_from(seq.0).unwrap_or(i64::MAX)
}

impl PgStore {
    /// Entries after `after`, in order. A plain range read is complete because seqs are
    /// taken under the change-log lock and so commit in order (see `session.rs`).
    pub(crate) async fn changes_after(&self, after: Seq, limit: usize) -> Result<Vec<Change>> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let mut s = self.reader_all_tenants().await?;
        let found = sqlx::query(
            "SELECT seq, tenant, post, kind, at FROM change_log WHERE seq > $1 ORDER BY seq LIMIT $2",
        )
        .bind(stored(after))
        .bind(sql_limit(limit))
        .fetch_all(s.conn())
        .await
        .map_err(db)?;
        s.done().await?;
        found
            .iter()
            .map(|row| {
                let seq: i64 = row.try_get(0).map_err(db)?;
                let kind: i16 = row.try_get(3).map_err(db)?;
                Ok(Change {
                    seq: Seq(u64::try_from(seq).unwrap_or(0)),
                    tenant: TenantId::new(row.try_get::<String, _>(1).map_err(db)?),
                    post: post_id(row.try_get(2).map_err(db)?),
                    kind: change_kind(kind)
                        .ok_or_else(|| Error::backend("stored data is not valid: change kind"))?,
                    at: row.try_get(4).map_err(db)?,
                })
            })
            .collect()
    }

    pub(crate) async fn newest_seq(&self) -> Result<Seq> {
        let mut s = self.reader_all_tenants().await?;
        let last: Option<i64> = sqlx::query_scalar("SELECT max(seq) FROM change_log")
            .fetch_one(s.conn())
            .await
            .map_err(db)?;
        s.done().await?;
        Ok(Seq(last.and_then(|s| u64::try_from(s).ok()).unwrap_or(0)))
    }
}

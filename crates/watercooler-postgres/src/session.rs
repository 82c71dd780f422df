//! Connections and transactions as the store uses them: the tenant setting for row-level
//! security, and the change-log append that keeps commit order equal to seq order.
//!
//! # Why the change log takes a lock
//!
//! A sequence hands out numbers in call order, but transactions commit in any order: if T1
//! takes seq 7 and T2 seq 8, and T2 commits first, a follower reading `seq > 6` sees 8, moves
//! its watermark to 8 and never sees 7. So every transaction that appends to the log takes a
//! transaction-level advisory lock (one key per schema) *immediately before* it takes its
//! seqs, as the last thing it does before `COMMIT`, and holds it until the commit. Seqs are
//! then assigned in commit order, and a reader that sees seq `n` sees every seq below it:
//! `changes(after)` is a plain `seq > after` range read.
//!
//! The lock is the last lock a writer takes (all row locks come first), so a transaction
//! holding it never waits for another one: it cannot deadlock. The price is that commits of
//! writes are serialised (a few hundred to a few thousand writes per second, bounded by commit
//! latency); bulk imports append a whole batch under one lock.

use chrono::{DateTime, Utc};
use sqlx::Transaction;
use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgConnection, Postgres};
use uuid::Uuid;
use watercooler_core::{ChangeKind, PostId, Result, Seq, TenantId};

use crate::PgStore;
use crate::error::db;

/// A connection for reads: a plain pooled connection, or (with row-level security) a
/// transaction that has set the tenant.
pub(crate) enum Session {
    Pooled(PoolConnection<Postgres>),
    Tx(Transaction<'static, Postgres>),
}

impl Session {
    /// The connection to run queries on.
    pub(crate) fn conn(&mut self) -> &mut PgConnection {
        match self {
            Session::Pooled(c) => c,
            Session::Tx(t) => t,
        }
    }

    /// Ends the session (commits the read transaction, if any).
    pub(crate) async fn done(self) -> Result<()> {
        match self {
            Session::Pooled(_) => Ok(()),
            Session::Tx(t) => t.commit().await.map_err(db),
        }
    }
}

/// Sets the tenant for row-level security, for this transaction only (`is_local = true`:
/// plain `SET` would outlive the transaction and leak to the pool's next user).
pub(crate) async fn set_tenant(conn: &mut PgConnection, tenant: &TenantId) -> Result<()> {
    sqlx::query("SELECT set_config('watercooler.tenant', $1, true)")
        .bind(tenant.as_str())
        .execute(conn)
        .await
        .map_err(db)?;
    Ok(())
}

impl PgStore {
    /// A session for a read scoped to `tenant`.
    pub(crate) async fn reader(&self, tenant: &TenantId) -> Result<Session> {
        if self.rls {
            let mut tx = self.pool.begin().await.map_err(db)?;
            set_tenant(&mut tx, tenant).await?;
            Ok(Session::Tx(tx))
        } else {
            Ok(Session::Pooled(self.pool.acquire().await.map_err(db)?))
        }
    }

    /// A session for a read scoped to `tenant` whose statement is planned once per
    /// connection (`plan_cache_mode = force_generic_plan`, transaction-local), for a
    /// statement whose plan does not depend on its parameters' values: PostgreSQL would
    /// otherwise plan it afresh at every call (custom plans), which for the feed-candidate
    /// statement costs as much as running it. Always a transaction (the setting must not
    /// outlive it); with row-level security it also sets the tenant.
    pub(crate) async fn reader_generic_plan(&self, tenant: &TenantId) -> Result<Session> {
        let mut tx = self.pool.begin().await.map_err(db)?;
        sqlx::query(
            "SELECT set_config('plan_cache_mode', 'force_generic_plan', true), \
             CASE WHEN $2 THEN set_config('watercooler.tenant', $1, true) END",
        )
        .bind(tenant.as_str())
        .bind(self.rls)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        Ok(Session::Tx(tx))
    }

    /// A session for a read across tenants (`scan_posts`, `changes`, `last_seq`). With
    /// row-level security it opens the two tables those read for this transaction only.
    pub(crate) async fn reader_all_tenants(&self) -> Result<Session> {
        if self.rls {
            let mut tx = self.pool.begin().await.map_err(db)?;
            sqlx::query("SELECT set_config('watercooler.all_tenants', 'on', true)")
                .execute(&mut *tx)
                .await
                .map_err(db)?;
            Ok(Session::Tx(tx))
        } else {
            Ok(Session::Pooled(self.pool.acquire().await.map_err(db)?))
        }
    }

    /// A transaction for a write scoped to `tenant`.
    pub(crate) async fn writer(&self, tenant: &TenantId) -> Result<Transaction<'static, Postgres>> {
        let mut tx = self.pool.begin().await.map_err(db)?;
        if self.rls {
            set_tenant(&mut tx, tenant).await?;
        }
        Ok(tx)
    }

    /// A connection for a multi-statement write outside a single tenant's transaction.
    pub(crate) async fn begin(&self) -> Result<Transaction<'static, Postgres>> {
        self.pool.begin().await.map_err(db)
    }
}

/// One change-log entry to append.
#[derive(Debug, Clone)]
pub(crate) struct LogEntry {
    pub(crate) tenant: TenantId,
    pub(crate) post: PostId,
    pub(crate) kind: ChangeKind,
    pub(crate) at: DateTime<Utc>,
}

/// The stored number of a change kind.
pub(crate) fn change_kind_code(kind: ChangeKind) -> i16 {
    match kind {
        ChangeKind::Created => 0,
        ChangeKind::Edited => 1,
        ChangeKind::Deleted => 2,
        ChangeKind::Erased => 3,
        // ChangeKind is non-exhaustive. A kind added later needs its own code here; until
        // then the table's CHECK refuses this one, loudly, rather than storing a wrong kind.
        _ => -1,
    }
}

/// Parses [`change_kind_code`].
pub(crate) fn change_kind(code: i16) -> Option<ChangeKind> {
    match code {
        0 => Some(ChangeKind::Created),
        1 => Some(ChangeKind::Edited),
        2 => Some(ChangeKind::Deleted),
        3 => Some(ChangeKind::Erased),
        _ => None,
    }
}

/// Appends `entries` to the change log, in order, as the last step of the transaction
/// (see the module docs: it takes the change-log lock, which the transaction holds until
/// it ends). Returns the last seq, `None` for no entries. With row-level security the
/// tenant setting is switched per entry's tenant (a bulk import may span tenants) and left
/// at the last one.
pub(crate) async fn append_changes(
    conn: &mut PgConnection,
    lock_key: i64,
    rls: bool,
    entries: &[LogEntry],
) -> Result<Option<Seq>> {
    if entries.is_empty() {
        return Ok(None);
    }
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(lock_key)
        .execute(&mut *conn)
        .await
        .map_err(db)?;
    let n = i64::try_from(entries.len()).unwrap_or(i64::MAX);
    let mut seqs: Vec<i64> =
        sqlx::query_scalar("SELECT nextval('change_seq') FROM generate_series(1, $1::bigint)")
            .bind(n)
            .fetch_all(&mut *conn)
            .await
            .map_err(db)?;
    seqs.sort_unstable();
    // Runs of one tenant (usually the whole batch) go in one statement each.
    let mut start = 0;
    while start < entries.len() {
        let tenant = &entries[start].tenant;
        let end = entries[start..]
            .iter()
            .position(|e| &e.tenant != tenant)
            .map_or(entries.len(), |p| start + p);
        if rls {
            crate::session::set_tenant(&mut *conn, tenant).await?;
        }
        let run = &entries[start..end];
        sqlx::query(
            "INSERT INTO change_log (seq, tenant, post, kind, at) \
             SELECT s, $1, p, k, a FROM unnest($2::bigint[], $3::uuid[], $4::int2[], $5::timestamptz[]) \
             AS u(s, p, k, a)",
        )
        .bind(tenant.as_str())
        .bind(&seqs[start..end])
        .bind(run.iter().map(|e| e.post.to_uuid()).collect::<Vec<Uuid>>())
        .bind(run.iter().map(|e| change_kind_code(e.kind)).collect::<Vec<i16>>())
        .bind(run.iter().map(|e| e.at).collect::<Vec<DateTime<Utc>>>())
        .execute(&mut *conn)
        .await
        .map_err(db)?;
        start = end;
    }
    // Delivered when the transaction commits, never if it rolls back: wakes the followers
    // of every server sharing this schema (see `wake.rs`).
    sqlx::query("SELECT pg_notify($1, current_schema())")
        .bind(crate::wake::CHANNEL)
        .execute(&mut *conn)
        .await
        .map_err(db)?;
    Ok(seqs.last().map(|&s| Seq(u64::try_from(s).unwrap_or(0))))
}

/// Commits a write transaction.
pub(crate) async fn commit(tx: Transaction<'static, Postgres>) -> Result<()> {
    tx.commit().await.map_err(db)
}

/// The 64-bit FNV-1a hash of `parts`: stable across processes, builds and PostgreSQL
/// versions, unlike `hashtext`. Names advisory locks.
pub(crate) fn lock_key(parts: &[&str]) -> i64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for &b in part.as_bytes().iter().chain(std::iter::once(&0u8)) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    i64::from_ne_bytes(h.to_ne_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn change_kinds_round_trip() {
        for k in [
            ChangeKind::Created,
            ChangeKind::Edited,
            ChangeKind::Deleted,
            ChangeKind::Erased,
        ] {
            assert_eq!(change_kind(change_kind_code(k)), Some(k));
        }
        assert_eq!(change_kind(9), None);
    }

    #[test]
    fn lock_keys_differ_per_schema_and_purpose() {
        let a = lock_key(&["watercooler.change_log", "a"]);
        assert_eq!(a, lock_key(&["watercooler.change_log", "a"]));
        assert_ne!(a, lock_key(&["watercooler.change_log", "b"]));
        assert_ne!(a, lock_key(&["watercooler.migrate", "a"]));
        // Part boundaries matter.
        assert_ne!(lock_key(&["ab", "c"]), lock_key(&["a", "bc"]));
    }
}

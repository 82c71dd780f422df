//! GDPR erasure and export of one person, each in one transaction.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use sqlx::Row;
use sqlx::postgres::PgConnection;
use watercooler_core::store::{ErasureReport, PersonData};
use watercooler_core::{ChangeKind, PersonId, PostId, Reaction, Result, Revision, TenantId};

use super::notify::{self, NOTIFICATION_COLUMNS};
use super::read::id_at;
use super::write::{delete_posts, thread_replies};
use crate::PgStore;
use crate::codec::{self, POST_COLUMNS};
use crate::error::db;
use crate::session::{LogEntry, append_changes, commit};

/// Rows a statement touched, as a count.
fn count(n: u64) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}

impl PgStore {
    /// Erases a person (see `Store::erase_person`), in the reference store's order: their
    /// replies (`Erased`), then each of their roots with the others' replies in it
    /// (`Deleted`, then the root `Erased`), then the other traces, then the posts whose
    /// mention of them is unlinked (`Edited`).
    pub(crate) async fn erase(
        &self,
        tenant: &TenantId,
        person: &PersonId,
        at: DateTime<Utc>,
    ) -> Result<ErasureReport> {
        let mut tx = self.writer(tenant).await?;
        let mut report = ErasureReport::default();
        let entry = |post: PostId, kind: ChangeKind| LogEntry {
            tenant: tenant.clone(),
            post,
            kind,
            at,
        };

        // Their posts, replies first, each group oldest first; locked against new replies.
        let own = sqlx::query(
            "SELECT id, thread_root IS NULL FROM posts WHERE tenant = $1 AND author = $2 \
             ORDER BY thread_root IS NULL, id FOR UPDATE",
        )
        .bind(tenant.as_str())
        .bind(person.as_str())
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?;
        let mut replies = Vec::new();
        let mut roots = Vec::new();
        for row in &own {
            let id = id_at(row, 0)?;
            if row.try_get::<bool, _>(1).map_err(db)? {
                roots.push(id)
            } else {
                replies.push(id)
            }
        }
        let mut entries: Vec<LogEntry> = replies
            .iter()
            .map(|&id| entry(id, ChangeKind::Erased))
            .collect();
        // Each root of theirs takes the others' replies along (theirs are gone already).
        let own_replies: HashSet<PostId> = replies.iter().copied().collect();
        let threads = thread_replies(&mut tx, tenant, &roots).await?;
        let mut next = 0;
        for &root in &roots {
            while let Some(&(r, reply)) = threads.get(next)
                && r == root
            {
                if !own_replies.contains(&reply) {
                    entries.push(entry(reply, ChangeKind::Deleted));
                }
                next += 1;
            }
            entries.push(entry(root, ChangeKind::Erased));
        }
        let mut entries = delete_posts(&mut tx, tenant, entries).await?;
        report.posts = entries
            .iter()
            .filter(|e| e.kind == ChangeKind::Erased)
            .count();

        // Their reactions on posts that stay, uncounted.
        report.reactions = sqlx::query_scalar::<_, i64>(
            "WITH d AS (DELETE FROM reactions WHERE tenant = $1 AND person = $2 RETURNING post, kind), \
             c AS (SELECT post, \
                          count(*) FILTER (WHERE kind = 0)::int AS k0, \
                          count(*) FILTER (WHERE kind = 1)::int AS k1, \
                          count(*) FILTER (WHERE kind = 2)::int AS k2, \
                          count(*) FILTER (WHERE kind = 3)::int AS k3, \
                          count(*) FILTER (WHERE kind = 4)::int AS k4 \
                   FROM d GROUP BY post), \
             u AS (UPDATE posts p SET reactions = ARRAY[ \
                       GREATEST(p.reactions[1] - c.k0, 0), GREATEST(p.reactions[2] - c.k1, 0), \
                       GREATEST(p.reactions[3] - c.k2, 0), GREATEST(p.reactions[4] - c.k3, 0), \
                       GREATEST(p.reactions[5] - c.k4, 0)] \
                   FROM c WHERE p.tenant = $1 AND p.id = c.post) \
             SELECT count(*) FROM d",
        )
        .bind(tenant.as_str())
        .bind(person.as_str())
        .fetch_one(&mut *tx)
        .await
        .map_err(db)
        .map(|n| usize::try_from(n).unwrap_or(0))?;

        // Their follows and mutes, and others' of them (kind 0: a person).
        for sql in [
            "DELETE FROM follows WHERE tenant = $1 AND person = $2",
            "DELETE FROM mutes WHERE tenant = $1 AND person = $2",
            "DELETE FROM follows WHERE tenant = $1 AND kind = 0 AND target = $2",
            "DELETE FROM mutes WHERE tenant = $1 AND kind = 0 AND target = $2",
        ] {
            report.follows_and_mutes += count(run(&mut tx, sql, tenant, person).await?);
        }

        // Notifications to them; those where they were the only actor; them as an actor
        // elsewhere. Finding them as an actor scans the tenant's notifications: erasure is
        // rare, and an index on array elements could not lead with the tenant.
        for sql in [
            "DELETE FROM notifications WHERE tenant = $1 AND recipient = $2",
            "DELETE FROM notifications WHERE tenant = $1 AND actors = ARRAY[$2::text]",
        ] {
            report.notifications += count(run(&mut tx, sql, tenant, person).await?);
        }
        run(
            &mut tx,
            "UPDATE notifications SET actors = array_remove(actors, $2::text) \
             WHERE tenant = $1 AND $2::text = ANY(actors)",
            tenant,
            person,
        )
        .await?;

        // Their resolved mentions in others' posts: the text stays, the link goes.
        let mentioned = sqlx::query(
            "WITH d AS (DELETE FROM post_mentions WHERE tenant = $1 AND person = $2 RETURNING post) \
             UPDATE posts p SET mentions = ( \
                 SELECT coalesce(jsonb_agg(e ORDER BY o), '[]'::jsonb) \
                 FROM jsonb_array_elements(p.mentions) WITH ORDINALITY AS m(e, o) \
                 WHERE m.e->>0 IS DISTINCT FROM $2::text) \
             FROM d WHERE p.tenant = $1 AND p.id = d.post RETURNING p.id",
        )
        .bind(tenant.as_str())
        .bind(person.as_str())
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?;
        let mut mentioned: Vec<PostId> = mentioned
            .iter()
            .map(|r| id_at(r, 0))
            .collect::<Result<_>>()?;
        mentioned.sort_unstable();
        report.mentions = mentioned.len();
        entries.extend(
            mentioned
                .into_iter()
                .map(|id| entry(id, ChangeKind::Edited)),
        );

        // Seen state and interactions, both ways.
        for sql in [
            "DELETE FROM seen_posts WHERE tenant = $1 AND person = $2",
            "DELETE FROM interactions WHERE tenant = $1 AND (person = $2 OR author = $2)",
        ] {
            run(&mut tx, sql, tenant, person).await?;
        }

        report.last_seq = append_changes(&mut tx, self.log_lock, self.rls, &entries).await?;
        commit(tx).await?;
        Ok(report)
    }

    /// Everything stored about a person, read in one transaction so the parts agree.
    pub(crate) async fn export(&self, tenant: &TenantId, person: &PersonId) -> Result<PersonData> {
        let mut tx = self.writer(tenant).await?;
        let t = tenant.as_str();
        let p = person.as_str();
        let posts = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {POST_COLUMNS} FROM posts p WHERE p.tenant = $1 AND p.author = $2 ORDER BY p.id"
        )))
        .bind(t)
        .bind(p)
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?
        .iter()
        .map(codec::post)
        .collect::<Result<Vec<_>>>()?;
        let revisions = sqlx::query(
            "SELECT r.post, r.number, r.body, r.replaced_at FROM revisions r \
             JOIN posts p ON p.tenant = r.tenant AND p.id = r.post \
             WHERE r.tenant = $1 AND p.author = $2 ORDER BY r.post, r.number",
        )
        .bind(t)
        .bind(p)
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?
        .iter()
        .map(|row| {
            Ok(Revision {
                post: id_at(row, 0)?,
                number: u32::try_from(row.try_get::<i32, _>(1).map_err(db)?).unwrap_or(0),
                text: row.try_get(2).map_err(db)?,
                replaced_at: row.try_get(3).map_err(db)?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
        let reactions = sqlx::query(
            "SELECT post, kind, at FROM reactions WHERE tenant = $1 AND person = $2 \
             ORDER BY post, kind",
        )
        .bind(t)
        .bind(p)
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?
        .iter()
        .map(|row| {
            Ok(Reaction {
                post: id_at(row, 0)?,
                person: person.clone(),
                kind: codec::reaction_kind(row.try_get(1).map_err(db)?)?,
                at: row.try_get(2).map_err(db)?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
        let follows = pairs(&mut tx, "SELECT kind, target FROM follows WHERE tenant = $1 AND person = $2 ORDER BY kind, target", tenant, person)
            .await?
            .into_iter()
            .map(|(k, s)| codec::follow_target(k, s))
            .collect::<Result<Vec<_>>>()?;
        let mutes = pairs(&mut tx, "SELECT kind, target FROM mutes WHERE tenant = $1 AND person = $2 ORDER BY kind, target", tenant, person)
            .await?
            .into_iter()
            .map(|(k, s)| codec::mute_target(k, s))
            .collect::<Result<Vec<_>>>()?;
        let notifications = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {NOTIFICATION_COLUMNS} FROM notifications \
             WHERE tenant = $1 AND recipient = $2 ORDER BY seq DESC"
        )))
        .bind(t)
        .bind(p)
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?
        .iter()
        .map(notify::notification)
        .collect::<Result<Vec<_>>>()?;
        let seen = sqlx::query(
            "SELECT post FROM seen_posts WHERE tenant = $1 AND person = $2 ORDER BY post",
        )
        .bind(t)
        .bind(p)
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?
        .iter()
        .map(|row| id_at(row, 0))
        .collect::<Result<Vec<_>>>()?;
        commit(tx).await?;
        Ok(PersonData {
            posts,
            revisions,
            reactions,
            follows,
            mutes,
            notifications,
            seen,
        })
    }
}

/// Runs a statement over (tenant, person); rows touched.
async fn run(
    conn: &mut PgConnection,
    sql: &'static str,
    tenant: &TenantId,
    person: &PersonId,
) -> Result<u64> {
    Ok(sqlx::query(sql)
        .bind(tenant.as_str())
        .bind(person.as_str())
        .execute(conn)
        .await
        .map_err(db)?
        .rows_affected())
}

/// (kind, target) rows of a follows/mutes query over (tenant, person).
async fn pairs(
    conn: &mut PgConnection,
    sql: &'static str,
    tenant: &TenantId,
    person: &PersonId,
) -> Result<Vec<(i16, String)>> {
    sqlx::query(sql)
        .bind(tenant.as_str())
        .bind(person.as_str())
        .fetch_all(conn)
        .await
        .map_err(db)?
        .iter()
        .map(|r| Ok((r.try_get(0).map_err(db)?, r.try_get(1).map_err(db)?)))
        .collect()
}

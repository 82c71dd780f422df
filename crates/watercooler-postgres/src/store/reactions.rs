//! Reactions and the interaction counts they feed.
//!
//! Lock order, shared by every write here: the post row first, then reaction rows, then
//! interaction and notification rows; so concurrent reacting, unreacting and deleting
//! never wait on each other in a cycle.

use chrono::{DateTime, Utc};
use sqlx::Row;
use watercooler_core::store::cursor::{self, ReactionPosition};
use watercooler_core::{
    Access, Error, NewNotification, NotificationKind, Page, PageRequest, PersonId, PostId,
    Reaction, ReactionKind, Result, TenantId,
};

use super::{notify, sql_limit};
use crate::PgStore;
use crate::codec::{self, uuid, uuids};
use crate::error::db;
use crate::session::commit;
use crate::sql::{Qb, push_visible};

impl PgStore {
    pub(crate) async fn react(
        &self,
        tenant: &TenantId,
        r: &Reaction,
        notification: Option<&NewNotification>,
    ) -> Result<bool> {
        let mut tx = self.writer(tenant).await?;
        let author: Option<String> = sqlx::query_scalar(
            "SELECT author FROM posts WHERE tenant = $1 AND id = $2 FOR NO KEY UPDATE",
        )
        .bind(tenant.as_str())
        .bind(uuid(r.post))
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?;
        let author = author.ok_or(Error::not_found("post"))?;
        let added = sqlx::query(
            "INSERT INTO reactions (tenant, post, person, kind, at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT DO NOTHING",
        )
        .bind(tenant.as_str())
        .bind(uuid(r.post))
        .bind(r.person.as_str())
        .bind(codec::reaction_code(r.kind))
        .bind(r.at)
        .execute(&mut *tx)
        .await
        .map_err(db)?
        .rows_affected()
            == 1;
        if !added {
            commit(tx).await?;
            return Ok(false);
        }
        // Arrays are 1-based in SQL.
        sqlx::query(
            "UPDATE posts SET reactions[$3] = reactions[$3] + 1, \
                              last_activity = GREATEST(last_activity, $4) \
             WHERE tenant = $1 AND id = $2",
        )
        .bind(tenant.as_str())
        .bind(uuid(r.post))
        .bind(i32::from(codec::reaction_code(r.kind)) + 1)
        .bind(r.at)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        if r.person.as_str() != author {
            count_interactions(&mut tx, tenant, &[r.person.as_str()], &[author.as_str()]).await?;
        }
        if let Some(n) = notification {
            notify::add(&mut tx, tenant, std::slice::from_ref(n)).await?;
        }
        commit(tx).await?;
        Ok(true)
    }

    /// Adds many reactions in one transaction: all posts must exist (else nothing
    /// changes); existing reactions (also repeats within the batch) are skipped.
    pub(crate) async fn react_many(
        &self,
        tenant: &TenantId,
        reactions: &[Reaction],
    ) -> Result<usize> {
        if reactions.is_empty() {
            return Ok(0);
        }
        let mut posts: Vec<PostId> = reactions.iter().map(|r| r.post).collect();
        posts.sort_unstable();
        posts.dedup();
        let mut tx = self.writer(tenant).await?;
        let locked: Vec<uuid::Uuid> = sqlx::query_scalar(
            "SELECT id FROM posts WHERE tenant = $1 AND id = ANY($2) ORDER BY id FOR NO KEY UPDATE",
        )
        .bind(tenant.as_str())
        .bind(uuids(&posts))
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?;
        if locked.len() != posts.len() {
            return Err(Error::not_found("post"));
        }
        // Insert, then count what was new per post and kind, and per (reactor, author).
        let added: i64 = sqlx::query_scalar(
            "WITH ins AS ( \
                 INSERT INTO reactions (tenant, post, person, kind, at) \
                 SELECT $1, u.post, u.person, u.kind, u.at \
                 FROM unnest($2::uuid[], $3::text[], $4::int2[], $5::timestamptz[]) \
                     AS u(post, person, kind, at) \
                 ON CONFLICT DO NOTHING \
                 RETURNING post, person, kind, at), \
             per_post AS ( \
                 SELECT post, \
                        count(*) FILTER (WHERE kind = 0)::int AS k0, \
                        count(*) FILTER (WHERE kind = 1)::int AS k1, \
                        count(*) FILTER (WHERE kind = 2)::int AS k2, \
                        count(*) FILTER (WHERE kind = 3)::int AS k3, \
                        count(*) FILTER (WHERE kind = 4)::int AS k4, \
                        max(at) AS at \
                 FROM ins GROUP BY post), \
             bump AS ( \
                 UPDATE posts p SET reactions = ARRAY[p.reactions[1] + c.k0, \
                     p.reactions[2] + c.k1, p.reactions[3] + c.k2, p.reactions[4] + c.k3, \
                     p.reactions[5] + c.k4], \
                     last_activity = GREATEST(p.last_activity, c.at) \
                 FROM per_post c WHERE p.tenant = $1 AND p.id = c.post), \
             inter AS ( \
                 INSERT INTO interactions (tenant, person, author, count) \
                 SELECT $1, i.person, p.author, count(*)::int \
                 FROM ins i JOIN posts p ON p.tenant = $1 AND p.id = i.post \
                 WHERE p.author <> i.person \
                 GROUP BY i.person, p.author ORDER BY i.person, p.author \
                 ON CONFLICT (tenant, person, author) \
                 DO UPDATE SET count = interactions.count + EXCLUDED.count) \
             SELECT count(*) FROM ins",
        )
        .bind(tenant.as_str())
        .bind(uuids(reactions.iter().map(|r| &r.post)))
        .bind(
            reactions
                .iter()
                .map(|r| r.person.as_str())
                .collect::<Vec<&str>>(),
        )
        .bind(
            reactions
                .iter()
                .map(|r| codec::reaction_code(r.kind))
                .collect::<Vec<i16>>(),
        )
        .bind(
            reactions
                .iter()
                .map(|r| r.at)
                .collect::<Vec<DateTime<Utc>>>(),
        )
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?;
        commit(tx).await?;
        Ok(usize::try_from(added).unwrap_or(0))
    }

    pub(crate) async fn unreact(
        &self,
        tenant: &TenantId,
        post: PostId,
        person: &PersonId,
        kind: ReactionKind,
    ) -> Result<bool> {
        let mut tx = self.writer(tenant).await?;
        let author: Option<String> = sqlx::query_scalar(
            "SELECT author FROM posts WHERE tenant = $1 AND id = $2 FOR NO KEY UPDATE",
        )
        .bind(tenant.as_str())
        .bind(uuid(post))
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?;
        let Some(author) = author else {
            return Ok(false);
        };
        // Deletes the reaction and reports whether the person has any other left there.
        let row = sqlx::query(
            "WITH d AS (DELETE FROM reactions \
                        WHERE tenant = $1 AND post = $2 AND person = $3 AND kind = $4 RETURNING 1) \
             SELECT (SELECT count(*) FROM d), \
                    EXISTS (SELECT 1 FROM reactions WHERE tenant = $1 AND post = $2 \
                            AND person = $3 AND kind <> $4)",
        )
        .bind(tenant.as_str())
        .bind(uuid(post))
        .bind(person.as_str())
        .bind(codec::reaction_code(kind))
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?;
        let removed: i64 = row.try_get(0).map_err(db)?;
        let any_left: bool = row.try_get(1).map_err(db)?;
        if removed == 0 {
            commit(tx).await?;
            return Ok(false);
        }
        sqlx::query(
            "UPDATE posts SET reactions[$3] = GREATEST(reactions[$3] - 1, 0) \
             WHERE tenant = $1 AND id = $2",
        )
        .bind(tenant.as_str())
        .bind(uuid(post))
        .bind(i32::from(codec::reaction_code(kind)) + 1)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        if !any_left {
            let author = PersonId::new(author);
            notify::remove_actor(
                &mut tx,
                tenant,
                &author,
                NotificationKind::Reaction,
                post,
                person,
            )
            .await?;
        }
        commit(tx).await?;
        Ok(true)
    }

    pub(crate) async fn reaction_page(
        &self,
        access: &Access,
        post: PostId,
        page: &PageRequest,
    ) -> Result<Page<Reaction>> {
        page.validate()?;
        let after = page
            .cursor
            .as_ref()
            .map(cursor::parse_reaction)
            .transpose()?;
        let mut qb = Qb::new(
            "SELECT r.person, r.kind, r.at FROM reactions r \
             JOIN posts p ON p.tenant = r.tenant AND p.id = r.post WHERE r.tenant = ",
        );
        qb.push_bind(access.tenant().as_str().to_owned());
        qb.push(" AND r.post = ").push_bind(uuid(post));
        push_visible(&mut qb, access);
        if let Some(a) = &after {
            // After (at, person, kind) in the list's order: newest first, then person, kind.
            qb.push(" AND (r.at < ").push_bind(a.at);
            qb.push(" OR (r.at = ").push_bind(a.at);
            qb.push(" AND (r.person, r.kind) > (")
                .push_bind(a.person.as_str().to_owned());
            qb.push(", ")
                .push_bind(codec::reaction_code(a.kind))
                .push(")))");
        }
        qb.push(" ORDER BY r.at DESC, r.person, r.kind LIMIT ")
            .push_bind(sql_limit(page.limit) + 1);
        let mut s = self.reader(access.tenant()).await?;
        let found = qb.build().fetch_all(s.conn()).await.map_err(db)?;
        s.done().await?;
        let more = found.len() > page.limit;
        let mut items = Vec::with_capacity(found.len().min(page.limit));
        for row in found.iter().take(page.limit) {
            items.push(Reaction {
                post,
                person: PersonId::new(row.try_get::<String, _>(0).map_err(db)?),
                kind: codec::reaction_kind(row.try_get(1).map_err(db)?)?,
                at: row.try_get(2).map_err(db)?,
            });
        }
        let next = if more {
            items.last().map(|r| {
                cursor::reaction(&ReactionPosition {
                    at: r.at,
                    person: r.person.clone(),
                    kind: r.kind,
                })
            })
        } else {
            None
        };
        Ok(Page { items, next })
    }

    pub(crate) async fn interaction_counts(
        &self,
        tenant: &TenantId,
        person: &PersonId,
        limit: usize,
    ) -> Result<Vec<(PersonId, u32)>> {
        let mut s = self.reader(tenant).await?;
        let found = sqlx::query(
            "SELECT author, count FROM interactions WHERE tenant = $1 AND person = $2 \
             ORDER BY count DESC, author LIMIT $3",
        )
        .bind(tenant.as_str())
        .bind(person.as_str())
        .bind(sql_limit(limit))
        .fetch_all(s.conn())
        .await
        .map_err(db)?;
        s.done().await?;
        found
            .iter()
            .map(|row| {
                let n: i32 = row.try_get(1).map_err(db)?;
                Ok((
                    PersonId::new(row.try_get::<String, _>(0).map_err(db)?),
                    codec::count(n),
                ))
            })
            .collect()
    }
}

/// Adds one interaction per (person, author) pair (callers leave out self-interactions).
async fn count_interactions(
    conn: &mut sqlx::postgres::PgConnection,
    tenant: &TenantId,
    persons: &[&str],
    authors: &[&str],
) -> Result<()> {
    sqlx::query(
        "INSERT INTO interactions (tenant, person, author, count) \
         SELECT $1, u.person, u.author, count(*)::int \
         FROM unnest($2::text[], $3::text[]) AS u(person, author) \
         GROUP BY u.person, u.author ORDER BY u.person, u.author \
         ON CONFLICT (tenant, person, author) \
         DO UPDATE SET count = interactions.count + EXCLUDED.count",
    )
    .bind(tenant.as_str())
    .bind(persons)
    .bind(authors)
    .execute(conn)
    .await
    .map_err(db)?;
    Ok(())
}

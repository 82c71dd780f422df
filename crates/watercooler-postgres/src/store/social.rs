//! Follows, mutes and seen posts: small per-person sets.

use std::collections::HashSet;

use sqlx::Row;
use uuid::Uuid;
use watercooler::{
    FollowTarget, MuteTarget, Page, PageRequest, PersonId, PostId, Result, TenantId,
};

use super::sql_limit;
use crate::PgStore;
use crate::cursor;
use crate::error::db;
use crate::rows::{self, post_id, uuids};
use crate::session::commit;

/// Which of the two target tables.
#[derive(Clone, Copy)]
enum Set {
    Follows,
    Mutes,
}

impl Set {
    fn insert(self) -> &'static str {
        match self {
            Set::Follows => {
                "INSERT INTO follows (tenant, person, kind, target) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT DO NOTHING"
            }
            Set::Mutes => {
                "INSERT INTO mutes (tenant, person, kind, target) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT DO NOTHING"
            }
        }
    }

    fn delete(self) -> &'static str {
        match self {
            Set::Follows => {
                "DELETE FROM follows WHERE tenant = $1 AND person = $2 AND kind = $3 AND target = $4"
            }
            Set::Mutes => {
                "DELETE FROM mutes WHERE tenant = $1 AND person = $2 AND kind = $3 AND target = $4"
            }
        }
    }

    /// In (kind, target) order, which is the targets' own order; after a position.
    fn page(self) -> &'static str {
        match self {
            Set::Follows => {
                "SELECT kind, target FROM follows WHERE tenant = $1 AND person = $2 \
                 AND (kind, target) > ($3, $4) ORDER BY kind, target LIMIT $5"
            }
            Set::Mutes => {
                "SELECT kind, target FROM mutes WHERE tenant = $1 AND person = $2 \
                 AND (kind, target) > ($3, $4) ORDER BY kind, target LIMIT $5"
            }
        }
    }
}

impl PgStore {
    /// Adds or removes one (kind, target) of a person's set; whether anything changed.
    async fn change_set(
        &self,
        sql: &'static str,
        tenant: &TenantId,
        person: &PersonId,
        (kind, target): (i16, &str),
    ) -> Result<bool> {
        let mut tx = self.writer(tenant).await?;
        let done = sqlx::query(sql)
            .bind(tenant.as_str())
            .bind(person.as_str())
            .bind(kind)
            .bind(target)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        commit(tx).await?;
        Ok(done.rows_affected() == 1)
    }

    /// A page of a person's set as stored (kind, target) pairs.
    async fn set_page(
        &self,
        set: Set,
        tenant: &TenantId,
        person: &PersonId,
        page: &PageRequest,
        after: Option<(i16, String)>,
    ) -> Result<(Vec<(i16, String)>, bool)> {
        page.validate()?;
        // (-1, "") sorts before every stored pair.
        let (kind, target) = after.unwrap_or((-1, String::new()));
        let mut s = self.reader(tenant).await?;
        let found = sqlx::query(set.page())
            .bind(tenant.as_str())
            .bind(person.as_str())
            .bind(kind)
            .bind(target)
            .bind(sql_limit(page.limit) + 1)
            .fetch_all(s.conn())
            .await
            .map_err(db)?;
        s.done().await?;
        let more = found.len() > page.limit;
        let items = found
            .iter()
            .take(page.limit)
            .map(|r| Ok((r.try_get(0).map_err(db)?, r.try_get(1).map_err(db)?)))
            .collect::<Result<Vec<_>>>()?;
        Ok((items, more))
    }

    pub(crate) async fn add_follow(
        &self,
        tenant: &TenantId,
        person: &PersonId,
        target: &FollowTarget,
    ) -> Result<bool> {
        self.change_set(
            Set::Follows.insert(),
            tenant,
            person,
            rows::follow_parts(target),
        )
        .await
    }

    /// Adds many follows of one tenant in one statement; how many were new.
    pub(crate) async fn add_follows(
        &self,
        tenant: &TenantId,
        follows: &[(PersonId, FollowTarget)],
    ) -> Result<usize> {
        if follows.is_empty() {
            return Ok(0);
        }
        let mut rows: Vec<(&str, i16, &str)> = follows
            .iter()
            .map(|(person, target)| {
                let (kind, t) = rows::follow_parts(target);
                (person.as_str(), kind, t)
            })
            .collect();
        // Key order (byte-wise, as `COLLATE "C"`): concurrent batches take the key locks
        // of the unique index in the same order, so they cannot deadlock on each other.
        rows.sort_unstable();
        let mut tx = self.writer(tenant).await?;
        // Existing follows and repeats within the batch do nothing, so the rows affected
        // are exactly the new follows.
        let done = sqlx::query(
            "INSERT INTO follows (tenant, person, kind, target) \
             SELECT $1, u.person, u.kind, u.target \
             FROM unnest($2::text[], $3::int2[], $4::text[]) WITH ORDINALITY \
                 AS u(person, kind, target, n) \
             ORDER BY u.n \
             ON CONFLICT DO NOTHING",
        )
        .bind(tenant.as_str())
        .bind(rows.iter().map(|r| r.0).collect::<Vec<&str>>())
        .bind(rows.iter().map(|r| r.1).collect::<Vec<i16>>())
        .bind(rows.iter().map(|r| r.2).collect::<Vec<&str>>())
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        commit(tx).await?;
        Ok(usize::try_from(done.rows_affected()).unwrap_or(usize::MAX))
    }

    pub(crate) async fn remove_follow(
        &self,
        tenant: &TenantId,
        person: &PersonId,
        target: &FollowTarget,
    ) -> Result<bool> {
        self.change_set(
            Set::Follows.delete(),
            tenant,
            person,
            rows::follow_parts(target),
        )
        .await
    }

    pub(crate) async fn follow_page(
        &self,
        tenant: &TenantId,
        person: &PersonId,
        page: &PageRequest,
    ) -> Result<Page<FollowTarget>> {
        let after = page.cursor.as_ref().map(cursor::parse_follow).transpose()?;
        let (found, more) = self
            .set_page(Set::Follows, tenant, person, page, after)
            .await?;
        let items = found
            .into_iter()
            .map(|(k, t)| rows::follow_target(k, t))
            .collect::<Result<Vec<_>>>()?;
        let next = if more {
            items.last().map(cursor::follow)
        } else {
            None
        };
        Ok(Page { items, next })
    }

    pub(crate) async fn add_mute(
        &self,
        tenant: &TenantId,
        person: &PersonId,
        target: &MuteTarget,
    ) -> Result<bool> {
        self.change_set(
            Set::Mutes.insert(),
            tenant,
            person,
            rows::mute_parts(target),
        )
        .await
    }

    pub(crate) async fn remove_mute(
        &self,
        tenant: &TenantId,
        person: &PersonId,
        target: &MuteTarget,
    ) -> Result<bool> {
        self.change_set(
            Set::Mutes.delete(),
            tenant,
            person,
            rows::mute_parts(target),
        )
        .await
    }

    pub(crate) async fn mute_page(
        &self,
        tenant: &TenantId,
        person: &PersonId,
        page: &PageRequest,
    ) -> Result<Page<MuteTarget>> {
        let after = page.cursor.as_ref().map(cursor::parse_mute).transpose()?;
        let (found, more) = self
            .set_page(Set::Mutes, tenant, person, page, after)
            .await?;
        let items = found
            .into_iter()
            .map(|(k, t)| rows::mute_target(k, t))
            .collect::<Result<Vec<_>>>()?;
        let next = if more {
            items.last().map(cursor::mute)
        } else {
            None
        };
        Ok(Page { items, next })
    }

    pub(crate) async fn posts_seen(
        &self,
        tenant: &TenantId,
        person: &PersonId,
        posts: &[PostId],
    ) -> Result<()> {
        if posts.is_empty() {
            return Ok(());
        }
        let mut ids = posts.to_vec();
        ids.sort_unstable();
        ids.dedup();
        let mut tx = self.writer(tenant).await?;
        sqlx::query(
            "INSERT INTO seen_posts (tenant, person, post) \
             SELECT $1, $2, u.post FROM unnest($3::uuid[]) AS u(post) ON CONFLICT DO NOTHING",
        )
        .bind(tenant.as_str())
        .bind(person.as_str())
        .bind(uuids(&ids))
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        commit(tx).await
    }

    /// Which of `posts` the person has seen, in the order asked (repeats kept).
    pub(crate) async fn which_seen(
        &self,
        tenant: &TenantId,
        person: &PersonId,
        posts: &[PostId],
    ) -> Result<Vec<PostId>> {
        if posts.is_empty() {
            return Ok(Vec::new());
        }
        let mut s = self.reader(tenant).await?;
        let found: Vec<Uuid> = sqlx::query_scalar(
            "SELECT post FROM seen_posts WHERE tenant = $1 AND person = $2 AND post = ANY($3)",
        )
        .bind(tenant.as_str())
        .bind(person.as_str())
        .bind(uuids(posts))
        .fetch_all(s.conn())
        .await
        .map_err(db)?;
        s.done().await?;
        let seen: HashSet<PostId> = found.into_iter().map(post_id).collect();
        Ok(posts.iter().filter(|p| seen.contains(p)).copied().collect())
    }
}

//! Follows, mutes and seen posts: small per-person sets.

use std::collections::HashSet;

use sqlx::Row;
use uuid::Uuid;
use watercooler_core::store::cursor;
use watercooler_core::{
    Cursor, FollowTarget, MuteTarget, Page, PageRequest, PersonId, PostId, Result, TenantId,
};

use super::sql_limit;
use crate::PgStore;
use crate::codec::{self, post_id, uuids};
use crate::error::db;
use crate::session::commit;

/// A follow or a mute target: its statements, its stored columns and its cursor. The two
/// tables differ only in name, so follows and mutes share the code.
pub(crate) trait Target: Sized {
    /// Adds one (kind, target) unless present.
    const INSERT: &'static str;
    /// Removes one (kind, target).
    const DELETE: &'static str;
    /// In (kind, target) order, which is the targets' own order; after a position.
    const PAGE: &'static str;
    /// As stored: (kind, target), kinds in the model enum's order.
    fn parts(&self) -> (i16, &str);
    /// Parses [`Target::parts`].
    fn from_parts(kind: i16, target: String) -> Result<Self>;
    /// The cursor of a page ending at this target.
    fn cursor(&self) -> Cursor;
    /// Parses [`Target::cursor`].
    fn parse_cursor(c: &Cursor) -> Result<Self>;
}

impl Target for FollowTarget {
    const INSERT: &'static str = "INSERT INTO follows (tenant, person, kind, target) \
        VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING";
    const DELETE: &'static str =
        "DELETE FROM follows WHERE tenant = $1 AND person = $2 AND kind = $3 AND target = $4";
    const PAGE: &'static str = "SELECT kind, target FROM follows WHERE tenant = $1 \
        AND person = $2 AND (kind, target) > ($3, $4) ORDER BY kind, target LIMIT $5";
    fn parts(&self) -> (i16, &str) {
        codec::follow_parts(self)
    }
    fn from_parts(kind: i16, target: String) -> Result<Self> {
        codec::follow_target(kind, target)
    }
    fn cursor(&self) -> Cursor {
        cursor::follow(self)
    }
    fn parse_cursor(c: &Cursor) -> Result<Self> {
        cursor::parse_follow(c)
    }
}

impl Target for MuteTarget {
    const INSERT: &'static str = "INSERT INTO mutes (tenant, person, kind, target) \
        VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING";
    const DELETE: &'static str =
        "DELETE FROM mutes WHERE tenant = $1 AND person = $2 AND kind = $3 AND target = $4";
    const PAGE: &'static str = "SELECT kind, target FROM mutes WHERE tenant = $1 \
        AND person = $2 AND (kind, target) > ($3, $4) ORDER BY kind, target LIMIT $5";
    fn parts(&self) -> (i16, &str) {
        codec::mute_parts(self)
    }
    fn from_parts(kind: i16, target: String) -> Result<Self> {
        codec::mute_target(kind, target)
    }
    fn cursor(&self) -> Cursor {
        cursor::mute(self)
    }
    fn parse_cursor(c: &Cursor) -> Result<Self> {
        cursor::parse_mute(c)
    }
}

impl PgStore {
    /// Adds a follow or mute; `false` when it was already there.
    pub(crate) async fn add_target<T: Target>(
        &self,
        tenant: &TenantId,
        person: &PersonId,
        target: &T,
    ) -> Result<bool> {
        self.change_set(T::INSERT, tenant, person, target.parts())
            .await
    }

    /// Removes a follow or mute; `false` when it was not there.
    pub(crate) async fn remove_target<T: Target>(
        &self,
        tenant: &TenantId,
        person: &PersonId,
        target: &T,
    ) -> Result<bool> {
        self.change_set(T::DELETE, tenant, person, target.parts())
            .await
    }

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

    /// A page of a person's follows or mutes, in the model's order.
    pub(crate) async fn target_page<T: Target>(
        &self,
        tenant: &TenantId,
        person: &PersonId,
        page: &PageRequest,
    ) -> Result<Page<T>> {
        page.validate()?;
        let after = page.cursor.as_ref().map(T::parse_cursor).transpose()?;
        // (-1, "") sorts before every stored pair.
        let (kind, target) = after.as_ref().map_or((-1, ""), T::parts);
        let mut s = self.reader(tenant).await?;
        let found = sqlx::query(T::PAGE)
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
            .map(|r| T::from_parts(r.try_get(0).map_err(db)?, r.try_get(1).map_err(db)?))
            .collect::<Result<Vec<T>>>()?;
        let next = more.then(|| items.last().map(T::cursor)).flatten();
        Ok(Page { items, next })
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
                let (kind, t) = codec::follow_parts(target);
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

    /// Records or forgets that the person saw `post`; whether anything changed.
    pub(crate) async fn set_seen(
        &self,
        tenant: &TenantId,
        person: &PersonId,
        post: PostId,
        on: bool,
    ) -> Result<bool> {
        let sql = if on {
            "INSERT INTO seen_posts (tenant, person, post) VALUES ($1, $2, $3) \
             ON CONFLICT DO NOTHING"
        } else {
            "DELETE FROM seen_posts WHERE tenant = $1 AND person = $2 AND post = $3"
        };
        let mut tx = self.writer(tenant).await?;
        let done = sqlx::query(sql)
            .bind(tenant.as_str())
            .bind(person.as_str())
            .bind(codec::uuid(post))
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        commit(tx).await?;
        Ok(done.rows_affected() > 0)
    }

    /// The posts the person has seen, by id, one page.
    pub(crate) async fn seen_page(
        &self,
        tenant: &TenantId,
        person: &PersonId,
        page: &PageRequest,
    ) -> Result<Page<PostId>> {
        page.validate()?;
        let after = page.cursor.as_ref().map(cursor::parse_post).transpose()?;
        let mut s = self.reader(tenant).await?;
        let found: Vec<Uuid> = sqlx::query_scalar(
            "SELECT post FROM seen_posts WHERE tenant = $1 AND person = $2 \
             AND ($3::uuid IS NULL OR post > $3) ORDER BY post LIMIT $4",
        )
        .bind(tenant.as_str())
        .bind(person.as_str())
        .bind(after.map(codec::uuid))
        .bind(sql_limit(page.limit) + 1)
        .fetch_all(s.conn())
        .await
        .map_err(db)?;
        s.done().await?;
        let mut items: Vec<PostId> = found.into_iter().map(post_id).collect();
        let next = if items.len() > page.limit {
            items.truncate(page.limit);
            items.last().map(|id| cursor::post(*id))
        } else {
            None
        };
        Ok(Page { items, next })
    }
}

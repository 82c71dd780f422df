//! Follows and mutes: one table each, targets stored as `(kind, target)` where the kind's
//! number follows the model enum's order, so pages come out in the model's `Ord`.

use sqlx::Row;
use sqlx::sqlite::SqliteRow;
use watercooler::watercooler_text::hashtag_key;
use watercooler::{
    FollowTarget, GroupId, MuteTarget, Page, PageRequest, PersonId, Result, TenantId,
};

use watercooler::store::cursor;

use super::SqliteStore;
use crate::codec::limit;
use crate::error::{bad_data, map};

fn follow_cols(t: &FollowTarget) -> (i64, &str) {
    match t {
        FollowTarget::Person(p) => (0, p.as_str()),
        FollowTarget::Hashtag(k) => (1, k.as_str()),
        FollowTarget::Group(g) => (2, g.as_str()),
    }
}

fn follow_target(kind: i64, target: String) -> Result<FollowTarget> {
    Ok(match kind {
        0 => FollowTarget::Person(PersonId::new(target)),
        1 => FollowTarget::Hashtag(hashtag_key(&target)),
        2 => FollowTarget::Group(GroupId::new(target)),
        other => return Err(bad_data(format!("follow kind {other}"))),
    })
}

fn mute_cols(t: &MuteTarget) -> (i64, &str) {
    match t {
        MuteTarget::Person(p) => (0, p.as_str()),
        MuteTarget::Word(w) => (1, w.as_str()),
        MuteTarget::Hashtag(k) => (2, k.as_str()),
    }
}

fn mute_target(kind: i64, target: String) -> Result<MuteTarget> {
    Ok(match kind {
        0 => MuteTarget::Person(PersonId::new(target)),
        1 => MuteTarget::Word(target),
        2 => MuteTarget::Hashtag(hashtag_key(&target)),
        other => return Err(bad_data(format!("mute kind {other}"))),
    })
}

/// Which table: the statements below differ only in it.
#[derive(Clone, Copy)]
enum Table {
    Follows,
    Mutes,
}

impl SqliteStore {
    async fn add_target(
        &self,
        table: Table,
        tenant: &TenantId,
        person: &PersonId,
        kind: i64,
        target: &str,
    ) -> Result<bool> {
        let sql = match table {
            Table::Follows => {
                "INSERT OR IGNORE INTO follows (tenant, person, kind, target) VALUES (?1, ?2, ?3, ?4)"
            }
            Table::Mutes => {
                "INSERT OR IGNORE INTO mutes (tenant, person, kind, target) VALUES (?1, ?2, ?3, ?4)"
            }
        };
        // One statement: atomic on its own, no transaction round trips.
        let mut conn = self.writer().await?;
        let done = sqlx::query(sql)
            .bind(tenant.as_str())
            .bind(person.as_str())
            .bind(kind)
            .bind(target)
            .execute(&mut *conn)
            .await
            .map_err(map)?;
        Ok(done.rows_affected() > 0)
    }

    async fn remove_target(
        &self,
        table: Table,
        tenant: &TenantId,
        person: &PersonId,
        kind: i64,
        target: &str,
    ) -> Result<bool> {
        let sql = match table {
            Table::Follows => {
                "DELETE FROM follows WHERE tenant = ?1 AND person = ?2 AND kind = ?3 AND target = ?4"
            }
            Table::Mutes => {
                "DELETE FROM mutes WHERE tenant = ?1 AND person = ?2 AND kind = ?3 AND target = ?4"
            }
        };
        // One statement: atomic on its own, no transaction round trips.
        let mut conn = self.writer().await?;
        let done = sqlx::query(sql)
            .bind(tenant.as_str())
            .bind(person.as_str())
            .bind(kind)
            .bind(target)
            .execute(&mut *conn)
            .await
            .map_err(map)?;
        Ok(done.rows_affected() > 0)
    }

    /// A page of `(kind, target)` rows after `after`, and whether more follow.
    async fn target_page(
        &self,
        table: Table,
        tenant: &TenantId,
        person: &PersonId,
        page: &PageRequest,
        after: Option<(i64, &str)>,
    ) -> Result<(Vec<(i64, String)>, bool)> {
        page.validate()?;
        let sql = match table {
            Table::Follows => {
                "SELECT kind, target FROM follows WHERE tenant = ?1 AND person = ?2 \
                AND (kind, target) > (?3, ?4) ORDER BY kind, target LIMIT ?5"
            }
            Table::Mutes => {
                "SELECT kind, target FROM mutes WHERE tenant = ?1 AND person = ?2 \
                AND (kind, target) > (?3, ?4) ORDER BY kind, target LIMIT ?5"
            }
        };
        // Before everything: kind -1 sorts before every stored kind.
        let (kind, target) = after.unwrap_or((-1, ""));
        let mut conn = self.read().await?;
        let rows = sqlx::query(sql)
            .bind(tenant.as_str())
            .bind(person.as_str())
            .bind(kind)
            .bind(target)
            .bind(limit(page.limit) + 1)
            .fetch_all(&mut *conn)
            .await
            .map_err(map)?;
        let mut items = rows
            .iter()
            .map(|r: &SqliteRow| Ok((r.try_get(0).map_err(map)?, r.try_get(1).map_err(map)?)))
            .collect::<Result<Vec<(i64, String)>>>()?;
        let more = items.len() > page.limit;
        items.truncate(page.limit);
        Ok((items, more))
    }

    pub(super) async fn follow_impl(
        &self,
        tenant: &TenantId,
        person: &PersonId,
        target: &FollowTarget,
    ) -> Result<bool> {
        let (kind, t) = follow_cols(target);
        self.add_target(Table::Follows, tenant, person, kind, t)
            .await
    }

    pub(super) async fn follow_many_impl(
        &self,
        tenant: &TenantId,
        follows: &[(PersonId, FollowTarget)],
    ) -> Result<usize> {
        // [person, kind, target]
        let rows: Vec<(&str, i64, &str)> = follows
            .iter()
            .map(|(person, target)| {
                let (kind, t) = follow_cols(target);
                (person.as_str(), kind, t)
            })
            .collect();
        // Existing follows and repeats later in the batch are ignored, so the rows
        // affected are exactly the new follows.
        self.insert_json_rows(
            "INSERT OR IGNORE INTO follows (tenant, person, kind, target) \
             SELECT ?1, j.value ->> 0, j.value ->> 1, j.value ->> 2 \
             FROM jsonb_each(?2) AS j ORDER BY j.key",
            tenant,
            &rows,
        )
        .await
    }

    pub(super) async fn unfollow_impl(
        &self,
        tenant: &TenantId,
        person: &PersonId,
        target: &FollowTarget,
    ) -> Result<bool> {
        let (kind, t) = follow_cols(target);
        self.remove_target(Table::Follows, tenant, person, kind, t)
            .await
    }

    pub(super) async fn follows_impl(
        &self,
        tenant: &TenantId,
        person: &PersonId,
        page: &PageRequest,
    ) -> Result<Page<FollowTarget>> {
        let after = page.cursor.as_ref().map(cursor::parse_follow).transpose()?;
        let (rows, more) = self
            .target_page(
                Table::Follows,
                tenant,
                person,
                page,
                after.as_ref().map(follow_cols),
            )
            .await?;
        let items: Vec<FollowTarget> = rows
            .into_iter()
            .map(|(k, t)| follow_target(k, t))
            .collect::<Result<_>>()?;
        let next = more.then(|| items.last().map(cursor::follow)).flatten();
        Ok(Page { items, next })
    }

    pub(super) async fn mute_impl(
        &self,
        tenant: &TenantId,
        person: &PersonId,
        target: &MuteTarget,
    ) -> Result<bool> {
        let (kind, t) = mute_cols(target);
        self.add_target(Table::Mutes, tenant, person, kind, t).await
    }

    pub(super) async fn unmute_impl(
        &self,
        tenant: &TenantId,
        person: &PersonId,
        target: &MuteTarget,
    ) -> Result<bool> {
        let (kind, t) = mute_cols(target);
        self.remove_target(Table::Mutes, tenant, person, kind, t)
            .await
    }

    pub(super) async fn mutes_impl(
        &self,
        tenant: &TenantId,
        person: &PersonId,
        page: &PageRequest,
    ) -> Result<Page<MuteTarget>> {
        let after = page.cursor.as_ref().map(cursor::parse_mute).transpose()?;
        let (rows, more) = self
            .target_page(
                Table::Mutes,
                tenant,
                person,
                page,
                after.as_ref().map(mute_cols),
            )
            .await?;
        let items: Vec<MuteTarget> = rows
            .into_iter()
            .map(|(k, t)| mute_target(k, t))
            .collect::<Result<_>>()?;
        let next = more.then(|| items.last().map(cursor::mute)).flatten();
        Ok(Page { items, next })
    }
}

/// Reads `(kind, target)` rows of a person's follows, for export.
pub(super) fn follow_from_row(r: &SqliteRow) -> Result<FollowTarget> {
    follow_target(r.try_get(0).map_err(map)?, r.try_get(1).map_err(map)?)
}

/// Reads `(kind, target)` rows of a person's mutes, for export.
pub(super) fn mute_from_row(r: &SqliteRow) -> Result<MuteTarget> {
    mute_target(r.try_get(0).map_err(map)?, r.try_get(1).map_err(map)?)
}

//! Follows and mutes: one table each, targets stored as `(kind, target)` where the kind's
//! number follows the model enum's order, so pages come out in the model's `Ord`.

use sqlx::Row;
use sqlx::sqlite::SqliteRow;
use watercooler_core::store::cursor;
use watercooler_core::watercooler_text::hashtag_key;
use watercooler_core::{
    Cursor, FollowTarget, GroupId, MuteTarget, Page, PageRequest, PersonId, Result, TenantId,
};

use super::SqliteStore;
use crate::codec::limit;
use crate::error::{bad_data, map};

/// A follow or a mute target: its statements, its stored columns and its cursor. The two
/// tables differ only in name, so follows and mutes share the code.
pub(super) trait Target: Sized {
    /// Adds one (kind, target) unless present.
    const INSERT: &'static str;
    /// Removes one (kind, target).
    const DELETE: &'static str;
    /// In (kind, target) order, which is the targets' own order; after a position.
    const PAGE: &'static str;
    /// As stored: (kind, target), kinds in the model enum's order.
    fn cols(&self) -> (i64, &str);
    /// Parses [`Target::cols`].
    fn from_cols(kind: i64, target: String) -> Result<Self>;
    /// The cursor of a page ending at this target.
    fn cursor(&self) -> Cursor;
    /// Parses [`Target::cursor`].
    fn parse_cursor(c: &Cursor) -> Result<Self>;

    /// Reads a `(kind, target)` row.
    fn from_row(r: &SqliteRow) -> Result<Self> {
        Self::from_cols(r.try_get(0).map_err(map)?, r.try_get(1).map_err(map)?)
    }
}

impl Target for FollowTarget {
    const INSERT: &'static str =
        "INSERT OR IGNORE INTO follows (tenant, person, kind, target) VALUES (?1, ?2, ?3, ?4)";
    const DELETE: &'static str =
        "DELETE FROM follows WHERE tenant = ?1 AND person = ?2 AND kind = ?3 AND target = ?4";
    const PAGE: &'static str = "SELECT kind, target FROM follows WHERE tenant = ?1 \
        AND person = ?2 AND (kind, target) > (?3, ?4) ORDER BY kind, target LIMIT ?5";
    fn cols(&self) -> (i64, &str) {
        match self {
            FollowTarget::Person(p) => (0, p.as_str()),
            FollowTarget::Hashtag(k) => (1, k.as_str()),
            FollowTarget::Group(g) => (2, g.as_str()),
        }
    }
    fn from_cols(kind: i64, target: String) -> Result<Self> {
        Ok(match kind {
            0 => FollowTarget::Person(PersonId::new(target)),
            1 => FollowTarget::Hashtag(hashtag_key(&target)),
            2 => FollowTarget::Group(GroupId::new(target)),
            other => return Err(bad_data(format!("follow kind {other}"))),
        })
    }
    fn cursor(&self) -> Cursor {
        cursor::follow(self)
    }
    fn parse_cursor(c: &Cursor) -> Result<Self> {
        cursor::parse_follow(c)
    }
}

impl Target for MuteTarget {
    const INSERT: &'static str =
        "INSERT OR IGNORE INTO mutes (tenant, person, kind, target) VALUES (?1, ?2, ?3, ?4)";
    const DELETE: &'static str =
        "DELETE FROM mutes WHERE tenant = ?1 AND person = ?2 AND kind = ?3 AND target = ?4";
    const PAGE: &'static str = "SELECT kind, target FROM mutes WHERE tenant = ?1 \
        AND person = ?2 AND (kind, target) > (?3, ?4) ORDER BY kind, target LIMIT ?5";
    fn cols(&self) -> (i64, &str) {
        match self {
            MuteTarget::Person(p) => (0, p.as_str()),
            MuteTarget::Word(w) => (1, w.as_str()),
            MuteTarget::Hashtag(k) => (2, k.as_str()),
        }
    }
    fn from_cols(kind: i64, target: String) -> Result<Self> {
        Ok(match kind {
            0 => MuteTarget::Person(PersonId::new(target)),
            1 => MuteTarget::Word(target),
            2 => MuteTarget::Hashtag(hashtag_key(&target)),
            other => return Err(bad_data(format!("mute kind {other}"))),
        })
    }
    fn cursor(&self) -> Cursor {
        cursor::mute(self)
    }
    fn parse_cursor(c: &Cursor) -> Result<Self> {
        cursor::parse_mute(c)
    }
}

impl SqliteStore {
    /// Adds a follow or mute; `false` when it was already there.
    pub(super) async fn add_target<T: Target>(
        &self,
        tenant: &TenantId,
        person: &PersonId,
        target: &T,
    ) -> Result<bool> {
        self.change_target(T::INSERT, tenant, person, target.cols())
            .await
    }

    /// Removes a follow or mute; `false` when it was not there.
    pub(super) async fn remove_target<T: Target>(
        &self,
        tenant: &TenantId,
        person: &PersonId,
        target: &T,
    ) -> Result<bool> {
        self.change_target(T::DELETE, tenant, person, target.cols())
            .await
    }

    async fn change_target(
        &self,
        sql: &'static str,
        tenant: &TenantId,
        person: &PersonId,
        (kind, target): (i64, &str),
    ) -> Result<bool> {
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

    /// A page of a person's follows or mutes, in the model's order.
    pub(super) async fn target_page<T: Target>(
        &self,
        tenant: &TenantId,
        person: &PersonId,
        page: &PageRequest,
    ) -> Result<Page<T>> {
        page.validate()?;
        let after = page.cursor.as_ref().map(T::parse_cursor).transpose()?;
        // Before everything: kind -1 sorts before every stored kind.
        let (kind, target) = after.as_ref().map_or((-1, ""), T::cols);
        let mut conn = self.read().await?;
        let rows = sqlx::query(T::PAGE)
            .bind(tenant.as_str())
            .bind(person.as_str())
            .bind(kind)
            .bind(target)
            .bind(limit(page.limit) + 1)
            .fetch_all(&mut *conn)
            .await
            .map_err(map)?;
        let mut items = rows.iter().map(T::from_row).collect::<Result<Vec<T>>>()?;
        let more = items.len() > page.limit;
        items.truncate(page.limit);
        let next = more.then(|| items.last().map(T::cursor)).flatten();
        Ok(Page { items, next })
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
                let (kind, t) = target.cols();
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
}

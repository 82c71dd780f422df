//! Reactions (with their counters, notifications and interactions) and the interaction
//! counts used for ranking affinity.

use serde::Serialize;
use sqlx::Row;
use watercooler_core::{
    Access, NewNotification, NotificationKind, Page, PageRequest, PersonId, PostId, Reaction,
    ReactionKind, Result, TenantId, store::cursor,
};

use super::notify::{insert_notifications, remove_actor};
use super::visibility::{bind_access, visible};
use super::{SqliteStore, begin_write};
use crate::codec::{
    count, id_bytes, id_hex, limit, reaction_kind, reaction_kind_code, time, ts, ts_bound,
};
use crate::error::map;

/// One reaction as it travels in a batch's JSON: post, person, kind, at.
#[derive(Serialize)]
struct ReactionJson<'a>(String, &'a str, i64, i64);

// Counters and interactions follow reactions by the schema's triggers, and the foreign key
// to the post turns a reaction on a missing post into `NotFound`.
impl SqliteStore {
    pub(super) async fn add_reaction_impl(
        &self,
        tenant: &TenantId,
        reaction: &Reaction,
        notification: Option<&NewNotification>,
    ) -> Result<bool> {
        let at = ts(reaction.at)?;
        let mut w = self.writer().await?;
        let mut tx = begin_write(&mut w).await?;
        let added = sqlx::query(
            "INSERT OR IGNORE INTO reactions (tenant, post, person, kind, at) \
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )
        .bind(tenant.as_str())
        .bind(&id_bytes(reaction.post)[..])
        .bind(reaction.person.as_str())
        .bind(reaction_kind_code(reaction.kind))
        .bind(at)
        .execute(&mut *tx)
        .await
        .map_err(map)?;
        if added.rows_affected() == 0 {
            return Ok(false);
        }
        if let Some(n) = notification {
            insert_notifications(&mut tx, tenant, std::slice::from_ref(n)).await?;
        }
        tx.commit().await.map_err(map)?;
        Ok(true)
    }

    pub(super) async fn add_reactions_impl(
        &self,
        tenant: &TenantId,
        reactions: &[Reaction],
    ) -> Result<usize> {
        let rows: Vec<ReactionJson<'_>> = reactions
            .iter()
            .map(|r| {
                Ok(ReactionJson(
                    id_hex(r.post),
                    r.person.as_str(),
                    reaction_kind_code(r.kind),
                    ts(r.at)?,
                ))
            })
            .collect::<Result<_>>()?;
        // In batch order: the first of duplicates wins, existing ones are skipped (and do
        // not fire the trigger). A missing post fails the whole batch.
        self.insert_json_rows(
            "INSERT OR IGNORE INTO reactions (tenant, post, person, kind, at) \
             SELECT ?1, unhex(j.value ->> 0), j.value ->> 1, j.value ->> 2, j.value ->> 3 \
             FROM jsonb_each(?2) AS j ORDER BY j.key",
            tenant,
            &rows,
        )
        .await
    }

    pub(super) async fn remove_reaction_impl(
        &self,
        tenant: &TenantId,
        post: &PostId,
        person: &PersonId,
        kind: ReactionKind,
    ) -> Result<bool> {
        let id = &id_bytes(*post)[..];
        let mut w = self.writer().await?;
        let mut tx = begin_write(&mut w).await?;
        let gone = sqlx::query(
            "DELETE FROM reactions WHERE tenant = ?1 AND post = ?2 AND person = ?3 AND kind = ?4",
        )
        .bind(tenant.as_str())
        .bind(id)
        .bind(person.as_str())
        .bind(reaction_kind_code(kind))
        .execute(&mut *tx)
        .await
        .map_err(map)?;
        if gone.rows_affected() == 0 {
            return Ok(false);
        }
        // With no reaction of theirs left on the post, they leave its author's reaction
        // notification.
        let row = sqlx::query(
            "SELECT p.author, EXISTS (SELECT 1 FROM reactions AS r WHERE r.tenant = p.tenant \
                 AND r.post = p.id AND r.person = ?3) \
             FROM posts AS p WHERE p.tenant = ?1 AND p.id = ?2",
        )
        .bind(tenant.as_str())
        .bind(id)
        .bind(person.as_str())
        .fetch_optional(&mut *tx)
        .await
        .map_err(map)?;
        if let Some(row) = row {
            let author: String = row.try_get(0).map_err(map)?;
            let any_left: bool = row.try_get(1).map_err(map)?;
            if !any_left {
                remove_actor(
                    &mut tx,
                    tenant,
                    &author,
                    NotificationKind::Reaction,
                    id,
                    person.as_str(),
                )
                .await?;
            }
        }
        tx.commit().await.map_err(map)?;
        Ok(true)
    }

    pub(super) async fn reactions_impl(
        &self,
        access: &Access,
        post: &PostId,
        page: &PageRequest,
    ) -> Result<Page<Reaction>> {
        page.validate()?;
        let after = page
            .cursor
            .as_ref()
            .map(cursor::parse_reaction)
            .transpose()?;
        // ?4 post, ?5 limit, ?6-?8 cursor (at, person, kind).
        let sql = if after.is_some() {
            concat!(
                "SELECT r.person, r.kind, r.at FROM posts AS p JOIN reactions AS r ",
                "ON r.tenant = p.tenant AND r.post = p.id ",
                "WHERE p.tenant = ?1 AND p.id = ?4 AND ",
                visible!(),
                " AND (r.at < ?6 OR (r.at = ?6 AND (r.person > ?7 ",
                "OR (r.person = ?7 AND r.kind > ?8)))) ",
                "ORDER BY r.at DESC, r.person, r.kind LIMIT ?5"
            )
        } else {
            concat!(
                "SELECT r.person, r.kind, r.at FROM posts AS p JOIN reactions AS r ",
                "ON r.tenant = p.tenant AND r.post = p.id ",
                "WHERE p.tenant = ?1 AND p.id = ?4 AND ",
                visible!(),
                " ORDER BY r.at DESC, r.person, r.kind LIMIT ?5"
            )
        };
        let (at, kind, person) = after.map_or((0, 0, String::new()), |a| {
            (
                ts_bound(a.at),
                reaction_kind_code(a.kind),
                a.person.as_str().to_owned(),
            )
        });
        let mut conn = self.read().await?;
        let rows = bind_access(sqlx::query(sql), access)
            .bind(&id_bytes(*post)[..])
            .bind(limit(page.limit) + 1)
            .bind(at)
            .bind(person)
            .bind(kind)
            .fetch_all(&mut *conn)
            .await
            .map_err(map)?;
        let mut items = rows
            .iter()
            .map(|r| {
                let person: String = r.try_get(0).map_err(map)?;
                let kind: i64 = r.try_get(1).map_err(map)?;
                let at: i64 = r.try_get(2).map_err(map)?;
                Ok(Reaction {
                    post: *post,
                    person: PersonId::new(person),
                    kind: reaction_kind(kind)?,
                    at: time(at),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let more = items.len() > page.limit;
        items.truncate(page.limit);
        let next = more
            .then(|| {
                items.last().map(|r| {
                    cursor::reaction(&cursor::ReactionPosition {
                        at: r.at,
                        person: r.person.clone(),
                        kind: r.kind,
                    })
                })
            })
            .flatten();
        Ok(Page { items, next })
    }

    pub(super) async fn interactions_impl(
        &self,
        tenant: &TenantId,
        person: &PersonId,
        max: usize,
    ) -> Result<Vec<(PersonId, u32)>> {
        if max == 0 {
            return Ok(Vec::new());
        }
        let mut conn = self.read().await?;
        let rows = sqlx::query(
            "SELECT author, n FROM interactions WHERE tenant = ?1 AND person = ?2 \
             ORDER BY n DESC, author LIMIT ?3",
        )
        .bind(tenant.as_str())
        .bind(person.as_str())
        .bind(limit(max))
        .fetch_all(&mut *conn)
        .await
        .map_err(map)?;
        rows.iter()
            .map(|r| {
                let author: String = r.try_get(0).map_err(map)?;
                let n: i64 = r.try_get(1).map_err(map)?;
                Ok((PersonId::new(author), count(n)))
            })
            .collect()
    }
}

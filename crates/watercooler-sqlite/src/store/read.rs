//! Reading posts: single, by ids, chronological lists, revisions, and the unfiltered reads
//! for derived state. Every viewer-facing statement filters with [`visible!`] in SQL.

use std::collections::HashMap;

use sqlx::Row;
use watercooler_core::store::{Order, PostFilter};
use watercooler_core::{
    Access, Page, PageRequest, Post, PostId, PostView, Result, Revision, TenantId,
};

use watercooler_core::store::cursor;

use super::SqliteStore;
use super::visibility::{bind_access, visible};
use crate::codec::{
    id_bytes, ids_json, limit, post_cols, post_from, post_from_row, time, view_from_row,
};
use crate::error::map;

/// Puts `items` in the order of `ids`, missing ones skipped (an id asked twice is
/// answered twice, as the in-memory reference does).
fn in_order<T: Clone>(ids: &[PostId], items: Vec<T>, id_of: impl Fn(&T) -> PostId) -> Vec<T> {
    let by_id: HashMap<PostId, T> = items.into_iter().map(|t| (id_of(&t), t)).collect();
    ids.iter().filter_map(|id| by_id.get(id).cloned()).collect()
}

impl SqliteStore {
    pub(super) async fn get_posts_impl(
        &self,
        access: &Access,
        ids: &[PostId],
    ) -> Result<Vec<PostView>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut conn = self.read().await?;
        let rows = bind_access(
            sqlx::query(concat!(
                "SELECT ",
                post_cols!(),
                " FROM ",
                post_from!(),
                " WHERE p.tenant = ?1 ",
                "AND p.id IN (SELECT unhex(value) FROM json_each(?4)) AND ",
                visible!()
            )),
            access,
        )
        .bind(ids_json(ids.iter().copied()))
        .fetch_all(&mut *conn)
        .await
        .map_err(map)?;
        let views = rows
            .iter()
            .map(|r| view_from_row(r, 0))
            .collect::<Result<Vec<_>>>()?;
        Ok(in_order(ids, views, |v| v.post.id))
    }

    /// [`watercooler_core::Store::post_views`]: as `get_posts_impl` without the
    /// visibility clause.
    pub(super) async fn post_views_impl(
        &self,
        tenant: &TenantId,
        ids: &[PostId],
    ) -> Result<Vec<PostView>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut conn = self.read().await?;
        let rows = sqlx::query(concat!(
            "SELECT ",
            post_cols!(),
            " FROM ",
            post_from!(),
            " WHERE p.tenant = ?1 ",
            "AND p.id IN (SELECT unhex(value) FROM json_each(?2))"
        ))
        .bind(tenant.as_str())
        .bind(ids_json(ids.iter().copied()))
        .fetch_all(&mut *conn)
        .await
        .map_err(map)?;
        let views = rows
            .iter()
            .map(|r| view_from_row(r, 0))
            .collect::<Result<Vec<_>>>()?;
        Ok(in_order(ids, views, |v| v.post.id))
    }

    pub(super) async fn list_posts_impl(
        &self,
        access: &Access,
        filter: &PostFilter,
        page: &PageRequest,
    ) -> Result<Page<PostView>> {
        page.validate()?;
        let after = page.cursor.as_ref().map(cursor::parse_post).transpose()?;
        // ?1-?3 viewer, ?4 cursor, ?5 limit, ?6 author, ?7 group, ?8 hashtag, ?9 thread.
        // The most selective filter's index drives the scan (in the order the in-memory
        // reference picks it), named with INDEXED BY: left to itself the planner walks the
        // tenant's posts in id order to save a sort, which reads the whole tenant to fill a
        // page of a thread or of a rare author.
        let (from, key) = if filter.thread.is_some() {
            (
                "posts AS p INDEXED BY posts_by_thread \
                 LEFT JOIN post_stats AS s ON s.tenant = p.tenant AND s.post = p.id",
                "p.id",
            )
        } else if filter.author.is_some() {
            (
                "posts AS p INDEXED BY posts_by_author \
                 LEFT JOIN post_stats AS s ON s.tenant = p.tenant AND s.post = p.id",
                "p.id",
            )
        } else if filter.group.is_some() {
            (
                "posts AS p INDEXED BY posts_by_group \
                 LEFT JOIN post_stats AS s ON s.tenant = p.tenant AND s.post = p.id",
                "p.id",
            )
        } else if filter.hashtag.is_some() {
            (
                "post_hashtags AS h CROSS JOIN posts AS p ON p.tenant = h.tenant AND p.id = h.post \
                 LEFT JOIN post_stats AS s ON s.tenant = p.tenant AND s.post = p.id",
                "h.post",
            )
        } else {
            (post_from!(), "p.id")
        };
        let mut sql = format!(
            "SELECT {} FROM {from} WHERE p.tenant = ?1 AND {}",
            post_cols!(),
            visible!()
        );
        let (cmp, dir) = match filter.order {
            Order::NewestFirst => ("<", "DESC"),
            Order::OldestFirst => (">", "ASC"),
        };
        if after.is_some() {
            sql.push_str(&format!(" AND {key} {cmp} ?4"));
        }
        if filter.thread.is_some() {
            sql.push_str(" AND p.thread_root = ?9");
        } else if !filter.include_replies {
            sql.push_str(" AND p.thread_root IS NULL");
        }
        if filter.author.is_some() {
            sql.push_str(" AND p.author = ?6");
        }
        if filter.group.is_some() {
            sql.push_str(" AND p.vis = 'group' AND p.group_id = ?7");
        }
        if filter.hashtag.is_some() {
            sql.push_str(if key == "h.post" {
                " AND h.tenant = ?1 AND h.key = ?8"
            } else {
                " AND EXISTS (SELECT 1 FROM post_hashtags AS h \
                 WHERE h.tenant = p.tenant AND h.key = ?8 AND h.post = p.id)"
            });
        }
        sql.push_str(&format!(" ORDER BY {key} {dir} LIMIT ?5"));

        let mut conn = self.read().await?;
        let rows = bind_access(sqlx::query(sqlx::AssertSqlSafe(sql)), access)
            .bind(after.map(|a| id_bytes(a).to_vec()))
            .bind(limit(page.limit) + 1)
            .bind(filter.author.as_ref().map(|a| a.as_str().to_owned()))
            .bind(filter.group.as_ref().map(|g| g.as_str().to_owned()))
            .bind(filter.hashtag.as_ref().map(|h| h.as_str().to_owned()))
            .bind(filter.thread.map(|t| id_bytes(t).to_vec()))
            .fetch_all(&mut *conn)
            .await
            .map_err(map)?;
        let mut items = rows
            .iter()
            .map(|r| view_from_row(r, 0))
            .collect::<Result<Vec<_>>>()?;
        let more = items.len() > page.limit;
        items.truncate(page.limit);
        let next = if more {
            items.last().map(|v| cursor::post(v.post.id))
        } else {
            None
        };
        Ok(Page { items, next })
    }

    pub(super) async fn revisions_impl(
        &self,
        access: &Access,
        id: &PostId,
    ) -> Result<Vec<Revision>> {
        let mut conn = self.read().await?;
        let rows = bind_access(
            sqlx::query(concat!(
                "SELECT r.number, r.text, r.replaced_at FROM posts AS p JOIN revisions AS r ",
                "ON r.tenant = p.tenant AND r.post = p.id ",
                "WHERE p.tenant = ?1 AND p.id = ?4 AND ",
                visible!(),
                " ORDER BY r.number"
            )),
            access,
        )
        .bind(&id_bytes(*id)[..])
        .fetch_all(&mut *conn)
        .await
        .map_err(map)?;
        rows.iter()
            .map(|r| {
                let number: i64 = r.try_get(0).map_err(map)?;
                let replaced_at: i64 = r.try_get(2).map_err(map)?;
                Ok(Revision {
                    post: *id,
                    number: u32::try_from(number).unwrap_or(u32::MAX),
                    text: r.try_get(1).map_err(map)?,
                    replaced_at: time(replaced_at),
                })
            })
            .collect()
    }

    pub(super) async fn scan_posts_impl(
        &self,
        after: Option<(TenantId, PostId)>,
        max: usize,
    ) -> Result<Vec<Post>> {
        if max == 0 {
            return Ok(Vec::new());
        }
        let mut conn = self.read().await?;
        let rows = match after {
            Some((tenant, id)) => sqlx::query(concat!(
                "SELECT ",
                post_cols!(),
                " FROM ",
                post_from!(),
                " WHERE (p.tenant, p.id) > (?1, ?2) ",
                "ORDER BY p.tenant, p.id LIMIT ?3"
            ))
            .bind(tenant.as_str().to_owned())
            .bind(id_bytes(id).to_vec())
            .bind(limit(max)),
            None => sqlx::query(concat!(
                "SELECT ",
                post_cols!(),
                " FROM ",
                post_from!(),
                " ORDER BY p.tenant, p.id LIMIT ?3"
            ))
            .bind(String::new())
            .bind(Vec::<u8>::new())
            .bind(limit(max)),
        }
        .fetch_all(&mut *conn)
        .await
        .map_err(map)?;
        rows.iter().map(|r| post_from_row(r, 0)).collect()
    }
}

//! Post reads: by id, chronological lists, revisions (all visibility-filtered in SQL), and
//! the unfiltered reads for derived state.

use std::collections::HashMap;

use sqlx::Row;
use uuid::Uuid;
use watercooler_core::store::cursor;
use watercooler_core::store::{Order, PostFilter};
use watercooler_core::{
    Access, Page, PageRequest, Post, PostId, PostView, Result, Revision, TenantId,
};

use super::sql_limit;
use crate::PgStore;
use crate::codec::{self, POST_COLUMNS, post_id, uuid, uuids};
use crate::error::db;
use crate::sql::{Qb, push_visible};

impl PgStore {
    /// The posts among `ids` that `access` may see, in the order of `ids` (repeats kept).
    pub(crate) async fn views(&self, access: &Access, ids: &[PostId]) -> Result<Vec<PostView>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut qb = Qb::new(format!(
            "SELECT {POST_COLUMNS} FROM posts p WHERE p.id = ANY("
        ));
        qb.push_bind(uuids(ids)).push(")");
        push_visible(&mut qb, access);
        let mut s = self.reader(access.tenant()).await?;
        let found = qb.build().fetch_all(s.conn()).await.map_err(db)?;
        s.done().await?;
        let mut by_id: HashMap<PostId, PostView> = HashMap::with_capacity(found.len());
        for row in &found {
            let v = codec::post_view(row)?;
            by_id.insert(v.post.id, v);
        }
        Ok(ids.iter().filter_map(|id| by_id.get(id).cloned()).collect())
    }

    pub(crate) async fn list(
        &self,
        access: &Access,
        filter: &PostFilter,
        page: &PageRequest,
    ) -> Result<Page<PostView>> {
        page.validate()?;
        let after = page.cursor.as_ref().map(cursor::parse_post).transpose()?;
        let include_replies = filter.include_replies || filter.thread.is_some();
        // A hashtag list walks the tag's index rows (tenant, key, post) in post order and
        // looks each post up; every other list walks an index of `posts` itself.
        let (mut qb, order_col) = match &filter.hashtag {
            Some(key) => {
                let mut qb = Qb::new(format!(
                    "SELECT {POST_COLUMNS} FROM post_tags t \
                     JOIN posts p ON p.tenant = t.tenant AND p.id = t.post WHERE t.key = "
                ));
                qb.push_bind(key.as_str().to_owned())
                    .push(" AND t.tenant = ")
                    .push_bind(access.tenant().as_str().to_owned());
                (qb, "t.post")
            }
            None => (
                Qb::new(format!("SELECT {POST_COLUMNS} FROM posts p WHERE TRUE")),
                "p.id",
            ),
        };
        push_visible(&mut qb, access);
        if !include_replies {
            qb.push(" AND p.thread_root IS NULL");
        }
        if let Some(author) = &filter.author {
            qb.push(" AND p.author = ")
                .push_bind(author.as_str().to_owned());
        }
        if let Some(group) = &filter.group {
            qb.push(" AND p.vis_kind = 1 AND p.vis_group = ")
                .push_bind(group.as_str().to_owned());
            if !access.is_member(group) {
                // Only their own posts there are visible: lets the planner use the author
                // index instead of walking the group's posts to find none.
                qb.push(" AND p.author = ")
                    .push_bind(access.person().as_str().to_owned());
            }
        }
        if let Some(root) = filter.thread {
            qb.push(" AND p.thread_root = ").push_bind(uuid(root));
        }
        let (cmp, dir) = match filter.order {
            Order::NewestFirst => ("<", "DESC"),
            Order::OldestFirst => (">", "ASC"),
        };
        if let Some(after) = after {
            qb.push(format!(" AND {order_col} {cmp} "))
                .push_bind(uuid(after));
        }
        qb.push(format!(" ORDER BY {order_col} {dir} LIMIT "))
            .push_bind(sql_limit(page.limit) + 1);
        let mut s = self.reader(access.tenant()).await?;
        let found = qb.build().fetch_all(s.conn()).await.map_err(db)?;
        s.done().await?;
        let more = found.len() > page.limit;
        let items = found
            .iter()
            .take(page.limit)
            .map(codec::post_view)
            .collect::<Result<Vec<_>>>()?;
        let next = if more {
            items.last().map(|v| cursor::post(v.post.id))
        } else {
            None
        };
        Ok(Page { items, next })
    }

    pub(crate) async fn visible_revisions(
        &self,
        access: &Access,
        id: PostId,
    ) -> Result<Vec<Revision>> {
        let mut qb = Qb::new(
            "SELECT r.number, r.body, r.replaced_at FROM revisions r \
             JOIN posts p ON p.tenant = r.tenant AND p.id = r.post WHERE r.post = ",
        );
        qb.push_bind(uuid(id))
            .push(" AND r.tenant = ")
            .push_bind(access.tenant().as_str().to_owned());
        push_visible(&mut qb, access);
        qb.push(" ORDER BY r.number");
        let mut s = self.reader(access.tenant()).await?;
        let found = qb.build().fetch_all(s.conn()).await.map_err(db)?;
        s.done().await?;
        found
            .iter()
            .map(|row| {
                Ok(Revision {
                    post: id,
                    number: u32::try_from(row.try_get::<i32, _>(0).map_err(db)?).unwrap_or(0),
                    text: row.try_get(1).map_err(db)?,
                    replaced_at: row.try_get(2).map_err(db)?,
                })
            })
            .collect()
    }

    /// Posts by id without a visibility filter, in the order of `ids` (repeats kept).
    /// Posts by id with their counters, regardless of visibility
    /// ([`watercooler_core::Store::post_views`]).
    pub(crate) async fn raw_views(
        &self,
        tenant: &TenantId,
        ids: &[PostId],
    ) -> Result<Vec<PostView>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut s = self.reader(tenant).await?;
        let found = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {POST_COLUMNS} FROM posts p WHERE p.tenant = $1 AND p.id = ANY($2)"
        )))
        .bind(tenant.as_str())
        .bind(uuids(ids))
        .fetch_all(s.conn())
        .await
        .map_err(db)?;
        s.done().await?;
        let mut by_id: HashMap<PostId, PostView> = HashMap::with_capacity(found.len());
        for row in &found {
            let v = codec::post_view(row)?;
            by_id.insert(v.post.id, v);
        }
        Ok(ids.iter().filter_map(|id| by_id.get(id).cloned()).collect())
    }

    /// Every post of every tenant after `after` in (tenant, id) order.
    pub(crate) async fn scan(
        &self,
        after: Option<(TenantId, PostId)>,
        limit: usize,
    ) -> Result<Vec<Post>> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let mut qb = Qb::new(format!("SELECT {POST_COLUMNS} FROM posts p"));
        if let Some((tenant, id)) = &after {
            // A row comparison: walks the primary key from the position on.
            qb.push(" WHERE (p.tenant, p.id) > (")
                .push_bind(tenant.as_str().to_owned())
                .push(", ")
                .push_bind(uuid(*id))
                .push(")");
        }
        qb.push(" ORDER BY p.tenant, p.id LIMIT ")
            .push_bind(sql_limit(limit));
        let mut s = self.reader_all_tenants().await?;
        let found = qb.build().fetch_all(s.conn()).await.map_err(db)?;
        s.done().await?;
        found.iter().map(codec::post).collect()
    }
}

/// A row's post id in column `i`.
pub(crate) fn id_at(row: &sqlx::postgres::PgRow, i: usize) -> Result<PostId> {
    row.try_get::<Uuid, _>(i).map(post_id).map_err(db)
}

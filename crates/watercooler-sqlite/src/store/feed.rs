//! Candidates of a ranked home feed: one statement that draws each source's newest visible
//! roots, the popular out-of-network posts and the pinned announcements, and marks why each
//! was drawn.

use sqlx::Row;
use watercooler_core::store::{Candidate, CandidateQuery, CandidateSources};
use watercooler_core::{Access, GroupId, PersonId, Result};

use super::SqliteStore;
use super::visibility::{bind_access, visible};
use crate::codec::{
    PostRowJson, id_bytes, id_floor, limit, post_from, post_json, strings_json, ts_bound,
};
use crate::error::{bad_data, map};

/// Engagement as the in-memory reference scores it: reactions + 2 x replies.
macro_rules! score {
    () => {
        "(s.r_like + s.r_celebrate + s.r_support + s.r_insightful + s.r_funny + 2 * s.replies)"
    };
}

/// ?1-?3 viewer, ?4 lowest id, ?5 highest id, ?6 since, ?7 per source, ?8 authors,
/// ?9 asked groups the viewer is a member of, ?10 hashtag keys, ?11 mentions wanted,
/// ?12 popular, ?13 now.
///
/// Each source is driven from its own index (`CROSS JOIN` fixes the join order and
/// `INDEXED BY` the index): left to itself, the planner prefers walking the tenant's posts
/// in id order to avoid a sort, which reads every post of the window for a viewer who
/// follows three people.
const CANDIDATES: &str = concat!(
    "WITH ",
    "a AS MATERIALIZED (SELECT DISTINCT p.id FROM json_each(?8) AS au ",
    "CROSS JOIN posts AS p INDEXED BY posts_by_author WHERE p.tenant = ?1 ",
    "AND p.author = au.value AND p.id BETWEEN ?4 AND ?5 ",
    "AND p.thread_root IS NULL AND p.created_at >= ?6 AND ",
    visible!(),
    " ORDER BY p.id DESC LIMIT ?7), ",
    "g AS MATERIALIZED (SELECT DISTINCT p.id FROM json_each(?9) AS gr ",
    "CROSS JOIN posts AS p INDEXED BY posts_by_group WHERE p.tenant = ?1 AND p.vis = 'group' ",
    "AND p.group_id = gr.value AND p.id BETWEEN ?4 AND ?5 ",
    "AND p.thread_root IS NULL AND p.created_at >= ?6 AND ",
    visible!(),
    " ORDER BY p.id DESC LIMIT ?7), ",
    "h AS MATERIALIZED (SELECT DISTINCT p.id FROM json_each(?10) AS k ",
    "CROSS JOIN post_hashtags AS t CROSS JOIN posts AS p ",
    "WHERE t.tenant = ?1 AND t.key = k.value AND t.post BETWEEN ?4 AND ?5 ",
    "AND p.tenant = t.tenant AND p.id = t.post ",
    "AND p.thread_root IS NULL AND p.created_at >= ?6 AND ",
    visible!(),
    " ORDER BY p.id DESC LIMIT ?7), ",
    "m AS MATERIALIZED (SELECT p.id FROM post_mentions AS t CROSS JOIN posts AS p ",
    "WHERE ?11 AND t.tenant = ?1 AND t.person = ?2 AND t.post BETWEEN ?4 AND ?5 ",
    "AND p.tenant = t.tenant AND p.id = t.post ",
    "AND p.thread_root IS NULL AND p.created_at >= ?6 AND ",
    visible!(),
    " ORDER BY p.id DESC LIMIT ?7), ",
    "found AS MATERIALIZED (SELECT id FROM a UNION SELECT id FROM g UNION SELECT id FROM h ",
    "UNION SELECT id FROM m), ",
    // The most engaged organisation roots of the window that no source brought, ties to
    // the newer post. The engaged ones come from their own partial index; posts without
    // engagement only matter when fewer than ?12 have some, and then the newest count.
    "pop AS MATERIALIZED (SELECT id FROM (",
    "SELECT s.post AS id, ",
    score!(),
    " AS score FROM post_stats AS s ",
    "INDEXED BY post_stats_engaged WHERE ?12 > 0 AND s.tenant = ?1 ",
    "AND s.post BETWEEN ?4 AND ?5 AND s.org_root AND ",
    "s.r_like + s.r_celebrate + s.r_support + s.r_insightful + s.r_funny + 2 * s.replies > 0 ",
    "AND s.created_at >= ?6 AND s.post NOT IN (SELECT id FROM found) ",
    "UNION ALL SELECT id, 0 FROM (SELECT s.post AS id FROM post_stats AS s WHERE ?12 > 0 ",
    "AND s.tenant = ?1 AND s.post BETWEEN ?4 AND ?5 AND s.org_root AND ",
    score!(),
    " = 0 ",
    "AND s.created_at >= ?6 AND s.post NOT IN (SELECT id FROM found) ",
    "ORDER BY s.post DESC LIMIT ?12)",
    ") ORDER BY score DESC, id DESC LIMIT ?12), ",
    "pin AS MATERIALIZED (SELECT p.id FROM posts AS p INDEXED BY posts_pinned ",
    "WHERE p.tenant = ?1 AND p.pinned_until > ?13 AND p.id <= ?5 AND ",
    visible!(),
    ") ",
    // All candidates come back as one JSON row: handing ~200 rows one by one from
    // SQLite's thread costs more than building and parsing the JSON.
    "SELECT json_group_array(json(x) ORDER BY id DESC) FROM (SELECT p.id AS id, json_array(",
    post_json!(),
    ", p.id IN (SELECT id FROM a), p.id IN (SELECT id FROM g), ",
    "p.id IN (SELECT id FROM h), p.id IN (SELECT id FROM m), p.id IN (SELECT id FROM pin), ",
    "p.id IN (SELECT id FROM pop)) AS x ",
    "FROM (SELECT id FROM found UNION SELECT id FROM pop UNION SELECT id FROM pin) AS c ",
    "CROSS JOIN ",
    post_from!(),
    " WHERE p.tenant = ?1 AND p.id = c.id)"
);

/// One candidate as the statement returns it: the post, then the six source flags.
type CandidateJson = (PostRowJson, u8, u8, u8, u8, u8, u8);

impl SqliteStore {
    pub(super) async fn feed_candidates_impl(
        &self,
        access: &Access,
        q: &CandidateQuery,
    ) -> Result<Vec<Candidate>> {
        // A group source counts only for members (others see just their own posts there,
        // which the author source finds if asked).
        let groups: Vec<&str> = q
            .groups
            .iter()
            .filter(|g| access.is_member(g))
            .map(GroupId::as_str)
            .collect();
        let mut conn = self.read().await?;
        let json: String = bind_access(sqlx::query(CANDIDATES), access)
            .bind(id_bytes(id_floor(q.since)).to_vec())
            .bind(id_bytes(q.max_id).to_vec())
            .bind(ts_bound(q.since))
            .bind(limit(q.per_source))
            .bind(strings_json(q.authors.iter().map(PersonId::as_str)))
            .bind(strings_json(groups))
            .bind(strings_json(q.hashtags.iter().map(|k| k.as_str())))
            .bind(q.mentioning_viewer)
            .bind(limit(q.popular))
            .bind(ts_bound(q.now))
            .fetch_one(&mut *conn)
            .await
            .map_err(map)?
            .try_get(0)
            .map_err(map)?;
        drop(conn);
        let rows: Vec<CandidateJson> =
            serde_json::from_str(&json).map_err(|e| bad_data(format!("candidates: {e}")))?;
        rows.into_iter()
            .map(|(post, a, g, h, m, pin, pop)| {
                Ok(Candidate {
                    view: post.into_view()?,
                    sources: CandidateSources {
                        followed_author: a != 0,
                        group: g != 0,
                        hashtag: h != 0,
                        mention: m != 0,
                        pinned: pin != 0,
                        popular: pop != 0,
                    },
                })
            })
            .collect()
    }
}

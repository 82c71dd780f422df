//! Home-feed candidates in one statement: a CTE per source (each its own newest-first
//! `LIMIT`), pinned announcements, then the popular organisation posts no source brought.
//! The visibility rule applies inside every source.

use sqlx::Row;
use watercooler_core::store::{Candidate, CandidateQuery, CandidateSources};
use watercooler_core::{Access, PostId, Result};

use super::sql_limit;
use crate::PgStore;
use crate::codec::{self, POST_COLUMN_COUNT, POST_COLUMNS, uuid};
use crate::error::db;
use crate::sql::{Qb, push_visible};

/// Bits of the `sources` column.
const AUTHOR: i32 = 1;
const GROUP: i32 = 2;
const HASHTAG: i32 = 4;
const MENTION: i32 = 8;
const PINNED: i32 = 16;
const POPULAR: i32 = 32;

/// The smallest post id whose embedded time is not before `since`'s millisecond: ids are
/// never older than their creation time, so this bounds the id range the sources scan (as
/// the reference store does).
fn id_floor(since: chrono::DateTime<chrono::Utc>) -> PostId {
    let ms = since.timestamp_millis().clamp(0, (1 << 48) - 1) as u128;
    PostId::from_u128(ms << 80)
}

/// The window every source draws from: root posts of the tenant the viewer may see, with
/// ids in `lo..=hi` and created at or after `since` (posts aliased `p`).
fn push_window(qb: &mut Qb, access: &Access, q: &CandidateQuery, lo: PostId) {
    qb.push(" AND p.thread_root IS NULL");
    push_visible(qb, access);
    qb.push(" AND p.id >= ").push_bind(uuid(lo));
    qb.push(" AND p.id <= ").push_bind(uuid(q.max_id));
    qb.push(" AND p.created_at >= ").push_bind(q.since);
}

/// Sorted, deduplicated strings: one lateral scan per distinct key.
fn distinct(v: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut v: Vec<String> = v.into_iter().collect();
    v.sort_unstable();
    v.dedup();
    v
}

impl PgStore {
    /// Each source scans, per key (author, group, tag, the viewer as mentioned), the index
    /// that leads with that key, newest first, taking at most `per_source` rows per key
    /// (`LATERAL … LIMIT`), and then keeps the newest `per_source` of their union: the
    /// k-way merge the reference store does. Its cost follows what it returns, not the
    /// size of the window, and the plan does not depend on table statistics.
    pub(crate) async fn candidates(
        &self,
        access: &Access,
        q: &CandidateQuery,
    ) -> Result<Vec<Candidate>> {
        let lo = id_floor(q.since);
        let hi = q.max_id;
        let per = sql_limit(q.per_source);
        let in_range = lo <= hi;
        let mut qb = Qb::new("WITH ");
        let mut network: Vec<(&str, i32)> = Vec::new();

        if in_range && per > 0 {
            let authors = distinct(q.authors.iter().map(|a| a.as_str().to_owned()));
            if !authors.is_empty() {
                qb.push("s_author AS (SELECT x.id FROM unnest(")
                    .push_bind(authors);
                qb.push(
                    "::text[]) AS k(author) CROSS JOIN LATERAL (SELECT p.id FROM posts p \
                     WHERE p.author = k.author",
                );
                push_window(&mut qb, access, q, lo);
                qb.push(" ORDER BY p.id DESC LIMIT ").push_bind(per);
                qb.push(") x ORDER BY x.id DESC LIMIT ")
                    .push_bind(per)
                    .push("), ");
                network.push(("s_author", AUTHOR));
            }
            // Only groups the viewer is in: following a group grants nothing.
            let groups = distinct(
                q.groups
                    .iter()
                    .filter(|g| access.is_member(g))
                    .map(|g| g.as_str().to_owned()),
            );
            if !groups.is_empty() {
                qb.push("s_group AS (SELECT x.id FROM unnest(")
                    .push_bind(groups);
                qb.push(
                    "::text[]) AS k(grp) CROSS JOIN LATERAL (SELECT p.id FROM posts p \
                     WHERE p.vis_kind = 1 AND p.vis_group = k.grp",
                );
                push_window(&mut qb, access, q, lo);
                qb.push(" ORDER BY p.id DESC LIMIT ").push_bind(per);
                qb.push(") x ORDER BY x.id DESC LIMIT ")
                    .push_bind(per)
                    .push("), ");
                network.push(("s_group", GROUP));
            }
            let keys = distinct(q.hashtags.iter().map(|k| k.as_str().to_owned()));
            if !keys.is_empty() {
                // A post carrying two followed tags comes from two scans: DISTINCT.
                qb.push("s_tag AS (SELECT DISTINCT x.id FROM unnest(")
                    .push_bind(keys);
                qb.push(
                    "::text[]) AS k(tag) CROSS JOIN LATERAL (SELECT p.id FROM post_tags t \
                     JOIN posts p ON p.tenant = t.tenant AND p.id = t.post \
                     WHERE t.key = k.tag AND t.tenant = ",
                )
                .push_bind(access.tenant().as_str().to_owned());
                qb.push(" AND t.post >= ").push_bind(uuid(lo));
                qb.push(" AND t.post <= ").push_bind(uuid(hi));
                push_window(&mut qb, access, q, lo);
                qb.push(" ORDER BY t.post DESC LIMIT ").push_bind(per);
                qb.push(") x ORDER BY x.id DESC LIMIT ")
                    .push_bind(per)
                    .push("), ");
                network.push(("s_tag", HASHTAG));
            }
            if q.mentioning_viewer {
                qb.push(
                    "s_mention AS (SELECT p.id FROM post_mentions m \
                     JOIN posts p ON p.tenant = m.tenant AND p.id = m.post WHERE m.person = ",
                )
                .push_bind(access.person().as_str().to_owned());
                qb.push(" AND m.tenant = ")
                    .push_bind(access.tenant().as_str().to_owned());
                qb.push(" AND m.post >= ").push_bind(uuid(lo));
                qb.push(" AND m.post <= ").push_bind(uuid(hi));
                push_window(&mut qb, access, q, lo);
                qb.push(" ORDER BY m.post DESC LIMIT ")
                    .push_bind(per)
                    .push("), ");
                network.push(("s_mention", MENTION));
            }
        }
        // Pinned announcements: any age, still pinned at `now`, within the snapshot.
        qb.push("s_pinned AS (SELECT p.id FROM posts p WHERE p.pinned_until > ")
            .push_bind(q.now);
        push_visible(&mut qb, access);
        qb.push(" AND p.id <= ").push_bind(uuid(hi)).push("), ");

        qb.push("network AS (");
        for (i, (name, bit)) in network.iter().enumerate() {
            if i > 0 {
                qb.push(" UNION ALL ");
            }
            qb.push(format!("SELECT id, {bit} AS b FROM {name}"));
        }
        if network.is_empty() {
            qb.push("SELECT NULL::uuid AS id, 0 AS b WHERE FALSE");
        }
        qb.push("), ");

        // Out of network: the most engaged organisation roots of the window, ties to the
        // newer, that no source (pinning aside) brought. The best `popular + |network|`
        // are taken first (a top-N sort of the window), then the network's are dropped:
        // at most |network| of them can be among the best.
        let popular = in_range && q.popular > 0;
        if popular {
            qb.push(
                "s_pool AS (SELECT p.id, (p.reactions[1] + p.reactions[2] + p.reactions[3] \
                 + p.reactions[4] + p.reactions[5])::bigint + 2 * p.replies::bigint AS score \
                 FROM posts p WHERE p.vis_kind = 0 AND p.thread_root IS NULL AND p.tenant = ",
            )
            .push_bind(access.tenant().as_str().to_owned());
            qb.push(" AND p.id >= ").push_bind(uuid(lo));
            qb.push(" AND p.id <= ").push_bind(uuid(hi));
            qb.push(" AND p.created_at >= ").push_bind(q.since);
            qb.push(" ORDER BY score DESC, p.id DESC LIMIT ")
                .push_bind(sql_limit(q.popular))
                .push(" + (SELECT count(*) FROM network)), ");
            qb.push(
                "s_popular AS (SELECT s.id FROM s_pool s \
                 WHERE NOT EXISTS (SELECT 1 FROM network n WHERE n.id = s.id) \
                 ORDER BY s.score DESC, s.id DESC LIMIT ",
            )
            .push_bind(sql_limit(q.popular))
            .push("), ");
        }

        qb.push("found AS (SELECT id, bit_or(b) AS b FROM (SELECT id, b FROM network");
        qb.push(format!(" UNION ALL SELECT id, {PINNED} FROM s_pinned"));
        if popular {
            qb.push(format!(" UNION ALL SELECT id, {POPULAR} FROM s_popular"));
        }
        qb.push(") x GROUP BY id) ");
        qb.push(format!(
            "SELECT {POST_COLUMNS}, f.b FROM found f JOIN posts p ON p.tenant = "
        ))
        .push_bind(access.tenant().as_str().to_owned())
        .push(" AND p.id = f.id ORDER BY p.id DESC");

        // Each source walks the index that leads with its key, whatever the values: a
        // generic plan is as good as a custom one and saves planning this large statement
        // at every call (measured: ~3 ms of 5–8 ms on the corpus).
        let mut s = self.reader_generic_plan(access.tenant()).await?;
        let found = qb.build().fetch_all(s.conn()).await.map_err(db)?;
        s.done().await?;
        found
            .iter()
            .map(|row| {
                let b: i32 = row.try_get(POST_COLUMN_COUNT).map_err(db)?;
                let sources = CandidateSources {
                    followed_author: b & AUTHOR != 0,
                    group: b & GROUP != 0,
                    hashtag: b & HASHTAG != 0,
                    mention: b & MENTION != 0,
                    pinned: b & PINNED != 0,
                    popular: b & POPULAR != 0,
                };
                Ok(Candidate {
                    view: codec::post_view(row)?,
                    sources,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use chrono::DateTime;

    use super::*;

    #[test]
    fn id_floor_is_below_every_id_of_that_millisecond() {
        let t = DateTime::from_timestamp_millis(1_360_000_000_123).unwrap();
        let floor = id_floor(t);
        assert!(floor <= PostId::from_parts(t, 0));
        assert!(floor > PostId::from_parts(t - chrono::Duration::milliseconds(1), u64::MAX));
    }
}

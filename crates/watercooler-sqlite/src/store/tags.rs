//! Hashtag statistics over visible posts: activity per time bucket (for trends) and
//! prefix suggestions (for the composer).

use chrono::{DateTime, Utc};
use sqlx::Row;
use watercooler_core::store::{TagBucket, TagSuggestion};
use watercooler_core::watercooler_text::hashtag_key;
use watercooler_core::{Access, Error, Result};

use super::SqliteStore;
use super::visibility::{bind_access, visible};
use crate::codec::{count, id_bytes, id_floor, limit, ts_bound};
use crate::error::map;

/// The most suggestions one call returns (as the in-memory reference).
const MAX_SUGGESTIONS: usize = 200;

/// ?1-?3 viewer, ?4 lowest id, ?5 since, ?6 bucket seconds. The window's posts are read
/// in id order and their tags taken from their entities. Seconds are floored (times
/// before 1970 are negative), then floored to the bucket; buckets over 10^11 s (longer
/// than every storable time is from the epoch) are 0 or -b directly, where the modulo
/// formula could overflow. The display is the tag as last typed in the bucket's newest post
/// (the bare column of the one `max()`, over post id then position in the post).
const ACTIVITY: &str = concat!(
    "WITH x AS (SELECT h.value ->> 0 AS key, h.value ->> 1 AS display, p.author AS author, ",
    "hex(p.id) || printf('%010d', h.key) AS ord, ",
    "(p.created_at - (((p.created_at % 1000000000) + 1000000000) % 1000000000)) / 1000000000 ",
    "AS secs FROM posts AS p CROSS JOIN json_each(p.entities, '$.h') AS h ",
    "WHERE p.tenant = ?1 AND p.id >= ?4 AND p.created_at >= ?5 AND ",
    visible!(),
    ") ",
    "SELECT key, CASE WHEN ?6 > 100000000000 THEN (CASE WHEN secs >= 0 THEN 0 ELSE -?6 END) ",
    "ELSE secs - (((secs % ?6) + ?6) % ?6) END AS bucket, count(DISTINCT author), display, ",
    "max(ord) FROM x GROUP BY key, bucket ORDER BY key, bucket"
);

/// ?1-?3 viewer, ?4 lowest key, ?5 key bound (exclusive, NULL for none), ?6 limit.
const SUGGEST: &str = concat!(
    "SELECT t.key, count(*) AS n, t.display, max(p.id) FROM post_hashtags AS t ",
    "CROSS JOIN posts AS p ON p.tenant = t.tenant AND p.id = t.post ",
    "WHERE t.tenant = ?1 AND t.key >= ?4 AND (?5 IS NULL OR t.key < ?5) AND ",
    visible!(),
    " GROUP BY t.key ORDER BY n DESC, t.key LIMIT ?6"
);

/// The smallest string greater than every string starting with `prefix` (`None` when
/// there is none, for the empty prefix). UTF-8 byte order is code point order, so this is
/// `prefix` with its last character incremented (dropping trailing `char::MAX`s).
fn prefix_bound(prefix: &str) -> Option<String> {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        let next = match last as u32 {
            0xD7FF => Some('\u{E000}'),
            c => char::from_u32(c + 1),
        };
        if let Some(n) = next {
            chars.push(n);
            return Some(chars.into_iter().collect());
        }
    }
    None
}

impl SqliteStore {
    pub(super) async fn tag_activity_impl(
        &self,
        access: &Access,
        since: DateTime<Utc>,
        bucket_seconds: i64,
    ) -> Result<Vec<TagBucket>> {
        if bucket_seconds <= 0 {
            return Err(Error::invalid("bucket_seconds", "must be positive"));
        }
        let mut conn = self.read().await?;
        let rows = bind_access(sqlx::query(ACTIVITY), access)
            .bind(id_bytes(id_floor(since)).to_vec())
            .bind(ts_bound(since))
            .bind(bucket_seconds)
            .fetch_all(&mut *conn)
            .await
            .map_err(map)?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let key: String = r.try_get(0).map_err(map)?;
            let bucket: i64 = r.try_get(1).map_err(map)?;
            let authors: i64 = r.try_get(2).map_err(map)?;
            let display: String = r.try_get(3).map_err(map)?;
            // A bucket before the representable times is left out, as the reference does.
            let Some(bucket_start) = DateTime::from_timestamp(bucket, 0) else {
                continue;
            };
            out.push(TagBucket {
                key: hashtag_key(&key),
                display,
                bucket_start,
                authors: count(authors),
            });
        }
        Ok(out)
    }

    pub(super) async fn suggest_tags_impl(
        &self,
        access: &Access,
        key_prefix: &str,
        max: usize,
    ) -> Result<Vec<TagSuggestion>> {
        let max = max.min(MAX_SUGGESTIONS);
        if max == 0 {
            return Ok(Vec::new());
        }
        let mut conn = self.read().await?;
        let rows = bind_access(sqlx::query(SUGGEST), access)
            .bind(key_prefix.to_owned())
            .bind(prefix_bound(key_prefix))
            .bind(limit(max))
            .fetch_all(&mut *conn)
            .await
            .map_err(map)?;
        rows.iter()
            .map(|r| {
                let key: String = r.try_get(0).map_err(map)?;
                let n: i64 = r.try_get(1).map_err(map)?;
                Ok(TagSuggestion {
                    key: hashtag_key(&key),
                    display: r.try_get(2).map_err(map)?,
                    posts: count(n),
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::prefix_bound;

    #[test]
    fn prefix_bound_is_the_next_string_after_every_extension() {
        assert_eq!(prefix_bound("ab").as_deref(), Some("ac"));
        assert_eq!(prefix_bound(""), None);
        assert_eq!(prefix_bound("\u{10FFFF}"), None);
        assert_eq!(prefix_bound("a\u{10FFFF}").as_deref(), Some("b"));
        assert_eq!(prefix_bound("\u{D7FF}").as_deref(), Some("\u{E000}"));
        for ext in ["", "z", "\u{10FFFF}\u{10FFFF}", "é"] {
            let s = format!("ab{ext}");
            assert!(s.as_str() < prefix_bound("ab").unwrap().as_str());
        }
    }
}

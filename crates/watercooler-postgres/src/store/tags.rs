//! Hashtag statistics over visible posts: activity buckets (trends) and suggestions.

use chrono::{DateTime, Utc};
use sqlx::Row;
use watercooler_core::store::{TagBucket, TagSuggestion};
use watercooler_core::{Access, Error, PostId, Result};

use crate::PgStore;
use crate::codec::{self, uuid};
use crate::error::db;
use crate::sql::{Qb, prefix_upper_bound, push_visible};

/// The most suggestions one call returns.
const MAX_SUGGESTIONS: usize = 200;

/// See `feed.rs`: the smallest id of `since`'s millisecond.
fn id_floor(since: DateTime<Utc>) -> PostId {
    let ms = since.timestamp_millis().clamp(0, (1 << 48) - 1) as u128;
    PostId::from_u128(ms << 80)
}

impl PgStore {
    pub(crate) async fn activity(
        &self,
        access: &Access,
        since: DateTime<Utc>,
        bucket_seconds: i64,
    ) -> Result<Vec<TagBucket>> {
        if bucket_seconds <= 0 {
            return Err(Error::invalid("bucket_seconds", "must be positive"));
        }
        // The bucket number is floor(seconds / length); the display is the spelling in the
        // bucket's newest post (its last occurrence there).
        let mut qb = Qb::new(
            "SELECT t.key, (array_agg(t.display_last ORDER BY p.id DESC))[1], \
                    floor(extract(epoch FROM p.created_at) / ",
        );
        qb.push_bind(bucket_seconds).push(
            ")::bigint AS bucket, count(DISTINCT p.author) \
             FROM post_tags t JOIN posts p ON p.tenant = t.tenant AND p.id = t.post \
             WHERE t.tenant = ",
        );
        qb.push_bind(access.tenant().as_str().to_owned());
        qb.push(" AND t.created_at >= ").push_bind(since);
        qb.push(" AND p.created_at >= ").push_bind(since);
        qb.push(" AND p.id >= ").push_bind(uuid(id_floor(since)));
        push_visible(&mut qb, access);
        qb.push(" GROUP BY t.key, bucket ORDER BY t.key, bucket");
        let mut s = self.reader(access.tenant()).await?;
        let found = qb.build().fetch_all(s.conn()).await.map_err(db)?;
        s.done().await?;
        let mut out = Vec::with_capacity(found.len());
        for row in &found {
            let key: String = row.try_get(0).map_err(db)?;
            let bucket: i64 = row.try_get(2).map_err(db)?;
            let authors: i64 = row.try_get(3).map_err(db)?;
            // A bucket start beyond what a timestamp can hold is left out, as the reference
            // store does.
            let Some(start) = bucket.checked_mul(bucket_seconds) else {
                continue;
            };
            let Some(bucket_start) = DateTime::from_timestamp(start, 0) else {
                continue;
            };
            out.push(TagBucket {
                key: codec::tag_key(&key),
                display: row.try_get(1).map_err(db)?,
                bucket_start,
                authors: u32::try_from(authors).unwrap_or(u32::MAX),
            });
        }
        Ok(out)
    }

    pub(crate) async fn suggest(
        &self,
        access: &Access,
        prefix: &str,
        limit: usize,
    ) -> Result<Vec<TagSuggestion>> {
        let limit = limit.min(MAX_SUGGESTIONS);
        // PostgreSQL text cannot hold NUL, so no stored key starts with such a prefix.
        if limit == 0 || prefix.contains('\0') {
            return Ok(Vec::new());
        }
        // Most used first, equal counts alphabetically; the display is the first spelling
        // in the newest visible post carrying the tag.
        let mut qb = Qb::new(
            "SELECT t.key, (array_agg(t.display_first ORDER BY p.id DESC))[1], count(*) \
             FROM post_tags t JOIN posts p ON p.tenant = t.tenant AND p.id = t.post \
             WHERE t.tenant = ",
        );
        qb.push_bind(access.tenant().as_str().to_owned());
        qb.push(" AND t.key >= ").push_bind(prefix.to_owned());
        if let Some(upper) = prefix_upper_bound(prefix) {
            qb.push(" AND t.key < ").push_bind(upper);
        }
        push_visible(&mut qb, access);
        qb.push(" GROUP BY t.key ORDER BY count(*) DESC, t.key LIMIT ")
            .push_bind(i64::try_from(limit).unwrap_or(i64::MAX));
        let mut s = self.reader(access.tenant()).await?;
        let found = qb.build().fetch_all(s.conn()).await.map_err(db)?;
        s.done().await?;
        found
            .iter()
            .map(|row| {
                let key: String = row.try_get(0).map_err(db)?;
                let posts: i64 = row.try_get(2).map_err(db)?;
                Ok(TagSuggestion {
                    key: codec::tag_key(&key),
                    display: row.try_get(1).map_err(db)?,
                    posts: u32::try_from(posts).unwrap_or(u32::MAX),
                })
            })
            .collect()
    }
}

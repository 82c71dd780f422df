//! Conversions between the model and SQLite values: ids as 16-byte BLOBs, times as
//! nanoseconds, entities as compact JSON. (Cursors are the core's,
//! `watercooler_core::store::cursor`.)

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use sqlx::sqlite::SqliteRow;
use watercooler_core::watercooler_text::hashtag_key;
use watercooler_core::{
    Error, GroupId, HashtagRef, Language, MentionRef, PersonId, Post, PostId, PostStats,
    ReactionKind, Result, TenantId, UrlRef, Visibility,
};

use crate::error::{bad_data, map};

// ----- scalars ------------------------------------------------------------------------------

/// A time as stored: nanoseconds since the Unix epoch. Times outside 1677–2262 do not fit
/// and are refused as invalid input rather than silently rounded.
pub(crate) fn ts(t: DateTime<Utc>) -> Result<i64> {
    t.timestamp_nanos_opt()
        .ok_or_else(|| Error::invalid("time", "outside the years 1677 to 2262"))
}

/// A time as a bound of a comparison: like [`ts`], but times outside the storable range
/// become the smallest or largest value, which compare the same way against every
/// stored time.
pub(crate) fn ts_bound(t: DateTime<Utc>) -> i64 {
    t.timestamp_nanos_opt().unwrap_or(if t.timestamp() < 0 {
        i64::MIN
    } else {
        i64::MAX
    })
}

/// The smallest post id whose embedded time is not before `t`'s millisecond. Ids are
/// never older than their post's `created_at` (the id generator only moves time forward),
/// so `id >= id_floor(since)` narrows a scan to a range without losing a post.
pub(crate) fn id_floor(t: DateTime<Utc>) -> PostId {
    let ms = t.timestamp_millis().clamp(0, (1 << 48) - 1) as u128;
    PostId::from_u128(ms << 80)
}

/// A stored time.
pub(crate) fn time(ns: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_nanos(ns)
}

/// A post id as stored.
pub(crate) fn id_bytes(id: PostId) -> [u8; 16] {
    id.to_bytes()
}

/// A stored post id.
pub(crate) fn post_id(bytes: &[u8]) -> Result<PostId> {
    let b: [u8; 16] = bytes
        .try_into()
        .map_err(|_| bad_data(format!("post id of {} bytes", bytes.len())))?;
    Ok(PostId::from_bytes(b))
}

/// A post id as 32 hex digits, as handed to SQL's `unhex()` inside JSON arrays.
pub(crate) fn id_hex(id: PostId) -> String {
    format!("{:032x}", id.as_u128())
}

/// A JSON array of post ids for `json_each` (decoded in SQL with `unhex`).
pub(crate) fn ids_json(ids: impl IntoIterator<Item = PostId>) -> String {
    use std::fmt::Write as _;
    // Hex digits need no escaping.
    let mut s = String::from("[");
    for (i, id) in ids.into_iter().enumerate() {
        let sep = if i > 0 { "," } else { "" };
        let _ = write!(s, "{sep}\"{:032x}\"", id.as_u128());
    }
    s.push(']');
    s
}

/// A JSON array of strings for `json_each`.
pub(crate) fn strings_json<'a>(items: impl IntoIterator<Item = &'a str>) -> String {
    let v: Vec<&str> = items.into_iter().collect();
    serde_json::to_string(&v).unwrap_or_else(|_| "[]".to_owned())
}

/// A count stored as INTEGER, as the model's `u32` (saturating; negative counts are 0).
pub(crate) fn count(n: i64) -> u32 {
    u32::try_from(n.max(0)).unwrap_or(u32::MAX)
}

/// A count or limit from the API as an SQL integer.
pub(crate) fn limit(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

// ----- enums --------------------------------------------------------------------------------

/// A reaction kind as stored: its index in [`ReactionKind::ALL`].
pub(crate) fn reaction_kind_code(k: ReactionKind) -> i64 {
    k.index() as i64
}

/// A stored reaction kind.
pub(crate) fn reaction_kind(code: i64) -> Result<ReactionKind> {
    usize::try_from(code)
        .ok()
        .and_then(|i| ReactionKind::ALL.get(i).copied())
        .ok_or_else(|| bad_data(format!("reaction kind {code}")))
}

// ----- posts --------------------------------------------------------------------------------

/// Entities as stored in `posts.entities`: tuples keep the JSON small.
#[derive(Serialize, Deserialize, Default)]
pub(crate) struct Entities<S> {
    /// key, display, start, end
    h: Vec<(S, S, usize, usize)>,
    /// person, handle, start, end
    m: Vec<(S, S, usize, usize)>,
    /// url, start, end
    u: Vec<(S, usize, usize)>,
}

/// The stored form of a post's entities, borrowing from them.
pub(crate) fn entities_ref<'a>(
    h: &'a [HashtagRef],
    m: &'a [MentionRef],
    u: &'a [UrlRef],
) -> Entities<&'a str> {
    Entities {
        h: h.iter()
            .map(|x| {
                (
                    x.key.as_str(),
                    x.display.as_str(),
                    x.range.start,
                    x.range.end,
                )
            })
            .collect(),
        m: m.iter()
            .map(|x| {
                (
                    x.person.as_str(),
                    x.handle.as_str(),
                    x.range.start,
                    x.range.end,
                )
            })
            .collect(),
        u: u.iter()
            .map(|x| (x.url.as_str(), x.range.start, x.range.end))
            .collect(),
    }
}

/// The `entities` column of a post.
pub(crate) fn entities_json(h: &[HashtagRef], m: &[MentionRef], u: &[UrlRef]) -> String {
    // Serialising strings and integers cannot fail.
    serde_json::to_string(&entities_ref(h, m, u)).unwrap_or_default()
}

/// Decodes the `entities` column.
pub(crate) fn entities(json: &str) -> Result<(Vec<HashtagRef>, Vec<MentionRef>, Vec<UrlRef>)> {
    let e: Entities<String> =
        serde_json::from_str(json).map_err(|e| bad_data(format!("post entities: {e}")))?;
    Ok(e.into_refs())
}

impl Entities<String> {
    fn into_refs(self) -> (Vec<HashtagRef>, Vec<MentionRef>, Vec<UrlRef>) {
        (
            self.h
                .into_iter()
                // Keys are stored normalised; normalising again is the identity and gives
                // the typed key back.
                .map(|(k, display, s, end)| HashtagRef {
                    key: hashtag_key(&k),
                    display,
                    range: s..end,
                })
                .collect(),
            self.m
                .into_iter()
                .map(|(p, handle, s, end)| MentionRef {
                    person: PersonId::new(p),
                    handle,
                    range: s..end,
                })
                .collect(),
            self.u
                .into_iter()
                .map(|(url, s, end)| UrlRef { url, range: s..end })
                .collect(),
        )
    }
}

fn visibility(vis: &str, group: Option<String>, recipients: Option<String>) -> Result<Visibility> {
    match (vis, group, recipients) {
        ("org", _, _) => Ok(Visibility::Organization),
        ("group", Some(g), _) => Ok(Visibility::Group {
            group: GroupId::new(g),
        }),
        ("direct", _, Some(r)) => {
            let people: Vec<String> = serde_json::from_str(&r)
                .map_err(|e| bad_data(format!("direct recipients: {e}")))?;
            Ok(Visibility::direct(people.into_iter().map(PersonId::new)))
        }
        (other, _, _) => Err(bad_data(format!("visibility {other:?}"))),
    }
}

/// The post columns every post query selects, in the order [`post_from_row`] reads them,
/// followed by the counters [`stats_from_row`] reads. Always from [`post_from!`] (posts as
/// `p`, their counters as `s`).
macro_rules! post_cols {
    () => {
        "p.tenant, p.id, p.author, p.text, p.language, p.created_at, p.edited_at, p.vis, \
         p.group_id, p.recipients, p.reply_to, p.thread_root, p.announcement, p.pinned_until, \
         p.entities, coalesce(s.r_like, 0), coalesce(s.r_celebrate, 0), \
         coalesce(s.r_support, 0), coalesce(s.r_insightful, 0), coalesce(s.r_funny, 0), \
         coalesce(s.replies, 0), s.last_activity"
    };
}
/// Posts as `p` with their counters as `s` (a post without replies and reactions has no
/// counter row).
macro_rules! post_from {
    () => {
        "posts AS p LEFT JOIN post_stats AS s ON s.tenant = p.tenant AND s.post = p.id"
    };
}
pub(crate) use post_cols;
pub(crate) use post_from;

fn opt_id(v: Option<Vec<u8>>) -> Result<Option<PostId>> {
    v.map(|b| post_id(&b)).transpose()
}

/// Reads a post from the columns of [`post_cols`] starting at `at`.
pub(crate) fn post_from_row(row: &SqliteRow, at: usize) -> Result<Post> {
    let g = |i: usize| at + i;
    let tenant: String = row.try_get(g(0)).map_err(map)?;
    let id: Vec<u8> = row.try_get(g(1)).map_err(map)?;
    let author: String = row.try_get(g(2)).map_err(map)?;
    let text: String = row.try_get(g(3)).map_err(map)?;
    let language: String = row.try_get(g(4)).map_err(map)?;
    let created_at: i64 = row.try_get(g(5)).map_err(map)?;
    let edited_at: Option<i64> = row.try_get(g(6)).map_err(map)?;
    let vis: String = row.try_get(g(7)).map_err(map)?;
    let group: Option<String> = row.try_get(g(8)).map_err(map)?;
    let recipients: Option<String> = row.try_get(g(9)).map_err(map)?;
    let reply_to: Option<Vec<u8>> = row.try_get(g(10)).map_err(map)?;
    let thread_root: Option<Vec<u8>> = row.try_get(g(11)).map_err(map)?;
    let announcement: bool = row.try_get(g(12)).map_err(map)?;
    let pinned_until: Option<i64> = row.try_get(g(13)).map_err(map)?;
    let entities_col: String = row.try_get(g(14)).map_err(map)?;
    let (hashtags, mentions, urls) = entities(&entities_col)?;
    Ok(Post {
        id: post_id(&id)?,
        tenant: TenantId::new(tenant),
        author: PersonId::new(author),
        text,
        language: Language::new(&language),
        created_at: time(created_at),
        edited_at: edited_at.map(time),
        visibility: visibility(&vis, group, recipients)?,
        reply_to: opt_id(reply_to)?,
        thread_root: opt_id(thread_root)?,
        announcement,
        pinned_until: pinned_until.map(time),
        hashtags,
        mentions,
        urls,
    })
}

/// Reads the counters that follow the post columns of [`post_cols`] starting at `at`.
pub(crate) fn stats_from_row(row: &SqliteRow, at: usize) -> Result<PostStats> {
    let mut stats = PostStats::default();
    for (i, slot) in stats.reactions.iter_mut().enumerate() {
        let n: i64 = row.try_get(at + 15 + i).map_err(map)?;
        *slot = count(n);
    }
    let replies: i64 = row.try_get(at + 20).map_err(map)?;
    stats.replies = count(replies);
    let last: Option<i64> = row.try_get(at + 21).map_err(map)?;
    stats.last_activity = last.map(time);
    Ok(stats)
}

/// A post and its counters from the columns of [`post_cols`] starting at `at`.
pub(crate) fn view_from_row(row: &SqliteRow, at: usize) -> Result<watercooler_core::PostView> {
    Ok(watercooler_core::PostView {
        post: post_from_row(row, at)?,
        stats: stats_from_row(row, at)?,
    })
}

/// A post and its counters as one JSON array, for statements that return many posts as a
/// single aggregated row (one hand-over from SQLite's thread instead of one per row). Ids
/// are hex, entities and recipients nested JSON. Read back with [`PostRowJson`].
macro_rules! post_json {
    () => {
        "json_array(p.tenant, hex(p.id), p.author, p.text, p.language, p.created_at, \
         p.edited_at, p.vis, p.group_id, json(p.recipients), hex(p.reply_to), \
         hex(p.thread_root), p.announcement, p.pinned_until, json(p.entities), \
         coalesce(s.r_like, 0), coalesce(s.r_celebrate, 0), coalesce(s.r_support, 0), \
         coalesce(s.r_insightful, 0), coalesce(s.r_funny, 0), coalesce(s.replies, 0), \
         s.last_activity)"
    };
}
pub(crate) use post_json;

/// One element of [`post_json!`]'s array.
#[derive(Deserialize)]
pub(crate) struct PostRowJson(
    String,
    String,
    String,
    String,
    String,
    i64,
    Option<i64>,
    String,
    Option<String>,
    Option<Vec<String>>,
    String,
    String,
    i64,
    Option<i64>,
    Entities<String>,
    i64,
    i64,
    i64,
    i64,
    i64,
    i64,
    Option<i64>,
);

fn hex_id(s: &str) -> Result<Option<PostId>> {
    if s.is_empty() {
        // hex(NULL) is ''.
        return Ok(None);
    }
    if s.len() != 32 {
        return Err(bad_data(format!("post id {s:?}")));
    }
    u128::from_str_radix(s, 16)
        .map(|v| Some(PostId::from_u128(v)))
        .map_err(|_| bad_data(format!("post id {s:?}")))
}

impl PostRowJson {
    /// The post and its counters.
    pub(crate) fn into_view(self) -> Result<watercooler_core::PostView> {
        let PostRowJson(
            tenant,
            id,
            author,
            text,
            language,
            created_at,
            edited_at,
            vis,
            group,
            recipients,
            reply_to,
            thread_root,
            announcement,
            pinned_until,
            e,
            k0,
            k1,
            k2,
            k3,
            k4,
            replies,
            last,
        ) = self;
        let visibility = match (vis.as_str(), group, recipients) {
            ("org", _, _) => Visibility::Organization,
            ("group", Some(g), _) => Visibility::Group {
                group: GroupId::new(g),
            },
            ("direct", _, Some(r)) => Visibility::direct(r.into_iter().map(PersonId::new)),
            (other, _, _) => return Err(bad_data(format!("visibility {other:?}"))),
        };
        let (hashtags, mentions, urls) = e.into_refs();
        let post = Post {
            id: hex_id(&id)?.ok_or_else(|| bad_data("post without id"))?,
            tenant: TenantId::new(tenant),
            author: PersonId::new(author),
            text,
            language: Language::new(&language),
            created_at: time(created_at),
            edited_at: edited_at.map(time),
            visibility,
            reply_to: hex_id(&reply_to)?,
            thread_root: hex_id(&thread_root)?,
            announcement: announcement != 0,
            pinned_until: pinned_until.map(time),
            hashtags,
            mentions,
            urls,
        };
        let stats = PostStats {
            reactions: [count(k0), count(k1), count(k2), count(k3), count(k4)],
            replies: count(replies),
            last_activity: last.map(time),
        };
        Ok(watercooler_core::PostView { post, stats })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use watercooler_core::watercooler_text::hashtag_key;

    #[test]
    fn times_round_trip_to_the_nanosecond_and_refuse_what_does_not_fit() {
        let t = DateTime::from_timestamp(1_740_992_400, 123_456_789).unwrap();
        assert_eq!(time(ts(t).unwrap()), t);
        assert!(ts(DateTime::from_timestamp(1 << 40, 0).unwrap()).is_err());
    }

    #[test]
    fn entities_round_trip() {
        let h = vec![HashtagRef {
            key: hashtag_key("#Café"),
            display: "Café".into(),
            range: 3..9,
        }];
        let m = vec![MentionRef {
            person: "p\"1".into(),
            handle: "x".into(),
            range: 0..2,
        }];
        let u = vec![UrlRef {
            url: "https://a.example/?q=\u{0}".into(),
            range: 10..30,
        }];
        let (h2, m2, u2) = entities(&entities_json(&h, &m, &u)).unwrap();
        assert_eq!((h2, m2, u2), (h, m, u));
        assert!(entities("{").is_err());
    }

    #[test]
    fn ids_json_is_a_json_array_of_hex() {
        let s = ids_json([PostId::from_u128(1), PostId::from_u128(u128::MAX)]);
        let v: Vec<String> = serde_json::from_str(&s).unwrap();
        assert_eq!(v, vec![format!("{:032x}", 1), "f".repeat(32)]);
    }
}

//! Between model values and rows: the post columns, visibility, entities (as compact JSON),
//! counters and the small enums' stored numbers.

use chrono::{DateTime, Utc};
use sqlx::Row;
use sqlx::postgres::PgRow;
use uuid::Uuid;
use watercooler_core::watercooler_text::{TagKey, hashtag_key};
use watercooler_core::{
    Error, FollowTarget, GroupId, HashtagRef, Language, MentionRef, MuteTarget, NotificationKind,
    PersonId, Post, PostId, PostStats, ReactionKind, Result, TenantId, UrlRef, Visibility,
};

use crate::error::db;

/// The columns of a post view, in the order [`post_view`] reads them; posts are aliased `p`.
pub(crate) const POST_COLUMNS: &str = "p.tenant, p.id, p.author, p.body, p.language, \
     p.created_at, p.edited_at, p.vis_kind, p.vis_group, p.recipients, p.reply_to, \
     p.thread_root, p.announcement, p.pinned_until, p.hashtags::text, p.mentions::text, \
     p.urls::text, p.reactions, p.replies, p.last_activity";

/// How many columns [`POST_COLUMNS`] has: extra columns of a query come after them.
pub(crate) const POST_COLUMN_COUNT: usize = 20;

/// A post id as PostgreSQL's `uuid`.
pub(crate) fn uuid(id: PostId) -> Uuid {
    id.to_uuid()
}

/// Post ids as `uuid`s.
pub(crate) fn uuids<'a>(ids: impl IntoIterator<Item = &'a PostId>) -> Vec<Uuid> {
    ids.into_iter().map(|id| id.to_uuid()).collect()
}

/// A `uuid` as a post id.
pub(crate) fn post_id(u: Uuid) -> PostId {
    PostId::from_u128(u.as_u128())
}

fn corrupt(what: &str) -> Error {
    Error::backend(format!("stored data is not valid: {what}"))
}

fn get<'r, T>(row: &'r PgRow, i: usize) -> Result<T>
where
    T: sqlx::Decode<'r, sqlx::Postgres> + sqlx::Type<sqlx::Postgres>,
{
    row.try_get(i).map_err(db)
}

/// The post (and its counters) in the first [`POST_COLUMN_COUNT`] columns of `row`.
pub(crate) fn post_view(row: &PgRow) -> Result<watercooler_core::PostView> {
    let post = post(row)?;
    let reactions: Vec<i32> = get(row, 17)?;
    let replies: i32 = get(row, 18)?;
    let last_activity: Option<DateTime<Utc>> = get(row, 19)?;
    let mut stats = PostStats {
        replies: count(replies),
        last_activity,
        ..PostStats::default()
    };
    for (slot, n) in stats.reactions.iter_mut().zip(reactions) {
        *slot = count(n);
    }
    Ok(watercooler_core::PostView { post, stats })
}

/// The post in the first 17 columns of [`POST_COLUMNS`] (no counters).
pub(crate) fn post(row: &PgRow) -> Result<Post> {
    let vis_kind: i16 = get(row, 7)?;
    let vis_group: Option<String> = get(row, 8)?;
    let recipients: Vec<String> = get(row, 9)?;
    let visibility = match (vis_kind, vis_group) {
        (0, _) => Visibility::Organization,
        (1, Some(g)) => Visibility::Group {
            group: GroupId::new(g),
        },
        // Stored sorted and deduplicated, as Visibility::direct made them.
        (2, _) => Visibility::Direct {
            recipients: recipients.into_iter().map(PersonId::new).collect(),
        },
        _ => return Err(corrupt("visibility")),
    };
    let language: String = get(row, 4)?;
    let hashtags: String = get(row, 14)?;
    let mentions: String = get(row, 15)?;
    let urls: String = get(row, 16)?;
    Ok(Post {
        tenant: TenantId::new(get::<String>(row, 0)?),
        id: post_id(get(row, 1)?),
        author: PersonId::new(get::<String>(row, 2)?),
        text: get(row, 3)?,
        language: Language::new(&language),
        created_at: get(row, 5)?,
        edited_at: get(row, 6)?,
        visibility,
        reply_to: get::<Option<Uuid>>(row, 10)?.map(post_id),
        thread_root: get::<Option<Uuid>>(row, 11)?.map(post_id),
        announcement: get(row, 12)?,
        pinned_until: get(row, 13)?,
        hashtags: decode_hashtags(&hashtags)?,
        mentions: decode_mentions(&mentions)?,
        urls: decode_urls(&urls)?,
    })
}

/// A stored counter (never negative) as `u32`.
pub(crate) fn count(n: i32) -> u32 {
    u32::try_from(n).unwrap_or(0)
}

/// The stored parts of a visibility: (kind, group, recipients).
pub(crate) fn visibility_parts(v: &Visibility) -> (i16, Option<&str>, Vec<&str>) {
    match v {
        Visibility::Organization => (0, None, Vec::new()),
        Visibility::Group { group } => (1, Some(group.as_str()), Vec::new()),
        Visibility::Direct { recipients } => {
            (2, None, recipients.iter().map(|p| p.as_str()).collect())
        }
    }
}

/// Hashtags as `[[key, display, start, end], ...]`.
pub(crate) fn encode_hashtags(h: &[HashtagRef]) -> Result<String> {
    let v: Vec<(&str, &str, usize, usize)> = h
        .iter()
        .map(|h| {
            (
                h.key.as_str(),
                h.display.as_str(),
                h.range.start,
                h.range.end,
            )
        })
        .collect();
    serde_json::to_string(&v).map_err(|e| Error::backend(format!("encoding hashtags: {e}")))
}

/// Mentions as `[[person, handle, start, end], ...]`.
pub(crate) fn encode_mentions(m: &[MentionRef]) -> Result<String> {
    let v: Vec<(&str, &str, usize, usize)> = m
        .iter()
        .map(|m| {
            (
                m.person.as_str(),
                m.handle.as_str(),
                m.range.start,
                m.range.end,
            )
        })
        .collect();
    serde_json::to_string(&v).map_err(|e| Error::backend(format!("encoding mentions: {e}")))
}

/// URLs as `[[url, start, end], ...]`.
pub(crate) fn encode_urls(u: &[UrlRef]) -> Result<String> {
    let v: Vec<(&str, usize, usize)> = u
        .iter()
        .map(|u| (u.url.as_str(), u.range.start, u.range.end))
        .collect();
    serde_json::to_string(&v).map_err(|e| Error::backend(format!("encoding urls: {e}")))
}

fn decode_hashtags(s: &str) -> Result<Vec<HashtagRef>> {
    let v: Vec<(String, String, usize, usize)> =
        serde_json::from_str(s).map_err(|_| corrupt("hashtags"))?;
    // Keys were stored as computed, and keys are idempotent: this gives back the same key.
    Ok(v.into_iter()
        .map(|(key, display, start, end)| HashtagRef {
            key: tag_key(&key),
            display,
            range: start..end,
        })
        .collect())
}

fn decode_mentions(s: &str) -> Result<Vec<MentionRef>> {
    let v: Vec<(String, String, usize, usize)> =
        serde_json::from_str(s).map_err(|_| corrupt("mentions"))?;
    Ok(v.into_iter()
        .map(|(person, handle, start, end)| MentionRef {
            person: PersonId::new(person),
            handle,
            range: start..end,
        })
        .collect())
}

fn decode_urls(s: &str) -> Result<Vec<UrlRef>> {
    let v: Vec<(String, usize, usize)> = serde_json::from_str(s).map_err(|_| corrupt("urls"))?;
    Ok(v.into_iter()
        .map(|(url, start, end)| UrlRef {
            url,
            range: start..end,
        })
        .collect())
}

/// A stored tag key back as a [`TagKey`] (keys are idempotent, so this is the same key).
pub(crate) fn tag_key(stored: &str) -> TagKey {
    hashtag_key(stored)
}

/// One row of `post_tags` per distinct key of a post: (key, first display, last display).
pub(crate) fn distinct_tags(h: &[HashtagRef]) -> Vec<(&str, &str, &str)> {
    let mut out: Vec<(&str, &str, &str)> = Vec::with_capacity(h.len());
    for tag in h {
        match out.iter_mut().find(|(k, _, _)| *k == tag.key.as_str()) {
            Some(entry) => entry.2 = &tag.display,
            None => out.push((tag.key.as_str(), &tag.display, &tag.display)),
        }
    }
    out
}

/// The distinct people a post mentions.
pub(crate) fn distinct_mentions(m: &[MentionRef]) -> Vec<&str> {
    let mut out: Vec<&str> = m.iter().map(|m| m.person.as_str()).collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// The stored number of a reaction kind (its index).
pub(crate) fn reaction_code(kind: ReactionKind) -> i16 {
    kind.index() as i16
}

/// Parses [`reaction_code`].
pub(crate) fn reaction_kind(code: i16) -> Result<ReactionKind> {
    usize::try_from(code)
        .ok()
        .and_then(|i| ReactionKind::ALL.get(i).copied())
        .ok_or_else(|| corrupt("reaction kind"))
}

/// The stored number of a notification kind.
pub(crate) fn notification_code(kind: NotificationKind) -> i16 {
    match kind {
        NotificationKind::Mention => 0,
        NotificationKind::Reply => 1,
        NotificationKind::Reaction => 2,
        // Non-exhaustive upstream. A kind added later needs its own code here; until then
        // the table's CHECK refuses this one rather than storing a wrong kind.
        _ => -1,
    }
}

/// Parses [`notification_code`].
pub(crate) fn notification_kind(code: i16) -> Result<NotificationKind> {
    match code {
        0 => Ok(NotificationKind::Mention),
        1 => Ok(NotificationKind::Reply),
        2 => Ok(NotificationKind::Reaction),
        _ => Err(corrupt("notification kind")),
    }
}

/// A follow target as (kind, target): kinds in the enum's variant order, so sorting by
/// (kind, target) is sorting the targets.
pub(crate) fn follow_parts(t: &FollowTarget) -> (i16, &str) {
    match t {
        FollowTarget::Person(p) => (0, p.as_str()),
        FollowTarget::Hashtag(k) => (1, k.as_str()),
        FollowTarget::Group(g) => (2, g.as_str()),
    }
}

/// Parses [`follow_parts`].
pub(crate) fn follow_target(kind: i16, target: String) -> Result<FollowTarget> {
    match kind {
        0 => Ok(FollowTarget::Person(PersonId::new(target))),
        1 => Ok(FollowTarget::Hashtag(tag_key(&target))),
        2 => Ok(FollowTarget::Group(GroupId::new(target))),
        _ => Err(corrupt("follow kind")),
    }
}

/// A mute target as (kind, target), kinds in the enum's variant order.
pub(crate) fn mute_parts(t: &MuteTarget) -> (i16, &str) {
    match t {
        MuteTarget::Person(p) => (0, p.as_str()),
        MuteTarget::Word(w) => (1, w.as_str()),
        MuteTarget::Hashtag(k) => (2, k.as_str()),
    }
}

/// Parses [`mute_parts`].
pub(crate) fn mute_target(kind: i16, target: String) -> Result<MuteTarget> {
    match kind {
        0 => Ok(MuteTarget::Person(PersonId::new(target))),
        1 => Ok(MuteTarget::Word(target)),
        2 => Ok(MuteTarget::Hashtag(tag_key(&target))),
        _ => Err(corrupt("mute kind")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entities_round_trip_through_json() {
        let h = vec![HashtagRef {
            key: hashtag_key("Café"),
            display: "Café".into(),
            range: 3..9,
        }];
        assert_eq!(decode_hashtags(&encode_hashtags(&h).unwrap()).unwrap(), h);
        let m = vec![MentionRef {
            person: "p\"1".into(),
            handle: "Anna".into(),
            range: 0..5,
        }];
        assert_eq!(decode_mentions(&encode_mentions(&m).unwrap()).unwrap(), m);
        let u = vec![UrlRef {
            url: "https://x.nl/a?b=\\".into(),
            range: 1..20,
        }];
        assert_eq!(decode_urls(&encode_urls(&u).unwrap()).unwrap(), u);
        assert!(decode_urls("{").is_err());
    }

    #[test]
    fn distinct_tags_keep_first_and_last_display() {
        let h = vec![
            HashtagRef {
                key: hashtag_key("a"),
                display: "A".into(),
                range: 0..2,
            },
            HashtagRef {
                key: hashtag_key("b"),
                display: "b".into(),
                range: 3..5,
            },
            HashtagRef {
                key: hashtag_key("a"),
                display: "a".into(),
                range: 6..8,
            },
        ];
        assert_eq!(distinct_tags(&h), vec![("a", "A", "a"), ("b", "b", "b")]);
    }

    #[test]
    fn small_enums_round_trip() {
        for k in ReactionKind::ALL {
            assert_eq!(reaction_kind(reaction_code(k)).unwrap(), k);
        }
        assert!(reaction_kind(5).is_err() && reaction_kind(-1).is_err());
        for k in [
            NotificationKind::Mention,
            NotificationKind::Reply,
            NotificationKind::Reaction,
        ] {
            assert_eq!(notification_kind(notification_code(k)).unwrap(), k);
        }
        for t in [
            FollowTarget::Person("p".into()),
            FollowTarget::Hashtag(hashtag_key("x")),
            FollowTarget::Group("g".into()),
        ] {
            let (k, s) = follow_parts(&t);
            assert_eq!(follow_target(k, s.to_owned()).unwrap(), t);
        }
        for t in [
            MuteTarget::Person("p".into()),
            MuteTarget::Word("w".into()),
            MuteTarget::Hashtag(hashtag_key("x")),
        ] {
            let (k, s) = mute_parts(&t);
            assert_eq!(mute_target(k, s.to_owned()).unwrap(), t);
        }
    }
}

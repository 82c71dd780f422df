//! Cursor encodings for the lists a [`Store`](super::Store) pages through, shared by our
//! stores (memory, SQLite, PostgreSQL) and offered to yours. Each cursor names the last
//! item of a page — not an offset — so a list that grows or shrinks between pages never
//! repeats or skips what stayed. Parsing a cursor that none of these made is
//! [`Error::Invalid`], never a panic.
//!
//! ```
//! use watercooler_core::store::cursor;
//! use watercooler_core::{FollowTarget, PersonId};
//!
//! let last = FollowTarget::Person(PersonId::new("jan"));
//! let next = cursor::follow(&last);
//! assert_eq!(cursor::parse_follow(&next)?, last);
//! assert!(cursor::parse_post(&next).is_err());
//! # Ok::<(), watercooler_core::Error>(())
//! ```

use chrono::{DateTime, Utc};
use watercooler_text::hashtag_key;

use crate::error::{Error, Result};
use crate::ids::{GroupId, PersonId, PostId};
use crate::model::{FollowTarget, MuteTarget, ReactionKind};
use crate::page::Cursor;

/// An id read from a cursor, if it passes [`crate::check_id`]: a forged cursor must not
/// carry an id the store would refuse to keep into the store's query.
fn checked<T>(id: T, check: impl Fn(&T) -> Result<()>) -> Result<T> {
    check(&id).map_err(|_| bad())?;
    Ok(id)
}

fn bad() -> Error {
    Error::invalid("cursor", "not a cursor of this list")
}

/// A post list's cursor: the last post id as 32 lowercase hex digits.
pub fn post(id: PostId) -> Cursor {
    Cursor::new(format!("{:032x}", id.as_u128()))
}

/// Parses [`post`].
pub fn parse_post(c: &Cursor) -> Result<PostId> {
    let s = c.as_str();
    if s.len() != 32 || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(bad());
    }
    u128::from_str_radix(s, 16)
        .map(PostId::from_u128)
        .map_err(|_| bad())
}

/// A notification list's cursor: the last notification's seq in decimal.
pub fn seq(seq: u64) -> Cursor {
    Cursor::new(seq.to_string())
}

/// Parses [`seq`].
pub fn parse_seq(c: &Cursor) -> Result<u64> {
    let s = c.as_str();
    if s.is_empty() || s.len() > 20 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    s.parse().map_err(|_| bad())
}

/// Where a reaction stands in its post's list, which runs newest first, then by person,
/// then by kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReactionPosition {
    /// When the reaction was made.
    pub at: DateTime<Utc>,
    /// Who reacted.
    pub person: PersonId,
    /// How.
    pub kind: ReactionKind,
}

/// A reaction list's cursor: `secs:nanos:kind:person` of the last reaction.
pub fn reaction(p: &ReactionPosition) -> Cursor {
    Cursor::new(format!(
        "{}:{}:{}:{}",
        p.at.timestamp(),
        p.at.timestamp_subsec_nanos(),
        p.kind.index(),
        p.person.as_str()
    ))
}

/// Parses [`reaction`].
pub fn parse_reaction(c: &Cursor) -> Result<ReactionPosition> {
    let mut parts = c.as_str().splitn(4, ':');
    let (Some(secs), Some(nanos), Some(kind), Some(person)) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(bad());
    };
    let secs: i64 = secs.parse().map_err(|_| bad())?;
    let nanos: u32 = nanos.parse().map_err(|_| bad())?;
    let kind: usize = kind.parse().map_err(|_| bad())?;
    let kind = *ReactionKind::ALL.get(kind).ok_or_else(bad)?;
    let at = DateTime::from_timestamp(secs, nanos).ok_or_else(bad)?;
    Ok(ReactionPosition {
        at,
        person: checked(PersonId::new(person), PersonId::check)?,
        kind,
    })
}

/// A follow list's cursor: the last target, tagged by kind.
pub fn follow(t: &FollowTarget) -> Cursor {
    Cursor::new(match t {
        FollowTarget::Person(p) => format!("p:{p}"),
        FollowTarget::Hashtag(k) => format!("h:{k}"),
        FollowTarget::Group(g) => format!("g:{g}"),
    })
}

/// Parses [`follow`]. A tag key survives the round trip because keys are idempotent.
pub fn parse_follow(c: &Cursor) -> Result<FollowTarget> {
    match c.as_str().split_once(':') {
        Some(("p", v)) => Ok(FollowTarget::Person(checked(
            PersonId::new(v),
            PersonId::check,
        )?)),
        Some(("h", v)) => Ok(FollowTarget::Hashtag(hashtag_key(v))),
        Some(("g", v)) => Ok(FollowTarget::Group(checked(
            GroupId::new(v),
            GroupId::check,
        )?)),
        _ => Err(bad()),
    }
}

/// A mute list's cursor: the last target, tagged by kind.
pub fn mute(t: &MuteTarget) -> Cursor {
    Cursor::new(match t {
        MuteTarget::Person(p) => format!("p:{p}"),
        MuteTarget::Word(w) => format!("w:{w}"),
        MuteTarget::Hashtag(k) => format!("h:{k}"),
    })
}

/// Parses [`mute`].
pub fn parse_mute(c: &Cursor) -> Result<MuteTarget> {
    match c.as_str().split_once(':') {
        Some(("p", v)) => Ok(MuteTarget::Person(checked(
            PersonId::new(v),
            PersonId::check,
        )?)),
        Some(("w", v)) => Ok(MuteTarget::Word(v.to_owned())),
        Some(("h", v)) => Ok(MuteTarget::Hashtag(hashtag_key(v))),
        _ => Err(bad()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn post_cursor_round_trips_and_rejects_garbage() {
        let id = PostId::from_parts(DateTime::from_timestamp(1_360_000_000, 0).unwrap(), 99);
        assert_eq!(parse_post(&post(id)).unwrap(), id);
        for bad in [
            "",
            "zz",
            "0",
            &"g".repeat(32),
            &"0".repeat(33),
            "+0000000000000000000000000000001",
        ] {
            assert!(
                matches!(parse_post(&Cursor::new(bad)), Err(Error::Invalid { .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn seq_and_reaction_cursors_round_trip_and_reject_garbage() {
        assert_eq!(parse_seq(&seq(42)).unwrap(), 42);
        assert!(parse_seq(&Cursor::new("-1")).is_err());
        assert!(parse_seq(&Cursor::new("99999999999999999999")).is_err());
        let key = ReactionPosition {
            at: DateTime::from_timestamp(1_360_000_000, 5).unwrap(),
            person: PersonId::new("t:u:1"),
            kind: ReactionKind::Funny,
        };
        assert_eq!(parse_reaction(&reaction(&key)).unwrap(), key);
        for bad in ["", "1:2:3", "1:2:9:p", "x:0:0:p", "1:99999999999:0:p"] {
            assert!(parse_reaction(&Cursor::new(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn follow_and_mute_cursors_round_trip() {
        for t in [
            FollowTarget::Person(PersonId::new("a:b")),
            FollowTarget::Hashtag(hashtag_key("#Café")),
            FollowTarget::Group(GroupId::new("g")),
        ] {
            assert_eq!(parse_follow(&follow(&t)).unwrap(), t);
        }
        for t in [
            MuteTarget::Person(PersonId::new("a")),
            MuteTarget::Word("x:y".into()),
            MuteTarget::Hashtag(hashtag_key("tag")),
        ] {
            assert_eq!(parse_mute(&mute(&t)).unwrap(), t);
        }
        assert!(parse_follow(&Cursor::new("x:1")).is_err());
        assert!(parse_mute(&Cursor::new("nocolon")).is_err());
    }
}

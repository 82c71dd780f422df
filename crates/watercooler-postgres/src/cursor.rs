//! Cursor encodings. Each names the last item of a page (the same text forms as the memory
//! store's), so a list that grows or shrinks between pages never repeats or skips what
//! stayed. A cursor we did not make is [`Error::Invalid`], never a panic.

use chrono::{DateTime, Utc};
use watercooler::{
    Cursor, Error, FollowTarget, MuteTarget, PersonId, PostId, ReactionKind, Result,
};

use crate::rows;

fn bad() -> Error {
    Error::invalid("cursor", "not a cursor of this list")
}

/// A post list's cursor: the last post id as 32 lowercase hex digits.
pub(crate) fn post(id: PostId) -> Cursor {
    Cursor::new(format!("{:032x}", id.as_u128()))
}

/// Parses [`post`].
pub(crate) fn parse_post(c: &Cursor) -> Result<PostId> {
    let s = c.as_str();
    if s.len() != 32 || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(bad());
    }
    u128::from_str_radix(s, 16)
        .map(PostId::from_u128)
        .map_err(|_| bad())
}

/// A notification list's cursor: the last notification's seq in decimal.
pub(crate) fn seq(seq: u64) -> Cursor {
    Cursor::new(seq.to_string())
}

/// Parses [`seq`].
pub(crate) fn parse_seq(c: &Cursor) -> Result<u64> {
    let s = c.as_str();
    if s.is_empty() || s.len() > 20 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    s.parse().map_err(|_| bad())
}

/// The position of a reaction in its list (newest first, then person, then kind).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ReactionPos {
    pub(crate) at: DateTime<Utc>,
    pub(crate) person: PersonId,
    pub(crate) kind: ReactionKind,
}

/// A reaction list's cursor: `secs:nanos:kind:person` of the last reaction.
pub(crate) fn reaction(p: &ReactionPos) -> Cursor {
    Cursor::new(format!(
        "{}:{}:{}:{}",
        p.at.timestamp(),
        p.at.timestamp_subsec_nanos(),
        p.kind.index(),
        p.person.as_str()
    ))
}

/// Parses [`reaction`].
pub(crate) fn parse_reaction(c: &Cursor) -> Result<ReactionPos> {
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
    Ok(ReactionPos {
        at,
        person: PersonId::new(person),
        kind,
    })
}

/// A follow list's cursor: the last target, tagged by kind.
pub(crate) fn follow(t: &FollowTarget) -> Cursor {
    Cursor::new(match t {
        FollowTarget::Person(p) => format!("p:{p}"),
        FollowTarget::Hashtag(k) => format!("h:{k}"),
        FollowTarget::Group(g) => format!("g:{g}"),
    })
}

/// Parses [`follow`] into its stored (kind, target).
pub(crate) fn parse_follow(c: &Cursor) -> Result<(i16, String)> {
    let (kind, target) = c.as_str().split_once(':').ok_or_else(bad)?;
    let kind = match kind {
        "p" => 0,
        // Keys are idempotent: normalising gives the stored key back.
        "h" => return Ok((1, rows::tag_key(target).into_string())),
        "g" => 2,
        _ => return Err(bad()),
    };
    Ok((kind, target.to_owned()))
}

/// A mute list's cursor: the last target, tagged by kind.
pub(crate) fn mute(t: &MuteTarget) -> Cursor {
    Cursor::new(match t {
        MuteTarget::Person(p) => format!("p:{p}"),
        MuteTarget::Word(w) => format!("w:{w}"),
        MuteTarget::Hashtag(k) => format!("h:{k}"),
    })
}

/// Parses [`mute`] into its stored (kind, target).
pub(crate) fn parse_mute(c: &Cursor) -> Result<(i16, String)> {
    let (kind, target) = c.as_str().split_once(':').ok_or_else(bad)?;
    match kind {
        "p" => Ok((0, target.to_owned())),
        "w" => Ok((1, target.to_owned())),
        "h" => Ok((2, rows::tag_key(target).into_string())),
        _ => Err(bad()),
    }
}

#[cfg(test)]
mod tests {
    use watercooler::GroupId;
    use watercooler::watercooler_text::hashtag_key;

    use super::*;

    #[test]
    fn post_and_seq_cursors_round_trip_and_reject_garbage() {
        let id = PostId::from_parts(DateTime::from_timestamp(1_360_000_000, 0).unwrap(), 99);
        assert_eq!(parse_post(&post(id)).unwrap(), id);
        for bad in [
            "",
            "zz",
            &"g".repeat(32),
            &"0".repeat(33),
            "+0000000000000000000000000000001",
        ] {
            assert!(
                matches!(parse_post(&Cursor::new(bad)), Err(Error::Invalid { .. })),
                "{bad}"
            );
        }
        assert_eq!(parse_seq(&seq(42)).unwrap(), 42);
        for bad in ["", "-1", "99999999999999999999", "1a"] {
            assert!(parse_seq(&Cursor::new(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn reaction_cursor_round_trips_and_rejects_garbage() {
        let p = ReactionPos {
            at: DateTime::from_timestamp(1_360_000_000, 5).unwrap(),
            person: PersonId::new("t:u:1"),
            kind: ReactionKind::Funny,
        };
        assert_eq!(parse_reaction(&reaction(&p)).unwrap(), p);
        for bad in ["", "1:2:3", "1:2:9:p", "x:0:0:p", "1:99999999999:0:p"] {
            assert!(parse_reaction(&Cursor::new(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn follow_and_mute_cursors_give_stored_parts() {
        let t = FollowTarget::Group(GroupId::new("a:b"));
        assert_eq!(parse_follow(&follow(&t)).unwrap(), (2, "a:b".to_owned()));
        let t = FollowTarget::Hashtag(hashtag_key("#Café"));
        assert_eq!(parse_follow(&follow(&t)).unwrap(), (1, "café".to_owned()));
        assert!(parse_follow(&Cursor::new("x:1")).is_err());
        let t = MuteTarget::Word("x:y".into());
        assert_eq!(parse_mute(&mute(&t)).unwrap(), (1, "x:y".to_owned()));
        assert!(parse_mute(&Cursor::new("nocolon")).is_err());
    }
}

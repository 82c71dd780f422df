//! Cursor encodings: the core's ([`watercooler::store::cursor`]), so a cursor reads the
//! same in every store; follow and mute cursors parse here into the (kind, target) the
//! tables hold.

pub(crate) use watercooler::store::cursor::{
    ReactionPosition as ReactionPos, follow, mute, parse_post, parse_reaction, parse_seq, post,
    reaction, seq,
};
use watercooler::{Cursor, Result, store::cursor};

use crate::rows;

/// Parses [`follow`] into its stored (kind, target).
pub(crate) fn parse_follow(c: &Cursor) -> Result<(i16, String)> {
    let target = cursor::parse_follow(c)?;
    let (kind, value) = rows::follow_parts(&target);
    Ok((kind, value.to_owned()))
}

/// Parses [`mute`] into its stored (kind, target).
pub(crate) fn parse_mute(c: &Cursor) -> Result<(i16, String)> {
    let target = cursor::parse_mute(c)?;
    let (kind, value) = rows::mute_parts(&target);
    Ok((kind, value.to_owned()))
}

#[cfg(test)]
mod tests {
    use watercooler::watercooler_text::hashtag_key;
    use watercooler::{FollowTarget, GroupId, MuteTarget};

    use super::*;

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

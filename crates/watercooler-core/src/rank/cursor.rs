//! The ranked-feed cursor: a snapshot (the largest candidate id and the ranking time) and the
//! boundary (score, post id) of the last item served.
//!
//! It is not secret and needs no signature: everything in it only narrows what the viewer's
//! own visible candidates already are (an older snapshot, a lower boundary). Decoding is
//! strict, so garbage is [`Error::Invalid`] rather than a surprising page.

use chrono::{DateTime, Utc};

use crate::error::{Error, Result};
use crate::ids::PostId;
use crate::page::Cursor;

const PREFIX: &str = "r1";
const BODY: usize = 16 + 8 + 8 + 16;
const LEN: usize = BODY + 4;

/// Where a ranked feed continues.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct RankCursor {
    /// Candidates above this id did not exist (or were not candidates) when the first page
    /// was ranked.
    pub max_id: PostId,
    /// The ranking time of the snapshot.
    pub now: DateTime<Utc>,
    /// The score of the last item served.
    pub score: f64,
    /// The id of the last item served.
    pub post: PostId,
}

impl RankCursor {
    pub(crate) fn encode(&self) -> Cursor {
        let mut b = [0u8; LEN];
        b[..16].copy_from_slice(&self.max_id.to_bytes());
        b[16..24].copy_from_slice(&self.now.timestamp_millis().to_be_bytes());
        b[24..32].copy_from_slice(&self.score.to_bits().to_be_bytes());
        b[32..48].copy_from_slice(&self.post.to_bytes());
        let sum = fnv1a(&b[..BODY]);
        b[BODY..].copy_from_slice(&sum.to_be_bytes());
        let mut s = String::with_capacity(PREFIX.len() + 2 * LEN);
        s.push_str(PREFIX);
        for byte in b {
            s.push(hex_digit(byte >> 4));
            s.push(hex_digit(byte & 0xf));
        }
        Cursor::new(s)
    }

    pub(crate) fn decode(cursor: &Cursor) -> Result<RankCursor> {
        let bad = |why: &str| Error::invalid("cursor", format!("not a home feed cursor: {why}"));
        let hex = cursor
            .as_str()
            .strip_prefix(PREFIX)
            .ok_or_else(|| bad("prefix"))?
            .as_bytes();
        if hex.len() != 2 * LEN {
            return Err(bad("length"));
        }
        let mut b = [0u8; LEN];
        for (i, pair) in hex.chunks_exact(2).enumerate() {
            let hi = hex_value(pair[0]).ok_or_else(|| bad("not hex"))?;
            let lo = hex_value(pair[1]).ok_or_else(|| bad("not hex"))?;
            b[i] = (hi << 4) | lo;
        }
        let (body, sum) = b.split_at(BODY);
        if fnv1a(body).to_be_bytes() != sum {
            return Err(bad("checksum"));
        }
        let max_id = PostId::from_bytes(field(&b[..16]));
        let now = DateTime::from_timestamp_millis(i64::from_be_bytes(field(&b[16..24])))
            .ok_or_else(|| bad("time"))?;
        let score = f64::from_bits(u64::from_be_bytes(field(&b[24..32])));
        if !score.is_finite() {
            return Err(bad("score"));
        }
        let post = PostId::from_bytes(field(&b[32..48]));
        Ok(RankCursor {
            max_id,
            now,
            score,
            post,
        })
    }
}

/// Copies a slice whose length is known to match into an array.
fn field<const N: usize>(s: &[u8]) -> [u8; N] {
    let mut a = [0u8; N];
    a.copy_from_slice(s);
    a
}

fn hex_digit(n: u8) -> char {
    char::from(b"0123456789abcdef"[usize::from(n & 0xf)])
}

fn hex_value(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    }
}

/// FNV-1a, 32 bits: catches truncated, mistyped and hand-edited cursors. Not a security
/// measure (nothing in a cursor needs one).
fn fnv1a(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0x811c_9dc5, |h, &b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> RankCursor {
        RankCursor {
            max_id: PostId::from_u128(0x0123_4567_89ab_cdef_0011_2233_4455_6677),
            now: DateTime::from_timestamp_millis(1_360_000_000_123).unwrap(),
            score: 3.25,
            post: PostId::from_u128(42),
        }
    }

    #[test]
    fn round_trips() {
        let c = sample();
        assert_eq!(RankCursor::decode(&c.encode()).unwrap(), c);
    }

    #[test]
    fn every_single_character_change_is_rejected() {
        let s = sample().encode().as_str().to_owned();
        for i in 0..s.len() {
            for replacement in ['0', 'f', 'G', '-'] {
                let mut t = s.clone().into_bytes();
                if t[i] == replacement as u8 {
                    continue;
                }
                t[i] = replacement as u8;
                let t = String::from_utf8(t).unwrap();
                assert!(RankCursor::decode(&Cursor::new(t.clone())).is_err(), "{t}");
            }
        }
    }

    #[test]
    fn garbage_is_invalid() {
        for g in ["", "r1", "r1zz", "x", "r2", &"r1".repeat(60), "🦀🦀🦀"] {
            assert!(matches!(
                RankCursor::decode(&Cursor::new(g)),
                Err(Error::Invalid {
                    field: "cursor",
                    ..
                })
            ));
        }
    }
}

//! The built-in index's page cursor: the first page's time, the sort key of the last hit,
//! and the first page's relevance statistics (see [`crate::plan::stats`]). The next page holds the
//! hits that sort strictly after the last one, among posts created up to that time, scored
//! with the same statistics — so pages neither repeat nor skip while posts are published,
//! edited or deleted (a post edited between pages is scored anew, and may move).

use crate::plan::stats::MAX_FROZEN;
use watercooler_core::Cursor;
use watercooler_core::{Error, Result};

// t3: filter-only queries key on their constant relevance, not on a recency blend.
const VERSION: &str = "t3";

/// The sort key of a hit: score, then newer posts (higher ids) first.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
pub(crate) struct SortKey {
    pub score: f32,
    pub id: u128,
}

/// A decoded cursor.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Position {
    /// The first page's time, Unix milliseconds.
    pub now_ms: i64,
    /// The last hit of the previous page.
    pub after: SortKey,
    /// The first page's statistics, in the order they were asked for.
    pub stats: Vec<u64>,
    /// Checksum of what was asked (0: statistics not frozen).
    pub stats_hash: u64,
}

pub(crate) fn encode(p: &Position) -> Cursor {
    let stats: Vec<String> = p.stats.iter().map(|v| format!("{v:x}")).collect();
    Cursor::new(format!(
        "{VERSION}.{:x}.{:08x}.{:032x}.{:x}.{}",
        p.now_ms as u64,
        p.after.score.to_bits(),
        p.after.id,
        p.stats_hash,
        stats.join("-"),
    ))
}

pub(crate) fn decode(c: &Cursor) -> Result<Position> {
    let bad = || Error::invalid("cursor", "not a search cursor");
    let mut parts = c.as_str().split('.');
    if parts.next() != Some(VERSION) {
        return Err(bad());
    }
    let mut hex = |max_len: usize| -> Result<u128> {
        let s = parts.next().ok_or_else(bad)?;
        if s.is_empty() || s.len() > max_len {
            return Err(bad());
        }
        u128::from_str_radix(s, 16).map_err(|_| bad())
    };
    let now_ms = u64::try_from(hex(16)?).map_err(|_| bad())? as i64;
    let bits = u32::try_from(hex(8)?).map_err(|_| bad())?;
    let id = hex(32)?;
    let stats_hash = u64::try_from(hex(16)?).map_err(|_| bad())?;
    let stats_part = parts.next().ok_or_else(bad)?;
    let mut stats = Vec::new();
    if !stats_part.is_empty() {
        for v in stats_part.split('-') {
            if stats.len() >= MAX_FROZEN || v.is_empty() || v.len() > 16 {
                return Err(bad());
            }
            stats.push(u64::from_str_radix(v, 16).map_err(|_| bad())?);
        }
    }
    let score = f32::from_bits(bits);
    if parts.next().is_some() || !score.is_finite() {
        return Err(bad());
    }
    Ok(Position {
        now_ms,
        after: SortKey { score, id },
        stats,
        stats_hash,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_rejects_garbage() {
        let p = Position {
            now_ms: 1_360_000_000_000,
            after: SortKey {
                score: 1.25,
                id: u128::MAX,
            },
            stats: vec![0, 7, u64::MAX],
            stats_hash: 42,
        };
        assert_eq!(decode(&encode(&p)).unwrap(), p);
        let empty = Position { stats: vec![], ..p };
        assert_eq!(decode(&encode(&empty)).unwrap(), empty);
        for bad in [
            "",
            "t3",
            "t3.x.0.0.0.",
            "t1.1.0.0.0.",
            "t2.1.0.0.0.",
            "t3.1.7fc00000.0.0.",
            "t3.1.0.0.0.1.2",
            "t3.-.0.0.0.",
            "t3.1.0.0.0.1--2",
            "t3.1.0.0.0.11111111111111111",
        ] {
            assert!(decode(&Cursor::new(bad)).is_err(), "{bad}");
        }
        let many = format!("t3.1.0.0.0.{}", vec!["1"; MAX_FROZEN + 1].join("-"));
        assert!(decode(&Cursor::new(many)).is_err());
    }
}

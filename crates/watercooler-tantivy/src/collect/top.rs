//! The page's hits: the best `limit + 1` of the visible matches offered, by relevance
//! blended with recency, segment by segment, then merged with the segments' match counts.
//!
//! tantivy's `TopDocs::tweak_score` computes the full sort key — creation time and both id
//! halves, three fast-field reads — for every match before it can compare. Most matches of
//! a filter-like query (`#tag`, `from:`) cannot make the page, and the blended score alone
//! tells: a key is `(score, id)`, so a score below the page's worst cannot win on the id.
//! Here a post's id is read only for documents that might enter the page.
//!
//! Documents arrive in index order, which is mostly oldest first, so under recency most
//! of them *do* beat the page's worst so far. The best are therefore kept as tantivy's
//! own top-n does — appended to a buffer of `2 × keep`, cut back to `keep` with a linear
//! selection when full — not in a heap, whose `O(log keep)` pop and push per such document
//! cost more than everything else together.
//!
//! With recency weight 0 (and for filter-only queries, see [`crate::collect::newest`]) the key does
//! not depend on the creation time, which is then not read.

use std::cmp::Ordering;

use std::sync::Arc;

use tantivy::{DocAddress, DocId, Score, SegmentOrdinal, SegmentReader};

use crate::collect::cursor::SortKey;
use crate::collect::segments::{SegmentCache, SegmentData};

/// How scores are blended with recency, and which keys a page may hold.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Blend {
    /// The first page's time, Unix milliseconds.
    pub now_ms: i64,
    /// Recency weight `w`, in `0..=1`.
    pub weight: f32,
    /// Half-life, milliseconds (at least 1).
    pub half_life_ms: f32,
    /// Only keys strictly below this (the previous page's last hit).
    pub after: Option<SortKey>,
}

impl Blend {
    fn score(&self, relevance: Score, created_ms: i64) -> f32 {
        let factor = if self.weight == 0.0 {
            1.0
        } else {
            let age = self.now_ms.saturating_sub(created_ms).max(0) as f32;
            let decay = (-age / self.half_life_ms).exp2();
            // At most 1 (rounding could make it exceed 1 by an ulp), so that a blended
            // score is never above its relevance: `offer` relies on it.
            (1.0 - self.weight + self.weight * decay).min(1.0)
        };
        let blended = relevance * factor;
        // Finite and never -0.0, so the total order below agrees with `SortKey`'s.
        if blended.is_finite() && blended != 0.0 {
            blended
        } else {
            0.0
        }
    }
}

/// A candidate hit, ordered by its key.
#[derive(Debug, Clone, Copy)]
struct Entry {
    key: SortKey,
    addr: DocAddress,
}

impl Ord for Entry {
    fn cmp(&self, other: &Self) -> Ordering {
        self.key
            .score
            .total_cmp(&other.key.score)
            .then(self.key.id.cmp(&other.key.id))
    }
}

impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Entry {}

/// Collects the best `keep` hits (best first) and the number of matches.
pub(crate) struct TopRecent {
    pub keep: usize,
    pub blend: Blend,
    /// Where each segment's columns are kept.
    pub segments: Arc<SegmentCache>,
}

/// The best `keep` of what was pushed (in no order): appended to a buffer, cut back to the
/// best `keep` when it holds `2 × keep`.
#[derive(Debug)]
struct Candidates {
    keep: usize,
    buffer: Vec<Entry>,
    /// Once the buffer was cut: the worst entry kept, which a newcomer must beat.
    threshold: Option<Entry>,
}

impl Candidates {
    fn new(keep: usize) -> Self {
        Candidates {
            keep,
            buffer: Vec::with_capacity(2 * keep.max(1)),
            threshold: None,
        }
    }

    /// Whether a key with this score may still enter.
    fn may_enter(&self, score: f32) -> bool {
        self.threshold.is_none_or(|t| score >= t.key.score)
    }

    /// Adds `entry` unless it is no better than the threshold; `true` when it entered.
    fn push(&mut self, entry: Entry) -> bool {
        if self.threshold.is_some_and(|t| entry <= t) {
            return false;
        }
        self.buffer.push(entry);
        if self.buffer.len() >= 2 * self.keep {
            self.cut();
        }
        true
    }

    /// Keeps the best `keep` of the buffer, and the worst of them as the threshold.
    fn cut(&mut self) {
        if self.buffer.len() > self.keep {
            self.buffer
                .select_nth_unstable_by(self.keep - 1, |a, b| b.cmp(a));
            self.buffer.truncate(self.keep);
            self.threshold = self.buffer.iter().min().copied();
        }
    }

    fn clear(&mut self) {
        self.buffer.clear();
        self.threshold = None;
    }

    fn into_best(mut self) -> Vec<(SortKey, DocAddress)> {
        self.cut();
        self.buffer.into_iter().map(|e| (e.key, e.addr)).collect()
    }
}

/// One segment's part.
pub(crate) struct TopRecentSegment {
    ord: SegmentOrdinal,
    blend: Blend,
    data: Arc<SegmentData>,
    candidates: Candidates,
}

impl TopRecent {
    /// The collector of one segment.
    pub(crate) fn segment(
        &self,
        ord: SegmentOrdinal,
        segment: &SegmentReader,
    ) -> tantivy::Result<TopRecentSegment> {
        Ok(TopRecentSegment {
            ord,
            blend: self.blend,
            data: self.segments.get(segment)?,
            candidates: Candidates::new(self.keep),
        })
    }

    /// The best `keep` of all segments' hits, best first, and the sum of their counts.
    pub(crate) fn merge(
        &self,
        fruits: Vec<(Vec<(SortKey, DocAddress)>, u64)>,
    ) -> (Vec<(SortKey, DocAddress)>, u64) {
        let mut count = 0;
        let mut all: Vec<Entry> = Vec::new();
        for (hits, n) in fruits {
            count += n;
            all.extend(hits.into_iter().map(|(key, addr)| Entry { key, addr }));
        }
        all.sort_unstable_by(|a, b| b.cmp(a));
        all.truncate(self.keep);
        (all.into_iter().map(|e| (e.key, e.addr)).collect(), count)
    }
}

impl TopRecentSegment {
    /// How many hits the page keeps.
    pub(crate) fn keep(&self) -> usize {
        self.candidates.keep
    }

    /// The segment's data.
    pub(crate) fn data(&self) -> &Arc<SegmentData> {
        &self.data
    }

    /// Offers a match: `true` when it entered the candidates.
    pub(crate) fn offer(&mut self, doc: DocId, relevance: Score) -> bool {
        if self.candidates.keep == 0 {
            return false;
        }
        // Blending only lowers a score (never below 0): a match whose relevance cannot
        // enter need not have its age read. Most matches of a ranked query end here.
        if relevance >= 0.0 && !self.candidates.may_enter(relevance) {
            return false;
        }
        let created = if self.blend.weight == 0.0 {
            self.blend.now_ms
        } else {
            self.data.created.get_val(doc)
        };
        let score = self.blend.score(relevance, created);
        if !self.candidates.may_enter(score) {
            return false;
        }
        let key = SortKey {
            score,
            id: self.data.id(doc),
        };
        if self.blend.after.is_some_and(|a| key >= a) {
            return false;
        }
        self.candidates.push(Entry {
            key,
            addr: DocAddress::new(self.ord, doc),
        })
    }

    /// Forgets every candidate.
    pub(crate) fn clear(&mut self) {
        self.candidates.clear();
    }

    /// The best `keep` candidates (in no order), with `count` as the number of matches.
    pub(crate) fn finish(self, count: u64) -> (Vec<(SortKey, DocAddress)>, u64) {
        (self.candidates.into_best(), count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blend() -> Blend {
        Blend {
            now_ms: 1_000_000,
            weight: 0.5,
            half_life_ms: 1_000.0,
            after: None,
        }
    }

    #[test]
    fn newer_scores_higher_and_nothing_is_negative_zero_or_nan() {
        let b = blend();
        assert!(b.score(1.0, 999_000) < b.score(1.0, 1_000_000));
        assert_eq!(b.score(0.0, 0).to_bits(), 0.0f32.to_bits());
        assert_eq!(b.score(-0.0, 0).to_bits(), 0.0f32.to_bits());
        assert_eq!(b.score(f32::NAN, 0), 0.0);
        assert_eq!(b.score(f32::INFINITY, 0), 0.0);
        // Creation times in the future count as now.
        assert_eq!(b.score(2.0, 5_000_000), b.score(2.0, 1_000_000));
    }

    /// `offer` skips a match whose relevance is below the page's worst: that is only
    /// right if blending never raises a score, rounding included.
    #[test]
    fn blending_never_raises_a_score() {
        for w in 0..=1_000 {
            let b = Blend {
                weight: w as f32 / 1_000.0,
                ..blend()
            };
            for created in [1_000_000, 999_999, 990_000, 0, 2_000_000] {
                for relevance in [0.0f32, 1e-30, 0.3, 1.0, 7.77, 1e30] {
                    assert!(b.score(relevance, created) <= relevance, "{w} {created}");
                }
            }
        }
    }

    #[test]
    fn entries_order_by_score_then_id() {
        let e = |score: f32, id: u128| Entry {
            key: SortKey { score, id },
            addr: DocAddress::new(0, 0),
        };
        assert!(e(2.0, 1) > e(1.0, 9));
        assert!(e(1.0, 9) > e(1.0, 8));
        assert_eq!(e(0.0, 3), e(0.0, 3));
    }

    #[test]
    fn cutting_keeps_the_best_and_raises_the_threshold() {
        let mut c = Candidates::new(3);
        // Ascending, as documents mostly arrive: every one beats the worst so far.
        for i in 0..10u32 {
            let entered = c.push(Entry {
                key: SortKey {
                    score: (i / 2) as f32,
                    id: u128::from(i),
                },
                addr: DocAddress::new(0, i),
            });
            assert!(entered);
        }
        // Cut at six pushed (3, 4, 5 kept: threshold id 3), again at six held (6, 7, 8
        // kept: threshold id 6, score 3).
        assert_eq!(c.threshold.map(|t| t.key.id), Some(6));
        assert!(!c.may_enter(2.0));
        assert!(!c.push(Entry {
            key: SortKey { score: 3.0, id: 6 },
            addr: DocAddress::new(0, 6),
        }));
        let mut ids: Vec<u128> = c.into_best().iter().map(|(k, _)| k.id).collect();
        ids.sort_unstable();
        assert_eq!(ids, vec![7, 8, 9]);
    }
}

//! The page's hits and the visible-hit count, in one pass: the best `limit + 1` documents
//! by relevance blended with recency, and how many matched.
//!
//! tantivy's `TopDocs::tweak_score` computes the full sort key — creation time and both id
//! halves, three fast-field reads — for every match before it can compare. Most matches of
//! a filter-like query (`#tag`, `from:`) cannot make the page, and the blended score alone
//! tells: a key is `(score, id)`, so a score below the page's worst cannot win on the id.
//! This collector reads the id only for documents that might enter the page.
//!
//! Documents arrive in index order, which is mostly oldest first, so under recency most
//! of them *do* beat the page's worst so far. The best are therefore kept as tantivy's
//! own top-n does — appended to a buffer of `2 × keep`, cut back to `keep` with a linear
//! selection when full — not in a heap, whose `O(log keep)` pop and push per such document
//! cost more than everything else together.

use std::cmp::Ordering;

use std::sync::Arc;
use tantivy::collector::{Collector, SegmentCollector};

use tantivy::columnar::ColumnValues;
use tantivy::{DocAddress, DocId, Score, SegmentOrdinal, SegmentReader};

use super::cursor::SortKey;

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
        let age = self.now_ms.saturating_sub(created_ms).max(0) as f32;
        let decay = (-age / self.half_life_ms).exp2();
        let blended = relevance * (1.0 - self.weight + self.weight * decay);
        // Finite and never -0.0, so the total order below agrees with `SortKey`'s.
        if blended.is_finite() && blended != 0.0 {
            blended
        } else {
            0.0
        }
    }
}

/// A hit in the heap, ordered by its key.
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
}

/// Creation time and the id halves of a segment.
type Columns = (
    Arc<dyn ColumnValues<i64>>,
    Arc<dyn ColumnValues<u64>>,
    Arc<dyn ColumnValues<u64>>,
);

/// One segment's part.
pub(crate) struct TopRecentSegment {
    ord: SegmentOrdinal,
    keep: usize,
    blend: Blend,
    /// `None`: the segment's columns are unreadable, so nothing of it is returned (fail
    /// closed); it is still counted.
    columns: Option<Columns>,
    /// Candidates: the best `keep` are among them.
    buffer: Vec<Entry>,
    /// Once the buffer was cut: the worst entry kept, which a newcomer must beat.
    threshold: Option<Entry>,
    count: u64,
}

impl Collector for TopRecent {
    type Fruit = (Vec<(SortKey, DocAddress)>, u64);
    type Child = TopRecentSegment;

    fn for_segment(
        &self,
        ord: SegmentOrdinal,
        segment: &SegmentReader,
    ) -> tantivy::Result<TopRecentSegment> {
        let ff = segment.fast_fields();
        let columns = match (ff.i64("created"), ff.u64("id_hi"), ff.u64("id_lo")) {
            (Ok(c), Ok(h), Ok(l)) => Some((
                c.first_or_default_col(0),
                h.first_or_default_col(0),
                l.first_or_default_col(0),
            )),
            _ => None,
        };
        Ok(TopRecentSegment {
            ord,
            keep: self.keep,
            blend: self.blend,
            columns,
            buffer: Vec::with_capacity(2 * self.keep.max(1)),
            threshold: None,
            count: 0,
        })
    }

    fn requires_scoring(&self) -> bool {
        true
    }

    fn merge_fruits(
        &self,
        fruits: Vec<(Vec<(SortKey, DocAddress)>, u64)>,
    ) -> tantivy::Result<Self::Fruit> {
        let mut count = 0;
        let mut all: Vec<Entry> = Vec::new();
        for (hits, n) in fruits {
            count += n;
            all.extend(hits.into_iter().map(|(key, addr)| Entry { key, addr }));
        }
        all.sort_unstable_by(|a, b| b.cmp(a));
        all.truncate(self.keep);
        Ok((all.into_iter().map(|e| (e.key, e.addr)).collect(), count))
    }
}

impl SegmentCollector for TopRecentSegment {
    type Fruit = (Vec<(SortKey, DocAddress)>, u64);

    fn collect(&mut self, doc: DocId, relevance: Score) {
        self.count += 1;
        if self.keep == 0 {
            return;
        }
        let Some((created, hi, lo)) = &self.columns else {
            return;
        };
        let score = self.blend.score(relevance, created.get_val(doc));
        if self.threshold.is_some_and(|t| score < t.key.score) {
            return;
        }
        let key = SortKey {
            score,
            id: (u128::from(hi.get_val(doc)) << 64) | u128::from(lo.get_val(doc)),
        };
        if self.blend.after.is_some_and(|a| key >= a) {
            return;
        }
        let entry = Entry {
            key,
            addr: DocAddress::new(self.ord, doc),
        };
        if self.threshold.is_some_and(|t| entry <= t) {
            return;
        }
        self.buffer.push(entry);
        if self.buffer.len() >= 2 * self.keep {
            self.cut();
        }
    }

    fn harvest(mut self) -> Self::Fruit {
        self.cut();
        let hits = self.buffer.into_iter().map(|e| (e.key, e.addr)).collect();
        (hits, self.count)
    }
}

impl TopRecentSegment {
    /// Keeps the best `keep` of the buffer (best first), and the worst of them as the
    /// threshold.
    fn cut(&mut self) {
        if self.buffer.len() > self.keep {
            self.buffer
                .select_nth_unstable_by(self.keep - 1, |a, b| b.cmp(a));
            self.buffer.truncate(self.keep);
            self.threshold = self.buffer.iter().min().copied();
        }
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
        let mut seg = TopRecentSegment {
            ord: 0,
            keep: 3,
            blend: blend(),
            columns: None,
            buffer: Vec::new(),
            threshold: None,
            count: 0,
        };
        // Ascending, as documents mostly arrive: every one beats the worst so far.
        for i in 0..10u32 {
            seg.buffer.push(Entry {
                key: SortKey {
                    score: (i / 2) as f32,
                    id: u128::from(i),
                },
                addr: DocAddress::new(0, i),
            });
        }
        seg.cut();
        let mut ids: Vec<u128> = seg.buffer.iter().map(|e| e.key.id).collect();
        ids.sort_unstable();
        assert_eq!(ids, vec![7, 8, 9]);
        assert_eq!(seg.threshold.map(|t| t.key.id), Some(7));
        let (hits, n) = seg.harvest();
        assert_eq!((hits.len(), n), (3, 0));
    }
}

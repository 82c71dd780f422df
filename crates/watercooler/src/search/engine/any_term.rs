//! A word's alternatives — its folded form, its Dutch and its English stem — as one query:
//! documents holding any of a few terms, scored by the sum of the BM25 scores of the terms
//! they hold.
//!
//! tantivy's Boolean `Should` of term queries does the same with a buffered union built for
//! walking forward: it decodes windows of 4,096 documents ahead. Intersected with another
//! word, the union is mostly *sought* — to the few candidates the rarer word proposes — and
//! each seek past the window refills it; that was half the time of a two-word query. Here a
//! seek only seeks the (at most three) terms that are behind the target.

use tantivy::query::{EmptyScorer, EnableScoring, Explanation, Query, Scorer, TermQuery, Weight};
use tantivy::{DocId, DocSet, Score, SegmentReader, TERMINATED, TantivyError, Term};

/// Documents with any of `terms`; see the module docs.
#[derive(Debug, Clone)]
pub(crate) struct AnyTermQuery(pub Vec<TermQuery>);

impl Query for AnyTermQuery {
    fn weight(&self, scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        // In term order, so recorded BM25 statistics replay in the same order.
        let weights = self
            .0
            .iter()
            .map(|q| q.weight(scoring))
            .collect::<tantivy::Result<Vec<_>>>()?;
        Ok(Box::new(AnyTermWeight(weights)))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        for q in &self.0 {
            q.query_terms(visitor);
        }
    }
}

struct AnyTermWeight(Vec<Box<dyn Weight>>);

impl Weight for AnyTermWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let mut scorers = Vec::with_capacity(self.0.len());
        for w in &self.0 {
            let s = w.scorer(reader, boost)?;
            // A term absent from the segment matches nothing here.
            if s.doc() != TERMINATED {
                scorers.push(s);
            }
        }
        Ok(match scorers.len() {
            0 => Box::new(EmptyScorer),
            1 => scorers.pop().unwrap_or_else(|| Box::new(EmptyScorer)),
            _ => Box::new(AnyTermScorer::new(scorers)),
        })
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let mut scorer = self.scorer(reader, 1.0)?;
        if scorer.seek(doc) == doc {
            Ok(Explanation::new("any of the word's terms", scorer.score()))
        } else {
            Err(TantivyError::InvalidArgument(
                "the document holds none of the terms".to_owned(),
            ))
        }
    }
}

/// The union of a few scorers, each positioned on a document (or terminated). Their
/// documents are kept here too, so that stepping the union calls only the scorers that move.
struct AnyTermScorer {
    scorers: Vec<Box<dyn Scorer>>,
    docs: Vec<DocId>,
    doc: DocId,
}

impl AnyTermScorer {
    fn new(scorers: Vec<Box<dyn Scorer>>) -> Self {
        let docs = scorers.iter().map(|s| s.doc()).collect();
        let mut me = AnyTermScorer {
            scorers,
            docs,
            doc: TERMINATED,
        };
        me.settle();
        me
    }

    /// The union is on the smallest document any scorer is on.
    fn settle(&mut self) {
        self.doc = self.docs.iter().copied().min().unwrap_or(TERMINATED);
    }
}

impl DocSet for AnyTermScorer {
    fn advance(&mut self) -> DocId {
        let current = self.doc;
        if current == TERMINATED {
            return TERMINATED;
        }
        for (s, doc) in self.scorers.iter_mut().zip(&mut self.docs) {
            if *doc == current {
                *doc = s.advance();
            }
        }
        self.settle();
        self.doc
    }

    fn seek(&mut self, target: DocId) -> DocId {
        if target <= self.doc {
            return self.doc;
        }
        for (s, doc) in self.scorers.iter_mut().zip(&mut self.docs) {
            if *doc < target {
                *doc = s.seek(target);
            }
        }
        self.settle();
        self.doc
    }

    fn doc(&self) -> DocId {
        self.doc
    }

    fn size_hint(&self) -> u32 {
        self.scorers
            .iter()
            .fold(0u32, |n, s| n.saturating_add(s.size_hint()))
    }
}

impl Scorer for AnyTermScorer {
    fn score(&mut self) -> Score {
        let current = self.doc;
        let mut sum = 0.0;
        for (s, doc) in self.scorers.iter_mut().zip(&self.docs) {
            if *doc == current {
                sum += s.score();
            }
        }
        sum
    }
}

#[cfg(test)]
mod tests {
    use tantivy::query::{BooleanQuery, Occur};
    use tantivy::schema::{IndexRecordOption, STRING, Schema};
    use tantivy::{Index, IndexWriter, TantivyDocument};

    use super::*;

    /// Same documents and scores as tantivy's Boolean `Should` of the same terms, walked
    /// forward and sought to every document (both ways of being driven by an intersection).
    #[test]
    fn equals_the_boolean_union_walked_and_sought() {
        let mut b = Schema::builder();
        let f = b.add_text_field("f", STRING);
        let index = Index::create_in_ram(b.build());
        let mut w: IndexWriter = index.writer_with_num_threads(1, 15_000_000).unwrap();
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let mut doc = TantivyDocument::new();
            // "a" is common, "b" rarer, "c" rare, "d" in no document.
            for (term, one_in) in [("a", 2), ("b", 9), ("c", 700)] {
                if (x >> (term.as_bytes()[0] % 16)).is_multiple_of(one_in) {
                    doc.add_text(f, term);
                }
            }
            doc.add_text(f, "z");
            w.add_document(doc).unwrap();
        }
        w.commit().unwrap();
        let searcher = index.reader().unwrap().searcher();
        let reader = searcher.segment_reader(0);
        let term =
            |t: &str| TermQuery::new(Term::from_field_text(f, t), IndexRecordOption::WithFreqs);
        for terms in [
            vec!["a", "b"],
            vec!["b", "c", "d"],
            vec!["c", "d"],
            vec!["d"],
        ] {
            let ours = AnyTermQuery(terms.iter().map(|t| term(t)).collect());
            let theirs = BooleanQuery::new(
                terms
                    .iter()
                    .map(|t| (Occur::Should, Box::new(term(t)) as Box<dyn Query>))
                    .collect(),
            );
            let scoring = EnableScoring::enabled_from_searcher(&searcher);
            let walk = |q: &dyn Query| {
                let mut s = q.weight(scoring).unwrap().scorer(reader, 1.0).unwrap();
                let mut out = Vec::new();
                while s.doc() != TERMINATED {
                    out.push((s.doc(), s.score()));
                    s.advance();
                }
                out
            };
            let expected = walk(&theirs);
            let got = walk(&ours);
            assert_eq!(got.len(), expected.len(), "{terms:?}");
            for ((d1, s1), (d2, s2)) in got.iter().zip(&expected) {
                assert_eq!(d1, d2);
                assert!(
                    (s1 - s2).abs() <= 1e-5 * s2.abs().max(1.0),
                    "{terms:?} {d1}"
                );
            }
            // Sought in steps of 7 (what an intersection does): lands on the next match.
            let mut s = ours.weight(scoring).unwrap().scorer(reader, 1.0).unwrap();
            let docs: Vec<DocId> = expected.iter().map(|(d, _)| *d).collect();
            for target in (0..20_000).step_by(7) {
                // tantivy's contract: never seek behind the current document.
                if target <= s.doc() {
                    continue;
                }
                let want = docs
                    .iter()
                    .copied()
                    .find(|&d| d >= target)
                    .unwrap_or(TERMINATED);
                assert_eq!(s.seek(target), want, "{terms:?} seek {target}");
            }
        }
    }
}

//! A word's alternatives — its folded form, its Dutch and its English stem — as one query:
//! documents holding any of a few terms, scored by the sum of the BM25 scores of the terms
//! they hold.
//!
//! tantivy's Boolean `Should` of term queries does the same with a buffered union built for
//! walking forward: it decodes windows of 4,096 documents ahead. Intersected with another
//! word, the union is mostly *sought* — to the few candidates the rarer word proposes — and
//! each seek past the window refills it; that was half the time of a two-word query. Here a
//! seek only seeks the (at most three) terms that are behind the target.

use std::sync::Arc;

use tantivy::fieldnorm::FieldNormReader;
use tantivy::postings::{Postings, SegmentPostings};
use tantivy::query::{Bm25Weight, EmptyScorer, EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::schema::IndexRecordOption;
use tantivy::{DocId, DocSet, Score, SegmentReader, TERMINATED, TantivyError, Term};

use crate::plan::term_infos::TermInfos;

/// Documents with any of `terms`; see the module docs.
#[derive(Clone)]
pub(crate) struct AnyTermQuery {
    terms: Vec<Term>,
    /// The search's dictionary entries, shared with its BM25 statistics.
    infos: Arc<TermInfos>,
}

impl AnyTermQuery {
    /// Documents holding any of `terms` (text terms of fields indexed with frequencies),
    /// looked up through the search's `infos`.
    pub(crate) fn new(terms: Vec<Term>, infos: Arc<TermInfos>) -> Self {
        AnyTermQuery { terms, infos }
    }
}

impl std::fmt::Debug for AnyTermQuery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("AnyTermQuery").field(&self.terms).finish()
    }
}

impl Query for AnyTermQuery {
    fn weight(&self, scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        // The statistics tantivy's term query asks for, in its order (recorded statistics
        // replay in the order they were asked), in term order.
        let mut terms = Vec::with_capacity(self.terms.len());
        for term in &self.terms {
            let bm25 = match scoring {
                EnableScoring::Enabled {
                    statistics_provider: stats,
                    ..
                } => {
                    let tokens = stats.total_num_tokens(term.field())?;
                    let docs = stats.total_num_docs()?;
                    let with_term = stats.doc_freq(term)?;
                    Bm25Weight::for_one_term_without_explain(
                        with_term,
                        docs,
                        tokens as Score / docs as Score,
                    )
                }
                // Any weight: nothing reads the scores.
                EnableScoring::Disabled { .. } => {
                    Bm25Weight::for_one_term_without_explain(1, 1, 1.0)
                }
            };
            terms.push((term.clone(), bm25));
        }
        Ok(Box::new(AnyTermWeight {
            terms,
            scoring: scoring.is_scoring_enabled(),
            infos: self.infos.clone(),
        }))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        for term in &self.terms {
            visitor(term, false);
        }
    }
}

struct AnyTermWeight {
    terms: Vec<(Term, Bm25Weight)>,
    scoring: bool,
    infos: Arc<TermInfos>,
}

impl AnyTermWeight {
    fn term_scorer(
        &self,
        reader: &SegmentReader,
        term: &Term,
        bm25: &Bm25Weight,
        boost: Score,
    ) -> tantivy::Result<Option<TermScorer>> {
        let Some((index, info)) = self.infos.get(reader, term)? else {
            return Ok(None);
        };
        if info.doc_freq == 0 {
            return Ok(None);
        }
        let (record, norms) = if self.scoring {
            (
                IndexRecordOption::WithFreqs,
                reader.fieldnorms_readers().get_field(term.field())?,
            )
        } else {
            (IndexRecordOption::Basic, None)
        };
        let postings = index.read_postings_from_terminfo(&info, record)?;
        let norms = norms.unwrap_or_else(|| FieldNormReader::constant(reader.max_doc(), 1));
        Ok(Some(TermScorer {
            postings,
            norms,
            bm25: bm25.boost_by(boost),
        }))
    }
}

/// One term's matches in a segment, scored by BM25 exactly as tantivy's term scorer scores
/// them (which tantivy does not export).
struct TermScorer {
    postings: SegmentPostings,
    norms: FieldNormReader,
    bm25: Bm25Weight,
}

impl DocSet for TermScorer {
    #[inline]
    fn advance(&mut self) -> DocId {
        self.postings.advance()
    }

    #[inline]
    fn seek(&mut self, target: DocId) -> DocId {
        self.postings.seek(target)
    }

    #[inline]
    fn doc(&self) -> DocId {
        self.postings.doc()
    }

    fn size_hint(&self) -> u32 {
        self.postings.size_hint()
    }
}

impl Scorer for TermScorer {
    #[inline]
    fn score(&mut self) -> Score {
        let doc = self.postings.doc();
        self.bm25
            .score(self.norms.fieldnorm_id(doc), self.postings.term_freq())
    }
}

impl Weight for AnyTermWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let mut scorers = Vec::with_capacity(self.terms.len());
        for (term, bm25) in &self.terms {
            if let Some(s) = self.term_scorer(reader, term, bm25, boost)? {
                scorers.push(s);
            }
        }
        Ok(match scorers.len() {
            0 => Box::new(EmptyScorer),
            1 => match scorers.pop() {
                Some(one) => Box::new(one),
                None => Box::new(EmptyScorer),
            },
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
    scorers: Vec<TermScorer>,
    docs: Vec<DocId>,
    doc: DocId,
}

impl AnyTermScorer {
    fn new(scorers: Vec<TermScorer>) -> Self {
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
    use tantivy::query::{BooleanQuery, Occur, TermQuery};
    use tantivy::schema::{STRING, Schema};
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
            let ours = AnyTermQuery::new(
                terms.iter().map(|t| Term::from_field_text(f, t)).collect(),
                Arc::default(),
            );
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

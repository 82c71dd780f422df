//! The term dictionary entries one search has looked up, per segment.
//!
//! BM25 needs each word's document count over the whole index, which tantivy's searcher
//! gets by looking the term up in every segment; the scorers then look it up again to open
//! its postings. A query word is three terms (see [`crate::plan::any_term`]), so a two-word query
//! in a three-segment index looked up 36 dictionary entries where 18 answer everything: the
//! lookups were a sixth of a typical two-word query. Both now read the entries through one
//! `TermInfos`, made per search and dropped with it — nothing is shared between searches,
//! so every search still pays for its own lookups.

use std::sync::{Arc, Mutex};

use tantivy::index::SegmentId;
use tantivy::postings::TermInfo;
use tantivy::{InvertedIndexReader, Searcher, SegmentReader, Term};

/// A term's entry in one segment: the segment's index of the term's field, and where the
/// term's postings are (`None` when the segment lacks the term).
pub(crate) type Entry = Option<(Arc<InvertedIndexReader>, TermInfo)>;

/// The entries looked up so far by one search (a handful: a short list beats a map).
#[derive(Default)]
pub(crate) struct TermInfos {
    found: Mutex<Vec<(SegmentId, Term, Entry)>>,
}

impl std::fmt::Debug for TermInfos {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TermInfos").finish_non_exhaustive()
    }
}

impl TermInfos {
    /// The entry of `term` in `reader`'s segment, looked up at most once per search.
    pub(crate) fn get(&self, reader: &SegmentReader, term: &Term) -> tantivy::Result<Entry> {
        let segment = reader.segment_id();
        {
            let found = self.found.lock().unwrap_or_else(|e| e.into_inner());
            if let Some((_, _, entry)) = found.iter().find(|(s, t, _)| *s == segment && t == term) {
                return Ok(entry.clone());
            }
        }
        let index = reader.inverted_index(term.field())?;
        let entry = index.get_term_info(term)?.map(|info| (index, info));
        self.found.lock().unwrap_or_else(|e| e.into_inner()).push((
            segment,
            term.clone(),
            entry.clone(),
        ));
        Ok(entry)
    }

    /// The number of documents holding `term` (deleted ones included, as BM25 in tantivy
    /// counts them), over all segments of `searcher`: what `Searcher::doc_freq` says.
    pub(crate) fn doc_freq(&self, searcher: &Searcher, term: &Term) -> tantivy::Result<u64> {
        let mut total = 0;
        for reader in searcher.segment_readers() {
            if let Some((_, info)) = self.get(reader, term)? {
                total += u64::from(info.doc_freq);
            }
        }
        Ok(total)
    }
}

#[cfg(test)]
mod tests {
    use tantivy::schema::{STRING, Schema};
    use tantivy::{Index, IndexWriter, TantivyDocument};

    use super::*;

    /// The same counts as tantivy's searcher, over several segments and with deletes, for
    /// terms in every, some and no segment; asked twice, the second from the memo.
    #[test]
    fn counts_like_the_searcher() {
        let mut b = Schema::builder();
        let f = b.add_text_field("f", STRING);
        let index = Index::create_in_ram(b.build());
        let mut w: IndexWriter = index.writer_with_num_threads(1, 15_000_000).unwrap();
        for segment in 0..3 {
            for i in 0..50 {
                let mut doc = TantivyDocument::new();
                doc.add_text(f, "all");
                doc.add_text(f, format!("seg{segment}"));
                if i % 7 == 0 {
                    doc.add_text(f, "some");
                }
                if i % 5 == 0 {
                    doc.add_text(f, "gone");
                }
                w.add_document(doc).unwrap();
            }
            w.commit().unwrap();
        }
        w.delete_term(Term::from_field_text(f, "gone"));
        w.commit().unwrap();
        let searcher = index.reader().unwrap().searcher();
        assert_eq!(searcher.segment_readers().len(), 3);
        let infos = TermInfos::default();
        for _ in 0..2 {
            for t in ["all", "some", "gone", "seg0", "seg2", "none"] {
                let term = Term::from_field_text(f, t);
                assert_eq!(
                    infos.doc_freq(&searcher, &term).unwrap(),
                    searcher.doc_freq(&term).unwrap(),
                    "{t}"
                );
            }
        }
        let looked_up = infos.found.lock().unwrap().len();
        assert_eq!(looked_up, 6 * searcher.segment_readers().len());
    }
}

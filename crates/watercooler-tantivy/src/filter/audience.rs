//! The audience filter: "documents carrying any of these access terms", as a set each
//! match is tested against ([`Visible`]), with the one term shared by a whole tenant (its
//! organisation term) cached per segment (in [`TermBitsCache`]).
//!
//! The organisation term matches most of a tenant's posts. Turning its postings into a
//! bitset on every search was most of the cost of a selective query (`from:jan` spent
//! ~0.7 ms of ~0.8 ms there on the corpus); reading it lazily instead was slower still,
//! because the union then has to be walked next to the user's query. So each segment's
//! organisation bitset is built once and shared by every search, and the viewer's own
//! terms — their groups and themselves, a few postings (decoded once per segment and term,
//! see [`TermBitsCache::postings`]) — go into a set of their own.
//! Segments never change, so a cached bitset is valid for its segment's life (deleted
//! documents are left to the caller, see `acl::VisibleMatches`).
//!
//! The hashtag counts of those organisation posts are cached beside the tags
//! ([`crate::tags::TagCountCache`]).
//!
//! The cache holds viewer-specific data: they are keyed by segment and term (the
//! organisation term names the tenant), and entries of segments no longer searchable are
//! dropped at each reload.

use std::fmt;
use std::ops::Range;
use std::sync::Arc;

use tantivy::schema::Field;
use tantivy::{DocId, SegmentReader};

use crate::filter::bits::{self, DocBits};
use crate::filter::term_bits::TermBitsCache;

/// The documents of one segment a viewer may see (deleted ones included).
pub(crate) struct Visible {
    shared: Arc<DocBits>,
    /// The viewer's own documents, kept for words `own_from ..` only: the words of their
    /// tenant's documents, where all of them lie (every access term names the tenant). A
    /// set over the whole segment cost a zeroed word per 64 documents of every tenant, per
    /// search and segment.
    own: DocBits,
    own_from: usize,
}

impl Visible {
    /// Whether the viewer may see `doc`.
    #[inline]
    pub(crate) fn contains(&self, doc: DocId) -> bool {
        self.shared.contains(doc) || self.own_word((doc / 64) as usize) & (1 << (doc % 64)) != 0
    }

    /// The words of the viewer's tenant's documents: outside them the set is empty.
    pub(crate) fn word_range(&self) -> Range<usize> {
        self.own_from..self.own_from + self.own.words().len()
    }

    /// The shared and the viewer's own set over [`Self::word_range`] (their union is the
    /// set there).
    pub(crate) fn words(&self) -> (&[u64], &[u64]) {
        let shared = self.shared.words();
        let shared = shared.get(self.word_range()).unwrap_or(&[]);
        (shared, self.own.words())
    }

    /// Word `i` of the set (see [`DocBits::word`]).
    #[inline]
    pub(crate) fn word(&self, i: usize) -> u64 {
        self.shared.word(i) | self.own_word(i)
    }

    #[inline]
    fn own_word(&self, i: usize) -> u64 {
        i.checked_sub(self.own_from).map_or(0, |i| self.own.word(i))
    }
}

/// Documents whose `field` holds `shared` (cached) or any of `own`.
#[derive(Clone)]
pub(crate) struct AudienceQuery {
    pub field: Field,
    pub shared: Vec<u8>,
    pub own: Vec<Vec<u8>>,
    pub bits: Arc<TermBitsCache>,
}

impl fmt::Debug for AudienceQuery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Terms name people and groups: keep them out of logs.
        f.debug_struct("AudienceQuery")
            .field("terms", &(1 + self.own.len()))
            .finish()
    }
}

impl AudienceQuery {
    /// The documents of `reader` this query matches, as a set to test members of (the
    /// shared bitset is not copied). `tenant_docs` must hold every document of the
    /// viewer's tenant ([`crate::collect::segments::SegmentData::tenant_docs`]): the viewer's own
    /// documents are kept for those words only.
    pub(crate) fn visible(
        &self,
        reader: &SegmentReader,
        tenant_docs: Range<DocId>,
    ) -> tantivy::Result<Visible> {
        let shared = self.bits.bits(reader, self.field, &self.shared)?;
        let words = bits::words_of(tenant_docs);
        let base = u32::try_from(words.start * 64).unwrap_or(DocId::MAX);
        let mut own = DocBits::new(u32::try_from(words.len() * 64).unwrap_or(DocId::MAX));
        for term in &self.own {
            for &doc in self.bits.postings(reader, self.field, term)?.iter() {
                // Never below `base` when `tenant_docs` is right; skipping keeps it a
                // subset of the audience either way.
                if let Some(at) = doc.checked_sub(base) {
                    own.insert(at);
                }
            }
        }
        Ok(Visible {
            shared,
            own,
            own_from: words.start,
        })
    }
}

/// The same set as a tantivy query, for the test that holds [`Visible`] to tantivy's own
/// intersection (see `acl::Restricted::query`).
#[cfg(test)]
mod as_query {
    use tantivy::query::{
        BitSetDocSet, ConstScorer, EnableScoring, Explanation, Query, Scorer, Weight,
    };
    use tantivy::{DocId, DocSet, Score, SegmentReader, TantivyError};

    use super::AudienceQuery;
    use crate::filter::term_bits::for_each_posting;
    use tantivy::BitSet;

    impl Query for AudienceQuery {
        fn weight(&self, _: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
            Ok(Box::new(AudienceWeight(self.clone())))
        }
    }

    struct AudienceWeight(AudienceQuery);

    impl Weight for AudienceWeight {
        fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
            let q = &self.0;
            let mut bits = BitSet::with_max_value(reader.max_doc());
            for doc in q.bits.bits(reader, q.field, &q.shared)?.iter() {
                bits.insert(doc);
            }
            for term in &q.own {
                for_each_posting(reader, q.field, term, |doc| {
                    bits.insert(doc);
                })?;
            }
            Ok(Box::new(ConstScorer::new(BitSetDocSet::from(bits), boost)))
        }

        fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
            let mut scorer = self.scorer(reader, 1.0)?;
            if scorer.seek(doc) == doc {
                Ok(Explanation::new("audience", 1.0))
            } else {
                Err(TantivyError::InvalidArgument(
                    "not in the audience".to_owned(),
                ))
            }
        }
    }
}

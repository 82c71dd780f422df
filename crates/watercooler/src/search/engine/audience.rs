//! The audience filter: "documents carrying any of these access terms", as a set each
//! match is tested against ([`Visible`]), with the one term shared by a whole tenant (its
//! organisation term) cached per segment.
//!
//! The organisation term matches most of a tenant's posts. Turning its postings into a
//! bitset on every search was most of the cost of a selective query (`from:jan` spent
//! ~0.7 ms of ~0.8 ms there on the corpus); reading it lazily instead was slower still,
//! because the union then has to be walked next to the user's query. So each segment's
//! organisation bitset is built once and shared by every search, and the viewer's own
//! terms — their groups and themselves, a few postings — go into a small set of their own.
//! Segments never change, so a cached bitset is valid for its segment's life (deleted
//! documents are left to the caller, see `acl::VisibleMatches`).
//!
//! The same cache keeps, per segment and organisation term, the hashtag counts of those
//! organisation posts (see [`super::tags`]); as deletes change them, those entries are also
//! keyed by the segment's delete opstamp.
//!
//! The cache holds no viewer-specific data: it is keyed by segment and organisation term
//! (which names the tenant), and entries of segments no longer searchable are dropped at
//! each reload.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::{Arc, Mutex};

use tantivy::index::SegmentId;
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{BitSet, DocId, Opstamp, SegmentReader, Term};

use super::tags::SegmentTags;

/// More entries than this (tenants × segments) and the cache starts over.
const MAX_ENTRIES: usize = 1_024;

/// A segment and a term.
type Key = (SegmentId, Vec<u8>);

/// A segment, its deletes and a term.
type TagKey = (SegmentId, Option<Opstamp>, Vec<u8>);

/// Per-segment bitsets of shared access terms, and the tag counts of their documents.
#[derive(Default)]
pub(crate) struct AudienceCache {
    map: Mutex<HashMap<Key, Arc<BitSet>>>,
    tags: Mutex<HashMap<TagKey, Arc<SegmentTags>>>,
}

impl fmt::Debug for AudienceCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.map.lock().map_or(0, |m| m.len());
        f.debug_struct("AudienceCache")
            .field("entries", &n)
            .finish()
    }
}

impl AudienceCache {
    /// The documents of `reader` whose `field` holds `term` (deleted ones included).
    pub(crate) fn bits(
        &self,
        reader: &SegmentReader,
        field: Field,
        term: &[u8],
    ) -> tantivy::Result<Arc<BitSet>> {
        let key = (reader.segment_id(), term.to_vec());
        if let Some(hit) = self.map.lock().unwrap_or_else(|e| e.into_inner()).get(&key) {
            return Ok(hit.clone());
        }
        let mut bits = BitSet::with_max_value(reader.max_doc());
        for_each_posting(reader, field, term, |doc| {
            bits.insert(doc);
        })?;
        let bits = Arc::new(bits);
        let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= MAX_ENTRIES {
            map.clear();
        }
        map.insert(key, bits.clone());
        Ok(bits)
    }

    /// The tag counts of the live documents in `docs`, which are [`Self::bits`] of `term`.
    pub(crate) fn tags(
        &self,
        reader: &SegmentReader,
        term: &[u8],
        docs: &BitSet,
    ) -> tantivy::Result<Arc<SegmentTags>> {
        let key = (reader.segment_id(), reader.delete_opstamp(), term.to_vec());
        if let Some(hit) = self
            .tags
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&key)
        {
            return Ok(hit.clone());
        }
        // Counted outside the lock: other searches go on meanwhile (two may count the
        // same segment once; both results are equal).
        let counted = Arc::new(SegmentTags::count(reader, docs)?);
        let mut map = self.tags.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= MAX_ENTRIES {
            map.clear();
        }
        // Older delete generations of this segment are of no more use.
        map.retain(|(s, d, t), _| !(*s == key.0 && *d != key.1 && t == term));
        map.insert(key, counted.clone());
        Ok(counted)
    }

    /// Drops the entries of segments that are not in `live`.
    pub(crate) fn retain(&self, live: &HashSet<SegmentId>) {
        self.map
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|(s, _), _| live.contains(s));
        self.tags
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|(s, _, _), _| live.contains(s));
    }
}

/// Calls `f` with every document of `reader` whose `field` holds `term`, in order.
pub(crate) fn for_each_posting(
    reader: &SegmentReader,
    field: Field,
    term: &[u8],
    mut f: impl FnMut(DocId),
) -> tantivy::Result<()> {
    let inverted = reader.inverted_index(field)?;
    let Some(info) = inverted.get_term_info(&Term::from_field_bytes(field, term))? else {
        return Ok(());
    };
    let mut postings =
        inverted.read_block_postings_from_terminfo(&info, IndexRecordOption::Basic)?;
    loop {
        let docs = postings.docs();
        if docs.is_empty() {
            return Ok(());
        }
        for &doc in docs {
            f(doc);
        }
        postings.advance();
    }
}

/// The documents of one segment a viewer may see (deleted ones included).
pub(crate) struct Visible {
    shared: Arc<BitSet>,
    own: BitSet,
}

impl Visible {
    /// Whether the viewer may see `doc`.
    pub(crate) fn contains(&self, doc: DocId) -> bool {
        self.shared.contains(doc) || self.own.contains(doc)
    }
}

/// Documents whose `field` holds `shared` (cached) or any of `own`.
#[derive(Clone)]
pub(crate) struct AudienceQuery {
    pub field: Field,
    pub shared: Vec<u8>,
    pub own: Vec<Vec<u8>>,
    pub cache: Arc<AudienceCache>,
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
    /// shared bitset is not copied).
    pub(crate) fn visible(&self, reader: &SegmentReader) -> tantivy::Result<Visible> {
        let shared = self.cache.bits(reader, self.field, &self.shared)?;
        let mut own = BitSet::with_max_value(reader.max_doc());
        for term in &self.own {
            for_each_posting(reader, self.field, term, |doc| {
                own.insert(doc);
            })?;
        }
        Ok(Visible { shared, own })
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

    use super::{AudienceQuery, for_each_posting};

    impl Query for AudienceQuery {
        fn weight(&self, _: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
            Ok(Box::new(AudienceWeight(self.clone())))
        }
    }

    struct AudienceWeight(AudienceQuery);

    impl Weight for AudienceWeight {
        fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
            let q = &self.0;
            let mut bits = (*q.cache.bits(reader, q.field, &q.shared)?).clone();
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

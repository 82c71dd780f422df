//! Per-segment sets of documents, built once and shared by every search: the bitsets of
//! terms with many documents, the decoded postings of access terms, and each segment's
//! live documents.
//!
//! Bitsets are kept for two kinds of term: a tenant's organisation term, which nearly every
//! search of that tenant tests its matches against (see [`crate::filter::audience`]), and a popular
//! filter term — `#tag`, `in:group`, `has:link` — whose page and count are then computed a
//! word at a time (see `acl::DenseMatches`). A viewer's own access terms (their person and
//! groups, a few hundred documents a segment) are kept as decoded postings: looking them up
//! and opening them on every search cost more than using them. A segment's postings never
//! change, so all of these are valid for the segment's life (deleted documents included:
//! the live set, which changes with deletes, is kept apart and keyed by the segment's delete
//! opstamp).
//!
//! Nothing here is specific to a viewer: the keys are segments and terms — a person's or
//! group's term holds what the index holds for it, whoever asks — and the index drops the
//! entries of segments no longer searchable at each reload. The caches are bounded and
//! start over when full.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::{Arc, Mutex};

use tantivy::index::{InvertedIndexReader, SegmentId};
use tantivy::postings::TermInfo;
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{DocId, Opstamp, SegmentReader, Term};

use crate::filter::bits::DocBits;

/// At most this many bytes of bitsets (a 200,000-document segment's set is 25 kB), and at
/// most [`MAX_ENTRIES`] sets; past either the cache starts over.
const MAX_BYTES: usize = 64 << 20;
const MAX_ENTRIES: usize = 4_096;

/// A term on at least one in this many of a segment's documents is *dense*: combining its
/// set (a bit per document) with the viewer's a word at a time — a few hundred
/// picoseconds a word, vectorised — costs less than decoding and testing its postings, a
/// few nanoseconds a document. (On the corpus benchmark, 32, 128 and 512 were within
/// noise of each other; without sets a `#tag` query took four times as long on average.)
pub(crate) const DENSE: u32 = 128;

/// ... and on at least this many: below, reading the postings costs less than finding the
/// set (a microsecond or two either way).
const MIN_DENSE_DOCS: u32 = 512;

/// At most this many documents in decoded postings lists (4 bytes each); past that, or
/// `16 × MAX_ENTRIES` lists, they start over.
const MAX_LIST_DOCS: usize = 4 << 20;

/// More terms known to be sparse than this and that list starts over.
const MAX_SPARSE: usize = 65_536;

/// A segment, a field and a term's bytes.
type Key = (SegmentId, Field, Vec<u8>);

/// A segment's live documents, as of its delete opstamp.
type Alive = (Option<Opstamp>, Arc<DocBits>);

/// A map of per-segment entries bounded by their number and by a summed weight; it starts
/// over when an insert would pass either.
struct Bounded<V> {
    inner: Mutex<(HashMap<Key, V>, usize)>,
    max_entries: usize,
    max_weight: usize,
    weight: fn(&V) -> usize,
}

impl<V: Clone> Bounded<V> {
    fn new(max_entries: usize, max_weight: usize, weight: fn(&V) -> usize) -> Self {
        Bounded {
            inner: Mutex::default(),
            max_entries,
            max_weight,
            weight,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, (HashMap<Key, V>, usize)> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn get(&self, key: &Key) -> Option<V> {
        self.lock().0.get(key).cloned()
    }

    fn contains(&self, key: &Key) -> bool {
        self.lock().0.contains_key(key)
    }

    fn insert(&self, key: Key, value: V) {
        let w = (self.weight)(&value);
        let mut guard = self.lock();
        let (map, total) = &mut *guard;
        if map.len() >= self.max_entries || *total + w > self.max_weight {
            map.clear();
            *total = 0;
        }
        if let Some(old) = map.insert(key, value) {
            *total -= (self.weight)(&old);
        }
        *total += w;
    }

    /// Keeps the entries of the segments in `live` only.
    fn retain(&self, live: &HashSet<SegmentId>) {
        let mut guard = self.lock();
        let (map, total) = &mut *guard;
        map.retain(|(s, _, _), _| live.contains(s));
        *total = map.values().map(self.weight).sum();
    }

    fn len_and_weight(&self) -> (usize, usize) {
        let guard = self.lock();
        (guard.0.len(), guard.1)
    }
}

/// See the module documentation.
pub(crate) struct TermBitsCache {
    /// Bitsets, weighed in bytes.
    sets: Bounded<Arc<DocBits>>,
    /// Decoded postings of sparse access terms (a viewer's groups and person), weighed in
    /// documents.
    lists: Bounded<Arc<[DocId]>>,
    /// Terms [`Self::dense_bits`] found sparse, so that it need not look them up again.
    sparse: Bounded<()>,
    alive: Mutex<HashMap<SegmentId, Alive>>,
    min_dense: u32,
}

impl Default for TermBitsCache {
    fn default() -> Self {
        TermBitsCache::with_min_dense(MIN_DENSE_DOCS)
    }
}

impl fmt::Debug for TermBitsCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (sets, bytes) = self.sets.len_and_weight();
        f.debug_struct("TermBitsCache")
            .field("sets", &sets)
            .field("bytes", &bytes)
            .finish()
    }
}

impl TermBitsCache {
    /// A cache whose dense terms are on at least `min_dense` documents (tests use small
    /// segments).
    pub(crate) fn with_min_dense(min_dense: u32) -> Self {
        TermBitsCache {
            sets: Bounded::new(MAX_ENTRIES, MAX_BYTES, |b: &Arc<DocBits>| b.bytes()),
            lists: Bounded::new(MAX_ENTRIES * 16, MAX_LIST_DOCS, |l: &Arc<[DocId]>| l.len()),
            sparse: Bounded::new(MAX_SPARSE, usize::MAX, |_| 0),
            alive: Mutex::default(),
            min_dense,
        }
    }

    /// The documents of `reader` whose `field` holds `term` (deleted ones included).
    pub(crate) fn bits(
        &self,
        reader: &SegmentReader,
        field: Field,
        term: &[u8],
    ) -> tantivy::Result<Arc<DocBits>> {
        let key = (reader.segment_id(), field, term.to_vec());
        match self.sets.get(&key) {
            Some(hit) => Ok(hit),
            None => self.build(key, reader, lookup(reader, field, term)?),
        }
    }

    /// The documents of `reader` whose `field` holds `term`, ascending (deleted ones
    /// included). For terms on few documents: a viewer's person and group terms, which
    /// every search of theirs reads; looking them up and opening their postings each time
    /// cost more than reading them.
    pub(crate) fn postings(
        &self,
        reader: &SegmentReader,
        field: Field,
        term: &[u8],
    ) -> tantivy::Result<Arc<[DocId]>> {
        let key = (reader.segment_id(), field, term.to_vec());
        if let Some(hit) = self.lists.get(&key) {
            return Ok(hit);
        }
        let mut docs = Vec::new();
        for_each_posting(reader, field, term, |doc| docs.push(doc))?;
        let docs: Arc<[DocId]> = docs.into();
        self.lists.insert(key, docs.clone());
        Ok(docs)
    }

    /// [`Self::bits`], if the term is on at least one in [`DENSE`] of the segment's
    /// documents (its set is then smaller than its postings) and on at least
    /// [`MIN_DENSE_DOCS`]; `None` otherwise.
    pub(crate) fn dense_bits(
        &self,
        reader: &SegmentReader,
        field: Field,
        term: &[u8],
    ) -> tantivy::Result<Option<Arc<DocBits>>> {
        let min = (reader.max_doc() / DENSE).max(self.min_dense).max(1);
        if reader.max_doc() < min {
            return Ok(None);
        }
        let key = (reader.segment_id(), field, term.to_vec());
        if let Some(hit) = self.sets.get(&key) {
            return Ok(Some(hit));
        }
        if self.sparse.contains(&key) {
            return Ok(None);
        }
        let found = lookup(reader, field, term)?;
        if found.as_ref().map_or(0, |(_, info)| info.doc_freq) < min {
            self.sparse.insert(key, ());
            return Ok(None);
        }
        self.build(key, reader, found).map(Some)
    }

    /// The set of `key`'s term, whose dictionary entry is `found`, built and kept.
    fn build(
        &self,
        key: Key,
        reader: &SegmentReader,
        found: Option<(Arc<InvertedIndexReader>, TermInfo)>,
    ) -> tantivy::Result<Arc<DocBits>> {
        // Built outside the lock: other searches go on meanwhile (two may build the same
        // set once; both are equal).
        let mut bits = DocBits::new(reader.max_doc());
        if let Some((inverted, info)) = found {
            for_each_doc(&inverted, &info, |doc| bits.insert(doc))?;
        }
        let bits = Arc::new(bits);
        self.sets.insert(key, bits.clone());
        Ok(bits)
    }

    /// The live documents of `reader`; `None` when it has no deleted ones.
    pub(crate) fn alive(&self, reader: &SegmentReader) -> Option<Arc<DocBits>> {
        let alive_bitset = reader.alive_bitset()?;
        let (id, deletes) = (reader.segment_id(), reader.delete_opstamp());
        let mut alive = self.alive.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((d, bits)) = alive.get(&id)
            && *d == deletes
        {
            return Some(bits.clone());
        }
        // Built under the lock, once per segment and generation of deletes (the index
        // builds them right after each reload, see `refresh`).
        let mut bits = DocBits::new(reader.max_doc());
        alive_bitset.iter_alive().for_each(|doc| bits.insert(doc));
        let bits = Arc::new(bits);
        alive.insert(id, (deletes, bits.clone()));
        Some(bits)
    }

    /// Drops the entries of segments not in `live` and prepares the live sets of the
    /// segments `readers` with deletes.
    pub(crate) fn refresh(&self, readers: &[SegmentReader], live: &HashSet<SegmentId>) {
        self.sets.retain(live);
        self.lists.retain(live);
        self.sparse.retain(live);
        self.alive
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|s, _| live.contains(s));
        for reader in readers {
            self.alive(reader);
        }
    }
}

/// `term`'s entry in `reader`'s dictionary of `field`, with the index that holds its
/// postings; `None` when the segment does not have the term.
fn lookup(
    reader: &SegmentReader,
    field: Field,
    term: &[u8],
) -> tantivy::Result<Option<(Arc<InvertedIndexReader>, TermInfo)>> {
    let inverted = reader.inverted_index(field)?;
    let info = inverted.get_term_info(&Term::from_field_bytes(field, term))?;
    Ok(info.map(|info| (inverted, info)))
}

/// Calls `f` with every document of a looked-up term, in order.
fn for_each_doc(
    inverted: &InvertedIndexReader,
    info: &TermInfo,
    mut f: impl FnMut(DocId),
) -> tantivy::Result<()> {
    let mut postings =
        inverted.read_block_postings_from_terminfo(info, IndexRecordOption::Basic)?;
    loop {
        let docs = postings.docs();
        if docs.is_empty() {
            return Ok(());
        }
        docs.iter().for_each(|&doc| f(doc));
        postings.advance();
    }
}

/// Calls `f` with every document of `reader` whose `field` holds `term`, in order.
pub(crate) fn for_each_posting(
    reader: &SegmentReader,
    field: Field,
    term: &[u8],
    f: impl FnMut(DocId),
) -> tantivy::Result<()> {
    match lookup(reader, field, term)? {
        Some((inverted, info)) => for_each_doc(&inverted, &info, f),
        None => Ok(()),
    }
}

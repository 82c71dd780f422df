//! Per-segment sets of documents, built once and shared by every search: the bitsets of
//! terms with many documents, the decoded postings of access terms, and each segment's
//! live documents.
//!
//! Bitsets are kept for two kinds of term: a tenant's organisation term, which nearly every
//! search of that tenant tests its matches against (see [`super::audience`]), and a popular
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
use std::sync::{Arc, Mutex, MutexGuard};

use tantivy::index::SegmentId;
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{DocId, Opstamp, SegmentReader, Term};

use super::bits::DocBits;

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

/// See the module documentation.
pub(crate) struct TermBitsCache {
    terms: Mutex<Sets>,
    /// Decoded postings of sparse access terms (a viewer's groups and person).
    lists: Mutex<Lists>,
    /// Terms [`Self::dense_bits`] found sparse, so that it need not look them up again.
    sparse: Mutex<HashSet<Key>>,
    alive: Mutex<HashMap<SegmentId, Alive>>,
    min_dense: u32,
}

impl Default for TermBitsCache {
    fn default() -> Self {
        TermBitsCache::with_min_dense(MIN_DENSE_DOCS)
    }
}

#[derive(Default)]
struct Sets {
    map: HashMap<Key, Arc<DocBits>>,
    bytes: usize,
}

#[derive(Default)]
struct Lists {
    map: HashMap<Key, Arc<[DocId]>>,
    /// Documents held, over all lists.
    docs: usize,
}

impl fmt::Debug for TermBitsCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sets = self.terms.lock().unwrap_or_else(|e| e.into_inner());
        f.debug_struct("TermBitsCache")
            .field("sets", &sets.map.len())
            .field("bytes", &sets.bytes)
            .finish()
    }
}

impl TermBitsCache {
    /// A cache whose dense terms are on at least `min_dense` documents (tests use small
    /// segments).
    pub(crate) fn with_min_dense(min_dense: u32) -> Self {
        TermBitsCache {
            terms: Mutex::default(),
            lists: Mutex::default(),
            sparse: Mutex::default(),
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
        if let Some(hit) = self.lock_terms().map.get(&key) {
            return Ok(hit.clone());
        }
        let bits = self.build(key, reader, |_| true)?;
        Ok(bits.unwrap_or_else(|| Arc::new(DocBits::new(reader.max_doc()))))
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
        if let Some(hit) = self.lock_lists().map.get(&key) {
            return Ok(hit.clone());
        }
        let mut docs = Vec::new();
        for_each_posting(reader, field, term, |doc| docs.push(doc))?;
        let docs: Arc<[DocId]> = docs.into();
        let mut lists = self.lock_lists();
        if lists.map.len() >= MAX_ENTRIES * 16 || lists.docs + docs.len() > MAX_LIST_DOCS {
            lists.map.clear();
            lists.docs = 0;
        }
        if let Some(old) = lists.map.insert(key, docs.clone()) {
            lists.docs -= old.len();
        }
        lists.docs += docs.len();
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
        if let Some(hit) = self.lock_terms().map.get(&key) {
            return Ok(Some(hit.clone()));
        }
        if self.lock_sparse().contains(&key) {
            return Ok(None);
        }
        let found = self.build(key.clone(), reader, |doc_freq| doc_freq >= min)?;
        if found.is_none() {
            let mut sparse = self.lock_sparse();
            if sparse.len() >= MAX_SPARSE {
                sparse.clear();
            }
            sparse.insert(key);
        }
        Ok(found)
    }

    /// The set of `key`'s term, built and kept when `wanted(doc_freq)`.
    fn build(
        &self,
        key: Key,
        reader: &SegmentReader,
        wanted: impl FnOnce(u32) -> bool,
    ) -> tantivy::Result<Option<Arc<DocBits>>> {
        let field = key.1;
        let inverted = reader.inverted_index(field)?;
        let info = inverted.get_term_info(&Term::from_field_bytes(field, &key.2))?;
        if !wanted(info.as_ref().map_or(0, |i| i.doc_freq)) {
            return Ok(None);
        }
        // Built outside the lock: other searches go on meanwhile (two may build the same
        // set once; both are equal).
        let mut bits = DocBits::new(reader.max_doc());
        if let Some(info) = info {
            let mut postings =
                inverted.read_block_postings_from_terminfo(&info, IndexRecordOption::Basic)?;
            while !postings.docs().is_empty() {
                postings.docs().iter().for_each(|&doc| bits.insert(doc));
                postings.advance();
            }
        }
        let bits = Arc::new(bits);
        let mut sets = self.lock_terms();
        if sets.map.len() >= MAX_ENTRIES || sets.bytes + bits.bytes() > MAX_BYTES {
            sets.map.clear();
            sets.bytes = 0;
        }
        if let Some(old) = sets.map.insert(key, bits.clone()) {
            sets.bytes -= old.bytes();
        }
        sets.bytes += bits.bytes();
        Ok(Some(bits))
    }

    /// The live documents of `reader`; `None` when it has no deleted ones.
    pub(crate) fn alive(&self, reader: &SegmentReader) -> Option<Arc<DocBits>> {
        reader.alive_bitset()?;
        let (id, deletes) = (reader.segment_id(), reader.delete_opstamp());
        let mut alive = self.alive.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((d, bits)) = alive.get(&id)
            && *d == deletes
        {
            return Some(bits.clone());
        }
        // Built under the lock, once per segment and generation of deletes (the index
        // builds them right after each reload, see `refresh`).
        let bits = Arc::new(DocBits::alive(reader));
        alive.insert(id, (deletes, bits.clone()));
        Some(bits)
    }

    /// Drops the entries of segments not in `live` and prepares the live sets of the
    /// segments `readers` with deletes.
    pub(crate) fn refresh(&self, readers: &[SegmentReader], live: &HashSet<SegmentId>) {
        {
            let mut sets = self.lock_terms();
            sets.map.retain(|(s, _, _), _| live.contains(s));
            sets.bytes = sets.map.values().map(|b| b.bytes()).sum();
        }
        self.lock_sparse().retain(|(s, _, _)| live.contains(s));
        {
            let mut lists = self.lock_lists();
            lists.map.retain(|(s, _, _), _| live.contains(s));
            lists.docs = lists.map.values().map(|l| l.len()).sum();
        }
        self.alive
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|s, _| live.contains(s));
        for reader in readers {
            self.alive(reader);
        }
    }

    fn lock_terms(&self) -> MutexGuard<'_, Sets> {
        self.terms.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn lock_lists(&self) -> MutexGuard<'_, Lists> {
        self.lists.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn lock_sparse(&self) -> MutexGuard<'_, HashSet<Key>> {
        self.sparse.lock().unwrap_or_else(|e| e.into_inner())
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

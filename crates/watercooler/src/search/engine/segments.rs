//! What searches read of every segment, opened once per segment: the fast-field columns
//! of ranking and read-back (creation time, id halves, fingerprint) and the documents in
//! descending id order (see [`super::newest`]).
//!
//! Opening a column decodes its header and block index; done per search and segment, that
//! was a quarter of a `from:` query. Segments never change (deletes do not renumber
//! documents), so what is read here stays valid for the segment's life. The index refreshes
//! the cache right after each reload — new segments are prepared there, not in a searcher's
//! way — and drops segments that are no longer searchable. Nothing here is specific to a
//! viewer or tenant: column handles and document numbers only.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::{Arc, Mutex};

use tantivy::columnar::ColumnValues;
use tantivy::index::SegmentId;
use tantivy::{DocId, Searcher, SegmentReader};

/// More segments than this and the cache starts over (a reload trims it to the live ones).
const MAX_SEGMENTS: usize = 1_024;

/// One segment's columns and order.
pub(crate) struct SegmentData {
    /// Creation time, Unix milliseconds.
    pub created: Arc<dyn ColumnValues<i64>>,
    /// High 64 bits of the post id.
    pub id_hi: Arc<dyn ColumnValues<u64>>,
    /// Low 64 bits of the post id.
    pub id_lo: Arc<dyn ColumnValues<u64>>,
    /// The indexed post's fingerprint.
    pub fingerprint: Arc<dyn ColumnValues<u64>>,
    /// The documents by post id, highest first (deleted ones included); empty when
    /// `ids_follow_docs`.
    pub by_id_desc: Vec<DocId>,
    /// Within each tenant's documents, post ids never decrease with document numbers, so
    /// for one viewer's matches (all of one tenant: every audience term names it)
    /// descending document order is descending id order. True of a segment written in
    /// change-log order and of one rebuilt from the store (tenant by tenant, in id order).
    pub ids_follow_docs: bool,
}

impl fmt::Debug for SegmentData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SegmentData")
            .field("docs", &self.by_id_desc.len())
            .finish_non_exhaustive()
    }
}

impl SegmentData {
    /// Opens the columns of `reader` and sorts its documents.
    pub(crate) fn open(reader: &SegmentReader) -> tantivy::Result<SegmentData> {
        let ff = reader.fast_fields();
        let created = ff.i64("created")?.first_or_default_col(0);
        let id_hi = ff.u64("id_hi")?.first_or_default_col(0);
        let id_lo = ff.u64("id_lo")?.first_or_default_col(0);
        let fingerprint = ff.u64("fingerprint")?.first_or_default_col(0);
        let mut keyed: Vec<(u128, DocId)> = (0..reader.max_doc())
            .map(|doc| (post_id(&*id_hi, &*id_lo, doc), doc))
            .collect();
        let ids_follow_docs = keyed.windows(2).all(|w| w[0].0 <= w[1].0)
            || ids_follow_docs_per_tenant(reader, &keyed)?;
        let by_id_desc = if ids_follow_docs {
            Vec::new()
        } else {
            // Ties (an edited post's old and new document) by document, like the above.
            keyed.sort_unstable_by(|a, b| b.cmp(a));
            keyed.into_iter().map(|(_, doc)| doc).collect()
        };
        Ok(SegmentData {
            created,
            id_hi,
            id_lo,
            fingerprint,
            by_id_desc,
            ids_follow_docs,
        })
    }

    /// The post id of `doc`.
    pub(crate) fn id(&self, doc: DocId) -> u128 {
        post_id(&*self.id_hi, &*self.id_lo, doc)
    }
}

/// Whether, within each tenant, the ids of `docs` (id and document, in document order)
/// never decrease. The `key` column's dictionary is sorted by (tenant, 0xFF, id), so each
/// tenant's keys are one run of ordinals (no tenant holds 0xFF, so none is a prefix of
/// another's run).
fn ids_follow_docs_per_tenant(
    reader: &SegmentReader,
    docs: &[(u128, DocId)],
) -> tantivy::Result<bool> {
    let Some(keys) = reader.fast_fields().bytes("key")? else {
        return Ok(false);
    };
    let mut tenant_of_ord: Vec<u32> = Vec::with_capacity(keys.num_terms());
    let mut previous: Option<Vec<u8>> = None;
    let mut tenant = 0u32;
    let mut stream = keys.dictionary().stream()?;
    while stream.advance() {
        let key = stream.key();
        let this = &key[..key.len().saturating_sub(17)];
        match &mut previous {
            Some(p) if p.as_slice() == this => {}
            Some(p) => {
                tenant += 1;
                p.clear();
                p.extend_from_slice(this);
            }
            None => previous = Some(this.to_vec()),
        }
        tenant_of_ord.push(tenant);
    }
    let mut last: Vec<Option<u128>> = vec![None; tenant as usize + 1];
    for &(id, doc) in docs {
        let Some(ord) = keys.term_ords(doc).next() else {
            return Ok(false);
        };
        let Some(slot) = tenant_of_ord
            .get(ord as usize)
            .and_then(|&t| last.get_mut(t as usize))
        else {
            return Ok(false);
        };
        if slot.is_some_and(|l| id < l) {
            return Ok(false);
        }
        *slot = Some(id);
    }
    Ok(true)
}

/// The post id of `doc` from its two halves.
fn post_id(hi: &dyn ColumnValues<u64>, lo: &dyn ColumnValues<u64>, doc: DocId) -> u128 {
    (u128::from(hi.get_val(doc)) << 64) | u128::from(lo.get_val(doc))
}

/// Per-segment [`SegmentData`].
#[derive(Debug, Default)]
pub(crate) struct SegmentCache(Mutex<HashMap<SegmentId, Arc<SegmentData>>>);

impl SegmentCache {
    /// The data of `reader`, opened on first use.
    pub(crate) fn get(&self, reader: &SegmentReader) -> tantivy::Result<Arc<SegmentData>> {
        let id = reader.segment_id();
        if let Some(hit) = self.0.lock().unwrap_or_else(|e| e.into_inner()).get(&id) {
            return Ok(hit.clone());
        }
        // Opened outside the lock: searches of other segments go on meanwhile (two may
        // open the same segment once; both results are equal).
        let opened = Arc::new(SegmentData::open(reader)?);
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= MAX_SEGMENTS {
            map.clear();
        }
        map.insert(id, opened.clone());
        Ok(opened)
    }

    /// Drops segments not in `live` and opens those `searcher` searches (whose ids `live`
    /// holds).
    pub(crate) fn refresh(&self, searcher: &Searcher, live: &HashSet<SegmentId>) {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|s, _| live.contains(s));
        for reader in searcher.segment_readers() {
            if let Err(e) = self.get(reader) {
                // Not fatal here: a search of this segment will report it.
                tracing::warn!(error = %e, "search index: could not open a segment's columns");
            }
        }
    }
}

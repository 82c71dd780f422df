//! What searches read of every segment, opened once per segment: the fast-field columns
//! of ranking and read-back (creation time, id halves, fingerprint), the documents in
//! descending id order (see [`crate::collect::newest`]) and each tenant's run of documents (see
//! [`SegmentData::tenant_docs`]).
//!
//! Opening a column decodes its header and block index; done per search and segment, that
//! was a quarter of a `from:` query. Segments never change (deletes do not renumber
//! documents), so what is read here stays valid for the segment's life. The index refreshes
//! the cache right after each reload — new segments are prepared there, not in a searcher's
//! way — and drops segments that are no longer searchable. Nothing here is specific to a
//! viewer or tenant: column handles and document numbers only.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::ops::Range;
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
    /// descending document order is descending id order. True of every segment of an
    /// index sorted by key ([`crate::index::schema::settings`]), merged ones included.
    pub ids_follow_docs: bool,
    /// Each tenant's documents, when each tenant's are one run (see [`Self::tenant_docs`]).
    tenant_runs: Option<HashMap<Box<[u8]>, Range<DocId>>>,
    max_doc: DocId,
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
        let layout = layout(reader, &keyed)?;
        let ids_follow_docs = layout.ids_follow_docs || keyed.windows(2).all(|w| w[0].0 <= w[1].0);
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
            tenant_runs: layout.runs,
            max_doc: reader.max_doc(),
        })
    }

    /// The documents that can be `tenant`'s: its run when the segment is sorted by key
    /// (empty when the segment has none of its posts), else all documents. Outside it no
    /// document of the tenant lies, so a viewer of the tenant — who sees nothing of
    /// others — can skip the rest of the segment.
    pub(crate) fn tenant_docs(&self, tenant: &[u8]) -> Range<DocId> {
        match &self.tenant_runs {
            Some(runs) => runs.get(tenant).cloned().unwrap_or(0..0),
            None => 0..self.max_doc,
        }
    }

    /// The post id of `doc`.
    pub(crate) fn id(&self, doc: DocId) -> u128 {
        post_id(&*self.id_hi, &*self.id_lo, doc)
    }
}

/// How a segment's documents lie by tenant.
struct Layout {
    /// Within each tenant, post ids never decrease with document numbers.
    ids_follow_docs: bool,
    /// Each tenant's documents as one run, when every tenant's documents are one run (a
    /// segment sorted by key); `None` otherwise.
    runs: Option<HashMap<Box<[u8]>, Range<DocId>>>,
}

/// The [`Layout`] of `docs` (id and document, in document order). The `key` column's
/// dictionary is sorted by (tenant, 0xFF, id), so each tenant's keys are one run of
/// ordinals (no tenant holds 0xFF, so none is a prefix of another's run).
fn layout(reader: &SegmentReader, docs: &[(u128, DocId)]) -> tantivy::Result<Layout> {
    let unknown = Layout {
        ids_follow_docs: false,
        runs: None,
    };
    let Some(keys) = reader.fast_fields().bytes("key")? else {
        return Ok(unknown);
    };
    let mut tenants: Vec<Box<[u8]>> = Vec::new();
    let mut tenant_of_ord: Vec<u32> = Vec::with_capacity(keys.num_terms());
    let mut stream = keys.dictionary().stream()?;
    while stream.advance() {
        let key = stream.key();
        let this = &key[..key.len().saturating_sub(17)];
        if tenants.last().is_none_or(|t| &**t != this) {
            tenants.push(this.into());
        }
        tenant_of_ord.push(tenants.len() as u32 - 1);
    }
    let mut last_id: Vec<Option<u128>> = vec![None; tenants.len()];
    let mut runs: Vec<Option<Range<DocId>>> = vec![None; tenants.len()];
    let (mut ids_follow_docs, mut contiguous) = (true, true);
    for &(id, doc) in docs {
        let Some(t) = keys
            .term_ords(doc)
            .next()
            .and_then(|ord| tenant_of_ord.get(ord as usize))
            .map(|&t| t as usize)
        else {
            return Ok(unknown);
        };
        if last_id[t].is_some_and(|l| id < l) {
            ids_follow_docs = false;
        }
        last_id[t] = Some(id);
        match &mut runs[t] {
            Some(run) if run.end == doc => run.end = doc + 1,
            Some(_) => contiguous = false,
            run @ None => *run = Some(doc..doc + 1),
        }
    }
    let runs = contiguous.then(|| {
        tenants
            .into_iter()
            .zip(runs)
            .filter_map(|(t, run)| Some((t, run?)))
            .collect()
    });
    Ok(Layout {
        ids_follow_docs,
        runs,
    })
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

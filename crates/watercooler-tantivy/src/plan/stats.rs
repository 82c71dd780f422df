//! Frozen relevance statistics, so that later pages score exactly like the first.
//!
//! BM25 depends on index-wide statistics (document count, tokens per field, documents per
//! term), which move whenever a post is published, edited or deleted. A cursor that says
//! "after score s" would then compare scores computed in two different worlds, and pages
//! would repeat or skip wholesale. So the first page *records* every statistic tantivy asks
//! for, in order, and the cursor carries them; later pages *replay* them. Every document
//! that did not change then gets a bit-identical score, and the `(score, id)` keyset is
//! exact. A checksum over what was asked (fields and terms) detects a cursor reused with
//! another query.

use std::sync::{Arc, Mutex};

use tantivy::query::Bm25StatisticsProvider;
use tantivy::schema::Field;
use tantivy::{Searcher, Term};

use crate::plan::term_infos::TermInfos;

/// A first page asking for more statistics than this does not freeze them (the cursor
/// stays small); its later pages use live statistics.
pub(crate) const MAX_FROZEN: usize = 256;

const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const PRIME: u64 = 0x0000_0100_0000_01b3;

fn mix(mut h: u64, bytes: &[u8]) -> u64 {
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(PRIME);
    }
    h
}

#[derive(Debug)]
struct Log {
    values: Vec<u64>,
    /// Position of the next value to replay.
    next: usize,
    hash: u64,
}

/// Records (first page) or replays (later pages) the statistics of one search.
#[derive(Debug)]
pub(crate) struct Stats<'s> {
    searcher: &'s Searcher,
    /// Where live document counts are looked up (shared with the query's scorers).
    infos: Arc<TermInfos>,
    replay: bool,
    log: Mutex<Log>,
}

impl<'s> Stats<'s> {
    /// Records live statistics.
    pub(crate) fn record(searcher: &'s Searcher, infos: Arc<TermInfos>) -> Self {
        Stats {
            searcher,
            infos,
            replay: false,
            log: Mutex::new(Log {
                values: Vec::new(),
                next: 0,
                hash: OFFSET,
            }),
        }
    }

    /// Replays `values` (falling back to live statistics past their end).
    pub(crate) fn replay(searcher: &'s Searcher, values: Vec<u64>, infos: Arc<TermInfos>) -> Self {
        Stats {
            searcher,
            infos,
            replay: true,
            log: Mutex::new(Log {
                values,
                next: 0,
                hash: OFFSET,
            }),
        }
    }

    /// The recorded values and the checksum of what was asked.
    pub(crate) fn finish(self) -> (Vec<u64>, u64) {
        let log = self.log.into_inner().unwrap_or_else(|e| e.into_inner());
        (log.values, log.hash)
    }

    /// Whether a replay used exactly its values.
    pub(crate) fn replayed_all(&self) -> bool {
        let log = self.log.lock().unwrap_or_else(|e| e.into_inner());
        log.next == log.values.len()
    }

    fn value(
        &self,
        what: &[u8],
        live: impl FnOnce() -> tantivy::Result<u64>,
    ) -> tantivy::Result<u64> {
        let mut log = self.log.lock().unwrap_or_else(|e| e.into_inner());
        log.hash = mix(log.hash, &(what.len() as u64).to_le_bytes());
        log.hash = mix(log.hash, what);
        if self.replay {
            let at = log.next;
            log.next += 1;
            match log.values.get(at) {
                Some(v) => Ok(*v),
                None => live(),
            }
        } else {
            let v = live()?;
            log.values.push(v);
            Ok(v)
        }
    }
}

impl Bm25StatisticsProvider for Stats<'_> {
    fn total_num_tokens(&self, field: Field) -> tantivy::Result<u64> {
        let mut what = vec![b't'];
        what.extend_from_slice(&field.field_id().to_le_bytes());
        self.value(&what, || self.searcher.total_num_tokens(field))
    }

    fn total_num_docs(&self) -> tantivy::Result<u64> {
        self.value(b"n", || self.searcher.total_num_docs())
    }

    fn doc_freq(&self, term: &Term) -> tantivy::Result<u64> {
        let mut what = vec![b'f'];
        what.extend_from_slice(&term.field().field_id().to_le_bytes());
        what.extend_from_slice(term.serialized_value_bytes());
        self.value(&what, || self.infos.doc_freq(self.searcher, term))
    }
}

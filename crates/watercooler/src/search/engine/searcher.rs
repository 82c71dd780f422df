//! Running restricted queries: ranking (relevance blended with recency), the page cursor,
//! the visible-hit count, hashtag suggestions, and listing the index for audits.

use std::collections::{BTreeSet, HashMap};
use std::ops::{Bound, Range};
use std::sync::Arc;

use tantivy::collector::{Collector, Count, SegmentCollector, TopDocs};
use tantivy::columnar::StrColumn;
use tantivy::query::{BooleanQuery, ConstScoreQuery, Occur, Query, RangeQuery, TermSetQuery};
use tantivy::{DocId, Score, Searcher, SegmentOrdinal, SegmentReader, Term};
use watercooler_text::hashtag_key;

use super::acl;
use super::audience::AudienceCache;
use super::compile::Compiler;
use super::cursor::{self, Position, SortKey};
use super::schema::{Fields, SHOWN_SEP};
use super::stats::{MAX_FROZEN, Stats};
use super::{IndexedPost, Ranking, tantivy_error};
use crate::access::Access;
use crate::error::{Error, Result};
use crate::ids::PostId;
use crate::page::MAX_PAGE_SIZE;
use crate::search::query::SearchQuery;
use crate::search::{IndexHit, IndexResults, SearchRequest};
use crate::store::TagSuggestion;

/// At most this many distinct tag keys are considered for one suggestion.
const MAX_TAG_CANDIDATES: usize = 512;

/// One page of the posts matching `query` that `access` may see.
pub(crate) fn search(
    searcher: &Searcher,
    fields: &Fields,
    audience: &Arc<AudienceCache>,
    ranking: &Ranking,
    access: &Access,
    query: &SearchQuery,
    request: &SearchRequest,
) -> Result<IndexResults> {
    let limit = request.limit.clamp(1, MAX_PAGE_SIZE);
    let position = request.cursor.as_ref().map(cursor::decode).transpose()?;
    let now_ms = position
        .as_ref()
        .map_or(request.now.timestamp_millis(), |p| p.now_ms);
    let Some(mut user) = Compiler::new(fields).compile(query) else {
        return Ok(IndexResults::default());
    };
    if let Some(p) = &position {
        // Later pages (hits and count) only hold posts that existed at the first page.
        user = Box::new(BooleanQuery::new(vec![
            (Occur::Must, user),
            (
                Occur::Must,
                Box::new(ConstScoreQuery::new(created_until(fields, p.now_ms), 0.0)),
            ),
        ]));
    }
    let restricted = acl::restrict(access, fields, audience, user);

    let weight = if ranking.recency_weight.is_finite() {
        ranking.recency_weight.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let half_life_ms = (ranking.half_life.as_millis() as f32).max(1.0);
    let after = position.as_ref().map(|p| p.after);
    let top = TopDocs::with_limit(limit + 1).tweak_score(move |segment: &SegmentReader| {
        let ff = segment.fast_fields();
        let columns = match (ff.i64("created"), ff.u64("id_hi"), ff.u64("id_lo")) {
            (Ok(c), Ok(h), Ok(l)) => Some((
                c.first_or_default_col(0),
                h.first_or_default_col(0),
                l.first_or_default_col(0),
            )),
            // Unreadable columns: nothing of this segment is returned (fail closed).
            _ => None,
        };
        move |doc: DocId, score: Score| -> Option<SortKey> {
            let (created, hi, lo) = columns.as_ref()?;
            let created = created.get_val(doc);
            let age = now_ms.saturating_sub(created).max(0) as f32;
            let decay = (-age / half_life_ms).exp2();
            let blended = score * (1.0 - weight + weight * decay);
            let key = SortKey {
                score: if blended.is_finite() { blended } else { 0.0 },
                id: (u128::from(hi.get_val(doc)) << 64) | u128::from(lo.get_val(doc)),
            };
            if after.is_some_and(|a| key >= a) {
                return None;
            }
            Some(key)
        }
    });
    let stats = match &position {
        Some(p) if p.stats_hash != 0 => Stats::replay(searcher, p.stats.clone()),
        _ => Stats::record(searcher),
    };
    let (top, total) = searcher
        .search_with_statistics_provider(restricted.query(), &(top, Count), &stats)
        .map_err(tantivy_error)?;
    let replayed_all = stats.replayed_all();
    let (values, hash) = stats.finish();
    let (frozen, frozen_hash) = match &position {
        Some(p) if p.stats_hash != 0 => {
            if hash != p.stats_hash || !replayed_all {
                return Err(Error::invalid("cursor", "belongs to another query"));
            }
            (p.stats.clone(), p.stats_hash)
        }
        Some(_) => (Vec::new(), 0),
        // Too many to carry: later pages use live statistics.
        None if values.len() > MAX_FROZEN || hash == 0 => (Vec::new(), 0),
        None => (values, hash),
    };

    let kept: Vec<(SortKey, tantivy::DocAddress)> = top
        .into_iter()
        .filter_map(|(key, addr)| key.map(|k| (k, addr)))
        .collect();
    let mut hits = Vec::with_capacity(kept.len().min(limit));
    for (key, addr) in kept.iter().take(limit) {
        let fingerprint = searcher
            .segment_reader(addr.segment_ord)
            .fast_fields()
            .u64("fingerprint")
            .map_err(tantivy_error)?
            .first(addr.doc_id);
        hits.push(IndexHit {
            post: PostId::from_u128(key.id),
            score: key.score,
            fingerprint,
        });
    }
    let next = (kept.len() > limit)
        .then(|| kept.get(limit - 1))
        .flatten()
        .map(|(key, _)| {
            cursor::encode(&Position {
                now_ms,
                after: *key,
                stats: frozen.clone(),
                stats_hash: frozen_hash,
            })
        });
    Ok(IndexResults {
        hits,
        total: total as u64,
        next,
    })
}

/// Posts created at or before `ms`.
fn created_until(fields: &Fields, ms: i64) -> Box<dyn Query> {
    Box::new(RangeQuery::new(
        Bound::Included(Term::from_field_i64(fields.created, i64::MIN)),
        Bound::Included(Term::from_field_i64(fields.created, ms)),
    ))
}

/// The smallest byte string greater than every string starting with `prefix` (`None`: no
/// upper bound).
fn prefix_end(prefix: &[u8]) -> Option<Vec<u8>> {
    let mut end = prefix.to_vec();
    while let Some(last) = end.pop() {
        if last < u8::MAX {
            end.push(last + 1);
            return Some(end);
        }
    }
    None
}

/// Hashtags with a key starting with `prefix`, counted over the posts `access` may see.
pub(crate) fn suggest_tags(
    searcher: &Searcher,
    fields: &Fields,
    audience: &Arc<AudienceCache>,
    access: &Access,
    prefix: &str,
    limit: usize,
) -> Result<Vec<TagSuggestion>> {
    if limit == 0 {
        return Ok(Vec::new());
    }
    let prefix = hashtag_key(prefix).into_string();
    let end = prefix_end(prefix.as_bytes());
    // Candidate keys from the term dictionaries (any tenant, any visibility: they are only
    // candidates, and only keys of visible posts come out of the filtered query below).
    let mut candidates: BTreeSet<Vec<u8>> = BTreeSet::new();
    'segments: for segment in searcher.segment_readers() {
        let inverted = segment.inverted_index(fields.tag).map_err(tantivy_error)?;
        let mut range = inverted.terms().range().ge(prefix.as_bytes());
        if let Some(end) = &end {
            range = range.lt(end);
        }
        let mut stream = range.into_stream().map_err(|e| tantivy_error(e.into()))?;
        while stream.advance() {
            if candidates.len() >= MAX_TAG_CANDIDATES {
                break 'segments;
            }
            candidates.insert(stream.key().to_vec());
        }
    }
    if candidates.is_empty() {
        return Ok(Vec::new());
    }
    let terms = candidates
        .iter()
        .map(|k| Term::from_field_bytes(fields.tag, k));
    let restricted = acl::restrict(access, fields, audience, Box::new(TermSetQuery::new(terms)));
    let counts = searcher
        .search(
            restricted.query(),
            &TagCounter {
                prefix: prefix.clone(),
            },
        )
        .map_err(tantivy_error)?;

    let mut out: Vec<TagSuggestion> = counts
        .into_iter()
        .map(|(key, c)| {
            let display = c
                .displays
                .into_iter()
                .max_by(|a, b| a.1.cmp(&b.1).then_with(|| b.0.cmp(&a.0)))
                .map(|(d, _)| d)
                .unwrap_or_else(|| key.clone());
            TagSuggestion {
                key: hashtag_key(&key),
                display,
                posts: c.docs,
            }
        })
        .collect();
    out.sort_by(|a, b| b.posts.cmp(&a.posts).then_with(|| a.key.cmp(&b.key)));
    out.truncate(limit);
    Ok(out)
}

/// Docs per key and per displayed form.
#[derive(Debug, Default)]
struct KeyCount {
    docs: u32,
    displays: HashMap<String, u32>,
}

/// Counts, for the matching documents, the hashtags whose key starts with a prefix (read
/// from the `tag_shown` fast field: `key \0 display`).
struct TagCounter {
    prefix: String,
}

struct TagSegment {
    column: Option<StrColumn>,
    /// Term ordinals of `tag_shown` values whose key has the prefix.
    ords: Range<u64>,
    /// Ordinal → (key number, display), resolved once per segment (`None`: unreadable).
    resolved: HashMap<u64, Option<u32>>,
    displays: HashMap<u64, (String, u32)>,
    keys: Vec<String>,
    key_numbers: HashMap<String, u32>,
    key_docs: Vec<u32>,
    scratch: Vec<u32>,
    ord_buf: Vec<u64>,
}

impl TagSegment {
    /// The key number of a `tag_shown` ordinal, resolving its text on first sight.
    fn key_of(&mut self, ord: u64) -> Option<u32> {
        if let Some(k) = self.resolved.get(&ord) {
            return *k;
        }
        let mut s = String::new();
        let resolved = match self.column.as_ref().map(|c| c.ord_to_str(ord, &mut s)) {
            Some(Ok(true)) => s.split_once(SHOWN_SEP).map(|(key, display)| {
                let next = self.keys.len() as u32;
                let k = *self.key_numbers.entry(key.to_owned()).or_insert(next);
                if k == next {
                    self.keys.push(key.to_owned());
                    self.key_docs.push(0);
                }
                self.displays.insert(ord, (display.to_owned(), 0));
                k
            }),
            _ => None,
        };
        self.resolved.insert(ord, resolved);
        resolved
    }
}

impl Collector for TagCounter {
    type Fruit = HashMap<String, KeyCount>;
    type Child = TagSegment;

    fn for_segment(
        &self,
        _: SegmentOrdinal,
        segment: &SegmentReader,
    ) -> tantivy::Result<TagSegment> {
        let column = segment.fast_fields().str("tag_shown")?;
        let ords = match &column {
            Some(col) => {
                let end = prefix_end(self.prefix.as_bytes());
                let upper = end.as_deref().map_or(Bound::Unbounded, Bound::Excluded);
                let (lo, hi) = col
                    .dictionary()
                    .term_bounds_to_ord(Bound::Included(self.prefix.as_bytes()), upper)?;
                let start = match lo {
                    Bound::Included(o) => o,
                    Bound::Excluded(o) => o.saturating_add(1),
                    Bound::Unbounded => 0,
                };
                let stop = match hi {
                    Bound::Included(o) => o.saturating_add(1),
                    Bound::Excluded(o) => o,
                    Bound::Unbounded => u64::MAX,
                };
                start..stop
            }
            None => 0..0,
        };
        Ok(TagSegment {
            column,
            ords,
            resolved: HashMap::new(),
            displays: HashMap::new(),
            keys: Vec::new(),
            key_numbers: HashMap::new(),
            key_docs: Vec::new(),
            scratch: Vec::new(),
            ord_buf: Vec::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<Self::Fruit>) -> tantivy::Result<Self::Fruit> {
        let mut all: HashMap<String, KeyCount> = HashMap::new();
        for fruit in fruits {
            for (key, c) in fruit {
                let entry = all.entry(key).or_default();
                entry.docs += c.docs;
                for (d, n) in c.displays {
                    *entry.displays.entry(d).or_default() += n;
                }
            }
        }
        Ok(all)
    }
}

impl SegmentCollector for TagSegment {
    type Fruit = HashMap<String, KeyCount>;

    fn collect(&mut self, doc: DocId, _: Score) {
        let Some(column) = &self.column else { return };
        let mut ords = std::mem::take(&mut self.ord_buf);
        ords.clear();
        ords.extend(column.term_ords(doc).filter(|o| self.ords.contains(o)));
        self.scratch.clear();
        for &ord in &ords {
            let Some(k) = self.key_of(ord) else { continue };
            if let Some(d) = self.displays.get_mut(&ord) {
                d.1 += 1;
            }
            self.scratch.push(k);
        }
        self.ord_buf = ords;
        // A post with two spellings of a tag counts once for the tag.
        self.scratch.sort_unstable();
        self.scratch.dedup();
        for &k in &self.scratch {
            self.key_docs[k as usize] += 1;
        }
    }

    fn harvest(self) -> Self::Fruit {
        let mut out: HashMap<String, KeyCount> = HashMap::new();
        for (ord, (display, n)) in self.displays {
            if let Some(Some(k)) = self.resolved.get(&ord) {
                let entry = out.entry(self.keys[*k as usize].clone()).or_default();
                entry.docs = self.key_docs[*k as usize];
                *entry.displays.entry(display).or_default() += n;
            }
        }
        out
    }
}

/// Every live document: for audits and tests (compare with the store).
pub(crate) fn documents(searcher: &Searcher) -> Result<Vec<IndexedPost>> {
    let mut out = Vec::new();
    for segment in searcher.segment_readers() {
        let ff = segment.fast_fields();
        let keys = ff.bytes("key").map_err(tantivy_error)?;
        let fingerprints = ff.u64("fingerprint").map_err(tantivy_error)?;
        let mut buf = Vec::new();
        for doc in segment.doc_ids_alive() {
            let mut key = None;
            if let Some(col) = &keys {
                for ord in col.term_ords(doc) {
                    buf.clear();
                    if col
                        .ord_to_bytes(ord, &mut buf)
                        .map_err(|e| tantivy_error(e.into()))?
                    {
                        key = parse_key(&buf);
                    }
                }
            }
            let Some((tenant, id)) = key else { continue };
            out.push(IndexedPost {
                tenant,
                id,
                fingerprint: fingerprints.first(doc).unwrap_or(0),
            });
        }
    }
    out.sort_by(|a, b| (&a.tenant, a.id).cmp(&(&b.tenant, b.id)));
    Ok(out)
}

fn parse_key(bytes: &[u8]) -> Option<(crate::ids::TenantId, PostId)> {
    let split = bytes.len().checked_sub(17)?;
    if bytes[split] != 0xFF {
        return None;
    }
    let tenant = std::str::from_utf8(&bytes[..split]).ok()?;
    let id: [u8; 16] = bytes[split + 1..].try_into().ok()?;
    Some((tenant.into(), PostId::from_bytes(id)))
}

//! Hashtag suggestions for the composer: the tag keys starting with a prefix, counted over
//! the posts one viewer may see, in well under a millisecond.
//!
//! A viewer sees (a) their tenant's organisation posts — the same set for everyone in the
//! tenant — and (b) their *own* audience: posts of their groups and posts by or to them
//! (see [`crate::filter::acl`]). Counting (a) live meant reading the tags of every visible post
//! carrying a candidate tag: tens of thousands for a popular tag, several milliseconds. So
//! (a) is counted once per segment and kept in [`TagCountCache`], keyed by
//! the segment, its deletes and the organisation term, and only (b) — a few hundred or
//! thousand posts — is counted per call. A post in both (an organisation post by the viewer)
//! counts in (a) only. Nothing viewer-specific is cached.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::ops::{Bound, Range};
use std::sync::{Arc, Mutex};

use tantivy::columnar::StrColumn;
use tantivy::index::SegmentId;
use tantivy::{DocId, Opstamp, SegmentReader};
use watercooler_text::hashtag_key;

use crate::filter::bits::DocBits;
use crate::filter::term_bits::TermBitsCache;
use crate::index::schema::{Fields, SHOWN_SEP};
use crate::tantivy_error;
use watercooler_core::Access;
use watercooler_core::Result;
use watercooler_core::store::TagSuggestion;

/// At most this many distinct tag keys (the first in key order) are considered for one
/// suggestion: bounds the work for a one-letter prefix in a tenant with huge tag counts.
const MAX_TAG_CANDIDATES: usize = 512;

/// The tags of one segment's organisation posts of one tenant, sorted by key.
#[derive(Debug, Default)]
pub(crate) struct SegmentTags {
    tags: Vec<TagCount>,
}

/// One key: the posts carrying it and how often each spelling was used.
#[derive(Debug)]
struct TagCount {
    key: String,
    docs: u32,
    displays: Vec<(String, u32)>,
}

impl SegmentTags {
    /// Counts the tags of the live documents in `docs` (the segment's organisation posts).
    pub(crate) fn count(segment: &SegmentReader, docs: &DocBits) -> tantivy::Result<SegmentTags> {
        let Some(column) = segment.fast_fields().str("tag_shown")? else {
            return Ok(SegmentTags::default());
        };
        // Every `key \0 display` value of the segment, by ordinal.
        let mut tags: Vec<TagCount> = Vec::new();
        let mut key_numbers: HashMap<String, u32> = HashMap::new();
        let mut by_ord: Vec<Option<(u32, u32)>> = Vec::with_capacity(column.num_terms());
        let mut stream = column.dictionary().stream()?;
        while stream.advance() {
            let resolved = std::str::from_utf8(stream.key())
                .ok()
                .and_then(|s| s.split_once(SHOWN_SEP))
                .map(|(key, display)| {
                    let next = tags.len() as u32;
                    let k = *key_numbers.entry(key.to_owned()).or_insert(next);
                    if k == next {
                        tags.push(TagCount {
                            key: key.to_owned(),
                            docs: 0,
                            displays: Vec::new(),
                        });
                    }
                    let t = &mut tags[k as usize];
                    t.displays.push((display.to_owned(), 0));
                    (k, (t.displays.len() - 1) as u32)
                });
            by_ord.push(resolved);
        }
        let mut keys: Vec<u32> = Vec::new();
        for doc in docs.iter() {
            if !segment.is_deleted(doc) {
                keys.clear();
                for ord in column.term_ords(doc) {
                    if let Some(Some((k, d))) = by_ord.get(ord as usize) {
                        tags[*k as usize].displays[*d as usize].1 += 1;
                        keys.push(*k);
                    }
                }
                // A post with two spellings of a tag counts once for the tag.
                keys.sort_unstable();
                keys.dedup();
                for k in &keys {
                    tags[*k as usize].docs += 1;
                }
            }
        }
        tags.retain(|t| t.docs > 0);
        for t in &mut tags {
            t.displays.retain(|d| d.1 > 0);
        }
        tags.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(SegmentTags { tags })
    }

    /// The tags whose key starts with `prefix`.
    fn with_prefix<'a>(&'a self, prefix: &'a str) -> impl Iterator<Item = &'a TagCount> + 'a {
        let start = self.tags.partition_point(|t| t.key.as_str() < prefix);
        self.tags[start..]
            .iter()
            .take_while(move |t| t.key.starts_with(prefix))
    }
}

/// Docs per key and per displayed form, summed over segments.
#[derive(Debug, Default)]
struct KeyCount {
    docs: u32,
    displays: HashMap<String, u32>,
}

impl KeyCount {
    fn add<'a>(&mut self, docs: u32, displays: impl Iterator<Item = (&'a str, u32)>) {
        self.docs += docs;
        for (d, n) in displays {
            match self.displays.get_mut(d) {
                Some(c) => *c += n,
                None => {
                    self.displays.insert(d.to_owned(), n);
                }
            }
        }
    }
}

/// Hashtags with a key starting with `prefix`, counted over the posts `access` may see.
pub(crate) fn suggest_tags(
    searcher: &tantivy::Searcher,
    fields: &Fields,
    audience: &Arc<TagCountCache>,
    bits: &Arc<TermBitsCache>,
    access: &Access,
    prefix: &str,
    limit: usize,
) -> Result<Vec<TagSuggestion>> {
    if limit == 0 {
        return Ok(Vec::new());
    }
    let prefix = hashtag_key(prefix).into_string();
    let terms = crate::terms::viewer_terms(access);
    let mut counts: BTreeMap<String, KeyCount> = BTreeMap::new();
    let mut own: Vec<DocId> = Vec::new();
    for segment in searcher.segment_readers() {
        // (a) the tenant's organisation posts, cached.
        let shared = bits
            .bits(segment, fields.acl, &terms.shared)
            .map_err(tantivy_error)?;
        let org = audience
            .tags(segment, &terms.shared, &shared)
            .map_err(tantivy_error)?;
        for t in org.with_prefix(&prefix) {
            let entry = match counts.get_mut(&t.key) {
                Some(e) => e,
                None => counts.entry(t.key.clone()).or_default(),
            };
            entry.add(t.docs, t.displays.iter().map(|(d, n)| (d.as_str(), *n)));
        }
        // (b) the viewer's own audience, live, leaving out what (a) counted.
        own.clear();
        for term in &terms.own {
            let docs = bits
                .postings(segment, fields.acl, term)
                .map_err(tantivy_error)?;
            own.extend_from_slice(&docs);
        }
        own.sort_unstable();
        own.dedup();
        own.retain(|&doc| !shared.contains(doc));
        if own.is_empty() {
            continue;
        }
        let mut live = OwnTags::new(segment, &prefix).map_err(tantivy_error)?;
        for &doc in &own {
            if !segment.is_deleted(doc) {
                live.collect(doc);
            }
        }
        live.add_to(&mut counts);
    }

    let mut out: Vec<TagSuggestion> = counts
        .into_iter()
        .take(MAX_TAG_CANDIDATES)
        .filter(|(_, c)| c.docs > 0)
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

/// Counts the hashtags whose key starts with a prefix on documents of one segment, read
/// from the `tag_shown` fast field (`key \0 display`).
struct OwnTags {
    column: Option<StrColumn>,
    /// Term ordinals of `tag_shown` values whose key has the prefix.
    ords: Range<u64>,
    /// Ordinal → key number, resolved once per segment (`None`: unreadable).
    resolved: HashMap<u64, Option<u32>>,
    displays: HashMap<u64, (String, u32)>,
    keys: Vec<String>,
    key_numbers: HashMap<String, u32>,
    key_docs: Vec<u32>,
    scratch: Vec<u32>,
    ord_buf: Vec<u64>,
}

impl OwnTags {
    fn new(segment: &SegmentReader, prefix: &str) -> tantivy::Result<OwnTags> {
        let column = segment.fast_fields().str("tag_shown")?;
        let ords = match &column {
            Some(col) => {
                let end = prefix_end(prefix.as_bytes());
                let upper = end.as_deref().map_or(Bound::Unbounded, Bound::Excluded);
                let (lo, hi) = col
                    .dictionary()
                    .term_bounds_to_ord(Bound::Included(prefix.as_bytes()), upper)?;
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
        Ok(OwnTags {
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

    fn collect(&mut self, doc: DocId) {
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

    /// Adds what was counted to `counts`.
    fn add_to(self, counts: &mut BTreeMap<String, KeyCount>) {
        let mut seen = vec![false; self.keys.len()];
        for (ord, (display, n)) in &self.displays {
            let Some(Some(k)) = self.resolved.get(ord) else {
                continue;
            };
            let k = *k as usize;
            let entry = counts.entry(self.keys[k].clone()).or_default();
            // Docs once per key, displays per spelling.
            let docs = if std::mem::replace(&mut seen[k], true) {
                0
            } else {
                self.key_docs[k]
            };
            entry.add(docs, std::iter::once((display.as_str(), *n)));
        }
    }
}
/// More entries than this (tenants × segments) and the cache starts over.
const MAX_ENTRIES: usize = 1_024;

/// A segment, its deletes and a term.
type CacheKey = (SegmentId, Option<Opstamp>, Vec<u8>);

/// Per segment and organisation term, the tag counts of its documents.
#[derive(Default)]
pub(crate) struct TagCountCache {
    tags: Mutex<HashMap<CacheKey, Arc<SegmentTags>>>,
}

impl fmt::Debug for TagCountCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.tags.lock().map_or(0, |m| m.len());
        f.debug_struct("TagCountCache")
            .field("entries", &n)
            .finish()
    }
}

impl TagCountCache {
    /// The tag counts of the live documents in `docs`, which are the documents of `term`.
    pub(crate) fn tags(
        &self,
        reader: &SegmentReader,
        term: &[u8],
        docs: &DocBits,
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
        self.tags
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|(s, _, _), _| live.contains(s));
    }
}

//! Running restricted queries: ranking (relevance blended with recency), the page cursor,
//! the visible-hit count, and listing the index for audits.

use std::ops::Bound;
use std::sync::Arc;

use tantivy::query::{BooleanQuery, ConstScoreQuery, EnableScoring, Occur, Query, RangeQuery};
use tantivy::{DocAddress, Searcher, Term};

use crate::collect::cursor::{self, Position, SortKey};
use crate::collect::newest;
use crate::collect::segments::SegmentCache;
use crate::collect::top::{Blend, TopRecent};
use crate::filter::acl;
use crate::filter::term_bits::TermBitsCache;
use crate::index::schema::Fields;
use crate::plan::compile::{self, Compiler};
use crate::plan::stats::{MAX_FROZEN, Stats};
use crate::plan::term_infos::TermInfos;
use crate::tags::TagCountCache;
use crate::{IndexedPost, Ranking, tantivy_error};
use watercooler_core::Access;
use watercooler_core::MAX_PAGE_SIZE;
use watercooler_core::PostId;
use watercooler_core::search::SearchQuery;
use watercooler_core::search::{IndexHit, IndexResults, SearchRequest};
use watercooler_core::{Error, Result};

/// What every search of one index reads besides its searcher: the schema, the per-segment
/// caches and the ranking.
#[derive(Clone)]
pub(crate) struct Engine {
    pub fields: Fields,
    pub audience: Arc<TagCountCache>,
    pub bits: Arc<TermBitsCache>,
    pub segments: Arc<SegmentCache>,
    pub ranking: Ranking,
}

/// One page of the posts matching `query` that `access` may see.
pub(crate) fn search(
    engine: &Engine,
    searcher: &Searcher,
    access: &Access,
    query: &SearchQuery,
    request: &SearchRequest,
) -> Result<IndexResults> {
    search_with(engine, searcher, access, query, request, true)
}

/// [`search`]; `fast: false` ranks filter-only queries like any other (to test that both
/// give the same pages).
pub(crate) fn search_with(
    engine: &Engine,
    searcher: &Searcher,
    access: &Access,
    query: &SearchQuery,
    request: &SearchRequest,
    fast: bool,
) -> Result<IndexResults> {
    let Engine {
        fields,
        bits,
        segments,
        ranking,
        ..
    } = engine;
    let limit = request.limit.clamp(1, MAX_PAGE_SIZE);
    let position = request.cursor.as_ref().map(cursor::decode).transpose()?;
    let now_ms = position
        .as_ref()
        .map_or(request.now.timestamp_millis(), |p| p.now_ms);
    let mut compiler = Compiler::new(fields);
    let Some(mut user) = compiler.compile(query) else {
        return Ok(IndexResults::default());
    };
    // A first page may read a popular filter term's matches from its cached bitset (later
    // pages also bound the creation time: their query is no longer that one term).
    let term = if position.is_none() && fast {
        compiler.filter_term(query)
    } else {
        None
    };
    // Filter-only queries rank newest first whatever the recency weight (see
    // [`crate::collect::newest`]); their cursors carry no statistics.
    let constant = compile::constant_relevance(query);
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
    let restricted = acl::restrict(access, fields, bits, user, term);

    let weight = if constant.is_some() {
        0.0
    } else if ranking.recency_weight.is_finite() {
        ranking.recency_weight.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let half_life_ms = (ranking.half_life.as_millis() as f32).max(1.0);
    let top = TopRecent {
        keep: limit + 1,
        blend: Blend {
            now_ms,
            weight,
            half_life_ms,
            after: position.as_ref().map(|p| p.after),
        },
        segments: segments.clone(),
    };
    let (kept, total, frozen, frozen_hash) = match constant {
        Some(relevance) if fast => {
            if position.as_ref().is_some_and(|p| p.stats_hash != 0) {
                return Err(Error::invalid("cursor", "belongs to another query"));
            }
            let (kept, total) =
                newest::search(searcher, &restricted, relevance, &top).map_err(tantivy_error)?;
            (kept, total, Vec::new(), 0)
        }
        _ => ranked(
            searcher,
            &restricted,
            &top,
            position.as_ref(),
            compiler.term_infos(),
        )?,
    };
    let mut hits = Vec::with_capacity(kept.len().min(limit));
    for (key, addr) in kept.iter().take(limit) {
        let data = segments
            .get(searcher.segment_reader(addr.segment_ord))
            .map_err(tantivy_error)?;
        hits.push(IndexHit {
            post: PostId::from_u128(key.id),
            score: key.score,
            fingerprint: Some(data.fingerprint.get_val(addr.doc_id)),
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
    Ok(IndexResults { hits, total, next })
}

/// A ranked query's page: every match scored (BM25 blended with recency), the statistics
/// frozen into the first page's cursor and replayed on later pages.
type Ranked = (Vec<(SortKey, DocAddress)>, u64, Vec<u64>, u64);

fn ranked(
    searcher: &Searcher,
    restricted: &acl::Restricted,
    top: &TopRecent,
    position: Option<&Position>,
    infos: Arc<TermInfos>,
) -> Result<Ranked> {
    let stats = match position {
        Some(p) if p.stats_hash != 0 => Stats::replay(searcher, p.stats.clone(), infos),
        _ => Stats::record(searcher, infos),
    };
    let (kept, total) = collect(searcher, restricted, top, &stats).map_err(tantivy_error)?;
    let replayed_all = stats.replayed_all();
    let (values, hash) = stats.finish();
    let (frozen, frozen_hash) = match position {
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

    Ok((kept, total, frozen, frozen_hash))
}

/// Every visible match scored (with `stats`) and offered to `top`.
fn collect(
    searcher: &Searcher,
    restricted: &acl::Restricted,
    top: &TopRecent,
    stats: &Stats<'_>,
) -> tantivy::Result<(Vec<(SortKey, DocAddress)>, u64)> {
    let matches = restricted.matches(EnableScoring::enabled_from_statistics_provider(
        stats, searcher,
    ))?;
    let mut fruits = Vec::with_capacity(searcher.segment_readers().len());
    for (ord, reader) in searcher.segment_readers().iter().enumerate() {
        let mut seg = top.segment(ord as u32, reader)?;
        let data = seg.data().clone();
        let mut count = 0;
        matches.for_each_scored(reader, &data, |doc, score| {
            count += 1;
            seg.offer(doc, score);
        })?;
        fruits.push(seg.finish(count));
    }
    Ok(top.merge(fruits))
}

/// Posts created at or before `ms`.
fn created_until(fields: &Fields, ms: i64) -> Box<dyn Query> {
    Box::new(RangeQuery::new(
        Bound::Included(Term::from_field_i64(fields.created, i64::MIN)),
        Bound::Included(Term::from_field_i64(fields.created, ms)),
    ))
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

fn parse_key(bytes: &[u8]) -> Option<(watercooler_core::TenantId, PostId)> {
    let split = bytes.len().checked_sub(17)?;
    if bytes[split] != 0xFF {
        return None;
    }
    let tenant = std::str::from_utf8(&bytes[..split]).ok()?;
    let id: [u8; 16] = bytes[split + 1..].try_into().ok()?;
    Some((tenant.into(), PostId::from_bytes(id)))
}

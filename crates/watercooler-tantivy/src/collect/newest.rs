//! Filter-only queries (`#tag`, `from:`, `in:`, `has:link`, dates — no words): newest first,
//! without scoring every match.
//!
//! Every match of such a query has the same relevance, so its page is simply the newest
//! visible matches — highest post ids first — and that order does not depend on the
//! ranking's recency blend. Scoring each match to find the best twenty, as a ranked query
//! must, made a popular tag (41,523 posts in the corpus) cost milliseconds. Here each
//! segment's visible matches are only *marked* — one pass over the user query's postings
//! with a bit test each (see [`acl::Restricted::matches`]), which also counts them, as the
//! total needs — then the page is taken newest first: in reverse document order when, as
//! usual, ids follow documents within each tenant, else by walking the segment's documents
//! in descending post-id order ([`crate::collect::segments`]) until the page is full. When matches
//! are sparse that walk would be long, so it is bounded and falls back to offering every
//! marked match, which are few then.

use tantivy::query::EnableScoring;
use tantivy::{BitSet, DocAddress, DocId, Searcher};

use crate::collect::cursor::SortKey;
use crate::collect::top::{TopRecent, TopRecentSegment};
use crate::filter::acl;

/// Runs `restricted`, whose every match scores `relevance`, and collects what `top` would:
/// the best `top.keep` keys and the number of live visible matches.
///
/// `top.blend` must have recency weight 0, so that every key is `(relevance, id)` and the
/// best keys are the highest ids.
pub(crate) fn search(
    searcher: &Searcher,
    restricted: &acl::Restricted,
    relevance: f32,
    top: &TopRecent,
) -> tantivy::Result<(Vec<(SortKey, DocAddress)>, u64)> {
    search_budgeted(searcher, restricted, relevance, top, MIN_WALK)
}

/// A walk may always take this many steps (a thousand bit tests cost about as much as
/// sorting a few dozen matches).
const MIN_WALK: usize = 1_024;

/// [`search`], with `min_walk` for [`MIN_WALK`] (tests force the fallback with 0).
fn search_budgeted(
    searcher: &Searcher,
    restricted: &acl::Restricted,
    relevance: f32,
    top: &TopRecent,
    min_walk: usize,
) -> tantivy::Result<(Vec<(SortKey, DocAddress)>, u64)> {
    debug_assert_eq!(top.blend.weight, 0.0, "keys must not depend on recency");
    let matches = restricted.matches(EnableScoring::disabled_from_searcher(searcher))?;
    let mut fruits = Vec::with_capacity(searcher.segment_readers().len());
    for (ord, reader) in searcher.segment_readers().iter().enumerate() {
        let mut seg = top.segment(ord as u32, reader)?;
        let data = seg.data().clone();
        if let Some(dense) = restricted.dense(reader, &data)? {
            let count = dense.count();
            if seg.data().ids_follow_docs {
                let keep = seg.keep();
                offer_first(&mut seg, dense.descending(), relevance, keep);
            } else {
                let mut docs: Vec<DocId> = dense.descending().collect();
                docs.reverse();
                collect_segment(&mut seg, &docs, relevance, min_walk);
            }
            fruits.push(seg.finish(count));
            continue;
        }
        let mut docs = Vec::new();
        matches.for_each(reader, &data, |doc| docs.push(doc))?;
        let count = docs.len() as u64;
        collect_segment(&mut seg, &docs, relevance, min_walk);
        fruits.push(seg.finish(count));
    }
    Ok(top.merge(fruits))
}

/// Offers a segment's matches (`docs`, ascending) to `seg`, newest first, until `keep`
/// have entered: in reverse document order when that is id order within each tenant (a
/// viewer's matches are all of their tenant), else by walking the segment's documents by
/// descending id — or, when that walk would be long, all of them.
fn collect_segment(seg: &mut TopRecentSegment, docs: &[DocId], relevance: f32, min_walk: usize) {
    let (keep, count) = (seg.keep(), docs.len());
    if keep == 0 || count == 0 {
        return;
    }
    let data = seg.data().clone();
    if data.ids_follow_docs {
        offer_newest_first(seg, docs, relevance, Some(keep));
        return;
    }
    // Few matches: sorting them is cheaper than walking to them.
    if count > 4 * keep {
        let mut matched = BitSet::with_max_value(data.by_id_desc.len() as u32);
        for &doc in docs {
            matched.insert(doc);
        }
        // A walk step (a read and a bit test, in cache) costs a small fraction of offering a
        // match (two column reads and a comparison).
        let budget = count.saturating_mul(16).max(min_walk);
        if walk(seg, &matched, &data.by_id_desc, keep, budget, relevance) {
            return;
        }
        seg.clear();
    }
    // Document order mostly follows ids here too: the best are then found early, and most
    // later ones fail the first comparison.
    offer_newest_first(seg, docs, relevance, None);
}

/// Offers `docs` (ascending) in reverse, stopping once `stop_after` have entered.
fn offer_newest_first(
    seg: &mut TopRecentSegment,
    docs: &[DocId],
    relevance: f32,
    stop_after: Option<usize>,
) {
    let stop_after = stop_after.unwrap_or(usize::MAX);
    offer_first(seg, docs.iter().rev().copied(), relevance, stop_after);
}

/// Offers `docs` in their order, stopping once `stop_after` have entered.
fn offer_first(
    seg: &mut TopRecentSegment,
    docs: impl Iterator<Item = DocId>,
    relevance: f32,
    stop_after: usize,
) {
    let mut entered = 0;
    for doc in docs {
        if seg.offer(doc, relevance) {
            entered += 1;
            if entered >= stop_after {
                return;
            }
        }
    }
}

/// Offers the documents of `matched` in `order` until `keep` have entered. `false` when it
/// gave up after `budget` steps (what entered is then incomplete).
fn walk(
    seg: &mut TopRecentSegment,
    matched: &BitSet,
    order: &[DocId],
    keep: usize,
    budget: usize,
    relevance: f32,
) -> bool {
    let mut entered = 0;
    for (step, &doc) in order.iter().enumerate() {
        if step == budget {
            return false;
        }
        if matched.contains(doc) && seg.offer(doc, relevance) {
            entered += 1;
            if entered == keep {
                return true;
            }
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use chrono::{DateTime, Duration, Utc};
    use tantivy::{Index, IndexWriter, Term};

    use super::*;
    use crate::collect::cursor::SortKey;
    use crate::collect::searcher::{Engine, search_with};
    use crate::collect::segments::{SegmentCache, SegmentData};
    use crate::collect::top::Blend;
    use crate::filter::term_bits::TermBitsCache;
    use crate::index::schema::{Fields, doc_key};
    use crate::plan::compile::{self, Compiler};
    use crate::tags::TagCountCache;
    use crate::{Ranking, register_tokenizers};
    use watercooler_core::Access;
    use watercooler_core::model::{HashtagRef, Language, Post, UrlRef, Visibility};
    use watercooler_core::search::{IndexResults, SearchRequest};
    use watercooler_core::search::{SearchQuery, parse};
    use watercooler_core::{GroupId, PersonId, PostId};

    /// xorshift64: deterministic test data.
    struct Rng(u64);

    impl Rng {
        fn below(&mut self, n: u64) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0 % n
        }
    }

    fn t0() -> DateTime<Utc> {
        DateTime::from_timestamp(1_360_000_000, 0).unwrap()
    }

    const WORDS: [&str; 8] = [
        "koffie",
        "team",
        "vergadering",
        "vergaderingen",
        "meetings",
        "goede",
        "morgen",
        "project",
    ];

    fn post(rng: &mut Rng, n: u64) -> Post {
        let tenant = if rng.below(8) == 0 { "u" } else { "t" };
        let author = ["a", "b", "c", "d"][rng.below(4) as usize];
        // Few distinct minutes: many posts share a creation time.
        let created = t0() + Duration::minutes(rng.below(300) as i64);
        // Most ids carry their creation time; some (imports) do not.
        let id_time = if rng.below(10) == 0 {
            t0() + Duration::minutes(rng.below(300) as i64)
        } else {
            created
        };
        let visibility = match rng.below(5) {
            0 => Visibility::group("g1"),
            1 => Visibility::group("g2"),
            2 => Visibility::direct([PersonId::new("b")]),
            _ => Visibility::Organization,
        };
        let tags: Vec<&str> = ["x", "y"]
            .into_iter()
            .filter(|_| rng.below(3) != 0)
            .collect();
        Post {
            id: PostId::from_parts(id_time, n),
            text: (0..1 + rng.below(3))
                .map(|_| WORDS[rng.below(WORDS.len() as u64) as usize])
                .collect::<Vec<_>>()
                .join(" "),
            language: if rng.below(2) == 0 {
                Language::dutch()
            } else {
                Language::english()
            },
            visibility,
            hashtags: tags
                .iter()
                .map(|t| HashtagRef {
                    key: watercooler_text::hashtag_key(t),
                    display: (*t).to_owned(),
                    range: 0..0,
                })
                .collect(),
            urls: if rng.below(4) == 0 {
                vec![UrlRef {
                    url: "https://example.com".to_owned(),
                    range: 0..0,
                }]
            } else {
                vec![]
            },
            ..Post::builder(tenant, author, created)
                .id(watercooler_core::PostId::from_parts(created, n))
                .build()
        }
    }

    /// How each segment's documents are ordered.
    #[derive(Debug, Clone, Copy, PartialEq)]
    enum Order {
        /// Not by id (creation times are random, a tenth of the ids are not theirs).
        Random,
        /// By post id, as the change log writes them.
        ById,
        /// By tenant, then id, as a rebuild from the store writes them: ids fall where a
        /// tenant ends, but never within one.
        ByTenantThenId,
        /// Written at random, sorted by tantivy with the index's own settings (by key:
        /// tenant, then id), so each tenant's documents are one run.
        Sorted,
    }

    /// Several segments of 750 posts in all, some deleted; the posts still alive.
    fn index(order: Order) -> (Index, Fields, Vec<Post>) {
        let (schema, fields) = Fields::schema();
        let index = if order == Order::Sorted {
            Index::builder()
                .schema(schema)
                .settings(crate::index::schema::settings())
                .create_in_ram()
                .unwrap()
        } else {
            Index::create_in_ram(schema)
        };
        register_tokenizers(&index);
        let mut w: IndexWriter = index.writer_with_num_threads(1, 15_000_000).unwrap();
        w.set_merge_policy(Box::new(tantivy::indexer::NoMergePolicy));
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let mut alive = Vec::new();
        for segment in 0..3 {
            let mut posts: Vec<Post> = (0..250)
                .map(|n| post(&mut rng, segment * 250 + n))
                .collect();
            match order {
                Order::Random | Order::Sorted => {}
                Order::ById => posts.sort_by_key(|p| p.id),
                Order::ByTenantThenId => {
                    posts.sort_by(|a, b| (&a.tenant, a.id).cmp(&(&b.tenant, b.id)))
                }
            }
            for p in posts {
                w.add_document(fields.document(&p)).unwrap();
                alive.push(p);
            }
            w.commit().unwrap();
        }
        alive.retain(|p| {
            let gone = rng.below(7) == 0;
            if gone {
                w.delete_term(Term::from_field_bytes(
                    fields.key,
                    &doc_key(&p.tenant, &p.id),
                ));
            }
            !gone
        });
        w.commit().unwrap();
        (index, fields, alive)
    }

    fn query(text: &str) -> SearchQuery {
        let mut q = parse(text);
        q.resolve_people(&|k| Some(PersonId::new(k.as_str())));
        q
    }

    fn viewers() -> Vec<Access> {
        vec![
            Access::new("t".into(), "a".into(), [], false),
            Access::new("t".into(), "b".into(), [GroupId::new("g1")], false),
            Access::new(
                "t".into(),
                "e".into(),
                [GroupId::new("g1"), GroupId::new("g2")],
                false,
            ),
            Access::new("u".into(), "c".into(), [GroupId::new("g2")], false),
        ]
    }

    /// Every page, following the cursors.
    fn pages(
        index: &Index,
        fields: &Fields,
        ranking: &Ranking,
        access: &Access,
        q: &SearchQuery,
        limit: usize,
        fast: bool,
    ) -> Vec<IndexResults> {
        let searcher = index.reader().unwrap().searcher();
        let engine = Engine {
            fields: *fields,
            audience: Arc::new(TagCountCache::default()),
            bits: Arc::new(TermBitsCache::with_min_dense(0)),
            segments: Arc::new(SegmentCache::default()),
            ranking: *ranking,
        };
        let mut request = SearchRequest {
            limit,
            cursor: None,
            now: t0() + Duration::minutes(400),
        };
        let mut out = Vec::new();
        loop {
            let page = search_with(&engine, &searcher, access, q, &request, fast).unwrap();
            let next = page.next.clone();
            out.push(page);
            match next {
                Some(c) if out.len() < 1_000 => request.cursor = Some(c),
                _ => return out,
            }
        }
    }

    const FILTERS: [&str; 11] = [
        "#x",
        "#y",
        "#x #y",
        "#x -#y",
        "-#x",
        "from:a",
        "from:d #y",
        "has:link",
        "in:g1",
        "@b",
        "#x after:2013-02-09 -from:c",
    ];

    /// The walk, its fallback and the sort give exactly the pages of the ranked path with
    /// the recency weight at 0, and those are the visible matches newest (highest id) first.
    #[test]
    fn filter_pages_equal_the_ranked_path_and_list_visible_matches_by_id() {
        for order in [
            Order::Random,
            Order::ById,
            Order::ByTenantThenId,
            Order::Sorted,
        ] {
            filter_pages_equal_the_ranked_path(order);
        }
    }

    fn filter_pages_equal_the_ranked_path(order: Order) {
        let (index, fields, alive) = index(order);
        let searcher = index.reader().unwrap().searcher();
        assert_eq!(searcher.segment_readers().len(), 3);
        for reader in searcher.segment_readers() {
            let data = SegmentData::open(reader).unwrap();
            assert_eq!(data.ids_follow_docs, order != Order::Random, "{order:?}");
            let ids: Vec<u128> = (0..reader.max_doc()).map(|d| data.id(d)).collect();
            let globally = ids.windows(2).all(|w| w[0] <= w[1]);
            assert_eq!(globally, order == Order::ById, "{order:?}: only per tenant");
            // Each tenant's documents are one run when sorted by tenant first.
            let runs = data.tenant_docs(b"t") != (0..reader.max_doc());
            let sorted = matches!(order, Order::ByTenantThenId | Order::Sorted);
            assert_eq!(runs, sorted, "{order:?}");
            if sorted {
                let (t, u) = (data.tenant_docs(b"t"), data.tenant_docs(b"u"));
                assert!(
                    !t.is_empty() && !u.is_empty() && t.end == u.start,
                    "{t:?} {u:?}"
                );
                assert_eq!((t.start, u.end), (0, reader.max_doc()));
                assert!(data.tenant_docs(b"v").is_empty());
            }
        }
        for ranking in [
            Ranking::default(),
            Ranking {
                recency_weight: 1.0,
                half_life: std::time::Duration::from_secs(60),
            },
        ] {
            for text in FILTERS {
                let q = query(text);
                assert!(
                    compile::constant_relevance(&q).is_some(),
                    "{text} takes the fast path"
                );
                for access in viewers() {
                    for limit in [1, 3, 20] {
                        let fast = pages(&index, &fields, &ranking, &access, &q, limit, true);
                        let slow = pages(&index, &fields, &ranking, &access, &q, limit, false);
                        let ids = |ps: &[IndexResults]| -> Vec<(PostId, u32)> {
                            ps.iter()
                                .flat_map(|p| p.hits.iter().map(|h| (h.post, h.score.to_bits())))
                                .collect()
                        };
                        assert_eq!(ids(&fast), ids(&slow), "{text} {limit} {access:?}");
                        assert_eq!(fast[0].total, slow[0].total, "{text} {access:?}");
                        assert_eq!(fast.len(), slow.len());
                        // One-term filters (read from bitsets on the first page) against
                        // the permission rule itself: other tenant, groups, direct posts
                        // and deletes all occur in this index.
                        if let Some(matches) = oracle(text) {
                            let mut want: Vec<PostId> = alive
                                .iter()
                                .filter(|p| access.can_see(p) && matches(p))
                                .map(|p| p.id)
                                .collect();
                            want.sort_unstable_by(|a, b| b.cmp(a));
                            let got: Vec<PostId> =
                                ids(&fast).into_iter().map(|(id, _)| id).collect();
                            assert_eq!(got, want, "{limit} {access:?}");
                            assert_eq!(fast[0].total, want.len() as u64);
                        }
                    }
                }
            }
        }
    }

    /// What a one-term filter matches, from the post itself.
    fn oracle(text: &str) -> Option<fn(&Post) -> bool> {
        let f: fn(&Post) -> bool = match text {
            "#x" => |p| p.hashtags.iter().any(|h| h.display == "x"),
            "#y" => |p| p.hashtags.iter().any(|h| h.display == "y"),
            "from:a" => |p| p.author.as_str() == "a",
            "has:link" => |p| !p.urls.is_empty(),
            "in:g1" => |p| p.visibility == Visibility::group("g1"),
            _ => return None,
        };
        Some(f)
    }

    /// What `search` uses for filter-only queries: keys without recency.
    fn newest_first(keep: usize) -> TopRecent {
        TopRecent {
            keep,
            blend: Blend {
                now_ms: 0,
                weight: 0.0,
                half_life_ms: 1.0,
                after: None,
            },
            segments: Arc::new(SegmentCache::default()),
        }
    }

    /// Walks that give up (no minimum budget) fall back to the sort and lose nothing.
    #[test]
    fn a_walk_that_gives_up_falls_back_to_the_sort() {
        let (index, fields, _) = index(Order::Random);
        let searcher = index.reader().unwrap().searcher();
        let bits = Arc::new(TermBitsCache::with_min_dense(0));
        let top = newest_first(3);
        for text in FILTERS {
            for access in viewers() {
                let compiler = Compiler::new(&fields);
                let term = compiler.filter_term(&query(text));
                let user = Compiler::new(&fields).compile(&query(text)).unwrap();
                let restricted = acl::restrict(&access, &fields, &bits, user, term);
                let relevance = compile::constant_relevance(&query(text)).unwrap();
                let walked =
                    search_budgeted(&searcher, &restricted, relevance, &top, MIN_WALK).unwrap();
                let sorted = search_budgeted(&searcher, &restricted, relevance, &top, 0).unwrap();
                let keys = |r: &(Vec<(SortKey, DocAddress)>, u64)| {
                    (r.0.iter().map(|(k, _)| k.id).collect::<Vec<_>>(), r.1)
                };
                assert_eq!(keys(&walked), keys(&sorted), "{text} {access:?}");
            }
        }
    }

    /// A walk that gives up after some matches entered starts over with the sort: nothing
    /// is offered twice.
    #[test]
    fn a_walk_that_gives_up_midway_keeps_no_duplicates() {
        let (index, _, _) = index(Order::Random);
        let searcher = index.reader().unwrap().searcher();
        let reader = searcher.segment_reader(0);
        let order = SegmentData::open(reader).unwrap().by_id_desc;
        assert!(order.len() >= 210);
        let top = newest_first(2);
        // One match early in the walk, ten far beyond its budget (16 × 11 steps).
        let chosen: Vec<DocId> = std::iter::once(5)
            .chain(200..210)
            .map(|i| order[i])
            .collect();
        let mut docs = chosen.clone();
        docs.sort_unstable();
        let mut seg = top.segment(0, reader).unwrap();
        collect_segment(&mut seg, &docs, 1.0, 0);
        let (hits, count) = top.merge(vec![seg.finish(11)]);
        let docs: Vec<DocId> = hits.iter().map(|(_, a)| a.doc_id).collect();
        assert_eq!(docs, vec![chosen[0], chosen[1]]);
        assert_eq!(count, 11);
    }

    /// The audience as a membership test (`Restricted::matches`) gives exactly the
    /// documents of tantivy's intersection with the audience as a query, scored or not, for
    /// filters and words alike; and so do the bitsets of one-term filters
    /// (`Restricted::dense`), which the popular ones here take.
    #[test]
    fn visible_matches_equal_the_intersection_with_the_audience() {
        for order in [Order::Random, Order::Sorted] {
            visible_matches_equal_the_intersection(order);
        }
    }

    fn visible_matches_equal_the_intersection(order: Order) {
        use std::collections::BTreeSet;
        use tantivy::collector::DocSetCollector;

        let (index, fields, _) = index(order);
        let searcher = index.reader().unwrap().searcher();
        let bits = Arc::new(TermBitsCache::with_min_dense(0));
        let words = [
            "koffie",
            "koffie team",
            "vergaderingen",
            "meeting",
            "\"goede morgen\"",
            "-koffie",
            "team -#x",
            "koffie OR project",
        ];
        let mut nonempty = 0;
        let mut dense = 0;
        for text in FILTERS.iter().chain(&words) {
            for access in viewers() {
                let term = Compiler::new(&fields).filter_term(&query(text));
                let user = Compiler::new(&fields).compile(&query(text)).unwrap();
                let restricted = acl::restrict(&access, &fields, &bits, user, term);
                let want: BTreeSet<DocAddress> = searcher
                    .search(&restricted.query(), &DocSetCollector)
                    .unwrap()
                    .into_iter()
                    .collect();
                let unscored = restricted
                    .matches(EnableScoring::disabled_from_searcher(&searcher))
                    .unwrap();
                let scored = restricted
                    .matches(EnableScoring::enabled_from_searcher(&searcher))
                    .unwrap();
                let (mut a, mut b) = (BTreeSet::new(), BTreeSet::new());
                for (ord, reader) in searcher.segment_readers().iter().enumerate() {
                    let ord = ord as u32;
                    let data = SegmentData::open(reader).unwrap();
                    unscored
                        .for_each(reader, &data, |doc| {
                            a.insert(DocAddress::new(ord, doc));
                        })
                        .unwrap();
                    scored
                        .for_each_scored(reader, &data, |doc, score| {
                            assert!(score.is_finite());
                            b.insert(DocAddress::new(ord, doc));
                        })
                        .unwrap();
                }
                assert_eq!(a, want, "{text} {access:?}");
                assert_eq!(b, want, "{text} {access:?}");
                nonempty += usize::from(!want.is_empty());
                for (ord, reader) in searcher.segment_readers().iter().enumerate() {
                    let data = SegmentData::open(reader).unwrap();
                    let Some(d) = restricted.dense(reader, &data).unwrap() else {
                        continue;
                    };
                    dense += 1;
                    let ord = ord as u32;
                    let got: Vec<DocAddress> = d
                        .descending()
                        .map(|doc| DocAddress::new(ord, doc))
                        .collect();
                    let here: Vec<DocAddress> = want
                        .iter()
                        .rev()
                        .filter(|x| x.segment_ord == ord)
                        .copied()
                        .collect();
                    assert_eq!(got, here, "{text} {access:?}: dense, highest first");
                    assert_eq!(d.count(), here.len() as u64);
                }
            }
        }
        assert!(nonempty > 50, "the queries find something: {nonempty}");
        // `#x`, `#y`, `from:a`, `has:link` and `in:g1` are each on more than one in 32
        // documents: 5 filters × 4 viewers × 3 segments (nobody is mentioned: `@b` is not).
        assert!(dense >= 60, "one-term filters take the bitsets: {dense}");
    }
}

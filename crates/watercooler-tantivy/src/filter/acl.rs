//! THE permission filter of the built-in index: the one place where "who may see what"
//! becomes index terms and queries.
//!
//! Each document carries *audience terms* in the `acl` field; each viewer has *access
//! terms*; a document is visible exactly when the two sets share a term. Every term embeds
//! the tenant, so terms of different tenants never meet:
//!
//! | post | audience terms | viewer | access terms |
//! |---|---|---|---|
//! | organisation | `o(tenant)` | everyone | `o(tenant)` |
//! | group `g` | `g(tenant, g)` | member of `g` | `g(tenant, g)` per group |
//! | direct to `r…` | `p(tenant, r)` per recipient | the person `p` | `p(tenant, p)` |
//! | any, by `a` | `p(tenant, a)` | | |
//!
//! which is [`Access::can_see_parts`] term for term (mentions are not audience terms: a
//! mention never grants access). [`restrict`] is the only way to make a [`Restricted`]
//! query, and the searcher only runs [`Restricted`] queries, whose matches come only
//! through [`Restricted::matches`] — each tested against the viewer's audience — or, for a
//! query of one popular filter term, [`Restricted::dense`] — the term's documents
//! intersected with the audience a word at a time — so no search or count can skip the
//! filter. Hashtag suggestions count without a query (see
//! [`crate::tags`]), over exactly the documents carrying one of
//! [`crate::terms::viewer_terms`]: the same rule, term for term. The terms themselves are
//! made in [`crate::terms`].

use std::ops::Range;
use std::sync::Arc;
#[cfg(test)]
use tantivy::query::{BooleanQuery, ConstScoreQuery, Occur};
use tantivy::query::{EnableScoring, Query, Scorer, Weight};
use tantivy::{DocId, DocSet, Score, SegmentReader, Term};

use crate::collect::segments::SegmentData;
use crate::filter::audience::{AudienceQuery, Visible};
use crate::filter::bits::{self, DocBits};
use crate::filter::term_bits::TermBitsCache;
use crate::index::schema::Fields;
use crate::terms::viewer_terms;
use watercooler_core::Access;

/// A query that has been restricted to what one viewer may see. Only [`restrict`] makes
/// one, and its matches can only be had through [`Restricted::matches`] or
/// [`Restricted::dense`].
pub(crate) struct Restricted {
    user: Box<dyn Query>,
    /// The viewer's tenant (see [`SegmentData::tenant_docs`]).
    tenant: Box<[u8]>,
    /// The user query's one term, when it is nothing else (see `Compiler::filter_term`).
    term: Option<Term>,
    audience: AudienceQuery,
}

impl Restricted {
    /// The user's query, ready to run (scored or not, as `scoring` says): its matches the
    /// viewer may see, segment by segment.
    pub(crate) fn matches(
        &self,
        scoring: EnableScoring<'_>,
    ) -> tantivy::Result<VisibleMatches<'_>> {
        Ok(VisibleMatches {
            user: self.user.weight(scoring)?,
            audience: &self.audience,
            tenant: &self.tenant,
        })
    }

    /// The matches in `reader`, live and visible, as words of a bitset — when the user's
    /// query is one term on at least one in [`crate::filter::term_bits::DENSE`] of the segment's
    /// documents (`None` otherwise: use [`Self::matches`]).
    pub(crate) fn dense(
        &self,
        reader: &SegmentReader,
        data: &SegmentData,
    ) -> tantivy::Result<Option<DenseMatches>> {
        let Some(term) = &self.term else {
            return Ok(None);
        };
        let cache = &self.audience.bits;
        let Some(term) = cache.dense_bits(reader, term.field(), term.serialized_value_bytes())?
        else {
            return Ok(None);
        };
        let docs = data.tenant_docs(&self.tenant);
        Ok(Some(DenseMatches {
            term,
            visible: self.audience.visible(reader, docs)?,
            alive: cache.alive(reader),
        }))
    }

    /// The same as a tantivy query: the user's query intersected with the audience (the
    /// tests check that both give the same documents).
    #[cfg(test)]
    pub(crate) fn query(&self) -> BooleanQuery {
        BooleanQuery::new(vec![
            (Occur::Must, self.user.box_clone()),
            (
                Occur::Must,
                Box::new(ConstScoreQuery::new(Box::new(self.audience.clone()), 0.0)),
            ),
        ])
    }
}

/// See [`Restricted::matches`]. Each match of the user's query is tested against the
/// viewer's audience (a bit test) rather than intersected with it: tantivy's intersection
/// with a bitset seeks it per candidate, which was most of the cost of a filter-only query
/// and a fifth of a ranked one.
///
/// Only the viewer's tenant's documents are visited ([`SegmentData::tenant_docs`]): in a
/// segment sorted by key they are one run, and the user query's postings are sought to its
/// start and left at its end (on the three-tenant corpus a median one-word query took a
/// fifth less time). Skipping can only leave out documents, and those are other tenants'
/// (the bit test would reject them); every visited match is still tested.
pub(crate) struct VisibleMatches<'a> {
    user: Box<dyn Weight>,
    audience: &'a AudienceQuery,
    tenant: &'a [u8],
}

impl VisibleMatches<'_> {
    /// Calls `f` with every live document of `reader` (whose [`SegmentData`] is `data`)
    /// that matches and the viewer may see, in ascending order.
    pub(crate) fn for_each(
        &self,
        reader: &SegmentReader,
        data: &SegmentData,
        mut f: impl FnMut(DocId),
    ) -> tantivy::Result<()> {
        let docs = data.tenant_docs(self.tenant);
        if docs.is_empty() {
            return Ok(());
        }
        let visible = self.audience.visible(reader, docs.clone())?;
        let alive = reader.alive_bitset();
        let mut test = |doc: DocId| {
            if visible.contains(doc) && alive.is_none_or(|a| a.is_alive(doc)) {
                f(doc);
            }
        };
        if docs == (0..reader.max_doc()) {
            // The whole segment: tantivy's buffered walk is the fastest.
            return self.user.for_each_no_score(reader, &mut |found: &[DocId]| {
                found.iter().for_each(|&doc| test(doc));
            });
        }
        let mut scorer = self.user.scorer(reader, 1.0)?;
        let mut doc = start(&mut *scorer, docs.start);
        while doc < docs.end {
            test(doc);
            doc = scorer.advance();
        }
        Ok(())
    }

    /// [`Self::for_each`] with each document's score (computed for those documents only).
    pub(crate) fn for_each_scored(
        &self,
        reader: &SegmentReader,
        data: &SegmentData,
        mut f: impl FnMut(DocId, Score),
    ) -> tantivy::Result<()> {
        let docs = data.tenant_docs(self.tenant);
        if docs.is_empty() {
            return Ok(());
        }
        let visible = self.audience.visible(reader, docs.clone())?;
        let alive = reader.alive_bitset();
        let mut scorer = self.user.scorer(reader, 1.0)?;
        let mut doc = start(&mut *scorer, docs.start);
        // `TERMINATED` is `u32::MAX`, past every run.
        while doc < docs.end {
            if visible.contains(doc) && alive.is_none_or(|a| a.is_alive(doc)) {
                f(doc, scorer.score());
            }
            doc = scorer.advance();
        }
        Ok(())
    }
}

/// Positions `scorer` on its first document at or after `first`.
fn start(scorer: &mut dyn Scorer, first: DocId) -> DocId {
    if scorer.doc() < first {
        scorer.seek(first)
    } else {
        scorer.doc()
    }
}

/// `words[range]`, or nothing if out of bounds (every set of a segment is equally long).
fn part<'w>(words: &'w [u64], range: &Range<usize>) -> &'w [u64] {
    words.get(range.clone()).unwrap_or_default()
}

/// The visible live documents of one segment holding one term: the term's documents, the
/// viewer's audience and the live documents intersected a word at a time. Counting a
/// popular tag this way reads a few thousand words instead of tens of thousands of
/// postings, and its newest matches are the highest bits.
pub(crate) struct DenseMatches {
    term: Arc<DocBits>,
    visible: Visible,
    alive: Option<Arc<DocBits>>,
}

impl DenseMatches {
    /// Word `i` of the matches (documents `64 i .. 64 i + 64`).
    #[inline]
    pub(crate) fn word(&self, i: usize) -> u64 {
        let alive = self.alive.as_ref().map_or(u64::MAX, |a| a.word(i));
        self.term.word(i) & self.visible.word(i) & alive
    }

    /// The number of matches.
    pub(crate) fn count(&self) -> u64 {
        // Over slices rather than `word(i)`, so that the loop has no bounds checks or
        // branches and is vectorised: the same words (the tenant's) of every set.
        let range = self.visible.word_range();
        let part = |words| part(words, &range);
        let term = part(self.term.words());
        let (shared, own) = self.visible.words();
        let ones = |w: u64| u64::from(w.count_ones());
        let visible = shared.iter().zip(own).map(|(s, o)| s | o);
        match &self.alive {
            None => term.iter().zip(visible).map(|(t, v)| ones(t & v)).sum(),
            Some(alive) => term
                .iter()
                .zip(visible)
                .zip(part(alive.words()))
                .map(|((t, v), a)| ones(t & v & a))
                .sum(),
        }
    }

    /// The matches, highest document first.
    pub(crate) fn descending(&self) -> impl Iterator<Item = DocId> + '_ {
        self.visible
            .word_range()
            .rev()
            .flat_map(|i| bits::descending(self.word(i), i))
    }
}

/// `visible-to-viewer AND user`. The filter only tests membership, so ranking is the user
/// query's alone. There is no separate tenant clause: every audience and access term embeds the
/// tenant (see the table above and `terms_agree_with_can_see`), so the audience filter is
/// already tenant-pure — and intersecting the tenant's postings too cost up to a third of
/// a selective query (`#tag`, `from:`), one block decode per candidate.
///
/// `term` is `user`'s one term when the query is nothing else (`Compiler::filter_term`),
/// else `None`.
pub(crate) fn restrict(
    access: &Access,
    fields: &Fields,
    bits: &Arc<TermBitsCache>,
    user: Box<dyn Query>,
    term: Option<Term>,
) -> Restricted {
    let terms = viewer_terms(access);
    let tenant = access.tenant().as_str().as_bytes().into();
    let audience = AudienceQuery {
        field: fields.acl,
        shared: terms.shared,
        own: terms.own,
        bits: bits.clone(),
    };
    Restricted {
        user,
        tenant,
        term,
        audience,
    }
}

#[cfg(test)]
mod tests {
    use chrono::DateTime;

    use super::*;
    use crate::terms::{access_terms, document_terms};
    use watercooler_core::model::{Post, Visibility};
    use watercooler_core::{GroupId, PersonId};

    fn post(tenant: &str, author: &str, visibility: Visibility) -> Post {
        let at = DateTime::from_timestamp(1_360_000_000, 0).unwrap();
        Post {
            visibility,
            ..Post::builder(tenant, author, at)
                .id(watercooler_core::PostId::from_parts(at, 1))
                .build()
        }
    }

    /// The terms agree with `Access::can_see` on every combination of tenant, person,
    /// group and visibility of a small world, including ids that try to collide.
    #[test]
    fn terms_agree_with_can_see() {
        let tenants = ["t", "t2", "tg", ""];
        let people = ["a", "b", "g:a", "", "o"];
        let groups = [
            vec![],
            vec![GroupId::new("g")],
            vec![GroupId::new("a"), GroupId::new("h")],
        ];
        let visibilities = [
            Visibility::Organization,
            Visibility::group("g"),
            Visibility::group("a"),
            Visibility::direct([PersonId::new("b")]),
            Visibility::direct([PersonId::new("a"), PersonId::new("o")]),
        ];
        for pt in tenants {
            for author in people {
                for vis in &visibilities {
                    let p = post(pt, author, vis.clone());
                    let doc: Vec<Vec<u8>> = document_terms(&p);
                    for vt in tenants {
                        for person in people {
                            for gs in &groups {
                                let access = Access::new(
                                    vt.into(),
                                    person.into(),
                                    gs.iter().cloned(),
                                    false,
                                );
                                let shared = access_terms(&access).iter().any(|t| doc.contains(t));
                                assert_eq!(
                                    shared,
                                    access.can_see(&p),
                                    "{pt}/{author}/{vis:?} seen by {vt}/{person}/{gs:?}"
                                );
                            }
                        }
                    }
                }
            }
        }
    }
}

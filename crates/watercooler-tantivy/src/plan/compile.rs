//! Turns a [`SearchQuery`] into a tantivy query over our own fields, and only those.
//!
//! Words are analysed exactly like post text (see [`crate::analysis`]); a word that
//! becomes several terms (`e-mail`, a CJK word) is a phrase of them. A single-term word
//! matches the unstemmed field and both stemmed ones (an [`AnyTermQuery`]), so
//! `vergaderingen` finds a Dutch post saying `vergadering` and `meetings` an English one
//! saying `meeting`, and exact matches score higher (they match twice). Operators are constant-score filters: `#tag` and
//! `@mention` score 1 (so a tag search ranks by recency), the others 0.
//!
//! Only term, phrase (capped at [`MAX_PHRASE_TERMS`]), boolean, constant-score and one
//! bounded fast-field range query are ever built: no prefix, wildcard, regex or fuzzy query
//! can be expressed.

use std::ops::Bound;
use std::sync::Arc;

use chrono::{NaiveDate, NaiveTime};
use tantivy::Term;
use tantivy::query::{
    AllQuery, BooleanQuery, ConstScoreQuery, EmptyQuery, Occur, PhraseQuery, Query, RangeQuery,
    TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::tokenizer::TextAnalyzer;

use crate::analysis::{Analyzer, analyze};
use crate::index::schema::{Fields, HAS_LINK};
use crate::plan::any_term::AnyTermQuery;
use crate::plan::term_infos::TermInfos;
use watercooler_core::search::{Clause, ClauseKind, SearchQuery};

/// The relevance a matching `#tag` or `@mention` adds (so that among posts matching the
/// same words, those with the tag rank first); other operators add nothing.
const KEY_SCORE: f32 = 1.0;

/// A phrase keeps at most this many terms (a long CJK word or phrase is matched by its
/// beginning).
pub(crate) const MAX_PHRASE_TERMS: usize = 16;

/// Compiles queries for one search (owns the analyzers it needs).
pub(crate) struct Compiler<'f> {
    fields: &'f Fields,
    plain: TextAnalyzer,
    dutch: TextAnalyzer,
    english: TextAnalyzer,
    /// Dictionary entries shared by the compiled query and the search's BM25 statistics.
    infos: Arc<TermInfos>,
}

impl<'f> Compiler<'f> {
    pub(crate) fn new(fields: &'f Fields) -> Self {
        Compiler {
            fields,
            plain: Analyzer::Plain.build(),
            dutch: Analyzer::Dutch.build(),
            english: Analyzer::English.build(),
            infos: Arc::default(),
        }
    }

    /// The dictionary entries the compiled queries look terms up through: give them to the
    /// search's statistics ([`crate::plan::stats::Stats`]) so each term is looked up once.
    pub(crate) fn term_infos(&self) -> Arc<TermInfos> {
        self.infos.clone()
    }

    /// The query, or `None` when it constrains nothing (empty, or only punctuation): such a
    /// search has no results rather than listing everything.
    pub(crate) fn compile(&mut self, query: &SearchQuery) -> Option<Box<dyn Query>> {
        let (compiled, positive) = self.all_parts(&query.clauses);
        // A query of exclusions only (`-thee`) lists everything else; but when the words a
        // person asked for were all punctuation, there is nothing to search for.
        let typed_positive = query.clauses.iter().any(|c| !c.negated);
        if typed_positive && !positive {
            None
        } else {
            compiled
        }
    }

    /// `AND` of clauses; `None` when none constrains anything.
    fn all(&mut self, clauses: &[Clause]) -> Option<Box<dyn Query>> {
        self.all_parts(clauses).0
    }

    /// `AND` of clauses, and whether any positive clause constrained something.
    fn all_parts(&mut self, clauses: &[Clause]) -> (Option<Box<dyn Query>>, bool) {
        let mut parts: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let mut positive = false;
        for c in clauses {
            if let Some(q) = self.clause(&c.kind) {
                if c.negated {
                    parts.push((Occur::MustNot, q));
                } else {
                    positive = true;
                    parts.push((Occur::Must, q));
                }
            }
        }
        if parts.is_empty() {
            return (None, false);
        }
        if !positive {
            parts.push((Occur::Must, constant(Box::new(AllQuery), 0.0)));
        }
        if parts.len() == 1 && positive {
            return (parts.pop().map(|(_, q)| q), true);
        }
        (Some(Box::new(BooleanQuery::new(parts))), positive)
    }

    /// `OR` of clauses; a negated item means "does not match it".
    fn any(&mut self, clauses: &[Clause]) -> Option<Box<dyn Query>> {
        let mut parts: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for c in clauses {
            let Some(q) = self.clause(&c.kind) else {
                continue;
            };
            let q = if c.negated {
                Box::new(BooleanQuery::new(vec![
                    (Occur::Must, constant(Box::new(AllQuery), 0.0)),
                    (Occur::MustNot, q),
                ])) as Box<dyn Query>
            } else {
                q
            };
            parts.push((Occur::Should, q));
        }
        match parts.len() {
            0 => None,
            1 => parts.pop().map(|(_, q)| q),
            _ => Some(Box::new(BooleanQuery::new(parts))),
        }
    }

    /// The one term of `query` when it is a single filter on a key (`#tag`, `@mention`,
    /// `from:`, `in:`, `has:link`), not excluded: [`Self::compile`] then matches exactly
    /// the documents holding that term, each with the same relevance.
    pub(crate) fn filter_term(&self, query: &SearchQuery) -> Option<Term> {
        match query.clauses.as_slice() {
            [c] if !c.negated => self.key_term(&c.kind).map(|(term, _)| term),
            _ => None,
        }
    }

    /// A clause that is one key term, and the relevance it adds.
    fn key_term(&self, kind: &ClauseKind) -> Option<(Term, f32)> {
        let f = self.fields;
        let (field, value, score) = match kind {
            ClauseKind::Hashtag { key, .. } => (f.tag, key.as_str().as_bytes(), KEY_SCORE),
            ClauseKind::Mention {
                person: Some(p), ..
            } => (f.mention, p.as_str().as_bytes(), KEY_SCORE),
            ClauseKind::From {
                person: Some(p), ..
            } => (f.author, p.as_str().as_bytes(), 0.0),
            ClauseKind::In(g) => (f.group, g.as_str().as_bytes(), 0.0),
            ClauseKind::HasLink => (f.has, HAS_LINK, 0.0),
            _ => return None,
        };
        Some((Term::from_field_bytes(field, value), score))
    }

    /// One clause, as a positive query; `None` when it constrains nothing.
    fn clause(&mut self, kind: &ClauseKind) -> Option<Box<dyn Query>> {
        if let Some((term, score)) = self.key_term(kind) {
            return Some(constant(
                Box::new(TermQuery::new(term, IndexRecordOption::Basic)),
                score,
            ));
        }
        let f = *self.fields;
        match kind {
            ClauseKind::Word(w) => self.word(w, true),
            ClauseKind::Phrase(p) => self.word(p, false),
            // Nobody has that handle: it is just text.
            ClauseKind::Mention {
                person: None,
                typed,
                ..
            } => self.word(typed, true),
            // An explicit filter on someone who does not exist matches nothing.
            ClauseKind::From { person: None, .. } => Some(Box::new(EmptyQuery)),
            ClauseKind::Before(d) => Some(constant(
                created_range(f.created, i64::MIN, day_start(*d)),
                0.0,
            )),
            ClauseKind::After(d) => {
                let next = d.succ_opt().map_or(i64::MAX, day_start);
                Some(constant(created_range(f.created, next, i64::MAX), 0.0))
            }
            ClauseKind::AnyOf(items) => self.any(items),
            ClauseKind::All(items) => self.all(items),
            // Key terms, above.
            ClauseKind::Hashtag { .. }
            | ClauseKind::Mention { .. }
            | ClauseKind::From { .. }
            | ClauseKind::In(_)
            | ClauseKind::HasLink => None,
            // A kind added to the core after this engine learnt its kinds (a new filter
            // such as `is:question`): this engine cannot apply it, so it matches nothing
            // rather than being ignored and widening the results.
            _ => Some(Box::new(EmptyQuery)),
        }
    }

    /// A word (`stemmed`: also match the stemmed fields) or a quoted phrase.
    fn word(&mut self, text: &str, stemmed: bool) -> Option<Box<dyn Query>> {
        let mut terms = analyze(&mut self.plain, text);
        match terms.len() {
            0 => None,
            1 => {
                let plain = Term::from_field_text(self.fields.body, &terms[0].text);
                if !stemmed {
                    return Some(Box::new(TermQuery::new(
                        plain,
                        IndexRecordOption::WithFreqs,
                    )));
                }
                let mut any = vec![plain];
                for (analyzer, field) in [
                    (&mut self.dutch, self.fields.body_nl),
                    (&mut self.english, self.fields.body_en),
                ] {
                    if let [stem] = analyze(analyzer, text).as_slice() {
                        any.push(Term::from_field_text(field, &stem.text));
                    }
                }
                Some(Box::new(AnyTermQuery::new(any, self.infos.clone())))
            }
            _ => {
                terms.truncate(MAX_PHRASE_TERMS);
                let first = terms[0].position;
                let with_offsets = terms
                    .into_iter()
                    .map(|t| {
                        (
                            t.position - first,
                            Term::from_field_text(self.fields.body, &t.text),
                        )
                    })
                    .collect();
                Some(Box::new(PhraseQuery::new_with_offset(with_offsets)))
            }
        }
    }
}

/// The relevance of every match of `query`, when it is the same for all: the query has no
/// words or phrases (outside exclusions) and no `OR`, only filters. `None` otherwise.
///
/// Must agree with [`Compiler::compile`]: a tantivy Boolean query scores the sum of its
/// required clauses, and exclusions score nothing.
pub(crate) fn constant_relevance(query: &SearchQuery) -> Option<f32> {
    sum_constant(&query.clauses)
}

fn sum_constant(clauses: &[Clause]) -> Option<f32> {
    clauses.iter().map(clause_constant).sum()
}

fn clause_constant(clause: &Clause) -> Option<f32> {
    if clause.negated {
        return Some(0.0);
    }
    match &clause.kind {
        ClauseKind::Hashtag { .. }
        | ClauseKind::Mention {
            person: Some(_), ..
        } => Some(KEY_SCORE),
        ClauseKind::From { .. }
        | ClauseKind::In(_)
        | ClauseKind::Before(_)
        | ClauseKind::After(_)
        | ClauseKind::HasLink => Some(0.0),
        ClauseKind::All(items) => sum_constant(items),
        // Words are scored by BM25; `OR` sums however many alternatives match.
        ClauseKind::Word(_)
        | ClauseKind::Phrase(_)
        | ClauseKind::Mention { person: None, .. }
        | ClauseKind::AnyOf(_) => None,
        // A kind added to the core after this engine: not a filter we know, so scored.
        _ => None,
    }
}

fn constant(q: Box<dyn Query>, score: f32) -> Box<dyn Query> {
    Box::new(ConstScoreQuery::new(q, score))
}

fn created_range(field: Field, from: i64, until: i64) -> Box<dyn Query> {
    Box::new(RangeQuery::new(
        Bound::Included(Term::from_field_i64(field, from)),
        Bound::Excluded(Term::from_field_i64(field, until)),
    ))
}

/// Unix milliseconds at 00:00 UTC of `d`.
fn day_start(d: NaiveDate) -> i64 {
    d.and_time(NaiveTime::MIN).and_utc().timestamp_millis()
}

//! The search query language (see [`crate::search`] for what it reads).

mod parse;

pub use parse::parse;

use std::fmt;

use chrono::NaiveDate;
use watercooler_text::{HandleKey, TagKey};

use crate::ids::{GroupId, PersonId};

/// At most this much of the input (UTF-8 bytes, after normalisation) is read; the rest is
/// ignored.
pub const MAX_INPUT_BYTES: usize = 1024;
/// At most this many leaf clauses (words, phrases, operators) are kept; later ones are
/// ignored.
pub const MAX_CLAUSES: usize = 16;
/// Parentheses nest at most this deep; deeper ones are ignored (their content stays).
pub const MAX_DEPTH: usize = 3;

/// A parsed query: every clause must match (AND). Build it with [`parse`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SearchQuery {
    /// The clauses.
    pub clauses: Vec<Clause>,
}

/// One clause of a query, possibly negated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clause {
    /// `-clause`: posts matching it are excluded.
    pub negated: bool,
    /// What it matches.
    pub kind: ClauseKind,
}

/// What a clause matches.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClauseKind {
    /// A word as typed (NFC); the index analyses it (it may become several terms).
    Word(String),
    /// Words that must appear next to each other, in order.
    Phrase(String),
    /// A hashtag, by key.
    Hashtag {
        /// The key every spelling shares.
        key: TagKey,
        /// As typed, without the sigil.
        typed: String,
    },
    /// Posts mentioning a person.
    Mention {
        /// The handle's key.
        handle: HandleKey,
        /// As typed, without the sigil.
        typed: String,
        /// The person, once resolved through the directory. Unresolved, the clause is
        /// plain text (`@ghost` finds the word `ghost`).
        person: Option<PersonId>,
    },
    /// Posts written by a person.
    From {
        /// The handle's key.
        handle: HandleKey,
        /// As typed.
        typed: String,
        /// The person, once resolved. Unresolved, the clause matches nothing.
        person: Option<PersonId>,
    },
    /// Posts in a group (by the host's group id).
    In(GroupId),
    /// Posts created before this day began (UTC).
    Before(NaiveDate),
    /// Posts created after this day ended (UTC).
    After(NaiveDate),
    /// Posts containing a URL.
    HasLink,
    /// Any of these clauses (`a OR b`).
    AnyOf(Vec<Clause>),
    /// All of these clauses (a parenthesised group).
    All(Vec<Clause>),
}

impl Clause {
    /// A clause that is not negated.
    pub fn positive(kind: ClauseKind) -> Self {
        Clause {
            negated: false,
            kind,
        }
    }
}

impl SearchQuery {
    /// Whether there is nothing to search for.
    pub fn is_empty(&self) -> bool {
        self.clauses.is_empty()
    }

    /// Every clause that is a leaf (not `AnyOf`/`All`), with whether it is under an odd
    /// number of negations, depth first.
    pub fn leaves(&self) -> Vec<(&ClauseKind, bool)> {
        fn walk<'a>(clauses: &'a [Clause], negated: bool, out: &mut Vec<(&'a ClauseKind, bool)>) {
            for c in clauses {
                let neg = negated ^ c.negated;
                match &c.kind {
                    ClauseKind::AnyOf(inner) | ClauseKind::All(inner) => walk(inner, neg, out),
                    leaf => out.push((leaf, neg)),
                }
            }
        }
        let mut out = Vec::new();
        walk(&self.clauses, false, &mut out);
        out
    }

    /// The handle keys of every `@mention` and `from:` clause, for resolving them in one
    /// directory call.
    pub fn handles(&self) -> Vec<HandleKey> {
        let mut keys: Vec<HandleKey> = self
            .leaves()
            .into_iter()
            .filter_map(|(kind, _)| match kind {
                ClauseKind::Mention { handle, .. } | ClauseKind::From { handle, .. } => {
                    Some(handle.clone())
                }
                _ => None,
            })
            .collect();
        keys.sort();
        keys.dedup();
        keys
    }

    /// Fills in the person of every `@mention` and `from:` clause with `lookup`.
    pub fn resolve_people(&mut self, lookup: &dyn Fn(&HandleKey) -> Option<PersonId>) {
        fn walk(clauses: &mut [Clause], lookup: &dyn Fn(&HandleKey) -> Option<PersonId>) {
            for c in clauses {
                match &mut c.kind {
                    ClauseKind::AnyOf(inner) | ClauseKind::All(inner) => walk(inner, lookup),
                    ClauseKind::Mention { handle, person, .. }
                    | ClauseKind::From { handle, person, .. } => *person = lookup(handle),
                    _ => {}
                }
            }
        }
        walk(&mut self.clauses, lookup);
    }
}

/// Writes the query back in the query language; parsing the output gives the same query
/// (without resolved people).
impl fmt::Display for SearchQuery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_list(f, &self.clauses)
    }
}

fn write_list(f: &mut fmt::Formatter<'_>, clauses: &[Clause]) -> fmt::Result {
    for (i, c) in clauses.iter().enumerate() {
        if i > 0 {
            f.write_str(" ")?;
        }
        write_clause(f, c)?;
    }
    Ok(())
}

fn write_clause(f: &mut fmt::Formatter<'_>, c: &Clause) -> fmt::Result {
    if c.negated {
        f.write_str("-")?;
    }
    match &c.kind {
        ClauseKind::Word(w) => f.write_str(w),
        ClauseKind::Phrase(p) => write!(f, "\"{p}\""),
        ClauseKind::Hashtag { typed, .. } => write!(f, "#{typed}"),
        ClauseKind::Mention { typed, .. } => write!(f, "@{typed}"),
        ClauseKind::From { typed, .. } => write!(f, "from:{typed}"),
        ClauseKind::In(g) => write!(f, "in:{g}"),
        ClauseKind::Before(d) => write!(f, "before:{}", d.format("%Y-%m-%d")),
        ClauseKind::After(d) => write!(f, "after:{}", d.format("%Y-%m-%d")),
        ClauseKind::HasLink => f.write_str("has:link"),
        ClauseKind::AnyOf(items) => {
            // A negated OR needs parentheses; a plain one reads as it parses.
            if c.negated {
                f.write_str("(")?;
            }
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    f.write_str(" OR ")?;
                }
                write_clause(f, item)?;
            }
            if c.negated {
                f.write_str(")")?;
            }
            Ok(())
        }
        ClauseKind::All(items) => {
            f.write_str("(")?;
            write_list(f, items)?;
            f.write_str(")")
        }
    }
}

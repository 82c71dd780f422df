//! Full-text search: the [`SearchIndex`] boundary, the query language ([`parse`]) and
//! snippets. The built-in index, on tantivy, is the `watercooler-tantivy` crate
//! (`watercooler::search::TantivyIndex` with the facade's default `search` feature).
//!
//! # Query language
//!
//! | you type | finds posts |
//! |---|---|
//! | `koffie automaat` | with both words (stemmed by the post's language, accents and case ignored) |
//! | `"koffie automaat"` | with the words next to each other, in this order; typographic double quotes work too (`“…”`, `„…“`, `«…»`, any mark closing any other), single ones and apostrophes (`’`) do not |
//! | `-thee` | without the word (works before every other form too: `-#tag`, `-from:jan`) |
//! | `#Café` | carrying the hashtag, however it was spelled (`#café`, `#CAFÉ`) |
//! | `@jan` | mentioning the person with handle `jan` (plain text `jan` if nobody has it) |
//! | `from:jan` | written by `jan` |
//! | `in:team-x` | posted in the group with id `team-x` (members only, as always) |
//! | `before:2013-02-01`, `after:2013-01-01` | written before the day began / after it ended (UTC) |
//! | `has:link` | containing a URL |
//! | `a OR b` | with either (binds tighter than the implicit AND: `x a OR b` is `x AND (a OR b)`) |
//! | `(a b) OR c` | grouping |
//!
//! Anything else is plain text: `tenant:acme`, `body:x`, `*` or `title:"x"` are just words,
//! so no index field can ever be named from a query. Parsing never fails: unbalanced quotes
//! and parentheses are read leniently, unknown operators and invalid dates are plain text,
//! and input is capped ([`MAX_INPUT_BYTES`], [`MAX_CLAUSES`], [`MAX_DEPTH`]) so that no
//! query can cost more than a small, fixed amount of work. There are no wildcards, regexes,
//! fuzzy terms or open ranges.
//!
//! # Consistency
//!
//! The index is derived state. It follows the store's change log ([`crate::Store::changes`])
//! and records the last applied [`Seq`] in each commit, so it resumes exactly where it was
//! after a crash. The service never trusts it alone:
//!
//! 1. the index returns post ids (with a [`fingerprint`] of what it indexed), filtered by
//!    the viewer's permissions *inside* the query;
//! 2. the service reads those posts back from the store with [`crate::Store::get_posts`],
//!    which applies the visibility rule again and drops deleted posts;
//! 3. if a post is missing or its fingerprint differs (the index has not seen an edit,
//!    delete or erasure yet), the service asks the index to [`SearchIndex::refresh`] and
//!    searches again, once; anything still inconsistent is dropped;
//! 4. snippets are made from the store's current text, never from the index.
//!
//! So deleted or newly invisible posts never show, and an edited post is found by its new
//! words only, at once. Besides, the service's `edit`, `delete` and `erase_person` call
//! [`SearchIndex::refresh`] before returning (so counts are exact at once too), and
//! `publish`, `reply` and `import` call [`SearchIndex::changed`], which wakes the follower
//! early: new posts become searchable within tens of milliseconds, and at most one poll
//! interval (a quarter of a second by default), without a commit per post.
//! `docs/search.md` has the whole design and the measured figures.

mod fingerprint;
mod highlight;
mod query;

pub use fingerprint::fingerprint;
pub use highlight::{
    Highlight, PlainHighlighter, SNIPPET_CHARS, entity_hits, merge_ranges, snippet_html,
};
pub use query::{Clause, ClauseKind, MAX_CLAUSES, MAX_DEPTH, MAX_INPUT_BYTES, SearchQuery, parse};

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::access::Access;
use crate::error::Result;
use crate::ids::{PostId, Seq};
use crate::model::{Person, PostView};
use crate::page::Cursor;
use crate::store::TagSuggestion;

/// A full-text index of the store's posts. Usable as `Arc<dyn SearchIndex>`.
///
/// An implementation keeps itself current by following the store's change log, filters
/// every search by the viewer's permissions inside the query (hits, counts and
/// suggestions), and never returns text: the service reads hits back from the store. The
/// built-in one is `watercooler_tantivy::TantivyIndex`; a PostgreSQL full-text
/// implementation can plug in here by compiling the same [`SearchQuery`].
#[async_trait]
pub trait SearchIndex: Send + Sync + 'static {
    /// The posts matching `query` that `access` may see, best first, one page.
    async fn search(
        &self,
        access: &Access,
        query: &SearchQuery,
        request: &SearchRequest,
    ) -> Result<IndexResults>;

    /// Hashtags whose key starts with `key_prefix`, used in posts `access` may see, most
    /// used first, at most `limit`; counts are over those visible posts only.
    async fn suggest_tags(
        &self,
        access: &Access,
        key_prefix: &str,
        limit: usize,
    ) -> Result<Vec<TagSuggestion>>;

    /// Applies every change logged so far and makes it searchable before returning; the
    /// last applied sequence number. Called by the service after edits, deletes and
    /// erasures, and whenever a hit turns out to be stale.
    async fn refresh(&self) -> Result<Seq>;

    /// A hint that the store has new changes (a post was just published), so the index may
    /// catch up sooner than its next poll. Never blocks.
    fn changed(&self) {}

    /// Recreates the index from the store's posts; the result equals the incrementally
    /// built index.
    async fn rebuild(&self) -> Result<()>;

    /// The last change-log entry that searches see.
    fn searchable_seq(&self) -> Seq;

    /// What `query` matched in a post, for its snippet: words as this index analyses them
    /// (stems, folding), so a hit's snippet highlights what made it a hit. The default,
    /// [`PlainHighlighter`], matches entities exactly and words in lower case.
    fn highlighter(&self, query: &SearchQuery) -> Box<dyn Highlight> {
        Box::new(PlainHighlighter::new(query))
    }
}

/// Which page of results to compute.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchRequest {
    /// At most this many hits (1..=[`crate::MAX_PAGE_SIZE`]; clamped).
    pub limit: usize,
    /// Where the previous page ended.
    pub cursor: Option<Cursor>,
    /// The time recency is measured from on the first page (later pages keep the first
    /// page's time, carried in the cursor, so the order does not shift between pages).
    pub now: DateTime<Utc>,
}

/// One hit, as an index returns it.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexHit {
    /// The post.
    pub post: PostId,
    /// Its score: relevance blended with recency, or — for a query of filters only
    /// (`#tag`, `from:`, …), whose hits are listed newest first — their common relevance.
    pub score: f32,
    /// The [`fingerprint`] of the post as indexed, if the index keeps one (an index that
    /// reads the store directly is always current and returns `None`).
    pub fingerprint: Option<u64>,
}

/// A page of hits, as an index returns it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct IndexResults {
    /// The hits, best first.
    pub hits: Vec<IndexHit>,
    /// How many posts the viewer may see match in all.
    pub total: u64,
    /// The cursor of the next page, if there is one.
    pub next: Option<Cursor>,
}

/// One search result as the service returns it.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchHit {
    /// The post, as the store has it now.
    pub view: PostView,
    /// A window of its text with the matched words highlighted: HTML-escaped, safe to
    /// insert into a page.
    pub snippet: String,
    /// Its score: relevance blended with recency, or — for a query of filters only
    /// (`#tag`, `from:`, …), whose hits are listed newest first — their common relevance.
    pub score: f32,
}

/// A page of search results.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SearchResults {
    /// The hits, best first.
    pub hits: Vec<SearchHit>,
    /// How many posts the viewer may see match in all (an estimate when posts were
    /// deleted a moment ago).
    pub total: u64,
    /// The cursor of the next page, if there is one.
    pub next: Option<Cursor>,
}

/// An autocomplete suggestion for the composer.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Suggestion {
    /// A person, for `@…`.
    Person(Person),
    /// A hashtag, for `#…`.
    Tag(TagSuggestion),
}

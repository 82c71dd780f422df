//! watercooler's search engine: a [`SearchIndex`] on tantivy, in memory (tests) or in a
//! directory, with text analysis for Dutch and English ([`fold_word`], a Snowball Dutch
//! stemmer of our own) and snippets that highlight what the analysis matched
//! ([`Highlighter`]).
//!
//! Integrators get it through the `watercooler` facade's default `search` feature, as
//! `watercooler::search::TantivyIndex`; the query language, the [`SearchIndex`] trait and
//! the consistency rules between index and store live in the core
//! (`watercooler_core::search`). This crate is the one place tantivy is compiled in.
//!
//! ```
//! use std::sync::Arc;
//! use watercooler_core::search::SearchIndex;
//! use watercooler_core::{
//!     Language, MemoryDirectory, MemoryStore, NewPost, PageRequest, Person, TenantId, Viewer,
//!     Watercooler,
//! };
//! use watercooler_tantivy::{TantivyIndex, TantivyOptions};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> watercooler_core::Result<()> {
//! let store = Arc::new(MemoryStore::new());
//! let directory = Arc::new(MemoryDirectory::new());
//! directory.add_person(&TenantId::new("acme"), Person::new("p1", "jan", "Jan de Vries"))?;
//! let index = TantivyIndex::open(store.clone(), TantivyOptions::in_memory()).await?;
//! let wc = Watercooler::builder(store, directory).search(index.clone()).build();
//!
//! let jan = Viewer::new("acme", "p1");
//! let post = NewPost::new("De vergaderingen van morgen").language(Language::dutch());
//! wc.publish(&jan, post).await?;
//! // Publishing only tells the index to look soon; this makes the post searchable now.
//! index.refresh().await?;
//! let found = wc.search(&jan, "vergadering", &PageRequest::first(10)).await?;
//! assert_eq!(found.hits[0].snippet, "De <em>vergaderingen</em> van morgen");
//! # Ok(())
//! # }
//! ```
#![deny(missing_docs)]

// Grouped by job: `index` keeps the files (schema, storage, the writer that follows the
// change log), `plan` turns a query into tantivy queries, `filter` restricts them to what a
// viewer may see, `collect` gathers and orders the hits, `tags` counts hashtags for
// suggestions; `terms` is the one leaf they share, the audience terms of posts and viewers.
mod collect;
mod filter;
mod index;
mod plan;
mod tags;
mod terms;

mod analysis;
mod dutch;
mod highlight;

pub use analysis::{MAX_TOKEN_BYTES, fold_word};
pub use highlight::{Highlighter, highlights, snippet};

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyError};
use tokio::sync::Notify;

pub use self::index::report::{OpenReport, RebuildCause, Unusable};

use self::collect::segments::SegmentCache;
use self::filter::term_bits::TermBitsCache;
use self::index::schema::{Fields, SCHEMA_VERSION};
use self::index::writer::{blocking, parse_payload, spawn_follower};
use self::tags::TagCountCache;
use crate::analysis::Analyzer;
use watercooler_core::Access;
use watercooler_core::model::Post;
use watercooler_core::search::SearchQuery;
use watercooler_core::search::{
    Highlight, IndexResults, SNIPPET_CHARS, SearchIndex, SearchRequest,
};
use watercooler_core::store::{Store, TagSuggestion};
use watercooler_core::{Error, Result};
use watercooler_core::{PostId, Seq, TenantId};
use watercooler_text::HighlightTag;

/// Where the index lives.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum IndexLocation {
    /// In memory: gone when dropped, rebuilt from the store at every open. For tests and
    /// small deployments.
    Memory,
    /// In this directory, which the index owns: it holds the directory's lock file
    /// (`.watercooler-search.lock`) from open until close, an unusable index in it is moved
    /// aside to a sibling `NAME.moved-aside-…` directory, and a directory with other files
    /// in it is refused.
    Directory(PathBuf),
}

/// How relevance and recency are blended: `score = relevance × (1 − w + w × 0.5^(age /
/// half_life))`. With `w = 0` only relevance counts; with `w = 1` a post loses half its
/// score every half-life. Ties (and filter-only queries, whose relevance is equal) go to
/// the newest post.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ranking {
    /// `w`, between 0 and 1 (default 0.5).
    pub recency_weight: f32,
    /// The age at which recency halves (default 14 days).
    pub half_life: Duration,
}

impl Default for Ranking {
    fn default() -> Self {
        Ranking {
            recency_weight: 0.5,
            half_life: Duration::from_secs(14 * 24 * 3600),
        }
    }
}

/// Settings of a [`TantivyIndex`].
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct TantivyOptions {
    /// Where the index lives.
    pub location: IndexLocation,
    /// How often the follower polls the change log (default 250 ms): new posts are
    /// searchable within about this time, and it is the commit batching window.
    pub poll_interval: Duration,
    /// Change-log entries read per call (default 1,000).
    pub batch_size: usize,
    /// tantivy's indexing memory budget (default 50 MB; at least 15 MB per thread).
    pub writer_memory_bytes: usize,
    /// tantivy's indexing threads (default 1).
    pub writer_threads: usize,
    /// Ranking.
    pub ranking: Ranking,
    /// Keep an unusable index that was moved aside (default `false`: it is removed once
    /// the new index is built, because it may hold text that has been erased since, and
    /// copies an earlier open moved aside but did not get to remove — it was killed during
    /// the rebuild — are removed at the next open). With `true` every copy stays until the
    /// host removes it, or opens with `false`.
    pub keep_moved_aside: bool,
}

impl TantivyOptions {
    /// An index in memory, with default settings.
    pub fn in_memory() -> Self {
        TantivyOptions {
            location: IndexLocation::Memory,
            poll_interval: Duration::from_millis(250),
            batch_size: 1_000,
            writer_memory_bytes: 50_000_000,
            writer_threads: 1,
            ranking: Ranking::default(),
            keep_moved_aside: false,
        }
    }

    /// An index in `path`, with default settings.
    pub fn in_directory(path: impl Into<PathBuf>) -> Self {
        TantivyOptions {
            location: IndexLocation::Directory(path.into()),
            ..Self::in_memory()
        }
    }

    /// Sets the poll interval.
    #[must_use]
    pub fn poll_interval(mut self, interval: Duration) -> Self {
        self.poll_interval = interval;
        self
    }

    /// Sets the ranking.
    #[must_use]
    pub fn ranking(mut self, ranking: Ranking) -> Self {
        self.ranking = ranking;
        self
    }

    /// Sets the writer's memory budget and threads.
    #[must_use]
    pub fn writer(mut self, memory_bytes: usize, threads: usize) -> Self {
        self.writer_memory_bytes = memory_bytes;
        self.writer_threads = threads;
        self
    }

    /// Sets the change-log batch size.
    #[must_use]
    pub fn batch_size(mut self, batch_size: usize) -> Self {
        self.batch_size = batch_size;
        self
    }

    /// Keeps (or not) an unusable index that was moved aside.
    #[must_use]
    pub fn keep_moved_aside(mut self, keep: bool) -> Self {
        self.keep_moved_aside = keep;
        self
    }
}

/// One document of the index, as [`TantivyIndex::documents`] lists it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IndexedPost {
    /// The tenant.
    pub tenant: TenantId,
    /// The post.
    pub id: PostId,
    /// The [`watercooler_core::search::fingerprint`] of the post as indexed.
    pub fingerprint: u64,
}

/// The pipeline's position in the change log.
#[derive(Debug, Default)]
struct Pipeline {
    /// Applied to the writer (maybe not committed).
    applied: Seq,
    /// Committed and searchable.
    committed: Seq,
    /// An erasure was applied: purge deleted documents at the next commit.
    purge: bool,
    /// A rebuild wrote every document: merge all segments into one at the next commit.
    merge_all: bool,
}

/// The built-in search index on tantivy. See the [crate docs](crate) for the
/// consistency design and [`TantivyIndex::open`] for its life cycle.
pub struct TantivyIndex {
    store: Arc<dyn Store>,
    index: Index,
    reader: IndexReader,
    /// The schema, the per-segment caches (organisation bitsets of the permission filter,
    /// columns and id order) and the ranking: what searches read besides the searcher.
    engine: collect::searcher::Engine,
    /// The one long-lived writer; `None` once closed.
    writer: Arc<Mutex<Option<IndexWriter>>>,
    pipeline: tokio::sync::Mutex<Pipeline>,
    searchable: AtomicU64,
    wake: Arc<Notify>,
    closed: AtomicBool,
    options: TantivyOptions,
    moved_aside: Option<PathBuf>,
    report: OpenReport,
    /// The directory lock (none in memory); released by `close`, or when dropped.
    lock: Mutex<Option<index::storage::DirLock>>,
}

impl std::fmt::Debug for TantivyIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TantivyIndex")
            .field("location", &self.options.location)
            .field("searchable", &self.searchable_seq())
            .finish_non_exhaustive()
    }
}

/// A tantivy error as ours. Lock and I/O trouble may pass; the rest will not.
pub(crate) fn tantivy_error(e: TantivyError) -> Error {
    match e {
        TantivyError::LockFailure(..) | TantivyError::IoError(_) => Error::transient(e),
        other => Error::backend(other),
    }
}

/// Analyzers are saved in the index by name only: register them at every open.
fn register_tokenizers(index: &Index) {
    for analyzer in [Analyzer::Plain, Analyzer::Dutch, Analyzer::English] {
        index
            .tokenizers()
            .register(analyzer.name(), analyzer.build());
    }
}

impl TantivyIndex {
    /// Opens (or creates) the index and brings it up to date with `store` before
    /// returning, then keeps following the store's change log in a background task.
    ///
    /// - A new, empty, unusable (moved aside) or foreign index is rebuilt from the store
    ///   ([`Store::scan_posts`]); so is one that is *ahead* of the store (a new, empty
    ///   store with an old index directory).
    /// - Otherwise it resumes from the watermark in its last commit.
    /// - Copies of the index moved aside by an earlier open that was killed before its
    ///   rebuild completed are removed (unless [`TantivyOptions::keep_moved_aside`]).
    ///
    /// [`TantivyIndex::open_report`] says which of these happened.
    ///
    /// Must be called within a tokio runtime (the follower is a tokio task and tantivy work
    /// runs on the blocking pool). Only one process (and one index) may have an index
    /// directory open: a second gets a retryable [`Error::Backend`] and nothing in the
    /// directory is looked at or changed. Only the holder of the directory lock judges
    /// whether an index is unusable (see [`IndexLocation::Directory`]).
    pub async fn open(store: Arc<dyn Store>, options: TantivyOptions) -> Result<Arc<TantivyIndex>> {
        if tokio::runtime::Handle::try_current().is_err() {
            return Err(Error::invalid(
                "runtime",
                "TantivyIndex::open needs a tokio runtime",
            ));
        }
        let opts = options.clone();
        let (index, fields, reader, writer, lock, found, watermark) = blocking(move || {
            let (schema, fields) = Fields::schema();
            let (index, lock, found) = match &opts.location {
                IndexLocation::Memory => {
                    let index = Index::builder()
                        .schema(schema)
                        .settings(index::schema::settings())
                        .create_in_ram()
                        .map_err(tantivy_error)?;
                    (index, None, (None, 0))
                }
                IndexLocation::Directory(path) => {
                    let opened = index::storage::open_dir(
                        path,
                        &schema,
                        SCHEMA_VERSION,
                        opts.keep_moved_aside,
                    )?;
                    let found = (opened.moved_aside, opened.leftovers_removed);
                    (opened.index, Some(opened.lock), found)
                }
            };
            register_tokenizers(&index);
            let threads = opts.writer_threads.clamp(1, 8);
            let memory = opts.writer_memory_bytes.max(15_000_000 * threads);
            let writer: IndexWriter = index
                .writer_with_num_threads(threads, memory)
                .map_err(tantivy_error)?;
            // Files a crash left behind (tantivy#3079).
            if let Err(e) = writer.garbage_collect_files().wait() {
                tracing::warn!(error = %e, "search index: garbage collection failed");
            }
            let reader: IndexReader = index
                .reader_builder()
                .reload_policy(ReloadPolicy::Manual)
                .try_into()
                .map_err(tantivy_error)?;
            let metas = index.load_metas().map_err(tantivy_error)?;
            let watermark = parse_payload(metas.payload.as_deref());
            Ok((index, fields, reader, writer, lock, found, watermark))
        })
        .await?;
        let (moved_aside, leftovers_removed) = found;
        let store_last = store.last_seq().await?;
        let rebuilt = match (&moved_aside, watermark) {
            (Some((_, why)), _) => Some(RebuildCause::MovedAside(*why)),
            (None, None) => Some(RebuildCause::New),
            (None, Some(seq)) if seq > store_last => Some(RebuildCause::AheadOfStore),
            (None, Some(_)) => None,
        };
        let report = OpenReport {
            rebuilt,
            leftovers_removed,
        };

        let me = Arc::new(TantivyIndex {
            store,
            index,
            reader,
            engine: collect::searcher::Engine {
                fields,
                audience: Arc::new(TagCountCache::default()),
                bits: Arc::new(TermBitsCache::default()),
                segments: Arc::new(SegmentCache::default()),
                ranking: options.ranking,
            },
            writer: Arc::new(Mutex::new(Some(writer))),
            pipeline: tokio::sync::Mutex::new(Pipeline::default()),
            searchable: AtomicU64::new(0),
            wake: Arc::new(Notify::new()),
            closed: AtomicBool::new(false),
            options,
            moved_aside: moved_aside.map(|(path, _)| path),
            report,
            lock: Mutex::new(lock),
        });
        {
            let mut p = me.pipeline.lock().await;
            match (rebuilt, watermark) {
                (None, Some(seq)) => {
                    p.applied = seq;
                    p.committed = seq;
                    me.searchable.store(seq.0, Ordering::Release);
                    me.catch_up_locked(&mut p).await?;
                }
                _ => me.rebuild_locked(&mut p).await?,
            }
        }
        match rebuilt {
            None => {}
            Some(RebuildCause::New) => {
                tracing::info!(location = ?me.options.location, "search index built from the store");
            }
            // Not a first start: hosts that alert on warnings should hear of it.
            Some(cause) => {
                tracing::warn!(location = ?me.options.location, ?cause, "search index rebuilt from the store at open");
            }
        }
        if let Some(aside) = me.moved_aside.clone()
            && !me.options.keep_moved_aside
        {
            blocking(move || {
                index::storage::remove_moved_aside(&aside);
                Ok(())
            })
            .await?;
        }
        spawn_follower(&me);
        Ok(me)
    }

    /// Where an unusable index was moved aside when this one was opened, if that happened.
    /// The copy is already gone unless [`TantivyOptions::keep_moved_aside`] was set.
    pub fn moved_aside(&self) -> Option<&Path> {
        self.moved_aside.as_deref()
    }

    /// What this open found and did: whether (and why) the index was rebuilt from the
    /// store, whether an unusable one was moved aside, and how many copies left by an
    /// earlier interrupted rebuild were removed. The same is logged with `tracing` (a
    /// warning for anything but building a new index), without any post text.
    pub fn open_report(&self) -> OpenReport {
        self.report
    }

    /// Applies every pending change and commits (what the follower does each poll).
    pub async fn catch_up(&self) -> Result<Seq> {
        let mut p = self.pipeline.lock().await;
        self.catch_up_locked(&mut p).await?;
        Ok(p.committed)
    }

    /// Commits what is pending, stops the follower and releases the writer and the
    /// directory lock (another process may open the directory from then on). Searches keep
    /// working on what was committed.
    pub async fn close(&self) -> Result<()> {
        let mut p = self.pipeline.lock().await;
        let result = self.catch_up_locked(&mut p).await;
        self.closed.store(true, Ordering::Release);
        self.wake.notify_one();
        let writer = self.writer.clone();
        blocking(move || {
            let w = writer.lock().unwrap_or_else(|e| e.into_inner()).take();
            match w {
                Some(w) => w.wait_merging_threads().map_err(tantivy_error),
                None => Ok(()),
            }
        })
        .await?;
        // After the writer: a process that takes the directory lock must find tantivy's
        // writer lock free as well.
        drop(self.lock.lock().unwrap_or_else(|e| e.into_inner()).take());
        result
    }

    /// [`SearchIndex::search`], on the calling thread (blocking; for benchmarks and hosts
    /// without async).
    pub fn search_sync(
        &self,
        access: &Access,
        query: &SearchQuery,
        request: &SearchRequest,
    ) -> Result<IndexResults> {
        collect::searcher::search(
            &self.engine,
            &self.reader.searcher(),
            access,
            query,
            request,
        )
    }

    /// [`SearchIndex::suggest_tags`], on the calling thread (blocking).
    pub fn suggest_tags_sync(
        &self,
        access: &Access,
        key_prefix: &str,
        limit: usize,
    ) -> Result<Vec<TagSuggestion>> {
        tags::suggest_tags(
            &self.reader.searcher(),
            &self.engine.fields,
            &self.engine.audience,
            &self.engine.bits,
            access,
            key_prefix,
            limit,
        )
    }

    /// Every document in the searchable index, sorted by tenant and id (duplicates would
    /// show twice). Blocking; for audits and tests that compare the index with the store.
    pub fn documents(&self) -> Result<Vec<IndexedPost>> {
        collect::searcher::documents(&self.reader.searcher())
    }

    /// Benchmark baseline: indexes `posts` with plain tantivy — the same schema and
    /// analyzers, one writer, one commit — with no store, change log or follower. Returns
    /// the number of documents.
    #[doc(hidden)]
    pub fn raw_baseline(
        posts: &[Post],
        dir: Option<&Path>,
        memory: usize,
        threads: usize,
    ) -> Result<u64> {
        let (schema, fields) = Fields::schema();
        let index = match dir {
            Some(d) => Index::create_in_dir(d, schema).map_err(tantivy_error)?,
            None => Index::create_in_ram(schema),
        };
        register_tokenizers(&index);
        let mut w: IndexWriter = index
            .writer_with_num_threads(threads.clamp(1, 8), memory.max(15_000_000 * threads.max(1)))
            .map_err(tantivy_error)?;
        for post in posts {
            w.add_document(fields.document(post))
                .map_err(tantivy_error)?;
        }
        w.commit().map_err(tantivy_error)?;
        let reader: IndexReader = index.reader().map_err(tantivy_error)?;
        Ok(reader.searcher().num_docs())
    }
}

#[async_trait]
impl SearchIndex for TantivyIndex {
    async fn search(
        &self,
        access: &Access,
        query: &SearchQuery,
        request: &SearchRequest,
    ) -> Result<IndexResults> {
        let (reader, engine) = (self.reader.clone(), self.engine.clone());
        let (access, query, request) = (access.clone(), query.clone(), request.clone());
        blocking(move || {
            collect::searcher::search(&engine, &reader.searcher(), &access, &query, &request)
        })
        .await
    }

    async fn suggest_tags(
        &self,
        access: &Access,
        key_prefix: &str,
        limit: usize,
    ) -> Result<Vec<TagSuggestion>> {
        let (reader, fields, audience, bits) = (
            self.reader.clone(),
            self.engine.fields,
            self.engine.audience.clone(),
            self.engine.bits.clone(),
        );
        let (access, prefix) = (access.clone(), key_prefix.to_owned());
        blocking(move || {
            tags::suggest_tags(
                &reader.searcher(),
                &fields,
                &audience,
                &bits,
                &access,
                &prefix,
                limit,
            )
        })
        .await
    }

    async fn refresh(&self) -> Result<Seq> {
        self.catch_up().await
    }

    fn changed(&self) {
        self.wake.notify_one();
    }

    async fn rebuild(&self) -> Result<()> {
        let mut p = self.pipeline.lock().await;
        self.rebuild_locked(&mut p).await
    }

    fn searchable_seq(&self) -> Seq {
        Seq(self.searchable.load(Ordering::Acquire))
    }

    fn highlighter(&self, query: &SearchQuery) -> Box<dyn Highlight> {
        Box::new(Highlighter::new(
            query,
            SNIPPET_CHARS,
            HighlightTag::default(),
        ))
    }
}

//! Keeping the index current: following the change log, committing with a watermark,
//! rebuilding, and the background follower.
//!
//! - **Idempotent apply.** A batch of changes names posts; each named post's document is
//!   deleted by its key and, if the store still has the post, added again from the store's
//!   current version. Applying a batch twice, or out of date, gives the same index.
//! - **Watermark.** Every commit stores the last applied [`Seq`] in tantivy's commit
//!   payload, atomically with the documents. After a crash (even `kill -9`) the index is at
//!   some commit; uncommitted work is lost and is simply applied again from the watermark.
//! - **Batching.** Changes are pulled in batches and committed once per catch-up (and every
//!   [`COMMIT_EVERY`] documents of a long backlog), never once per post.
//! - **Visibility.** The reader is reloaded right after each commit (manual reload policy),
//!   so a commit is searchable when `refresh` returns.
//! - **Erasure.** After applying an erasure, the segments holding deleted documents are
//!   merged and unreferenced files collected, so the erased text leaves the index files
//!   rather than waiting for a merge some day.
//! - **Rebuild.** A rebuild ends by merging its segments into one before the index is
//!   searchable again. Each segment costs a search its own dictionary lookups, postings
//!   and top-k: on the 200,000-post corpus the writer left three segments, and one made a
//!   word query about twice as fast; the merge costs about a fifth of the rebuild's time.
//!   Later segments are merged by tantivy's merge policy as usual.
//!
//! All tantivy work runs on tokio's blocking pool; one async mutex serialises the pipeline
//! (follower, `refresh`, `rebuild`), so there is one writer doing one thing at a time.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Weak};

use tantivy::{IndexWriter, Term};

use crate::index::schema::{Fields, doc_key};
use crate::{Pipeline, TantivyIndex, tantivy_error};
use watercooler_core::model::{ChangeKind, Post};
use watercooler_core::{Error, Result};
use watercooler_core::{PostId, Seq, TenantId};

/// A long backlog is committed every this many documents, so progress survives a crash.
pub(crate) const COMMIT_EVERY: usize = 20_000;

/// The shortest time between two follower rounds when woken by [`TantivyIndex`]'s
/// `changed` hint: at most about 20 commits a second under a stream of publishes.
pub(crate) const MIN_ROUND_GAP: std::time::Duration = std::time::Duration::from_millis(50);

/// Posts read per `scan_posts` call during a rebuild.
const SCAN_BATCH: usize = 1_000;

/// Runs tantivy work on the blocking pool. A panic in it becomes an error.
pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T> + Send + 'static,
) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| Error::backend(format!("search index task failed: {e}")))?
}

/// The commit payload: a tiny JSON object with the watermark.
pub(crate) fn payload(seq: Seq) -> String {
    format!("{{\"watercooler_seq\":{}}}", seq.0)
}

/// Reads [`payload`]; `None` for anything else (no commit yet, another writer's payload).
pub(crate) fn parse_payload(payload: Option<&str>) -> Option<Seq> {
    let value: serde_json::Value = serde_json::from_str(payload?).ok()?;
    value.get("watercooler_seq")?.as_u64().map(Seq)
}

type SharedWriter = Arc<std::sync::Mutex<Option<IndexWriter>>>;

fn with_writer<T>(
    writer: &SharedWriter,
    f: impl FnOnce(&mut IndexWriter) -> Result<T>,
) -> Result<T> {
    let mut guard = writer.lock().unwrap_or_else(|e| e.into_inner());
    let w = guard
        .as_mut()
        .ok_or_else(|| Error::backend("search index is closed"))?;
    f(w)
}

impl TantivyIndex {
    /// Applies every pending change and commits; undoes uncommitted work on failure.
    pub(crate) async fn catch_up_locked(&self, p: &mut Pipeline) -> Result<()> {
        let result = self.apply_pending(p).await;
        if result.is_err() {
            self.rollback(p).await;
        }
        result
    }

    async fn apply_pending(&self, p: &mut Pipeline) -> Result<()> {
        let mut since_commit = 0usize;
        loop {
            let changes = self
                .store
                .changes(p.applied, self.options.batch_size.max(1))
                .await?;
            let Some(last) = changes.last().map(|c| c.seq) else {
                break;
            };
            if last <= p.applied {
                // A store that does not move forward must not spin the follower.
                return Err(Error::backend("change log did not advance"));
            }
            let mut by_tenant: BTreeMap<TenantId, BTreeSet<PostId>> = BTreeMap::new();
            let mut erased = false;
            for c in &changes {
                by_tenant
                    .entry(c.tenant.clone())
                    .or_default()
                    .insert(c.post);
                erased |= c.kind == ChangeKind::Erased;
            }
            let mut batch: Vec<(Vec<u8>, Option<Post>)> = Vec::new();
            for (tenant, ids) in by_tenant {
                let ids: Vec<PostId> = ids.into_iter().collect();
                let mut current: HashMap<PostId, Post> = self
                    .store
                    .posts_for_indexing(&tenant, &ids)
                    .await?
                    .into_iter()
                    .filter(|post| post.tenant == tenant)
                    .map(|post| (post.id, post))
                    .collect();
                for id in ids {
                    batch.push((doc_key(&tenant, &id), current.remove(&id)));
                }
            }
            since_commit += batch.len();
            let (writer, fields) = (self.writer.clone(), self.engine.fields);
            blocking(move || with_writer(&writer, |w| apply(w, &fields, batch))).await?;
            p.applied = last;
            p.purge |= erased;
            if since_commit >= COMMIT_EVERY {
                self.commit_locked(p).await?;
                since_commit = 0;
            }
        }
        if p.applied != p.committed || p.purge {
            self.commit_locked(p).await?;
        }
        Ok(())
    }

    /// Commits with the watermark, purges after erasures, reloads the reader.
    pub(crate) async fn commit_locked(&self, p: &mut Pipeline) -> Result<()> {
        let (writer, index, reader) =
            (self.writer.clone(), self.index.clone(), self.reader.clone());
        let (audience, bits, segments) = (
            self.engine.audience.clone(),
            self.engine.bits.clone(),
            self.engine.segments.clone(),
        );
        let (seq, purge, merge_all) = (p.applied, p.purge, p.merge_all);
        blocking(move || {
            with_writer(&writer, |w| {
                let mut prepared = w.prepare_commit().map_err(tantivy_error)?;
                prepared.set_payload(&payload(seq));
                prepared.commit().map_err(tantivy_error)?;
                if purge || merge_all {
                    merge(w, &index, merge_all);
                }
                Ok(())
            })?;
            reader.reload().map_err(tantivy_error)?;
            let searcher = reader.searcher();
            let live = searcher
                .segment_readers()
                .iter()
                .map(|s| s.segment_id())
                .collect();
            // New segments are prepared now, not in a searcher's way.
            segments.refresh(&searcher, &live);
            bits.refresh(searcher.segment_readers(), &live);
            audience.retain(&live);
            Ok(())
        })
        .await?;
        p.committed = seq;
        p.purge = false;
        p.merge_all = false;
        self.searchable.store(seq.0, Ordering::Release);
        Ok(())
    }

    /// Drops uncommitted work; the next catch-up starts again from the last commit.
    async fn rollback(&self, p: &mut Pipeline) {
        let writer = self.writer.clone();
        let result = blocking(move || {
            with_writer(&writer, |w| w.rollback().map(|_| ()).map_err(tantivy_error))
        })
        .await;
        if let Err(e) = result {
            tracing::error!(error = %e, "search index rollback failed");
        }
        p.applied = p.committed;
    }

    /// Recreates every document from the store, then applies what changed meanwhile.
    pub(crate) async fn rebuild_locked(&self, p: &mut Pipeline) -> Result<()> {
        let result = self.rebuild_inner(p).await;
        if result.is_err() {
            self.rollback(p).await;
        }
        result
    }

    async fn rebuild_inner(&self, p: &mut Pipeline) -> Result<()> {
        // Everything logged up to `start` is in the scan; later changes are applied after
        // it (idempotently, so posts both scanned and changed end up once, current).
        let start = self.store.last_seq().await?;
        let writer = self.writer.clone();
        blocking(move || {
            with_writer(&writer, |w| {
                w.delete_all_documents().map(|_| ()).map_err(tantivy_error)
            })
        })
        .await?;
        let mut after: Option<(TenantId, PostId)> = None;
        loop {
            let posts = self.store.scan_posts(after.clone(), SCAN_BATCH).await?;
            let Some(last) = posts.last() else { break };
            let next = Some((last.tenant.clone(), last.id));
            if next <= after {
                return Err(Error::backend("scan_posts did not advance"));
            }
            after = next;
            let (writer, fields) = (self.writer.clone(), self.engine.fields);
            blocking(move || {
                with_writer(&writer, |w| {
                    for post in &posts {
                        w.add_document(fields.document(post))
                            .map_err(tantivy_error)?;
                    }
                    Ok(())
                })
            })
            .await?;
        }
        p.applied = start;
        p.merge_all = true;
        self.commit_locked(p).await?;
        self.apply_pending(p).await
    }
}

/// Applies one batch: delete each post's document, add the current version if any.
fn apply(w: &IndexWriter, fields: &Fields, batch: Vec<(Vec<u8>, Option<Post>)>) -> Result<()> {
    for (key, post) in batch {
        // Ordered by opstamp: the delete removes older documents only, not the add below.
        w.delete_term(Term::from_field_bytes(fields.key, &key));
        if let Some(post) = post {
            w.add_document(fields.document(&post))
                .map_err(tantivy_error)?;
        }
    }
    Ok(())
}

/// Merges the segments that hold deleted documents (or, with `all`, every segment when
/// there are several) and collects unreferenced files. Best effort: a failure (a segment
/// already merging) is logged; the merge policy gets to it. A merge keeps the commit's
/// payload (the watermark) and, with the index sorted by key, the documents' order.
fn merge(w: &mut IndexWriter, index: &tantivy::Index, all: bool) {
    let segments = match index.searchable_segment_metas() {
        Ok(metas) if all && metas.len() < 2 => Vec::new(),
        Ok(metas) => metas
            .iter()
            .filter(|m| all || m.has_deletes())
            .map(|m| m.id())
            .collect::<Vec<_>>(),
        Err(e) => {
            tracing::warn!(error = %e, "search index: cannot list segments to purge");
            return;
        }
    };
    if !segments.is_empty()
        && let Err(e) = w.merge(&segments).wait()
    {
        tracing::warn!(error = %e, "search index: merge failed");
    }
    if let Err(e) = w.garbage_collect_files().wait() {
        tracing::warn!(error = %e, "search index: garbage collection failed");
    }
}

/// Polls the change log every `interval` (or when woken), backing off on errors. Holds only
/// a weak reference between rounds, so dropping the index stops it.
///
/// A wake-up (a post was just published) starts a round early, but rounds stay at least
/// [`MIN_ROUND_GAP`] apart: a burst of publishes is committed in batches, not one commit per
/// post (tiny segments pile up and tantivy never throttles, tantivy#194).
pub(crate) fn spawn_follower(index: &Arc<TantivyIndex>) {
    let weak: Weak<TantivyIndex> = Arc::downgrade(index);
    let wake = index.wake.clone();
    let interval = index.options.poll_interval;
    let gap = MIN_ROUND_GAP.min(interval);
    tokio::spawn(async move {
        let mut failures = 0u32;
        let mut last_round = tokio::time::Instant::now();
        loop {
            let delay = interval.saturating_mul(1 << failures.min(6));
            tokio::select! {
                () = tokio::time::sleep(delay) => {}
                () = wake.notified() => {
                    tokio::time::sleep_until(last_round + gap).await;
                }
            }
            last_round = tokio::time::Instant::now();
            let Some(index) = weak.upgrade() else { return };
            if index.closed.load(Ordering::Acquire) {
                return;
            }
            match index.catch_up().await {
                Ok(_) => failures = 0,
                Err(e) => {
                    failures = failures.saturating_add(1);
                    tracing::warn!(error = %e, "search index could not catch up");
                }
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, Duration};
    use tantivy::Index;

    use super::*;
    use crate::collect::segments::SegmentData;
    use crate::index::schema::settings;
    use crate::register_tokenizers;

    /// Merging every segment (what a rebuild ends with) leaves one segment, keeps the
    /// commit's watermark, and keeps the documents sorted: each tenant's one run, ids
    /// following documents within it.
    #[test]
    fn merging_all_segments_keeps_the_watermark_and_the_order() {
        let (schema, fields) = Fields::schema();
        let index = Index::builder()
            .schema(schema)
            .settings(settings())
            .create_in_ram()
            .unwrap();
        register_tokenizers(&index);
        let mut w: IndexWriter = index.writer_with_num_threads(1, 15_000_000).unwrap();
        w.set_merge_policy(Box::new(tantivy::indexer::NoMergePolicy));
        let at = DateTime::from_timestamp(1_360_000_000, 0).unwrap();
        let mut n = 0;
        for segment in 0..3 {
            // Written newest first and tenants interleaved: the index sorts them.
            for i in (0..40).rev() {
                let tenant = ["t", "u", "tt"][(i + segment) % 3];
                n += 1;
                let post = Post::builder(tenant, "a", at + Duration::minutes(n))
                    .id(watercooler_core::PostId::from_parts(
                        at + Duration::minutes(n),
                        n as u64,
                    ))
                    .build();
                w.add_document(fields.document(&post)).unwrap();
            }
            let mut prepared = w.prepare_commit().unwrap();
            prepared.set_payload(&payload(Seq(segment as u64 + 1)));
            prepared.commit().unwrap();
        }
        assert_eq!(index.searchable_segment_metas().unwrap().len(), 3);

        merge(&mut w, &index, true);

        let metas = index.load_metas().unwrap();
        assert_eq!(metas.segments.len(), 1);
        assert_eq!(metas.segments[0].max_doc(), 120);
        assert_eq!(parse_payload(metas.payload.as_deref()), Some(Seq(3)));
        let reader = index.reader().unwrap();
        let searcher = reader.searcher();
        let segment = searcher.segment_reader(0);
        let data = SegmentData::open(segment).unwrap();
        assert!(data.ids_follow_docs);
        // Keys sort by bytes: `tt…` before `t\xFF…`, since 0xFF follows every UTF-8 byte.
        let runs: Vec<_> = ["tt", "t", "u", "v"]
            .iter()
            .map(|t| data.tenant_docs(t.as_bytes()))
            .collect();
        assert_eq!(runs, vec![0..40, 40..80, 80..120, 0..0]);
    }
}

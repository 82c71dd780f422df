//! Full-text search and composer autocomplete (`@…` people, `#…` tags).
//!
//! The index finds and ranks; the store has the last word: every hit is read back with
//! [`crate::Store::get_posts`] under the viewer's access, compared with what was indexed
//! (its fingerprint), and the snippet is made from the store's current text. A missing or
//! changed post makes the index catch up and the search run again, once; whatever is still
//! inconsistent is left out. See [`crate::search`] for the whole design.

use std::collections::HashMap;

use watercooler_text::{HighlightTag, handle_key, try_hashtag_key};

use super::traced::traced;
use super::{Admin, Watercooler};
use crate::access::{Access, Viewer};
use crate::error::{Error, Result};
use crate::ids::{PersonId, PostId, Seq};
use crate::model::PostView;
use crate::page::PageRequest;
use crate::search::{
    SNIPPET_CHARS, SearchHit, SearchIndex, SearchQuery, SearchRequest, SearchResults, Suggestion,
    fingerprint, parse, snippet_html,
};

/// People prefixes longer than this are cut (no handle or name is that long).
const MAX_PEOPLE_PREFIX_CHARS: usize = 64;

impl Watercooler {
    /// Searches the posts the viewer may see. `query` is what a person typed, in the query
    /// language of [`crate::search`] (words, `"phrases"`, `-exclude`, `#tag`, `@handle`,
    /// `from:`, `in:`, `before:`, `after:`, `has:link`, `OR`); it never fails to parse.
    /// Results are ranked by relevance blended with recency; snippets are HTML-safe.
    ///
    /// Errors: [`Error::Invalid`] for a bad page limit or cursor, [`Error::Forbidden`] for
    /// a viewer the directory does not know, [`Error::Backend`] when no index is configured
    /// or it fails.
    pub async fn search(
        &self,
        viewer: &Viewer,
        query: &str,
        page: &PageRequest,
    ) -> Result<SearchResults> {
        traced("search", &viewer.tenant, async {
            page.validate()?;
            let index = self.search_index()?;
            let access = self.access(viewer).await?;
            let mut parsed = parse(query);
            self.resolve_handles(&access, &mut parsed).await?;
            let request = SearchRequest {
                limit: page.limit,
                cursor: page.cursor.clone(),
                now: self.inner.clock.now(),
            };
            let mut highlighter = index.highlighter(&parsed);
            let tag = HighlightTag::default();
            let mut refreshed = false;
            loop {
                let found = index.search(&access, &parsed, &request).await?;
                let ids: Vec<PostId> = found.hits.iter().map(|h| h.post).collect();
                let mut current: HashMap<PostId, PostView> = self
                    .inner
                    .store
                    .get_posts(&access, &ids)
                    .await?
                    .into_iter()
                    .filter(|v| access.can_see(&v.post))
                    .map(|v| (v.post.id, v))
                    .collect();
                for view in current.values_mut() {
                    self.count_for_viewer(&access, view).await?;
                }
                let is_current = |post: &PostId, indexed: Option<u64>| {
                    current
                        .get(post)
                        .is_some_and(|v| indexed.is_none_or(|f| f == fingerprint(&v.post)))
                };
                let fresh: Vec<bool> = found
                    .hits
                    .iter()
                    .map(|h| is_current(&h.post, h.fingerprint))
                    .collect();
                let stale = fresh.iter().filter(|ok| !**ok).count();
                if stale > 0 && !refreshed {
                    // The index has not seen an edit, delete or erasure yet: catch up, retry.
                    index.refresh().await?;
                    refreshed = true;
                    continue;
                }
                let mut hits = Vec::with_capacity(found.hits.len());
                for (h, ok) in found.hits.iter().zip(fresh) {
                    if !ok {
                        continue;
                    }
                    let Some(view) = current.remove(&h.post) else {
                        continue;
                    };
                    let matched = highlighter.highlights(&view.post);
                    let snippet = snippet_html(&view.post, &matched, SNIPPET_CHARS, &tag);
                    hits.push(SearchHit {
                        view,
                        snippet,
                        score: h.score,
                    });
                }
                return Ok(SearchResults {
                    hits,
                    total: found.total.saturating_sub(stale as u64),
                    next: found.next,
                });
            }
        })
        .await
    }

    /// Autocomplete for the composer: `@ja` suggests people of the viewer's tenant whose
    /// handle or name starts with `ja`; `#duu` suggests hashtags starting with `duu` used in
    /// posts the viewer may see (most used first, counted over those posts only). Anything
    /// else suggests nothing.
    pub async fn suggest(
        &self,
        viewer: &Viewer,
        prefix: &str,
        limit: usize,
    ) -> Result<Vec<Suggestion>> {
        traced("suggest", &viewer.tenant, async {
            PageRequest::first(limit).validate()?;
            let prefix = prefix.trim_start();
            if let Some(rest) = prefix.strip_prefix(['@', '＠']) {
                // Only people of the directory may probe it.
                let access = self.access(viewer).await?;
                let rest: String = rest.chars().take(MAX_PEOPLE_PREFIX_CHARS).collect();
                let people = self
                    .inner
                    .directory
                    .suggest_people(access.tenant(), &rest, limit)
                    .await?;
                return Ok(people
                    .into_iter()
                    .take(limit)
                    .map(Suggestion::Person)
                    .collect());
            }
            if let Some(rest) = prefix.strip_prefix(['#', '＃']) {
                let access = self.access(viewer).await?;
                // Longer than any stored key: nothing can start with it.
                let Ok(key) = try_hashtag_key(rest) else {
                    return Ok(Vec::new());
                };
                let tags = match &self.inner.search {
                    Some(index) => index.suggest_tags(&access, key.as_str(), limit).await?,
                    None => {
                        self.inner
                            .store
                            .suggest_tags(&access, key.as_str(), limit)
                            .await?
                    }
                };
                return Ok(tags.into_iter().take(limit).map(Suggestion::Tag).collect());
            }
            Ok(Vec::new())
        })
        .await
    }

    /// The search index, or [`Error::Backend`] when none is configured.
    fn search_index(&self) -> Result<&dyn SearchIndex> {
        self.inner.search.as_deref().ok_or_else(|| {
            Error::backend("no search index configured (WatercoolerBuilder::search)")
        })
    }

    /// Resolves the `@handle` and `from:handle` clauses through the directory, in one call.
    async fn resolve_handles(&self, access: &Access, query: &mut SearchQuery) -> Result<()> {
        let keys = query.handles();
        if keys.is_empty() {
            return Ok(());
        }
        let people = self
            .inner
            .directory
            .resolve_handles(access.tenant(), &keys)
            .await?;
        let by_key: HashMap<_, PersonId> = people
            .into_iter()
            .map(|p| (handle_key(&p.handle), p.id))
            .collect();
        query.resolve_people(&|k| by_key.get(k).cloned());
        Ok(())
    }

    /// Keeps the search index in step after a write. `immediate` (edits, deletes,
    /// erasures): the index catches up and commits before this returns, so old text stops
    /// matching at once. Otherwise (publishing) it is only told to look soon. Failures are
    /// logged, not returned: the write itself succeeded, and searches re-check the store.
    // Called by publish, reply and import (`false`) and by edit, delete and erase_person
    // (`true`).
    pub(crate) async fn search_after_write(&self, immediate: bool) {
        // Every write that appends to the change log comes through here: live subscribers
        // hear of it now, not when the store's own wake-up arrives.
        self.inner.live.wake();
        let Some(index) = &self.inner.search else {
            return;
        };
        if !immediate {
            index.changed();
            return;
        }
        if let Err(e) = index.refresh().await {
            tracing::warn!(error = %e, "search index could not catch up after a write");
        }
    }
}

impl Admin<'_> {
    /// Brings the search index up to date with everything the store has logged, searchable
    /// before this returns; the last change-log entry searches now see, or `None` when no
    /// index is configured. The index serves every tenant, so this catches up all of them.
    ///
    /// The service's own writes keep the index in step by themselves. Writes made straight
    /// to the store reach it only at its next poll of the change log (every 250 ms by
    /// default): call this after a bulk load through [`crate::Store::insert_posts`] or
    /// [`crate::Store::insert_posts_with_notifications`] (for example after
    /// [`Watercooler::prepare_import`]), or after any post write that bypassed the service.
    /// One call catches up any backlog with one commit (and one per 20,000 documents), so
    /// call it once after the load rather than per batch. (A loader with no admin at hand
    /// may call [`SearchIndex::refresh`] on the index it configured.)
    ///
    /// Errors: [`Error::Backend`] when the index or the store fails (retryable when it may
    /// pass).
    pub async fn refresh_search(&self) -> Result<Option<Seq>> {
        match &self.wc.inner.search {
            Some(index) => index.refresh().await.map(Some),
            None => Ok(None),
        }
    }
}

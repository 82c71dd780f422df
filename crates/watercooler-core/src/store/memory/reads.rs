//! Visibility-filtered reads of one tenant. Filtering happens while iterating an index, so
//! pages are full and cursors exact.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap, HashMap};
use std::ops::Bound;

use chrono::{DateTime, Utc};

use super::tenant::{PostEntry, TenantData};
use crate::access::Access;
use crate::error::{Error, Result};
use crate::ids::{PersonId, PostId};
use crate::model::{PostView, Reaction, ReactionKind, Visibility};
use crate::page::{Page, PageRequest};
use crate::store::cursor::{self, ReactionPosition};
use crate::store::{
    Candidate, CandidateQuery, CandidateSources, Order, PostFilter, TagBucket, TagSuggestion,
};

/// The most tag suggestions one call returns.
const MAX_SUGGESTIONS: usize = 200;

/// The smallest post id whose embedded time is not before `at`'s millisecond. Post ids are
/// never older than their `created_at` (the generator only moves time forward), so
/// `range(id_floor(since)..)` holds every post created at or after `since`.
pub(super) fn id_floor(at: DateTime<Utc>) -> PostId {
    let ms = at.timestamp_millis().clamp(0, (1 << 48) - 1) as u128;
    PostId::from_u128(ms << 80)
}

static EMPTY: BTreeSet<PostId> = BTreeSet::new();

/// An id index a list scans: a set, or every post.
enum Source<'a> {
    Set(&'a BTreeSet<PostId>),
    All(&'a BTreeMap<PostId, PostEntry>),
}

impl<'a> Source<'a> {
    /// The ids strictly after `after` in `order`.
    fn after(
        &self,
        after: Option<PostId>,
        order: Order,
    ) -> Box<dyn Iterator<Item = &'a PostId> + 'a> {
        let (lo, hi) = match (order, after) {
            (_, None) => (Bound::Unbounded, Bound::Unbounded),
            (Order::NewestFirst, Some(a)) => (Bound::Unbounded, Bound::Excluded(a)),
            (Order::OldestFirst, Some(a)) => (Bound::Excluded(a), Bound::Unbounded),
        };
        match (self, order) {
            (Source::Set(s), Order::NewestFirst) => Box::new(s.range((lo, hi)).rev()),
            (Source::Set(s), Order::OldestFirst) => Box::new(s.range((lo, hi))),
            (Source::All(m), Order::NewestFirst) => {
                Box::new(m.range((lo, hi)).rev().map(|(k, _)| k))
            }
            (Source::All(m), Order::OldestFirst) => Box::new(m.range((lo, hi)).map(|(k, _)| k)),
        }
    }
}

/// The ids of `set` in `lo..=hi`, newest first.
fn newest_first<'a>(
    set: Option<&'a BTreeSet<PostId>>,
    lo: PostId,
    hi: PostId,
) -> Box<dyn Iterator<Item = PostId> + 'a> {
    match set {
        Some(s) => Box::new(s.range(lo..=hi).rev().copied()),
        None => Box::new(std::iter::empty()),
    }
}

pub(super) fn view(e: &PostEntry) -> PostView {
    PostView {
        post: e.post.clone(),
        stats: e.stats,
    }
}

impl TenantData {
    /// A post `access` may see.
    pub(super) fn visible(&self, access: &Access, id: &PostId) -> Option<&PostEntry> {
        self.posts.get(id).filter(|e| access.can_see(&e.post))
    }

    /// A post view `access` may see.
    pub(super) fn get(&self, access: &Access, id: &PostId) -> Option<PostView> {
        self.visible(access, id).map(view)
    }

    /// A chronological page of visible posts matching `filter`.
    pub(super) fn list<'a>(
        &'a self,
        access: &Access,
        filter: &PostFilter,
        page: &PageRequest,
    ) -> Result<Page<PostView>> {
        page.validate()?;
        let after = page.cursor.as_ref().map(cursor::parse_post).transpose()?;
        let include_replies = filter.include_replies || filter.thread.is_some();
        // Start from the smallest index the filter allows; the other fields are checked
        // per post. A group the viewer is not in shows them only their own posts there, so
        // their author index is the start then.
        let or_empty = |s: Option<&'a BTreeSet<PostId>>| s.unwrap_or(&EMPTY);
        let base = if let Some(root) = &filter.thread {
            Source::Set(or_empty(self.by_thread.get(root)))
        } else if let Some(author) = &filter.author {
            Source::Set(or_empty(self.by_author.get(author)))
        } else if let Some(group) = &filter.group {
            Source::Set(or_empty(if access.is_member(group) {
                self.by_group.get(group)
            } else {
                self.by_author.get(access.person())
            }))
        } else if let Some(tag) = &filter.hashtag {
            Source::Set(or_empty(self.tags.get(tag).map(|t| &t.posts)))
        } else if include_replies {
            Source::All(&self.posts)
        } else {
            Source::Set(&self.roots)
        };
        let matches = |id: &PostId| -> bool {
            let Some(e) = self.posts.get(id) else {
                return false;
            };
            let p = &e.post;
            (include_replies || p.thread_root.is_none())
                && filter.author.as_ref().is_none_or(|a| &p.author == a)
                && filter.group.as_ref().is_none_or(
                    |g| matches!(&p.visibility, Visibility::Group { group } if group == g),
                )
                && filter
                    .hashtag
                    .as_ref()
                    .is_none_or(|k| p.hashtags.iter().any(|h| &h.key == k))
                && filter.thread.is_none_or(|t| p.thread_root == Some(t))
                && access.can_see(p)
        };
        // The scan starts right after the cursor (a B-tree range), so each page costs the
        // run it scans, never the pages before it.
        let mut items: Vec<PostView> = Vec::with_capacity(page.limit.min(64));
        let mut more = false;
        for id in base.after(after, filter.order).filter(|id| matches(id)) {
            if items.len() == page.limit {
                more = true;
                break;
            }
            if let Some(e) = self.posts.get(id) {
                items.push(view(e));
            }
        }
        let next = if more {
            items.last().map(|v| cursor::post(v.post.id))
        } else {
            None
        };
        Ok(Page { items, next })
    }

    /// The reactions on a visible post, newest first.
    pub(super) fn reactions_page(
        &self,
        access: &Access,
        post: &PostId,
        page: &PageRequest,
    ) -> Result<Page<Reaction>> {
        page.validate()?;
        let after = page
            .cursor
            .as_ref()
            .map(cursor::parse_reaction)
            .transpose()?
            .map(|p| (Reverse(p.at), p.person, p.kind));
        let Some(entry) = self.visible(access, post) else {
            return Ok(Page::empty());
        };
        // The list's order: newest first, then person, then kind.
        let mut keys: Vec<(Reverse<DateTime<Utc>>, PersonId, ReactionKind)> = entry
            .reactions
            .iter()
            .map(|((person, kind), at)| (Reverse(*at), person.clone(), *kind))
            .filter(|k| after.as_ref().is_none_or(|a| k > a))
            .collect();
        keys.sort_unstable();
        let more = keys.len() > page.limit;
        keys.truncate(page.limit);
        let next = if more {
            keys.last().map(|(Reverse(at), person, kind)| {
                cursor::reaction(&ReactionPosition {
                    at: *at,
                    person: person.clone(),
                    kind: *kind,
                })
            })
        } else {
            None
        };
        let items = keys
            .into_iter()
            .map(|(Reverse(at), person, kind)| Reaction {
                post: *post,
                person,
                kind,
                at,
            })
            .collect();
        Ok(Page { items, next })
    }

    /// Feed candidates (see [`CandidateQuery`]).
    pub(super) fn candidates(&self, access: &Access, q: &CandidateQuery) -> Vec<Candidate> {
        let lo = id_floor(q.since);
        let hi = q.max_id;
        if lo > hi {
            return self.pinned_candidates(access, q, HashMap::new());
        }
        let eligible = |id: &PostId| -> bool {
            self.posts.get(id).is_some_and(|e| {
                e.post.thread_root.is_none()
                    && e.post.created_at >= q.since
                    && access.can_see(&e.post)
            })
        };
        let range = |set| newest_first(set, lo, hi);
        let mut found: HashMap<PostId, CandidateSources> = HashMap::new();
        let mut mark = |ids: Vec<PostId>, set: fn(&mut CandidateSources)| {
            for id in ids {
                set(found.entry(id).or_default());
            }
        };

        let authors = q
            .authors
            .iter()
            .map(|a| range(self.by_author.get(a)))
            .collect();
        mark(newest(authors, q.per_source, &eligible), |s| {
            s.followed_author = true
        });

        let groups = q
            .groups
            .iter()
            .filter(|g| access.is_member(g))
            .map(|g| range(self.by_group.get(g)))
            .collect();
        mark(newest(groups, q.per_source, &eligible), |s| s.group = true);

        let tags = q
            .hashtags
            .iter()
            .map(|k| range(self.tags.get(k).map(|t| &t.posts)))
            .collect();
        mark(newest(tags, q.per_source, &eligible), |s| s.hashtag = true);

        if q.mentioning_viewer {
            let m = vec![range(self.by_mention.get(access.person()))];
            mark(newest(m, q.per_source, &eligible), |s| s.mention = true);
        }

        if q.popular > 0 {
            // Min-heap of the best `popular` so far: (score, id), so ties favour newer posts.
            // This scans every organisation root in the window, so each id costs one map
            // lookup, and a post that cannot beat the current k-th best is dropped before
            // the costlier checks.
            let mut best: BinaryHeap<Reverse<(u64, PostId)>> = BinaryHeap::new();
            for id in self.org_roots.range(lo..=hi) {
                let Some(e) = self.posts.get(id) else {
                    continue;
                };
                let key = (
                    u64::from(e.stats.total_reactions()) + 2 * u64::from(e.stats.replies),
                    *id,
                );
                if best.len() == q.popular && best.peek().is_some_and(|Reverse(min)| key <= *min) {
                    continue;
                }
                if found.contains_key(id)
                    || e.post.thread_root.is_some()
                    || e.post.created_at < q.since
                    || !access.can_see(&e.post)
                {
                    continue;
                }
                best.push(Reverse(key));
                if best.len() > q.popular {
                    best.pop();
                }
            }
            for Reverse((_, id)) in best {
                found.entry(id).or_default().popular = true;
            }
        }
        self.pinned_candidates(access, q, found)
    }

    /// Adds pinned announcements to `found` and builds the candidates, newest first.
    fn pinned_candidates(
        &self,
        access: &Access,
        q: &CandidateQuery,
        mut found: HashMap<PostId, CandidateSources>,
    ) -> Vec<Candidate> {
        for id in self.pinned.range(..=q.max_id) {
            if self
                .posts
                .get(id)
                .is_some_and(|e| e.post.is_pinned_at(q.now) && access.can_see(&e.post))
            {
                found.entry(*id).or_default().pinned = true;
            }
        }
        let mut out: Vec<Candidate> = found
            .into_iter()
            .filter_map(|(id, sources)| {
                self.posts.get(&id).map(|e| Candidate {
                    view: view(e),
                    sources,
                })
            })
            .collect();
        out.sort_unstable_by_key(|c| std::cmp::Reverse(c.view.post.id));
        out
    }

    /// Distinct authors per tag per bucket since `since`, over visible posts.
    pub(super) fn tag_activity(
        &self,
        access: &Access,
        since: DateTime<Utc>,
        bucket_seconds: i64,
    ) -> Result<Vec<TagBucket>> {
        if bucket_seconds <= 0 {
            return Err(Error::invalid("bucket_seconds", "must be positive"));
        }
        // (key, bucket) → (display, authors)
        let mut buckets: HashMap<(&str, i64), (&str, BTreeSet<&str>)> = HashMap::new();
        for e in self.posts.range(id_floor(since)..).map(|(_, e)| e) {
            let p = &e.post;
            if p.created_at < since || p.hashtags.is_empty() || !access.can_see(p) {
                continue;
            }
            let bucket = p.created_at.timestamp().div_euclid(bucket_seconds) * bucket_seconds;
            for h in &p.hashtags {
                let b = buckets
                    .entry((h.key.as_str(), bucket))
                    .or_insert(("", BTreeSet::new()));
                b.0 = &h.display;
                b.1.insert(p.author.as_str());
            }
        }
        let mut out: Vec<TagBucket> = buckets
            .into_iter()
            .filter_map(|((key, bucket), (display, authors))| {
                let tag = self.tags.get_key_value(key)?.0.clone();
                Some(TagBucket {
                    key: tag,
                    display: display.to_owned(),
                    bucket_start: DateTime::from_timestamp(bucket, 0)?,
                    authors: u32::try_from(authors.len()).unwrap_or(u32::MAX),
                })
            })
            .collect();
        out.sort_by(|a, b| a.key.cmp(&b.key).then(a.bucket_start.cmp(&b.bucket_start)));
        Ok(out)
    }

    /// Tags starting with `prefix` used in visible posts, most used first.
    pub(super) fn suggest_tags(
        &self,
        access: &Access,
        prefix: &str,
        limit: usize,
    ) -> Vec<TagSuggestion> {
        let limit = limit.min(MAX_SUGGESTIONS);
        if limit == 0 {
            return Vec::new();
        }
        let start: (Bound<&str>, Bound<&str>) = (Bound::Included(prefix), Bound::Unbounded);
        let mut best: BinaryHeap<Reverse<(u32, Reverse<&str>)>> = BinaryHeap::new();
        for (key, t) in self.tags.range::<str, _>(start) {
            if !key.as_str().starts_with(prefix) {
                break;
            }
            let n = t.visible_count(access);
            if n == 0 {
                continue;
            }
            best.push(Reverse((n, Reverse(key.as_str()))));
            if best.len() > limit {
                best.pop();
            }
        }
        let mut out: Vec<(u32, &str)> = best
            .into_iter()
            .map(|Reverse((n, Reverse(k)))| (n, k))
            .collect();
        // Most used first; equal counts alphabetically.
        out.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(b.1)));
        out.into_iter()
            .filter_map(|(posts, key)| {
                let (k, t) = self.tags.get_key_value(key)?;
                // The spelling of the newest post this viewer may see (as the SQL stores):
                // the tag's latest spelling overall may come from a post hidden from them.
                let display = t
                    .posts
                    .iter()
                    .rev()
                    .filter_map(|id| self.posts.get(id))
                    .filter(|e| access.can_see(&e.post))
                    .find_map(|e| {
                        e.post
                            .hashtags
                            .iter()
                            .rev()
                            .find(|h| h.key == *k)
                            .map(|h| h.display.clone())
                    })?;
                Some(TagSuggestion {
                    key: k.clone(),
                    display,
                    posts,
                })
            })
            .collect()
    }
}

/// The newest `n` distinct ids across several newest-first id streams that pass `keep`:
/// a k-way merge, so the work is bounded by what is taken, not by the streams' length.
fn newest<'a>(
    mut streams: Vec<Box<dyn Iterator<Item = PostId> + 'a>>,
    n: usize,
    keep: &dyn Fn(&PostId) -> bool,
) -> Vec<PostId> {
    let mut heap: BinaryHeap<(PostId, usize)> = BinaryHeap::new();
    let advance = |i: usize, streams: &mut Vec<Box<dyn Iterator<Item = PostId> + 'a>>| {
        streams[i].find(|id| keep(id))
    };
    for i in 0..streams.len() {
        if let Some(id) = advance(i, &mut streams) {
            heap.push((id, i));
        }
    }
    let mut out: Vec<PostId> = Vec::with_capacity(n.min(256));
    while out.len() < n {
        let Some((id, i)) = heap.pop() else { break };
        if out.last() != Some(&id) {
            out.push(id);
        }
        if let Some(next) = advance(i, &mut streams) {
            heap.push((next, i));
        }
    }
    out
}

//! The default bodies of [`Store`]'s provided methods, built on its required methods only.
//!
//! They are correct, not fast: feed candidates, trends and tag suggestions read the
//! viewer's visible posts through [`Store::list_posts`]; interactions and exports scan the
//! tenant's posts through [`Store::scan_posts`]. That is fine for a small company and for
//! proving a new store; a store for real sizes overrides them (the shipped stores do, with
//! one query each). The testkit runs every behaviour against these bodies too (its
//! `RequiredOnly` wrapper forwards only the required methods), so a default cannot rot.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashMap, HashSet};

use chrono::{DateTime, Utc};

use super::Store;
use super::query::{Candidate, CandidateQuery, CandidateSources, PersonData, TagBucket};
use super::query::{Order, PostFilter, TagSuggestion};
use super::request::{Relation, RelationKind, RelationQuery};
use crate::access::Access;
use crate::error::{Error, Result};
use crate::ids::{PersonId, PostId, Seq, TenantId};
use crate::model::{NewNotification, Post, PostView, Reaction, Visibility};
use crate::page::{MAX_PAGE_SIZE, PageRequest};
use watercooler_text::TagKey;

/// Posts per [`Store::scan_posts`] call.
const SCAN_BATCH: usize = 500;
/// Change-log entries per [`Store::changes`] call.
const LOG_BATCH: usize = 1_000;
/// Tag suggestions at most, as the shipped stores.
const MAX_SUGGESTIONS: usize = 200;

/// Calls `each` on the visible posts matching `filter`, page by page, until it returns
/// `false` or the list ends.
async fn each_listed<S, F>(s: &S, access: &Access, filter: &PostFilter, mut each: F) -> Result<()>
where
    S: Store + ?Sized,
    F: FnMut(PostView) -> bool,
{
    let mut page = PageRequest::first(MAX_PAGE_SIZE);
    loop {
        let got = s.list_posts(access, filter, &page).await?;
        for view in got.items {
            if !each(view) {
                return Ok(());
            }
        }
        match got.next {
            Some(cursor) => page = PageRequest::after(cursor, MAX_PAGE_SIZE),
            None => return Ok(()),
        }
    }
}

/// Every page of a paginated read, concatenated.
async fn all_pages<T, F, Fut>(mut read: F) -> Result<Vec<T>>
where
    F: FnMut(PageRequest) -> Fut,
    Fut: std::future::Future<Output = Result<crate::page::Page<T>>>,
{
    let mut out = Vec::new();
    let mut page = PageRequest::first(MAX_PAGE_SIZE);
    loop {
        let got = read(page).await?;
        out.extend(got.items);
        match got.next {
            Some(cursor) => page = PageRequest::after(cursor, MAX_PAGE_SIZE),
            None => return Ok(out),
        }
    }
}

/// Every live post of `tenant`, in id order (oldest first).
pub(super) async fn tenant_posts<S: Store + ?Sized>(s: &S, tenant: &TenantId) -> Result<Vec<Post>> {
    let mut out = Vec::new();
    // Post ids are never 0 (that is the Unix epoch with counter 0), so starting after
    // (tenant, 0) misses nothing of the tenant and reads nothing of the tenants before it.
    let mut after = (tenant.clone(), PostId::MIN);
    loop {
        let batch = s.scan_posts(Some(after.clone()), SCAN_BATCH).await?;
        let full = batch.len() == SCAN_BATCH;
        for post in batch {
            if &post.tenant != tenant {
                return Ok(out);
            }
            after.1 = post.id;
            out.push(post);
        }
        if !full {
            return Ok(out);
        }
    }
}

/// Checks a batch of new posts before any is stored, so the failures a batch can have
/// (bad ids, an id twice in the batch or already stored, a reply whose thread root is
/// neither stored nor earlier in the batch) stop it with nothing written.
pub(super) async fn check_batch<'a, S: Store + ?Sized>(
    s: &S,
    items: impl IntoIterator<Item = (&'a Post, &'a [NewNotification])>,
) -> Result<()> {
    let items: Vec<(&Post, &[NewNotification])> = items.into_iter().collect();
    super::checks::check_new_posts(items.iter().copied())?;
    let mut pending: HashSet<(&TenantId, PostId)> = HashSet::new();
    let mut by_tenant: BTreeMap<&TenantId, Vec<PostId>> = BTreeMap::new();
    for (post, _) in &items {
        if !pending.insert((&post.tenant, post.id)) {
            return Err(Error::AlreadyExists(format!(
                "post {} already exists",
                post.id
            )));
        }
        by_tenant.entry(&post.tenant).or_default().push(post.id);
        if let Some(root) = post.thread_root {
            by_tenant.entry(&post.tenant).or_default().push(root);
        }
    }
    for (tenant, ids) in by_tenant {
        let stored: HashSet<PostId> = s
            .post_views(tenant, &ids)
            .await?
            .into_iter()
            .map(|v| v.post.id)
            .collect();
        let mut earlier: HashSet<PostId> = HashSet::new();
        for (post, _) in items.iter().filter(|(p, _)| &p.tenant == tenant) {
            if stored.contains(&post.id) {
                return Err(Error::AlreadyExists(format!(
                    "post {} already exists",
                    post.id
                )));
            }
            if let Some(root) = post.thread_root
                && !stored.contains(&root)
                && !earlier.contains(&root)
            {
                return Err(Error::not_found("thread root"));
            }
            earlier.insert(post.id);
        }
    }
    Ok(())
}

/// An access that sees `post`: its author's (the author always sees their own post, and
/// replies have their thread's visibility).
fn author_access(post: &Post) -> Access {
    Access::new(post.tenant.clone(), post.author.clone(), [], false)
}

/// Every reaction on `post`.
async fn reactions_on<S: Store + ?Sized>(s: &S, post: &Post) -> Result<Vec<Reaction>> {
    let access = author_access(post);
    all_pages(|page| {
        let access = access.clone();
        async move { s.reactions(&access, &post.id, &page).await }
    })
    .await
}

/// [`Store::get_posts`]: [`Store::post_views`] through [`Access::can_see`].
pub(super) async fn get_posts<S: Store + ?Sized>(
    s: &S,
    access: &Access,
    ids: &[PostId],
) -> Result<Vec<PostView>> {
    let views = s.post_views(access.tenant(), ids).await?;
    Ok(views
        .into_iter()
        .filter(|v| access.can_see(&v.post))
        .collect())
}

/// [`Store::relations`] of one kind, every page.
pub(super) async fn all_relations<S: Store + ?Sized>(
    s: &S,
    tenant: &TenantId,
    person: &PersonId,
    kind: RelationKind,
) -> Result<Vec<Relation>> {
    all_pages(|page| {
        let query = RelationQuery::new(person.clone(), kind, page);
        async move { s.relations(tenant, &query).await }
    })
    .await
}

/// [`Store::seen_posts`]: the person's seen relations, intersected with `posts`.
pub(super) async fn seen_posts<S: Store + ?Sized>(
    s: &S,
    tenant: &TenantId,
    person: &PersonId,
    posts: &[PostId],
) -> Result<Vec<PostId>> {
    if posts.is_empty() {
        return Ok(Vec::new());
    }
    let seen: HashSet<PostId> = all_relations(s, tenant, person, RelationKind::Seen)
        .await?
        .into_iter()
        .filter_map(|r| match r {
            Relation::Seen(id) => Some(id),
            _ => None,
        })
        .collect();
    Ok(posts.iter().filter(|p| seen.contains(p)).copied().collect())
}

/// [`Store::last_seq`]: the change log read to its end.
pub(super) async fn last_seq<S: Store + ?Sized>(s: &S) -> Result<Seq> {
    let mut last = Seq::default();
    loop {
        let batch = s.changes(last, LOG_BATCH).await?;
        let full = batch.len() == LOG_BATCH;
        if let Some(c) = batch.last() {
            last = c.seq;
        }
        if !full {
            return Ok(last);
        }
    }
}

/// [`Store::feed_candidates`], over the viewer's visible roots, newest first. Every root
/// is read, not just the window's: a pinned announcement may be older than the window.
pub(super) async fn feed_candidates<S: Store + ?Sized>(
    s: &S,
    access: &Access,
    q: &CandidateQuery,
) -> Result<Vec<Candidate>> {
    let roots = PostFilter {
        order: Order::NewestFirst,
        ..PostFilter::default()
    };
    let mut found: BTreeMap<PostId, Candidate> = BTreeMap::new();
    // (authors, groups, hashtags, mentions) taken so far: each kind gives at most
    // `per_source`, the newest first, as the shipped stores.
    let mut taken = [0usize; 4];
    let mut popular: BinaryHeap<Reverse<(u64, PostId)>> = BinaryHeap::new();
    let mut popular_views: HashMap<PostId, PostView> = HashMap::new();
    each_listed(s, access, &roots, |view| {
        let p = &view.post;
        if p.id > q.max_id {
            return true;
        }
        let in_window = p.created_at >= q.since;
        let mut sources = CandidateSources::default();
        if in_window {
            let mut take = |i: usize, hit: bool| {
                let ok = hit && taken[i] < q.per_source;
                taken[i] += usize::from(ok);
                ok
            };
            sources.followed_author = take(0, q.authors.contains(&p.author));
            sources.group = take(
                1,
                matches!(&p.visibility, Visibility::Group { group }
                    if q.groups.contains(group) && access.is_member(group)),
            );
            sources.hashtag = take(2, p.hashtags.iter().any(|h| q.hashtags.contains(&h.key)));
            sources.mention = take(
                3,
                q.mentioning_viewer && p.mentions.iter().any(|m| &m.person == access.person()),
            );
        }
        let networked =
            sources.followed_author || sources.group || sources.hashtag || sources.mention;
        if !networked
            && in_window
            && q.popular > 0
            && matches!(p.visibility, Visibility::Organization)
        {
            let score = u64::from(view.stats.total_reactions()) + 2 * u64::from(view.stats.replies);
            popular.push(Reverse((score, p.id)));
            popular_views.insert(p.id, view.clone());
            if popular.len() > q.popular
                && let Some(Reverse((_, out))) = popular.pop()
            {
                popular_views.remove(&out);
            }
        }
        sources.pinned = p.is_pinned_at(q.now);
        if networked || sources.pinned {
            found.insert(p.id, Candidate { view, sources });
        }
        true
    })
    .await?;
    for Reverse((_, id)) in popular {
        if let Some(view) = popular_views.remove(&id) {
            found
                .entry(id)
                .or_insert(Candidate {
                    view,
                    sources: CandidateSources::default(),
                })
                .sources
                .popular = true;
        }
    }
    Ok(found.into_values().rev().collect())
}

/// [`Store::tag_activity`], over the viewer's visible posts since `since`.
pub(super) async fn tag_activity<S: Store + ?Sized>(
    s: &S,
    access: &Access,
    since: DateTime<Utc>,
    bucket_seconds: i64,
) -> Result<Vec<TagBucket>> {
    if bucket_seconds <= 0 {
        return Err(Error::invalid("bucket_seconds", "must be positive"));
    }
    let all = PostFilter {
        include_replies: true,
        order: Order::NewestFirst,
        ..PostFilter::default()
    };
    // (key, bucket) → (display of the newest post, authors)
    let mut buckets: BTreeMap<(TagKey, i64), (String, HashSet<PersonId>)> = BTreeMap::new();
    each_listed(s, access, &all, |view| {
        let p = &view.post;
        if p.created_at < since {
            return false;
        }
        let bucket = p.created_at.timestamp().div_euclid(bucket_seconds) * bucket_seconds;
        for h in &p.hashtags {
            buckets
                .entry((h.key.clone(), bucket))
                .or_insert_with(|| (h.display.clone(), HashSet::new()))
                .1
                .insert(p.author.clone());
        }
        true
    })
    .await?;
    Ok(buckets
        .into_iter()
        .filter_map(|((key, bucket), (display, authors))| {
            Some(TagBucket {
                key,
                display,
                bucket_start: DateTime::from_timestamp(bucket, 0)?,
                authors: u32::try_from(authors.len()).unwrap_or(u32::MAX),
            })
        })
        .collect())
}

/// [`Store::suggest_tags`], counting the viewer's visible posts per tag.
pub(super) async fn suggest_tags<S: Store + ?Sized>(
    s: &S,
    access: &Access,
    key_prefix: &str,
    limit: usize,
) -> Result<Vec<TagSuggestion>> {
    let limit = limit.min(MAX_SUGGESTIONS);
    if limit == 0 {
        return Ok(Vec::new());
    }
    let all = PostFilter {
        include_replies: true,
        order: Order::NewestFirst,
        ..PostFilter::default()
    };
    // key → (display of the newest visible post, posts)
    let mut tags: HashMap<TagKey, (String, u32)> = HashMap::new();
    each_listed(s, access, &all, |view| {
        let mut counted: HashSet<&TagKey> = HashSet::new();
        for h in &view.post.hashtags {
            if h.key.as_str().starts_with(key_prefix) && counted.insert(&h.key) {
                let entry = tags
                    .entry(h.key.clone())
                    .or_insert_with(|| (h.display.clone(), 0));
                entry.1 = entry.1.saturating_add(1);
            }
        }
        true
    })
    .await?;
    let mut out: Vec<TagSuggestion> = tags
        .into_iter()
        .map(|(key, (display, posts))| TagSuggestion {
            key,
            display,
            posts,
        })
        .collect();
    // Most used first; equal counts alphabetically.
    out.sort_unstable_by(|a, b| b.posts.cmp(&a.posts).then_with(|| a.key.cmp(&b.key)));
    out.truncate(limit);
    Ok(out)
}

/// [`Store::interactions`], from the replies and reactions that exist now.
pub(super) async fn interactions<S: Store + ?Sized>(
    s: &S,
    tenant: &TenantId,
    person: &PersonId,
    limit: usize,
) -> Result<Vec<(PersonId, u32)>> {
    let posts = tenant_posts(s, tenant).await?;
    let author_of: HashMap<PostId, &PersonId> = posts.iter().map(|p| (p.id, &p.author)).collect();
    let mut counts: HashMap<PersonId, u32> = HashMap::new();
    let mut count = |author: &PersonId| {
        if author != person {
            let n = counts.entry(author.clone()).or_default();
            *n = n.saturating_add(1);
        }
    };
    for p in posts.iter().filter(|p| &p.author == person) {
        if let Some(parent) = p.reply_to.and_then(|id| author_of.get(&id)) {
            count(parent);
        }
    }
    for p in posts.iter().filter(|p| &p.author != person) {
        for r in reactions_on(s, p).await? {
            if &r.person == person {
                count(&p.author);
            }
        }
    }
    let mut out: Vec<(PersonId, u32)> = counts.into_iter().collect();
    out.sort_unstable_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    out.truncate(limit);
    Ok(out)
}

/// [`Store::export_person`], from the tenant's posts, their reactions, the person's
/// relations and notifications.
pub(super) async fn export_person<S: Store + ?Sized>(
    s: &S,
    tenant: &TenantId,
    person: &PersonId,
) -> Result<PersonData> {
    let posts = tenant_posts(s, tenant).await?;
    let mut data = PersonData::default();
    let own = Access::new(tenant.clone(), person.clone(), [], false);
    for p in &posts {
        if &p.author == person {
            data.revisions.extend(s.revisions(&own, &p.id).await?);
            data.posts.push(p.clone());
        }
        data.reactions.extend(
            reactions_on(s, p)
                .await?
                .into_iter()
                .filter(|r| &r.person == person),
        );
    }
    for relation in all_relations(s, tenant, person, RelationKind::Follow).await? {
        if let Relation::Follow(t) = relation {
            data.follows.push(t);
        }
    }
    for relation in all_relations(s, tenant, person, RelationKind::Mute).await? {
        if let Relation::Mute(t) = relation {
            data.mutes.push(t);
        }
    }
    for relation in all_relations(s, tenant, person, RelationKind::Seen).await? {
        if let Relation::Seen(id) = relation {
            data.seen.push(id);
        }
    }
    data.notifications =
        all_pages(|page| async move { s.notifications(tenant, person, &page).await }).await?;
    Ok(data)
}

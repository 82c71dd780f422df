//! Looks for one post on every read path of the store and the service, as one viewer. The
//! visibility, tenancy, deletion and erasure behaviours all ask the same question — "who can
//! still find this post, and where?" — so it is asked in one place.

use std::fmt::Write as _;

use chrono::Duration;
use watercooler_core::store::{CandidateQuery, Order, PostFilter};
use watercooler_core::{Access, MAX_PAGE_SIZE, PageRequest, Post, PostId, Viewer, Visibility};

use crate::check::{all_pages, ok};
use crate::fixture::Fixture;

/// Page size used when walking lists.
const WALK: usize = 50;

/// One read path and whether it showed the post (`None`: the path does not apply to this
/// post, e.g. revisions of a post never edited).
pub(crate) type Sighting = (&'static str, Option<bool>);

/// What the probe needs to know about the post besides the post itself.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Facts {
    /// The post has at least one reaction (so a reactions list can show it).
    pub reacted: bool,
}

/// Where `viewer` finds `post`.
pub(crate) async fn sightings(
    fx: &Fixture,
    viewer: &Viewer,
    post: &Post,
    facts: Facts,
) -> Vec<Sighting> {
    let store = &*fx.store;
    let wc = &fx.wc;
    let access: Access = fx.access_of(viewer).await;
    let id = post.id;
    let mut out: Vec<Sighting> = Vec::new();
    let ctx = |path: &str| {
        format!(
            "{path} for {}/{} of post {id}",
            viewer.tenant, viewer.person
        )
    };

    // --- single reads -------------------------------------------------------------------
    let r = wc.post(viewer, &id).await;
    let seen = match r {
        Ok(v) => {
            same_post(&v.post, post, "service.post");
            true
        }
        Err(e) if e.is_not_found_for_users() => false,
        Err(e) => panic!("{}: unexpected error {e:?}", ctx("service.post")),
    };
    out.push(("service.post", Some(seen)));

    let got = ok(store.get_post(&access, &id).await, &ctx("store.get_post"));
    if let Some(v) = &got {
        same_post(&v.post, post, "store.get_post");
    }
    out.push(("store.get_post", Some(got.is_some())));

    let missing = PostId::from_u128(id.as_u128() ^ 1);
    let many = ok(
        store.get_posts(&access, &[missing, id, missing]).await,
        &ctx("store.get_posts"),
    );
    assert!(
        many.iter().all(|v| v.post.id == id),
        "{}: returned a post that was not asked for",
        ctx("store.get_posts")
    );
    out.push((
        "store.get_posts",
        Some(many.iter().any(|v| v.post.id == id)),
    ));

    // --- chronological lists ---------------------------------------------------------------
    let root = post.thread_root.is_none();
    let group = match &post.visibility {
        Visibility::Group { group } => Some(group.clone()),
        _ => None,
    };
    let mut filters: Vec<(&'static str, PostFilter)> = vec![
        (
            "store.list_posts(all, replies included)",
            PostFilter {
                include_replies: true,
                ..Default::default()
            },
        ),
        (
            "store.list_posts(all, oldest first)",
            PostFilter {
                include_replies: true,
                order: Order::OldestFirst,
                ..Default::default()
            },
        ),
        (
            "store.list_posts(author)",
            PostFilter {
                author: Some(post.author.clone()),
                include_replies: true,
                ..Default::default()
            },
        ),
    ];
    if root {
        filters.push(("store.list_posts(roots only)", PostFilter::default()));
    }
    if let Some(tag) = post.hashtags.first() {
        filters.push((
            "store.list_posts(hashtag)",
            PostFilter {
                hashtag: Some(tag.key.clone()),
                include_replies: true,
                ..Default::default()
            },
        ));
    }
    if let Some(g) = &group {
        filters.push((
            "store.list_posts(group)",
            PostFilter {
                group: Some(g.clone()),
                include_replies: true,
                ..Default::default()
            },
        ));
    }
    if let Some(r) = post.thread_root {
        filters.push((
            "store.list_posts(thread)",
            PostFilter {
                thread: Some(r),
                order: Order::OldestFirst,
                ..Default::default()
            },
        ));
    }
    for (path, filter) in filters {
        let items = all_pages(&ctx(path), WALK, async |page| {
            store.list_posts(&access, &filter, &page).await
        })
        .await;
        if let Some(v) = items.iter().find(|v| v.post.id == id) {
            same_post(&v.post, post, path);
        }
        out.push((path, Some(items.iter().any(|v| v.post.id == id))));
    }

    // --- revisions -------------------------------------------------------------------------
    if post.edited_at.is_some() {
        let revs = ok(store.revisions(&access, &id).await, &ctx("store.revisions"));
        out.push(("store.revisions", Some(!revs.is_empty())));
        let seen = match wc.revisions(viewer, &id).await {
            Ok(revs) => !revs.is_empty(),
            Err(e) if e.is_not_found_for_users() => false,
            Err(e) => panic!("{}: unexpected error {e:?}", ctx("service.revisions")),
        };
        out.push(("service.revisions", Some(seen)));
    } else {
        out.push(("store.revisions", None));
        out.push(("service.revisions", None));
    }

    // --- reactions ---------------------------------------------------------------------------
    if facts.reacted {
        let seen = match store
            .reactions(&access, &id, &PageRequest::first(MAX_PAGE_SIZE))
            .await
        {
            Ok(p) => !p.items.is_empty(),
            Err(e) if e.is_not_found_for_users() => false,
            Err(e) => panic!("{}: unexpected error {e:?}", ctx("store.reactions")),
        };
        out.push(("store.reactions", Some(seen)));
        let seen = match wc
            .reactions(viewer, &id, &PageRequest::first(MAX_PAGE_SIZE))
            .await
        {
            Ok(p) => !p.items.is_empty(),
            Err(e) if e.is_not_found_for_users() => false,
            Err(e) => panic!("{}: unexpected error {e:?}", ctx("service.reactions")),
        };
        out.push(("service.reactions", Some(seen)));
    } else {
        out.push(("store.reactions", None));
        out.push(("service.reactions", None));
    }

    // --- threads -----------------------------------------------------------------------------
    let thread_id = post.thread_id();
    let seen = match wc
        .thread(viewer, &thread_id, &PageRequest::first(MAX_PAGE_SIZE))
        .await
    {
        Ok(t) if root => t.root.post.id == id,
        Ok(t) => t.replies.items.iter().any(|v| v.post.id == id),
        Err(e) if e.is_not_found_for_users() => false,
        Err(e) => panic!("{}: unexpected error {e:?}", ctx("service.thread")),
    };
    out.push(("service.thread", Some(seen)));

    // --- feed candidates (roots only) --------------------------------------------------------
    if root {
        let query = CandidateQuery {
            authors: vec![post.author.clone()],
            groups: group.iter().cloned().collect(),
            hashtags: post.hashtags.iter().map(|h| h.key.clone()).collect(),
            mentioning_viewer: true,
            since: post.created_at - Duration::days(1),
            max_id: PostId::MAX,
            per_source: MAX_PAGE_SIZE,
            popular: MAX_PAGE_SIZE,
            now: fx.now(),
        };
        let c = ok(
            store.feed_candidates(&access, &query).await,
            &ctx("store.feed_candidates"),
        );
        if let Some(c) = c.iter().find(|c| c.view.post.id == id) {
            same_post(&c.view.post, post, "store.feed_candidates");
        }
        out.push((
            "store.feed_candidates",
            Some(c.iter().any(|c| c.view.post.id == id)),
        ));
    } else {
        out.push(("store.feed_candidates", None));
    }

    // --- tags --------------------------------------------------------------------------------
    // Callers give every probed post a hashtag no other post of the tenant carries, so any
    // trace of it in the tag statistics comes from this post.
    if let Some(tag) = post.hashtags.first() {
        let since = post.created_at - Duration::days(1);
        let buckets = ok(
            store.tag_activity(&access, since, 3600).await,
            &ctx("store.tag_activity"),
        );
        out.push((
            "store.tag_activity",
            Some(buckets.iter().any(|b| b.key == tag.key)),
        ));
        let sugg = ok(
            store.suggest_tags(&access, tag.key.as_str(), 10).await,
            &ctx("store.suggest_tags"),
        );
        out.push((
            "store.suggest_tags",
            Some(sugg.iter().any(|s| s.key == tag.key)),
        ));
    } else {
        out.push(("store.tag_activity", None));
        out.push(("store.suggest_tags", None));
    }
    out
}

/// Asserts that each `(viewer, expected)` finds `post` on every applicable read path exactly
/// when `expected`; the author must find it everywhere. Lists every wrong path at once.
pub(crate) async fn assert_seen_by(
    fx: &Fixture,
    post: &Post,
    facts: Facts,
    expectations: &[(&Viewer, bool)],
    what: &str,
) {
    let mut wrong = String::new();
    for (viewer, expected) in expectations {
        for (path, seen) in sightings(fx, viewer, post, facts).await {
            if let Some(seen) = seen
                && seen != *expected
            {
                let verb = if seen { "FOUND" } else { "did NOT find" };
                let _ = writeln!(
                    wrong,
                    "  {}/{} {verb} it on {path}",
                    viewer.tenant, viewer.person
                );
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{what}: post {} ({:?}, by {}) is visible to the wrong people:\n{wrong}",
        post.id,
        post.visibility,
        post.author
    );
}

/// Asserts that nobody at all finds `post` (deleted or erased): the author and everyone
/// else in `viewers`, on every read path (revisions and reactions included).
pub(crate) async fn assert_gone(fx: &Fixture, post: &Post, viewers: &[&Viewer], what: &str) {
    // Every path applies: a deleted post must not show old revisions or reactions either.
    let facts = Facts { reacted: true };
    let mut probe = post.clone();
    if probe.edited_at.is_none() {
        probe.edited_at = Some(post.created_at);
    }
    let mut wrong = String::new();
    for viewer in viewers {
        for (path, seen) in sightings(fx, viewer, &probe, facts).await {
            if seen == Some(true) {
                let _ = writeln!(
                    wrong,
                    "  {}/{} found it on {path}",
                    viewer.tenant, viewer.person
                );
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{what}: post {} is still there:\n{wrong}",
        post.id
    );
}

/// Asserts a read returned the post as last written (not a stale or foreign version).
#[track_caller]
fn same_post(got: &Post, want: &Post, path: &str) {
    assert_eq!(got.id, want.id, "{path}: wrong post");
    assert_eq!(
        got.tenant, want.tenant,
        "{path}: post {} has the wrong tenant",
        want.id
    );
    assert_eq!(
        got.text, want.text,
        "{path}: post {} shows a stale or wrong text",
        want.id
    );
    assert_eq!(
        got.visibility, want.visibility,
        "{path}: post {} has the wrong visibility",
        want.id
    );
}

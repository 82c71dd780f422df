//! What the store benchmarks (`benches/store_sqlite.rs`, `benches/store_postgres.rs`) share:
//! the feed's candidate query for a viewer, the viewers, and reading a store's posts and the
//! corpus's follows back for bulk loads.

use std::time::Duration;

use chrono::{DateTime, Utc};
use watercooler::store::CandidateQuery;
use watercooler::{
    Access, FeedOptions, FollowTarget, PageRequest, PersonId, Post, PostId, Store, TenantId,
    Viewer, Watercooler,
};

use crate::corpus::Corpus;

/// Prints p50/p90/p99 and the maximum of single calls.
pub fn percentiles(what: &str, mut times: Vec<Duration>) {
    times.sort_unstable();
    let at = |q: f64| times[((times.len() - 1) as f64 * q) as usize];
    eprintln!(
        "{what}, {} calls: p50 {:?}, p90 {:?}, p99 {:?}, max {:?}",
        times.len(),
        at(0.5),
        at(0.9),
        at(0.99),
        at(1.0)
    );
}

/// The candidate query the home feed makes for `viewer` with its default options
/// ([`FeedOptions::default`]: the window, per-source and popular limits).
pub async fn query_for(
    service: &Watercooler,
    store: &dyn Store,
    now: DateTime<Utc>,
    viewer: &Viewer,
) -> (Access, CandidateQuery) {
    let access = service.access(viewer).await.expect("access");
    let mut authors = Vec::new();
    let mut hashtags = Vec::new();
    let mut req = PageRequest::first(200);
    loop {
        let page = store
            .follows(&viewer.tenant, &viewer.person, &req)
            .await
            .expect("follows");
        for f in page.items {
            match f {
                FollowTarget::Person(p) => authors.push(p),
                FollowTarget::Hashtag(k) => hashtags.push(k),
                _ => {}
            }
        }
        match page.next {
            Some(cur) => req = PageRequest::after(cur, 200),
            None => break,
        }
    }
    let options = FeedOptions::default();
    let q = CandidateQuery {
        authors,
        groups: access.groups().to_vec(),
        hashtags,
        mentioning_viewer: true,
        since: now - options.window,
        max_id: PostId::MAX,
        per_source: options.per_source,
        popular: options.popular,
        now,
    };
    (access, q)
}

/// Viewers spread over the tenants: every 13th person of each.
pub fn viewers(c: &Corpus) -> Vec<Viewer> {
    let mut out = Vec::new();
    for tenant in c.per_tenant.keys() {
        let people = c.directory.person_ids(tenant).expect("people");
        out.extend(
            people
                .iter()
                .step_by(13)
                .map(|p| Viewer::new(tenant.clone(), p.clone())),
        );
    }
    out
}

/// Every post of a store, in (tenant, id) order.
pub async fn all_posts(store: &dyn Store) -> Vec<Post> {
    let mut out: Vec<Post> = Vec::with_capacity(200_000);
    let mut after: Option<(TenantId, PostId)> = None;
    loop {
        let batch = store.scan_posts(after.clone(), 10_000).await.expect("scan");
        let Some(last) = batch.last() else { return out };
        after = Some((last.tenant.clone(), last.id));
        out.extend(batch);
    }
}

/// Every follow of the corpus, read back from the memory store.
pub async fn all_follows(c: &Corpus) -> Vec<(TenantId, PersonId, FollowTarget)> {
    let mut out = Vec::new();
    for tenant in c.per_tenant.keys() {
        for person in c.directory.person_ids(tenant).expect("people") {
            let mut req = PageRequest::first(200);
            loop {
                let page = c
                    .store
                    .follows(tenant, &person, &req)
                    .await
                    .expect("follows");
                out.extend(
                    page.items
                        .into_iter()
                        .map(|f| (tenant.clone(), person.clone(), f)),
                );
                match page.next {
                    Some(cur) => req = PageRequest::after(cur, 200),
                    None => break,
                }
            }
        }
    }
    out
}

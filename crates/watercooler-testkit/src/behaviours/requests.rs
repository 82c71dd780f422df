//! Safe retries: a publish or reply sent again with the same request key returns the first
//! result and stores nothing new; the key with another request is a `Conflict`.

use std::sync::Arc;

use watercooler_core::{ErrorKind, NewPost, PageRequest, PersonId, RequestKey, Store, Viewer};

use crate::check::{error_kind, join, ok};
use crate::fixture::Fixture;
use crate::state::{last_seq, tenant_changes};

fn key(k: &str) -> RequestKey {
    ok(RequestKey::new(k), "request key")
}

/// Publishing and replying with a request key: the retry returns the same post (also when
/// eight retries race), one `Created` entry is logged, the same key with another body is
/// a non-retryable `Conflict`, keys are per person, and a key goes with its post.
///
/// A store without the capability ([`watercooler_core::store::Capabilities::request_keys`])
/// must refuse a keyed publish with `Invalid` and store nothing, rather than store twice.
pub async fn retries_with_a_request_key_store_once(store: Arc<dyn Store>) {
    let fx = Fixture::new(store, "requests").await;
    let s = &*fx.store;
    let start = last_seq(s).await;
    let alice = fx.viewer("alice");
    let bob = fx.viewer("bob");

    if !s.capabilities().request_keys {
        let post = NewPost::new("Lunch at noon #retry").request_key(key("k-1"));
        error_kind(
            fx.wc.publish(&alice, post).await,
            ErrorKind::Invalid,
            "a keyed publish on a store without request keys",
        );
        assert!(
            tenant_changes(s, &fx.tenant, start).await.is_empty(),
            "a refused keyed publish stores nothing"
        );
        return;
    }

    let post = NewPost::new("Lunch at noon #retry").request_key(key("k-1"));
    let first = ok(
        fx.wc.publish(&alice, post.clone()).await,
        "publish with a key",
    );
    fx.tick();
    let again = ok(
        fx.wc.publish(&alice, post.clone()).await,
        "the same publish again",
    );
    assert_eq!(again, first, "a retry returns the post the first call made");
    let changed = NewPost::new("Lunch at one #retry").request_key(key("k-1"));
    error_kind(
        fx.wc.publish(&alice, changed).await,
        ErrorKind::Conflict,
        "the same key with another text",
    );
    let grouped = NewPost::new("Lunch at noon #retry")
        .in_group("eng")
        .request_key(key("k-1"));
    error_kind(
        fx.wc.publish(&alice, grouped).await,
        ErrorKind::Conflict,
        "the same key with another audience",
    );
    let bobs = ok(
        fx.wc.publish(&bob, post.clone()).await,
        "bob uses the same key",
    );
    assert_ne!(bobs.id, first.id, "keys are per person");

    let reply = ok(
        fx.wc
            .reply_once(&bob, &first.id, "I'll be there", key("r-1"))
            .await,
        "reply with a key",
    );
    fx.tick();
    let reply_again = ok(
        fx.wc
            .reply_once(&bob, &first.id, "I'll be there", key("r-1"))
            .await,
        "the same reply again",
    );
    assert_eq!(reply_again, reply);
    error_kind(
        fx.wc
            .reply_once(&bob, &first.id, "I'll be late", key("r-1"))
            .await,
        ErrorKind::Conflict,
        "the same reply key with another text",
    );
    let thread = ok(
        fx.wc
            .thread(&alice, &first.id, &PageRequest::first(10))
            .await,
        "thread",
    );
    assert_eq!(thread.replies.items.len(), 1, "one reply, not two");
    assert_eq!(thread.root.stats.replies, 1);

    // Eight retries racing with a fresh key: one post, every call gets it.
    let racing = NewPost::new("Racing retries").request_key(key("k-race"));
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let (wc, viewer, post) = (fx.wc.clone(), alice.clone(), racing.clone());
            tokio::spawn(async move { wc.publish(&viewer, post).await })
        })
        .collect();
    let mut ids = Vec::new();
    for t in tasks {
        ids.push(ok(join(t).await, "racing publish").id);
    }
    ids.dedup();
    assert_eq!(ids.len(), 1, "racing retries all return one post: {ids:?}");

    let created: Vec<_> = tenant_changes(s, &fx.tenant, start)
        .await
        .into_iter()
        .filter(|c| c.kind == watercooler_core::ChangeKind::Created)
        .collect();
    assert_eq!(
        created.len(),
        4,
        "alice's post, bob's post, bob's reply, the raced post: {created:?}"
    );

    // A key lives as long as its post: deleting the post deletes the key.
    let alice_id = PersonId::new("alice");
    assert!(
        ok(
            s.find_request(&fx.tenant, &alice_id, &key("k-1")).await,
            "find_request"
        )
        .is_some()
    );
    ok(fx.wc.delete(&alice, &first.id).await, "delete");
    assert!(
        ok(
            s.find_request(&fx.tenant, &alice_id, &key("k-1")).await,
            "find_request"
        )
        .is_none(),
        "the key went with its post"
    );
    // Tenants never share keys.
    let twin = fx.twin_tenant("requests-twin");
    let twin_alice = Viewer::new(twin, "alice");
    let elsewhere = ok(
        fx.wc.publish(&twin_alice, racing).await,
        "another tenant, same key",
    );
    assert!(!ids.contains(&elsewhere.id));
}

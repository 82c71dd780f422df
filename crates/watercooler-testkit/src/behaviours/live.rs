//! Live updates: what a store must provide for them (waking followers, ordered reads after a
//! position), and what subscribers receive through the service over the store — only what
//! they may see, checked at delivery, and exactly the missed events on resume.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use watercooler_core::{
    Event, FollowTarget, GroupId, NewPost, PersonId, PostId, Seq, Store, SubscribeOptions,
    Subscription,
};

use crate::check::ok;
use crate::fixture::Fixture;
use crate::state::{last_seq, tenant_changes};

/// The longest a behaviour waits for an event that must come.
const PATIENCE: Duration = Duration::from_secs(10);

/// Events of `sub` up to and including the `Posted` of `sentinel`, failing after
/// [`PATIENCE`]. Everything before the sentinel is what the subscriber got meanwhile.
async fn until_posted(sub: &mut Subscription, sentinel: PostId, who: &str) -> Vec<Event> {
    until(
        sub,
        |e| matches!(e, Event::Posted { post, .. } if post.post.id == sentinel),
        who,
    )
    .await
}

/// Events of `sub` up to and including the first for which `last` holds, failing after
/// [`PATIENCE`].
async fn until(sub: &mut Subscription, last: impl Fn(&Event) -> bool, who: &str) -> Vec<Event> {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    let mut got = Vec::new();
    loop {
        match tokio::time::timeout_at(deadline, sub.next()).await {
            Ok(Some(e)) => {
                let done = last(&e);
                got.push(e);
                if done {
                    return got;
                }
            }
            Ok(None) => panic!("live: {who}'s stream ended before the awaited event: {got:?}"),
            Err(_) => {
                panic!("live: {who} did not receive the awaited event within {PATIENCE:?}: {got:?}")
            }
        }
    }
}

/// The post ids an event names.
fn ids_of(events: &[Event]) -> Vec<PostId> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Posted { post, .. } | Event::Edited { post, .. } => Some(post.post.id),
            Event::Removed { post, .. } => Some(*post),
            Event::Notification { notification, .. } => Some(notification.post),
            _ => None,
        })
        .collect()
}

/// `wait_for_change` returns at once when the log is already past the position, returns
/// promptly (well within its timeout) after a write appends to the log, and the new entry
/// is then readable after the position.
pub async fn wait_for_change_wakes_on_writes(store: Arc<dyn Store>) {
    let fx = Fixture::new(store, "wake").await;
    let s = Arc::clone(&fx.store);
    let before = last_seq(&*s).await;
    fx.publish("alice", NewPost::new("first")).await;
    let t = Instant::now();
    ok(
        s.wait_for_change(before, Duration::from_secs(30)).await,
        "wait_for_change behind the log",
    );
    assert!(
        t.elapsed() < Duration::from_secs(5),
        "live: wait_for_change after an older position must return at once, took {:?}",
        t.elapsed()
    );

    let position = last_seq(&*s).await;
    let waiter = {
        let s = Arc::clone(&s);
        tokio::spawn(async move {
            let t = Instant::now();
            let r = s.wait_for_change(position, Duration::from_secs(30)).await;
            (r, t.elapsed())
        })
    };
    tokio::time::sleep(Duration::from_millis(50)).await;
    let post = fx.publish("alice", NewPost::new("second")).await;
    let (r, took) = match tokio::time::timeout(Duration::from_secs(10), waiter).await {
        Ok(Ok(done)) => done,
        Ok(Err(e)) => panic!("live: the waiting task failed: {e}"),
        Err(_) => panic!("live: wait_for_change did not return after a write"),
    };
    ok(r, "wait_for_change");
    assert!(
        took < Duration::from_secs(5),
        "live: wait_for_change must return promptly after a write, took {took:?}"
    );
    let after = tenant_changes(&*s, &fx.tenant, position).await;
    assert!(
        after.iter().any(|c| c.post == post.id),
        "live: the write that woke the waiter is readable after the position: {after:?}"
    );
}

/// Reading the log after any position, in small batches, gives the entries after it in
/// order with strictly increasing seqs, the same as reading it in one go.
pub async fn changes_after_a_position_are_ordered(store: Arc<dyn Store>) {
    let fx = Fixture::new(store, "after").await;
    let s = &*fx.store;
    let before = last_seq(s).await;
    let mut ids = Vec::new();
    for i in 0..12 {
        ids.push(fx.publish("alice", NewPost::new(format!("p{i}"))).await.id);
    }
    let all = tenant_changes(s, &fx.tenant, before).await;
    let mid = all[5].seq;
    let mut got = Vec::new();
    let mut position = mid;
    // Bounded: each round moves past at least one entry, and the log is finite.
    for _ in 0..100_000 {
        let batch = ok(s.changes(position, 3).await, "changes after a position");
        let Some(last) = batch.last() else { break };
        for pair in batch.windows(2) {
            assert!(pair[0].seq < pair[1].seq, "live: entries out of order");
        }
        assert!(
            batch[0].seq > position,
            "live: changes({position}) returned an entry at or before it"
        );
        position = last.seq;
        got.extend(batch.into_iter().filter(|c| c.tenant == fx.tenant));
    }
    let want: Vec<PostId> = ids[6..].to_vec();
    let got: Vec<PostId> = got.iter().map(|c| c.post).collect();
    assert_eq!(
        got, want,
        "live: the entries after a position are exactly the later writes"
    );
}

/// A member (bob, added to the private `hr`) and a non-member (dave) of a private group
/// both follow carol, who posts in it and in the open. The non-member never receives a
/// group post, its edit, its removal or a notification about it; the member does. Then bob
/// is removed from `hr` mid-stream: from that moment he receives nothing more of the
/// group — no new post, no edit, no removal — while the open posts keep coming.
pub async fn live_events_follow_visibility(store: Arc<dyn Store>) {
    let fx = Fixture::new(store, "live-vis").await;
    let hr = GroupId::new("hr");
    ok(
        fx.dir.add_member(&fx.tenant, &hr, &PersonId::new("bob")),
        "add bob to hr",
    );
    for who in ["bob", "dave"] {
        ok(
            fx.wc
                .follow(&fx.viewer(who), FollowTarget::Person("carol".into()))
                .await,
            "follow carol",
        );
        ok(
            fx.wc
                .follow(
                    &fx.viewer(who),
                    FollowTarget::Hashtag(watercooler_core::watercooler_text::hashtag_key("pay")),
                )
                .await,
            "follow #pay",
        );
    }
    let mut bob = ok(
        fx.wc
            .subscribe(&fx.viewer("bob"), SubscribeOptions::new())
            .await,
        "subscribe bob",
    );
    let mut dave = ok(
        fx.wc
            .subscribe(&fx.viewer("dave"), SubscribeOptions::new())
            .await,
        "subscribe dave",
    );

    let open = fx.publish("carol", NewPost::new("open #pay news")).await;
    let secret = fx
        .publish(
            "carol",
            NewPost::new("secret #pay rise for @dave @bob").in_group("hr"),
        )
        .await;
    // Each step waits for bob to receive it, so each is judged on its own.
    let mut b = until_posted(&mut bob, secret.id, "bob").await;
    let reply = fx.reply("carol", &secret.id, "more #pay secrets").await;
    b.extend(until_posted(&mut bob, reply.id, "bob").await);
    fx.edit("carol", &secret.id, "secret #pay rise, edited")
        .await;
    b.extend(
        until(
            &mut bob,
            |e| matches!(e, Event::Edited { post, .. } if post.post.id == secret.id),
            "bob",
        )
        .await,
    );
    ok(
        fx.wc.delete(&fx.viewer("carol"), &reply.id).await,
        "delete the reply",
    );
    b.extend(
        until(
            &mut bob,
            |e| matches!(e, Event::Removed { post, .. } if *post == reply.id),
            "bob",
        )
        .await,
    );
    let sentinel = fx.publish("carol", NewPost::new("sentinel one")).await;
    b.extend(until_posted(&mut bob, sentinel.id, "bob").await);

    let secret_ids: HashSet<PostId> = [secret.id, reply.id].into();
    let d = until_posted(&mut dave, sentinel.id, "dave").await;
    let leaked: Vec<PostId> = ids_of(&d)
        .into_iter()
        .filter(|i| secret_ids.contains(i))
        .collect();
    assert!(
        leaked.is_empty(),
        "live: dave (not in hr) received events of hr posts {leaked:?}: {d:?}"
    );
    assert!(
        ids_of(&d).contains(&open.id),
        "live: dave receives carol's open post: {d:?}"
    );
    assert!(
        b.iter()
            .any(|e| matches!(e, Event::Notification { notification, .. }
            if notification.post == secret.id)),
        "live: bob receives the notification of his mention in the hr post: {b:?}"
    );
    for e in &b {
        if let Event::Posted { post, .. } | Event::Edited { post, .. } = e {
            let access = fx.access("bob").await;
            assert!(
                access.can_see(&post.post),
                "live: bob got a post he may not see"
            );
        }
    }

    // Bob leaves hr; the very next events are judged against the directory as it is now.
    ok(
        fx.dir.remove_member(&fx.tenant, &hr, &PersonId::new("bob")),
        "remove bob from hr",
    );
    let after_leaving = fx
        .publish("carol", NewPost::new("after bob left #pay").in_group("hr"))
        .await;
    fx.edit("carol", &secret.id, "secret #pay rise, edited again")
        .await;
    ok(
        fx.wc.delete(&fx.viewer("carol"), &secret.id).await,
        "delete the hr post",
    );
    let sentinel = fx.publish("carol", NewPost::new("sentinel two")).await;
    let b = until_posted(&mut bob, sentinel.id, "bob").await;
    let hr_ids: HashSet<PostId> = [after_leaving.id, secret.id, reply.id].into();
    let leaked: Vec<PostId> = ids_of(&b)
        .into_iter()
        .filter(|i| hr_ids.contains(i))
        .collect();
    assert!(
        leaked.is_empty(),
        "live: bob, removed from hr, still received its events {leaked:?}: {b:?}"
    );
    let d = until_posted(&mut dave, sentinel.id, "dave").await;
    let leaked: Vec<PostId> = ids_of(&d)
        .into_iter()
        .filter(|i| hr_ids.contains(i))
        .collect();
    assert!(
        leaked.is_empty(),
        "live: dave received hr events {leaked:?}: {d:?}"
    );
}

/// A subscriber that reconnects with the position of the last event it handled gets
/// exactly the events it missed, in order, none twice, and then the live stream.
pub async fn resume_replays_exactly_the_missed_events(store: Arc<dyn Store>) {
    const N: usize = 200;
    const SEEN: usize = 60;
    let fx = Fixture::new(store, "resume").await;
    ok(
        fx.wc
            .follow(&fx.viewer("bob"), FollowTarget::Person("alice".into()))
            .await,
        "follow alice",
    );
    let mut first = ok(
        fx.wc
            .subscribe(&fx.viewer("bob"), SubscribeOptions::new().buffer(N * 2))
            .await,
        "subscribe",
    );
    let mut ids = Vec::with_capacity(N);
    for i in 0..N {
        ids.push(
            fx.publish("alice", NewPost::new(format!("post {i}")))
                .await
                .id,
        );
    }
    let got = until_posted(&mut first, ids[N - 1], "bob").await;
    let posted: Vec<(Seq, PostId)> = got
        .iter()
        .filter_map(|e| match e {
            Event::Posted { seq, post, .. } => Some((*seq, post.post.id)),
            _ => None,
        })
        .collect();
    assert_eq!(
        posted.iter().map(|p| p.1).collect::<Vec<_>>(),
        ids,
        "live: every post once, in order"
    );
    // The client handled the first SEEN events, then lost the connection.
    drop(first);
    let resume_at = posted[SEEN - 1].0;
    let mut again = ok(
        fx.wc
            .subscribe(
                &fx.viewer("bob"),
                SubscribeOptions::new().after(resume_at).buffer(N * 2),
            )
            .await,
        "resubscribe",
    );
    let sentinel = fx.publish("alice", NewPost::new("live again")).await;
    let got = until_posted(&mut again, sentinel.id, "bob").await;
    let replayed: Vec<PostId> = got
        .iter()
        .filter_map(|e| match e {
            Event::Posted { post, .. } => Some(post.post.id),
            _ => None,
        })
        .collect();
    let mut want: Vec<PostId> = ids[SEEN..].to_vec();
    want.push(sentinel.id);
    assert_eq!(
        replayed,
        want,
        "live: a resume after event {SEEN} gives exactly the {} missed events and the new one",
        N - SEEN
    );
    let seqs: Vec<Seq> = got.iter().map(Event::seq).collect();
    assert!(
        seqs.windows(2).all(|w| w[0] <= w[1]) && seqs.iter().all(|s| *s > resume_at),
        "live: replayed events come in log order after the resume position: {seqs:?}"
    );
}

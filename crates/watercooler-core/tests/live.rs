//! Live subscriptions over the memory store: resume after 1,000 events, retention, mutes, and removals that must not reveal posts the viewer never saw.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use watercooler_core::*;

const T: &str = "acme";

struct World {
    wc: Watercooler,
    dir: Arc<MemoryDirectory>,
}

/// ann and bob in the private group `g`; carl and eve outside it.
fn world() -> World {
    let dir = Arc::new(MemoryDirectory::new());
    let t = TenantId::new(T);
    for id in ["ann", "bob", "carl", "eve"] {
        dir.add_person(&t, Person::new(id, id, id)).unwrap();
    }
    let g = Group {
        id: "g".into(),
        name: "g".into(),
        kind: GroupKind::Community,
        private: true,
    };
    dir.add_group(&t, g).unwrap();
    for p in ["ann", "bob"] {
        dir.add_member(&t, &"g".into(), &p.into()).unwrap();
    }
    let start = DateTime::<Utc>::from_timestamp(1_360_000_000, 0).unwrap();
    let wc = Watercooler::builder(Arc::new(MemoryStore::new()), dir.clone())
        .clock(Arc::new(ManualClock::new(start)))
        .id_salt(3)
        .build();
    World { wc, dir }
}

fn v(p: &str) -> Viewer {
    Viewer::new(T, p)
}

/// Events up to and including the first for which `stop` holds (10 s at most).
async fn until(sub: &mut Subscription, stop: impl Fn(&Event) -> bool) -> Vec<Event> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let mut got = Vec::new();
    loop {
        match tokio::time::timeout_at(deadline, sub.next()).await {
            Ok(Some(e)) => {
                let done = stop(&e);
                got.push(e);
                if done {
                    return got;
                }
            }
            other => panic!("stream ended or timed out ({other:?}) after {got:?}"),
        }
    }
}

fn posted(id: PostId) -> impl Fn(&Event) -> bool {
    move |e| matches!(e, Event::Posted { post, .. } if post.post.id == id)
}

fn posted_ids(events: &[Event]) -> Vec<PostId> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Posted { post, .. } => Some(post.post.id),
            _ => None,
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resume_after_1000_events_replays_exactly_the_missed_ones() {
    let w = world();
    w.wc.follow(&v("bob"), FollowTarget::Person("ann".into()))
        .await
        .unwrap();
    // A slow client: it reads nothing while 1,000 posts (and 1,000 private ones it must
    // never see) are published, then connects with its last position.
    let mut sub =
        w.wc.subscribe(&v("bob"), SubscribeOptions::new().buffer(4000))
            .await
            .unwrap();
    let mut ids = Vec::new();
    for i in 0..1000 {
        ids.push(
            w.wc.publish(&v("ann"), NewPost::new(format!("p{i}")))
                .await
                .unwrap()
                .id,
        );
        w.wc.publish(
            &v("carl"),
            NewPost::new(format!("dm {i}")).direct_to([PersonId::from("eve")]),
        )
        .await
        .unwrap();
    }
    let got = until(&mut sub, posted(ids[999])).await;
    assert_eq!(posted_ids(&got), ids, "every post once, in order");
    let at = got[399].seq();
    drop(sub);
    let mut again =
        w.wc.subscribe(&v("bob"), SubscribeOptions::new().after(at))
            .await
            .unwrap();
    let last =
        w.wc.publish(&v("ann"), NewPost::new("live"))
            .await
            .unwrap()
            .id;
    let got = until(&mut again, posted(last)).await;
    let mut want = ids[400..].to_vec();
    want.push(last);
    assert_eq!(
        posted_ids(&got),
        want,
        "exactly the 600 missed posts, then live"
    );
}

#[tokio::test]
async fn a_position_outside_the_retention_window_resyncs() {
    let w = world();
    for i in 0..20 {
        w.wc.publish(&v("ann"), NewPost::new(format!("p{i}")))
            .await
            .unwrap();
    }
    let mut sub =
        w.wc.subscribe(
            &v("bob"),
            SubscribeOptions::new().after(Seq(2)).max_replay(10),
        )
        .await
        .unwrap();
    let e = sub.next().await.unwrap();
    assert!(
        matches!(
            e,
            Event::Resync {
                seq: Seq(20),
                reason: ResyncReason::TooOld
            }
        ),
        "{e:?}"
    );
    // A position ahead of the log is not a position of it.
    let mut sub =
        w.wc.subscribe(&v("bob"), SubscribeOptions::new().after(Seq(1_000_000)))
            .await
            .unwrap();
    let e = sub.next().await.unwrap();
    assert!(
        matches!(
            e,
            Event::Resync {
                reason: ResyncReason::TooOld,
                ..
            }
        ),
        "{e:?}"
    );
}

#[tokio::test]
async fn mutes_and_invisible_removals_are_not_delivered() {
    let w = world();
    w.wc.follow(&v("carl"), FollowTarget::Person("ann".into()))
        .await
        .unwrap();
    w.wc.mute(&v("carl"), MuteTarget::Word("lunch".into()))
        .await
        .unwrap();
    let mut carl =
        w.wc.subscribe(&v("carl"), SubscribeOptions::new())
            .await
            .unwrap();
    let muted =
        w.wc.publish(&v("ann"), NewPost::new("lunch?"))
            .await
            .unwrap();
    let private =
        w.wc.publish(&v("ann"), NewPost::new("secret").in_group("g"))
            .await
            .unwrap();
    w.wc.delete(&v("ann"), &private.id).await.unwrap();
    w.wc.delete(&v("ann"), &muted.id).await.unwrap();
    // Watching an id one may not see does not make its removal visible either.
    let private2 =
        w.wc.publish(&v("ann"), NewPost::new("secret 2").in_group("g"))
            .await
            .unwrap();
    let mut carl2 =
        w.wc.subscribe(&v("carl"), SubscribeOptions::new().watching([private2.id]))
            .await
            .unwrap();
    w.wc.delete(&v("ann"), &private2.id).await.unwrap();
    let end = w.wc.publish(&v("ann"), NewPost::new("end")).await.unwrap();
    for sub in [&mut carl, &mut carl2] {
        let got = until(sub, posted(end.id)).await;
        assert_eq!(got.len(), 1, "only the sentinel: {got:?}");
    }
    let _ = &w.dir;
}

/// A service outlives the runtime its follower ran on: a subscription from another
/// runtime starts a new follower, and nothing published meanwhile is lost to it.
#[test]
fn a_service_keeps_delivering_on_a_new_runtime() {
    let rt = || {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap()
    };
    let w = world();
    let first = rt();
    let (seq, _) = first.block_on(async {
        w.wc.follow(&v("bob"), FollowTarget::Person("ann".into()))
            .await
            .unwrap();
        let mut sub =
            w.wc.subscribe(&v("bob"), SubscribeOptions::new())
                .await
                .unwrap();
        let p = w.wc.publish(&v("ann"), NewPost::new("one")).await.unwrap();
        let got = until(&mut sub, posted(p.id)).await;
        (got[got.len() - 1].seq(), p.id)
    });
    drop(first);
    let missed = rt()
        .block_on(w.wc.publish(&v("ann"), NewPost::new("two")))
        .unwrap();
    rt().block_on(async {
        let mut sub =
            w.wc.subscribe(&v("bob"), SubscribeOptions::new().after(seq))
                .await
                .unwrap();
        until(&mut sub, posted(missed.id)).await;
        let p =
            w.wc.publish(&v("ann"), NewPost::new("three"))
                .await
                .unwrap();
        until(&mut sub, posted(p.id)).await;
    });
}

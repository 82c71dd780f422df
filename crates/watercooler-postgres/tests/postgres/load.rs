//! A bounded load: four tasks publishing, reacting, editing and reading at once. No call
//! may fail (a deadlock or serialisation failure would), and every count must be exact.
//! On a tiny tenant of its own, for a quick check of this crate alone; the 30-second load
//! on the whole shared corpus, through the service, is the workspace's
//! `tests/store_load.rs`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use watercooler_core::store::{CandidateQuery, PostFilter};
use watercooler_core::watercooler_text::hashtag_key;
use watercooler_core::{
    Access, HashtagRef, NewNotification, NotificationKind, PageRequest, PersonId, PostEdit, PostId,
    PostIdGenerator, Reaction, ReactionKind, Seq, Store, TenantId,
};

use crate::common::{Schema, connect};
use crate::differential::Rng;
use crate::schema::post;

const TASKS: u64 = 4;
const ROUNDS: usize = 200;
const TENANT: &str = "load";

/// What one task did, to check the store against.
#[derive(Default)]
struct Tally {
    posts: usize,
    edits: usize,
    /// (post, person, kind) of every reaction the store said was new.
    reactions: Vec<(PostId, PersonId, ReactionKind)>,
}

async fn task(store: Arc<dyn Store>, n: u64, shared: Arc<Mutex<Vec<PostId>>>) -> Tally {
    let mut rng = Rng::new(n);
    let ids = PostIdGenerator::new(n);
    let t = TenantId::new(TENANT);
    let author = format!("author{n}");
    let reader = Access::new(t.clone(), PersonId::new("reader"), [], false);
    let mut tally = Tally::default();
    let mut mine = Vec::new();
    for round in 0..ROUNDS {
        let id = ids.next(chrono::Utc::now());
        let mut p = post(TENANT, &author, id, &format!("load #busy {round}"));
        p.hashtags = vec![HashtagRef {
            key: hashtag_key("busy"),
            display: "busy".into(),
            range: 5..10,
        }];
        store.insert_post(&p, &[]).await.unwrap();
        tally.posts += 1;
        mine.push(id);
        shared.lock().unwrap().push(id);

        for _ in 0..3 {
            let target = {
                let all = shared.lock().unwrap();
                all[rng.below(all.len())]
            };
            let person = PersonId::new(format!("p{}", rng.below(8)));
            let kind = ReactionKind::ALL[rng.below(2)];
            let r = Reaction {
                post: target,
                person: person.clone(),
                kind,
                at: chrono::Utc::now(),
            };
            let note = NewNotification {
                recipient: "someone".into(),
                kind: NotificationKind::Reaction,
                post: target,
                actor: person.clone(),
                at: r.at,
                subject: None,
            };
            if store.add_reaction(&t, &r, Some(&note)).await.unwrap() {
                tally.reactions.push((target, person, kind));
            }
        }
        if round % 10 == 5 {
            let target = mine[rng.below(mine.len())];
            let edit = PostEdit {
                id: target,
                text: format!("edited #busy {round}"),
                edited_at: chrono::Utc::now(),
                hashtags: p.hashtags.clone(),
                mentions: vec![],
                urls: vec![],
            };
            store
                .update_post(
                    &t,
                    &watercooler_core::store::PostUpdate::text(edit.clone(), vec![]),
                )
                .await
                .unwrap();
            tally.edits += 1;
        }
        let page = store
            .list_posts(&reader, &PostFilter::default(), &PageRequest::first(20))
            .await
            .unwrap();
        assert!(!page.items.is_empty());
        let q = CandidateQuery {
            authors: vec![PersonId::new(&author)],
            groups: vec![],
            hashtags: vec![hashtag_key("busy")],
            mentioning_viewer: true,
            since: chrono::Utc::now() - chrono::Duration::hours(1),
            max_id: PostId::MAX,
            per_source: 50,
            popular: 10,
            now: chrono::Utc::now(),
        };
        assert!(!store.feed_candidates(&reader, &q).await.unwrap().is_empty());
    }
    tally
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn four_tasks_publishing_reacting_and_reading_keep_exact_counts() {
    let schema = Schema::new("load");
    let store: Arc<dyn Store> = Arc::new(connect(schema.options().max_connections(6)).await);
    let shared = Arc::new(Mutex::new(Vec::new()));
    // Something to react to from the first round on.
    let seed_id = PostIdGenerator::new(99).next(chrono::Utc::now());
    store
        .insert_post(&post(TENANT, "seed", seed_id, "seed"), &[])
        .await
        .unwrap();
    shared.lock().unwrap().push(seed_id);

    let tasks: Vec<_> = (1..=TASKS)
        .map(|n| tokio::spawn(task(store.clone(), n, shared.clone())))
        .collect();
    let mut tallies = Vec::new();
    for t in tasks {
        tallies.push(t.await.unwrap());
    }

    let posts: usize = tallies.iter().map(|t| t.posts).sum::<usize>() + 1;
    let edits: usize = tallies.iter().map(|t| t.edits).sum();
    let mut expected: HashMap<PostId, [u32; 5]> = HashMap::new();
    let mut all = std::collections::HashSet::new();
    for (post, person, kind) in tallies.iter().flat_map(|t| &t.reactions) {
        assert!(
            all.insert((*post, person.clone(), *kind)),
            "a reaction was added twice"
        );
        expected.entry(*post).or_default()[kind.index()] += 1;
    }
    let stored = store.scan_posts(None, 100_000).await.unwrap();
    assert_eq!(stored.len(), posts);
    let owner = Access::new(TenantId::new(TENANT), PersonId::new("reader"), [], false);
    let ids: Vec<PostId> = stored.iter().map(|p| p.id).collect();
    for view in store.get_posts(&owner, &ids).await.unwrap() {
        let want = expected.get(&view.post.id).copied().unwrap_or_default();
        assert_eq!(view.stats.reactions, want, "counters of {}", view.post.id);
    }
    let log = store.changes(Seq(0), 1_000_000).await.unwrap();
    assert_eq!(log.len(), posts + edits);
    let seqs: Vec<u64> = log.iter().map(|c| c.seq.0).collect();
    assert_eq!(
        seqs,
        (1..=log.len() as u64).collect::<Vec<_>>(),
        "the log has gaps"
    );
    // One aggregated notification per post reacted to, its actors distinct.
    let notes = store
        .export_person(&TenantId::new(TENANT), &PersonId::new("someone"))
        .await
        .unwrap()
        .notifications;
    assert_eq!(notes.len(), expected.len());
    for n in notes {
        let mut actors = n.actors.clone();
        actors.sort();
        actors.dedup();
        assert_eq!(actors.len(), n.actors.len());
    }
}

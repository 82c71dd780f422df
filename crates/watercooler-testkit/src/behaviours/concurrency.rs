//! Many writers at once.

use std::collections::HashSet;
use std::sync::Arc;

use watercooler_core::store::PostFilter;
use watercooler_core::{
    ChangeKind, NewPost, NotificationKind, PersonId, PostId, ReactionKind, Store, Viewer,
};

use crate::check::{all_pages, join, ok};
use crate::fixture::Fixture;
use crate::state::{last_seq, tenant_changes};

/// Writer tasks.
const TASKS: usize = 8;
/// Posts each task publishes.
const POSTS_PER_TASK: usize = 50;
/// Posts every task reacts to with every kind.
const TARGETS: usize = 5;

/// 8 tasks on a multi-threaded runtime each publish 50 posts, react with every kind to 5
/// shared posts (and repeat one reaction), and reply once to a shared root, all at once;
/// then 8 tasks race to add the very same reaction. Afterwards every count is exact, every
/// post and seq is unique, the log holds one `Created` entry per post, and exactly one of
/// the racing reactions was new.
pub async fn concurrent_writes_keep_exact_counts(store: Arc<dyn Store>) {
    let fx = Fixture::new(store, "concurrency").await;
    let s = &*fx.store;
    let writers = fx.add_people("writer", TASKS);
    let mut targets = Vec::new();
    for i in 0..TARGETS {
        targets.push(
            fx.publish("alice", NewPost::new(format!("target {i}")))
                .await
                .id,
        );
    }
    let root = targets[0];
    let before = last_seq(s).await;

    let mut tasks = Vec::new();
    for w in &writers {
        let wc = fx.wc.clone();
        let viewer = Viewer::new(fx.tenant.clone(), w.clone());
        let targets = targets.clone();
        tasks.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            for j in 0..POSTS_PER_TASK {
                let text = format!("{} post {j} #concurrent", viewer.person);
                mine.push(
                    ok(
                        wc.publish(&viewer, NewPost::new(text)).await,
                        "concurrent publish",
                    )
                    .id,
                );
                // Spread the reactions over the publishing so they interleave with it.
                if j < TARGETS * ReactionKind::ALL.len() {
                    let target = targets[j % TARGETS];
                    let kind = ReactionKind::ALL[j / TARGETS];
                    assert!(
                        ok(wc.react(&viewer, &target, kind).await, "concurrent react"),
                        "a first reaction is new"
                    );
                }
            }
            assert!(
                !ok(
                    wc.react(&viewer, &targets[1], ReactionKind::Like).await,
                    "repeat react"
                ),
                "a repeated reaction must return false"
            );
            ok(
                wc.reply(&viewer, &root, "concurrent reply").await,
                "concurrent reply",
            );
            mine
        }));
    }
    let mut published = Vec::new();
    for t in tasks {
        published.extend(join(t).await);
    }

    let racer = Viewer::new(fx.tenant.clone(), writers[0].clone());
    let race_target = fx.publish("bob", NewPost::new("race here")).await.id;
    let mut racing = Vec::new();
    for _ in 0..TASKS {
        let wc = fx.wc.clone();
        let racer = racer.clone();
        racing.push(tokio::spawn(async move {
            ok(
                wc.react(&racer, &race_target, ReactionKind::Funny).await,
                "racing react",
            )
        }));
    }
    let mut new = 0;
    for t in racing {
        new += usize::from(join(t).await);
    }
    assert_eq!(new, 1, "8 racing identical reactions: exactly one is new");

    // Posts and the log.
    assert_eq!(published.len(), TASKS * POSTS_PER_TASK);
    let unique: HashSet<PostId> = published.iter().copied().collect();
    assert_eq!(unique.len(), published.len(), "post ids are unique");
    let changes = tenant_changes(s, &fx.tenant, before).await;
    assert!(
        changes.iter().all(|c| c.kind == ChangeKind::Created),
        "only Created entries: {changes:?}"
    );
    let expected = TASKS * POSTS_PER_TASK + TASKS + 1;
    assert_eq!(
        changes.len(),
        expected,
        "one Created entry per post and reply"
    );
    let seqs: HashSet<_> = changes.iter().map(|c| c.seq).collect();
    assert_eq!(seqs.len(), changes.len(), "change-log seqs are unique");
    let logged: HashSet<PostId> = changes.iter().map(|c| c.post).collect();
    assert!(
        unique.is_subset(&logged),
        "every published post has its Created entry"
    );

    let dave = fx.access("dave").await;
    for w in &writers {
        let f = PostFilter {
            author: Some(w.clone()),
            ..Default::default()
        };
        let posts = all_pages("store.list_posts", 17, async |p| {
            s.list_posts(&dave, &f, &p).await
        })
        .await;
        assert_eq!(
            posts.len(),
            POSTS_PER_TASK,
            "{w} published {POSTS_PER_TASK} posts"
        );
    }

    // Reaction counts, notifications and interactions.
    for (i, target) in targets.iter().enumerate() {
        let v = ok(s.get_post(&dave, target).await, "get_post").expect("visible");
        assert_eq!(
            v.stats.reactions, [TASKS as u32; 5],
            "target {i}: each kind from each of the {TASKS} writers"
        );
        let reactions = all_pages("store.reactions", 13, async |p| {
            s.reactions(&dave, target, &p).await
        })
        .await;
        assert_eq!(reactions.len(), TASKS * 5, "target {i}: reaction list");
    }
    let v = ok(s.get_post(&dave, &root).await, "get_post").expect("visible");
    assert_eq!(
        v.stats.replies, TASKS as u32,
        "the root counts every concurrent reply"
    );
    let v = ok(s.get_post(&dave, &race_target).await, "get_post").expect("visible");
    assert_eq!(
        v.stats.reactions_of(ReactionKind::Funny),
        1,
        "the raced reaction counts once"
    );

    let notes = all_pages("store.notifications", 50, async |p| {
        s.notifications(&fx.tenant, &PersonId::new("alice"), &p)
            .await
    })
    .await;
    for target in &targets {
        let n: Vec<_> = notes
            .iter()
            .filter(|n| n.kind == NotificationKind::Reaction && &n.post == target)
            .collect();
        assert_eq!(n.len(), 1, "one folded reaction notification per target");
        let actors: HashSet<&PersonId> = n[0].actors.iter().collect();
        assert_eq!(
            actors.len(),
            n[0].actors.len(),
            "actors are distinct: {:?}",
            n[0].actors
        );
        assert_eq!(actors.len(), TASKS, "every writer is an actor");
    }
    for w in &writers {
        let inter = ok(s.interactions(&fx.tenant, w, 10).await, "interactions");
        let with_alice = inter
            .iter()
            .find(|(p, _)| p.as_str() == "alice")
            .map(|(_, n)| *n);
        let want = (TARGETS * ReactionKind::ALL.len() + 1) as u32;
        assert_eq!(
            with_alice,
            Some(want),
            "{w} reacted {} times to alice and replied once",
            want - 1
        );
    }
}

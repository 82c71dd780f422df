//! The batch calls for imports, `follow_many` and `insert_posts_with_notifications`: a
//! store that overrides them (to write in one transaction) must leave exactly what the
//! single calls leave. Each behaviour does the same work twice, once through the batch
//! call in the main tenant and once through the single calls in a twin tenant with the
//! same cast, and compares every read.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use watercooler_core::watercooler_text::hashtag_key;
use watercooler_core::{
    ChangeKind, FollowTarget, GroupId, ImportedPost, NewNotification, NewPost, Notification,
    NotificationKind, ParentRef, PersonId, Post, PostId, PostIdGenerator, PostStats, Store,
    TenantId,
};

use crate::check::{all_pages, already_exists, ok};
use crate::fixture::{CAST, Fixture};
use crate::state::{assert_no_new_changes, last_seq, scan_tenant, tenant_changes};

fn person(id: &str) -> PersonId {
    PersonId::new(id)
}

/// Every follow of `who` in `tenant`, through [`Store::follows`].
async fn follows_of(store: &dyn Store, tenant: &TenantId, who: &str) -> Vec<FollowTarget> {
    all_pages("store.follows", 2, async |page| {
        store.follows(tenant, &person(who), &page).await
    })
    .await
}

/// `follow_many` counts as new exactly what `follow` would have (a follow that exists, or
/// comes again in the same batch — also as another spelling of a tag — is not new), and
/// leaves every person's follow list exactly as the single calls do, in the same order;
/// a batch of existing follows adds none; a follow from a batch is an ordinary follow
/// (following again is not new, unfollowing works); an empty batch adds nothing; nothing
/// lands in another tenant.
pub async fn follow_many_equals_single_follows(store: Arc<dyn Store>) {
    let fx = Fixture::new(store, "followmany").await;
    let s = &*fx.store;
    let twin = fx.twin_tenant("followone");
    let bystander = fx.twin_tenant("followbystander");
    let follows = vec![
        (person("alice"), FollowTarget::Person(person("bob"))),
        (
            person("alice"),
            FollowTarget::Hashtag(hashtag_key("#Koffie")),
        ),
        (person("bob"), FollowTarget::Group(GroupId::new("eng"))),
        (person("alice"), FollowTarget::Group(GroupId::new("eng"))),
        (person("alice"), FollowTarget::Person(person("bob"))),
        (
            person("alice"),
            FollowTarget::Hashtag(hashtag_key("#KOFFIE")),
        ),
        (person("carol"), FollowTarget::Person(person("alice"))),
    ];

    let mut single_new = 0;
    for (who, target) in &follows {
        single_new += usize::from(ok(s.follow(&twin, who, target).await, "store.follow"));
    }
    assert_eq!(
        single_new, 5,
        "single follows: 7 calls, of which the repeated bob and #KOFFIE (= #Koffie) are not new"
    );
    let new = ok(
        s.follow_many(&fx.tenant, &follows).await,
        "store.follow_many",
    );
    assert_eq!(
        new, single_new,
        "follow_many returns how many were new; repeats within the batch are not new"
    );
    for (who, _, _) in CAST {
        assert_eq!(
            follows_of(s, &fx.tenant, who).await,
            follows_of(s, &twin, who).await,
            "{who}'s follows after follow_many vs after the same single follows"
        );
    }
    assert_eq!(
        follows_of(s, &fx.tenant, "alice").await.len(),
        3,
        "alice follows bob, #koffie and eng"
    );

    assert_eq!(
        ok(
            s.follow_many(&fx.tenant, &follows).await,
            "store.follow_many"
        ),
        0,
        "a batch of existing follows adds none"
    );
    let mixed = [
        (person("dave"), FollowTarget::Person(person("alice"))),
        (person("alice"), FollowTarget::Person(person("bob"))),
    ];
    assert_eq!(
        ok(s.follow_many(&fx.tenant, &mixed).await, "store.follow_many"),
        1,
        "a batch of one new and one existing follow"
    );
    assert!(
        !ok(
            s.follow(&fx.tenant, &person("dave"), &mixed[0].1).await,
            "store.follow"
        ),
        "a follow stored by follow_many exists: following again is not new"
    );
    assert!(
        ok(
            s.unfollow(&fx.tenant, &person("dave"), &mixed[0].1).await,
            "store.unfollow"
        ),
        "a follow stored by follow_many can be unfollowed"
    );
    let before: Vec<Vec<FollowTarget>> = {
        let mut v = Vec::new();
        for (who, _, _) in CAST {
            v.push(follows_of(s, &fx.tenant, who).await);
        }
        v
    };
    assert_eq!(
        ok(s.follow_many(&fx.tenant, &[]).await, "store.follow_many"),
        0,
        "an empty batch"
    );
    for ((who, _, _), had) in CAST.iter().zip(&before) {
        assert_eq!(
            &follows_of(s, &fx.tenant, who).await,
            had,
            "an empty batch changes {who}'s follows"
        );
        assert!(
            follows_of(s, &bystander, who).await.is_empty(),
            "{who} of another tenant follows something after follow_many in this one"
        );
    }
}

/// Builds one post as an import would (mentions resolved, reply notification), one
/// second after the previous one.
async fn prepare(
    fx: &Fixture,
    tenant: &TenantId,
    ids: &PostIdGenerator,
    author: &str,
    text: &str,
    parent: Option<&Post>,
) -> (Post, Vec<NewNotification>) {
    fx.tick();
    let at = fx.now();
    let item = ImportedPost {
        id: ids.next(at),
        author: person(author),
        created_at: at,
        post: NewPost::new(text),
        parent: parent.map(ParentRef::of),
    };
    ok(
        fx.wc.prepare_import(tenant, item).await,
        &format!("prepare_import as {author}: {text:?}"),
    )
}

/// A notification as compared (kind, post, actors, updated_at, seen): its seq is the
/// store's own number.
type Shown = (NotificationKind, PostId, Vec<PersonId>, DateTime<Utc>, bool);

/// Moves posts and notifications of the main tenant to the twin tenant under fresh ids.
struct Twin {
    tenant: TenantId,
    ids: HashMap<PostId, PostId>,
}

impl Twin {
    fn id(&self, id: PostId) -> PostId {
        self.ids.get(&id).copied().unwrap_or(id)
    }

    fn post(&self, p: &Post) -> Post {
        let mut p = p.clone();
        p.tenant = self.tenant.clone();
        p.id = self.id(p.id);
        p.reply_to = p.reply_to.map(|id| self.id(id));
        p.thread_root = p.thread_root.map(|id| self.id(id));
        p
    }

    fn note(&self, n: &NewNotification) -> NewNotification {
        let mut n = n.clone();
        n.post = self.id(n.post);
        n
    }

    /// A notification as compared, about the twin's post.
    fn shown(&self, n: &Notification) -> Shown {
        (
            n.kind,
            self.id(n.post),
            n.actors.clone(),
            n.updated_at,
            n.seen,
        )
    }
}

/// Every notification of `who` in `tenant`, most recently updated first.
async fn notifications_of(store: &dyn Store, tenant: &TenantId, who: &str) -> Vec<Notification> {
    all_pages("store.notifications", 3, async |page| {
        store.notifications(tenant, &person(who), &page).await
    })
    .await
}

/// `insert_posts_with_notifications` stores what `insert_post` for each item does: a
/// batch of roots, replies to a post stored before and to posts earlier in the batch
/// (parents before replies), mentions, and a post that notifies nobody gives the same
/// posts, the same reply counters and last activity, the same notifications (folded in
/// item order: two replies to one post are one notification, latest actor first), the
/// same interactions, and one `Created` entry per post in item order, the call returning
/// the last one's seq. A batch spanning two tenants notifies each tenant's people only.
/// A batch whose first post exists is a [`watercooler_core::Error::AlreadyExists`] and stores
/// nothing; an empty batch writes nothing.
pub async fn insert_posts_with_notifications_equals_single_inserts(store: Arc<dyn Store>) {
    let fx = Fixture::new(store, "insertmany").await;
    let s = &*fx.store;
    let twin_tenant = fx.twin_tenant("insertone");
    let ids = PostIdGenerator::default();

    // A thread stored before the batch, in both tenants.
    let old_root = fx
        .publish("carol", NewPost::new("earlier root #batch"))
        .await;
    let r1 = prepare(&fx, &fx.tenant, &ids, "bob", "@alice look", Some(&old_root)).await;
    let root = prepare(
        &fx,
        &fx.tenant,
        &ids,
        "alice",
        "hi @bob and @dave #batch",
        None,
    )
    .await;
    let r2 = prepare(&fx, &fx.tenant, &ids, "bob", "thanks @carol", Some(&root.0)).await;
    let r3 = prepare(&fx, &fx.tenant, &ids, "dave", "+1", Some(&r2.0)).await;
    let quiet = prepare(&fx, &fx.tenant, &ids, "dave", "nobody to notify", None).await;
    let r4 = prepare(&fx, &fx.tenant, &ids, "carol", "me too", Some(&root.0)).await;
    let items = vec![r1, root, r2, r3, quiet, r4];
    assert!(
        items[4].1.is_empty() && items.iter().filter(|(_, n)| !n.is_empty()).count() == 5,
        "the batch mixes posts with and without notifications"
    );

    let mut twin = Twin {
        tenant: twin_tenant.clone(),
        ids: HashMap::new(),
    };
    for p in std::iter::once(&old_root).chain(items.iter().map(|(p, _)| p)) {
        twin.ids.insert(p.id, ids.next(p.created_at));
    }
    ok(
        s.insert_post(&twin.post(&old_root), &[]).await,
        "store.insert_post of the twin's earlier root",
    );

    // The batch, in the main tenant.
    let before = last_seq(s).await;
    let seq = ok(
        s.insert_posts_with_notifications(&items).await,
        "store.insert_posts_with_notifications",
    );
    let changes = tenant_changes(s, &fx.tenant, before).await;
    assert_eq!(
        changes.iter().map(|c| (c.post, c.kind)).collect::<Vec<_>>(),
        items
            .iter()
            .map(|(p, _)| (p.id, ChangeKind::Created))
            .collect::<Vec<_>>(),
        "one Created entry per post of the batch, in item order"
    );
    assert_eq!(
        Some(seq),
        changes.last().map(|c| c.seq),
        "insert_posts_with_notifications returns the last entry's seq"
    );

    // The same items one by one, in the twin tenant.
    let before = last_seq(s).await;
    let mut seqs = Vec::new();
    for (p, notes) in &items {
        let notes: Vec<NewNotification> = notes.iter().map(|n| twin.note(n)).collect();
        seqs.push(ok(
            s.insert_post(&twin.post(p), &notes).await,
            "store.insert_post",
        ));
    }
    let single = tenant_changes(s, &twin_tenant, before).await;
    assert_eq!(
        single.iter().map(|c| c.seq).collect::<Vec<_>>(),
        seqs,
        "insert_post returns its entry's seq"
    );

    // Posts, counters and last activity.
    let mut batch_posts: Vec<Post> = scan_tenant(s, &fx.tenant)
        .await
        .iter()
        .map(|p| twin.post(p))
        .collect();
    batch_posts.sort_by_key(|p| p.id);
    let single_posts = scan_tenant(s, &twin_tenant).await;
    assert_eq!(
        batch_posts, single_posts,
        "the posts stored by the batch vs by single inserts"
    );
    let stats = async |tenant: &TenantId, p: &Post| -> PostStats {
        let mut p = p.clone();
        p.tenant = tenant.clone();
        let access = Fixture::author_access(&p);
        ok(s.get_post(&access, &p.id).await, "store.get_post")
            .unwrap_or_else(|| panic!("the author cannot read post {} of {tenant}", p.id))
            .stats
    };
    let mut batch_stats = HashMap::new();
    for p in std::iter::once(&old_root).chain(items.iter().map(|(p, _)| p)) {
        let mine = stats(&fx.tenant, p).await;
        let theirs = stats(&twin_tenant, &twin.post(p)).await;
        assert_eq!(
            mine, theirs,
            "counters of {:?} after the batch vs after single inserts",
            p.text
        );
        batch_stats.insert(p.id, mine);
    }
    let replies = |p: &Post| batch_stats.get(&p.id).map_or(0, |s| s.replies);
    assert_eq!(replies(&old_root), 1, "the earlier root got one reply");
    assert_eq!(
        replies(&items[1].0),
        3,
        "the batch's root: three replies in its thread, one of them to a reply"
    );
    assert_eq!(replies(&items[2].0), 1, "the reply that got a reply");
    assert_eq!(
        batch_stats
            .get(&items[1].0.id)
            .and_then(|s| s.last_activity),
        Some(items[5].0.created_at),
        "the root's last activity is its latest reply"
    );

    // Notifications, in order, and interactions.
    for (who, _, _) in CAST {
        let mine: Vec<_> = notifications_of(s, &fx.tenant, who)
            .await
            .iter()
            .map(|n| twin.shown(n))
            .collect();
        let theirs: Vec<_> = notifications_of(s, &twin_tenant, who)
            .await
            .iter()
            .map(|n| twin.shown(n))
            .collect();
        assert_eq!(
            mine, theirs,
            "{who}'s notifications after the batch vs after single inserts"
        );
        let mut a = ok(
            s.interactions(&fx.tenant, &person(who), 100).await,
            "store.interactions",
        );
        let mut b = ok(
            s.interactions(&twin_tenant, &person(who), 100).await,
            "store.interactions",
        );
        a.sort();
        b.sort();
        assert_eq!(
            a, b,
            "{who}'s interactions after the batch vs single inserts"
        );
    }
    let alice = notifications_of(s, &fx.tenant, "alice").await;
    let folded = alice
        .iter()
        .find(|n| n.kind == NotificationKind::Reply && n.post == items[1].0.id);
    assert_eq!(
        folded.map(|n| n.actors.clone()),
        Some(vec![person("carol"), person("bob")]),
        "alice: the two replies to her post are one notification, latest actor first"
    );
    assert!(
        alice
            .iter()
            .any(|n| n.kind == NotificationKind::Mention && n.post == items[0].0.id),
        "alice was mentioned in the batch's first post"
    );
    let dave = notifications_of(s, &fx.tenant, "dave").await;
    assert!(
        dave.iter()
            .any(|n| n.kind == NotificationKind::Mention && n.post == items[1].0.id),
        "dave was mentioned in the batch's root: {dave:?}"
    );
    let bob_interactions = ok(
        s.interactions(&fx.tenant, &person("bob"), 100).await,
        "store.interactions",
    );
    assert!(
        bob_interactions.contains(&(person("carol"), 1))
            && bob_interactions.contains(&(person("alice"), 1)),
        "bob replied to carol and to alice: {bob_interactions:?}"
    );

    // A batch spanning two tenants.
    let other = fx.twin_tenant("insertmix");
    let x = prepare(&fx, &fx.tenant, &ids, "dave", "mixed @bob", None).await;
    let y = prepare(&fx, &other, &ids, "dave", "mixed @bob", None).await;
    let z = prepare(&fx, &fx.tenant, &ids, "dave", "mixed @carol", None).await;
    let before = last_seq(s).await;
    ok(
        s.insert_posts_with_notifications(&[x.clone(), y.clone(), z.clone()])
            .await,
        "store.insert_posts_with_notifications across tenants",
    );
    let bob_other: Vec<(NotificationKind, PostId)> = notifications_of(s, &other, "bob")
        .await
        .iter()
        .map(|n| (n.kind, n.post))
        .collect();
    assert_eq!(
        bob_other,
        vec![(NotificationKind::Mention, y.0.id)],
        "bob of the other tenant is notified of that tenant's post only"
    );
    assert!(
        notifications_of(s, &fx.tenant, "bob")
            .await
            .iter()
            .any(|n| n.post == x.0.id),
        "bob of the main tenant is notified of its post"
    );
    assert!(
        notifications_of(s, &fx.tenant, "carol")
            .await
            .iter()
            .any(|n| n.post == z.0.id),
        "carol is notified of the post after the other tenant's"
    );
    assert_eq!(
        tenant_changes(s, &other, before)
            .await
            .iter()
            .map(|c| c.post)
            .collect::<Vec<_>>(),
        vec![y.0.id],
        "the other tenant's entry"
    );

    // Refused and empty batches.
    let before = last_seq(s).await;
    let fresh = prepare(&fx, &fx.tenant, &ids, "alice", "fresh @bob", None).await;
    already_exists(
        s.insert_posts_with_notifications(&[items[1].clone(), fresh.clone()])
            .await,
        "insert_posts_with_notifications whose first post exists",
    );
    assert!(
        ok(
            s.posts_for_indexing(&fx.tenant, &[fresh.0.id]).await,
            "store.posts_for_indexing"
        )
        .is_empty(),
        "a refused batch stores none of its posts"
    );
    ok(
        s.insert_posts_with_notifications(&[]).await,
        "store.insert_posts_with_notifications of nothing",
    );
    assert_no_new_changes(
        &tenant_changes(s, &fx.tenant, before).await,
        "a refused and an empty batch",
    );
}

//! Host ids — tenants, people, groups — as `docs/storage.md` ("Identifiers") defines them:
//! 1 to `MAX_ID_BYTES` bytes of UTF-8 without control characters. An id outside that is
//! refused with [`watercooler_core::Error::Invalid`] at every entry, alike on every store, and
//! nothing is stored; an id inside it, however long or non-ASCII, works everywhere.

use std::sync::Arc;

use watercooler_core::{
    FollowTarget, Group, GroupId, GroupKind, MAX_ID_BYTES, MuteTarget, NewPost, PageRequest,
    Person, PersonId, Post, Reaction, ReactionKind, Store, TenantId, Viewer, Visibility,
};

use crate::check::{invalid, ok};
use crate::fixture::Fixture;
use crate::state::{assert_no_new_changes, last_seq, tenant_changes};

/// Ids a store or the search index could not keep whole, with the field the error names.
fn bad_ids() -> Vec<(&'static str, String)> {
    vec![
        ("long", "x".repeat(MAX_ID_BYTES + 1)),
        ("very long", "y".repeat(70_000)),
        ("NUL", "g-\0secret".to_owned()),
        ("line break", "a\nb".to_owned()),
        ("empty", String::new()),
    ]
}

/// Bad ids are refused by the store's writes and by the service, with `Invalid` naming the
/// id, and change nothing.
pub async fn bad_ids_are_refused_everywhere(store: Arc<dyn Store>) {
    let fx = Fixture::new(store, "badids").await;
    let s = &*fx.store;
    let before = last_seq(s).await;
    let good = fx.publish("alice", NewPost::new("A good post")).await;
    let after_good = last_seq(s).await;
    let alice = fx.viewer("alice");

    for (label, bad) in bad_ids() {
        let what = |call: &str| format!("{call} with a {label} id");
        // The store, directly: every id a post holds.
        let mut posts: Vec<(&str, Post)> = Vec::new();
        let mut p = good.clone();
        p.id = watercooler_core::PostId::from_parts(fx.now(), 0xbad);
        p.tenant = TenantId::new(bad.clone());
        posts.push(("tenant id", p.clone()));
        p.tenant = fx.tenant.clone();
        p.author = PersonId::new(bad.clone());
        posts.push(("person id", p.clone()));
        p.author = good.author.clone();
        p.visibility = Visibility::group(bad.clone());
        posts.push(("group id", p.clone()));
        p.visibility = Visibility::direct([PersonId::new("bob"), PersonId::new(bad.clone())]);
        posts.push(("person id", p));
        for (field, post) in &posts {
            invalid(
                s.insert_post(post, &[]).await,
                Some(field),
                &what("store.insert_post"),
            );
            invalid(
                s.insert_posts(std::slice::from_ref(post)).await,
                Some(field),
                &what("store.insert_posts"),
            );
        }
        let t = &fx.tenant;
        let bob = PersonId::new("bob");
        let bad_person = PersonId::new(bad.clone());
        let bad_group = FollowTarget::Group(GroupId::new(bad.clone()));
        invalid(
            s.follow(t, &bob, &bad_group).await,
            Some("group id"),
            &what("store.follow"),
        );
        invalid(
            s.follow(t, &bad_person, &FollowTarget::Person(bob.clone()))
                .await,
            Some("person id"),
            &what("store.follow"),
        );
        invalid(
            s.follow_many(t, &[(bob.clone(), bad_group.clone())]).await,
            Some("group id"),
            &what("store.follow_many"),
        );
        invalid(
            s.mute(t, &bob, &MuteTarget::Person(bad_person.clone()))
                .await,
            Some("person id"),
            &what("store.mute"),
        );
        let reaction = Reaction {
            post: good.id,
            person: bad_person.clone(),
            kind: ReactionKind::Like,
            at: fx.now(),
        };
        invalid(
            s.add_reaction(t, &reaction, None).await,
            Some("person id"),
            &what("store.add_reaction"),
        );
        invalid(
            s.add_reactions(t, std::slice::from_ref(&reaction)).await,
            Some("person id"),
            &what("store.add_reactions"),
        );

        // The service: viewers, audiences, targets, feeds.
        let stranger = Viewer::new(fx.tenant.clone(), bad.clone());
        invalid(
            fx.wc.publish(&stranger, NewPost::new("hi")).await,
            Some("person id"),
            &what("publish as a viewer"),
        );
        let elsewhere = Viewer::new(bad.clone(), "alice");
        invalid(
            fx.wc.home_feed(&elsewhere, &PageRequest::first(10)).await,
            Some("tenant id"),
            &what("home_feed in a tenant"),
        );
        invalid(
            fx.wc
                .publish(&alice, NewPost::new("to a group").in_group(bad.clone()))
                .await,
            Some("group id"),
            &what("publish in a group"),
        );
        invalid(
            fx.wc.follow(&alice, bad_group.clone()).await,
            Some("group id"),
            &what("follow a group"),
        );
        invalid(
            fx.wc
                .group_feed(&alice, &GroupId::new(bad.clone()), &PageRequest::first(10))
                .await,
            Some("group id"),
            &what("group_feed"),
        );
        invalid(
            fx.admin().await.erase_person(&bad_person).await,
            Some("person id"),
            &what("erase_person"),
        );

        // The directory the suite ships.
        invalid(
            fx.dir
                .add_person(&fx.tenant, Person::new(bad.as_str(), "handle9", "Name")),
            Some("person id"),
            &what("MemoryDirectory::add_person"),
        );
    }
    let changes = tenant_changes(s, &fx.tenant, after_good).await;
    assert_no_new_changes(&changes, "refused calls with bad ids");
    assert!(after_good > before, "the control post was logged");
}

/// The longest ids, and ids in any script, work on every read path like short ASCII ones.
pub async fn long_and_unicode_ids_work(store: Arc<dyn Store>) {
    let fx = Fixture::new(store, "longids").await;
    // 128 two-byte characters: exactly the limit.
    let person = "é".repeat(MAX_ID_BYTES / 2);
    let group = GroupId::new("Ü".repeat(MAX_ID_BYTES / 2));
    assert_eq!(person.len(), MAX_ID_BYTES);
    ok(
        fx.dir
            .add_person(&fx.tenant, Person::new(person.as_str(), "emile", "Émile")),
        "directory: add a person with the longest id",
    );
    ok(
        fx.dir.add_group(
            &fx.tenant,
            Group {
                id: group.clone(),
                name: "Überteam".into(),
                kind: GroupKind::Team,
                private: true,
            },
        ),
        "directory: add a group with the longest id",
    );
    for m in [person.as_str(), "bob"] {
        ok(
            fx.dir.add_member(&fx.tenant, &group, &PersonId::new(m)),
            "directory: add member",
        );
    }
    let post = fx
        .publish(
            &person,
            NewPost::new("Hallo @bob, welkom #überteam").in_group(group.clone()),
        )
        .await;
    let bob = fx.viewer("bob");
    let seen = ok(fx.wc.post(&bob, &post.id).await, "member reads the post");
    assert_eq!(seen.post, post);
    let feed = ok(
        fx.wc
            .group_feed(&bob, &group, &PageRequest::first(10))
            .await,
        "group feed",
    );
    assert_eq!(feed.items.len(), 1, "the group feed holds the post");
    let notes = ok(
        fx.wc.notifications(&bob, &PageRequest::first(10)).await,
        "notifications",
    );
    assert!(
        notes.items.iter().any(|n| n.post == post.id),
        "bob is notified of the mention by the long-id author"
    );
    crate::check::hidden(
        fx.wc.post(&fx.viewer("dave"), &post.id).await,
        "a non-member of the long-id group",
    );
    ok(
        fx.wc
            .follow(&bob, FollowTarget::Person(PersonId::new(person.as_str())))
            .await,
        "follow the long-id person",
    );
    let follows = ok(
        fx.wc.follows(&bob, &PageRequest::first(1)).await,
        "follows, first page",
    );
    assert_eq!(follows.items.len(), 1);
    // The follow list's cursor carries the long id and must be accepted back.
    if let Some(next) = follows.next {
        ok(
            fx.wc.follows(&bob, &PageRequest::after(next, 1)).await,
            "follows, after a long-id cursor",
        );
    }
}

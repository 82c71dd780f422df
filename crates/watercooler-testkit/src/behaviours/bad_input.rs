//! Bad input: typed errors, and nothing changed.

use std::sync::Arc;

use chrono::Duration;
use watercooler_core::store::{PostFilter, PostUpdate};
use watercooler_core::watercooler_text::TextError;
use watercooler_core::{
    Cursor, FollowTarget, GroupId, MAX_PAGE_SIZE, NewPost, PageRequest, PersonId, PostEdit, PostId,
    ReactionKind, Store, Viewer,
};

use crate::check::{hidden, invalid, ok, refused};
use crate::fixture::Fixture;
use crate::state::{Snapshot, assert_no_new_changes, last_seq, tenant_changes};

/// A rejected text: its name, the text, and a test of the typed reason.
type BadText = (&'static str, String, fn(&TextError) -> bool);

/// Texts that are rejected, with the typed reason expected.
fn bad_texts() -> Vec<BadText> {
    vec![
        ("empty", String::new(), |e| matches!(e, TextError::Empty)),
        ("whitespace only", " \n\t  \r\n ".into(), |e| {
            matches!(e, TextError::Empty)
        }),
        ("invisible only", "\u{200B}\u{2800}\u{FE0F}".into(), |e| {
            matches!(e, TextError::Empty)
        }),
        ("1 MB", "a".repeat(1 << 20), |e| {
            matches!(
                e,
                TextError::TooManyBytes { .. } | TextError::TooLong { .. }
            )
        }),
        ("NUL", "hello\0world".into(), |e| {
            matches!(e, TextError::ControlCharacter { ch: '\0', .. })
        }),
    ]
}

/// Bad post text (empty, whitespace or invisible only, 1 MB, NUL) is [`Error::Invalid`]
/// naming `text` with the typed [`TextError`], on publish, reply and edit; unknown posts,
/// people and groups are typed refusals; the store's own writes on unknown posts are
/// "not found". Nothing changes: no change-log entry, no post, counter or notification.
///
/// [`Error::Invalid`]: watercooler_core::Error::Invalid
pub async fn bad_input_is_refused_and_changes_nothing(store: Arc<dyn Store>) {
    let fx = Fixture::new(store, "badinput").await;
    let s = &*fx.store;
    let t = fx.tenant.clone();
    let post = fx.publish("alice", NewPost::new("A fine post @bob")).await;
    fx.tick();
    ok(
        fx.wc
            .react(&fx.viewer("bob"), &post.id, ReactionKind::Like)
            .await,
        "react",
    );
    let snap = Snapshot::take(&fx, &t).await;
    let seq = last_seq(s).await;
    let (alice, bob) = (fx.viewer("alice"), fx.viewer("bob"));

    for (name, text, reason) in bad_texts() {
        let what = format!("publish with {name} text");
        let e = invalid(
            fx.wc.publish(&alice, NewPost::new(text.clone())).await,
            Some("text"),
            &what,
        );
        let te = e
            .text_error()
            .unwrap_or_else(|| panic!("{what}: Error::Invalid carries no TextError: {e:?}"));
        assert!(reason(te), "{what}: wrong reason {te:?}");
        invalid(
            fx.wc.reply(&bob, &post.id, &text).await,
            Some("text"),
            &format!("reply with {name} text"),
        );
        invalid(
            fx.wc.edit(&alice, &post.id, &text).await,
            Some("text"),
            &format!("edit to {name} text"),
        );
    }

    let missing = PostId::from_u128(post.id.as_u128() ^ 0xffff);
    let later = fx.now() + Duration::hours(1);
    hidden(fx.wc.post(&bob, &missing).await, "post of an unknown id");
    hidden(
        fx.wc.reply(&bob, &missing, "hi").await,
        "reply to an unknown post",
    );
    hidden(
        fx.wc.edit(&alice, &missing, "hi").await,
        "edit of an unknown post",
    );
    hidden(
        fx.wc.delete(&alice, &missing).await,
        "delete of an unknown post",
    );
    hidden(
        fx.wc.react(&bob, &missing, ReactionKind::Like).await,
        "react to an unknown post",
    );
    hidden(
        fx.wc.pin(&alice, &missing, later).await,
        "pin of an unknown post",
    );
    hidden(
        fx.wc.thread(&bob, &missing, &PageRequest::first(10)).await,
        "thread of an unknown post",
    );

    let ghost = Viewer::new(t.clone(), "ghost");
    refused(
        fx.wc.publish(&ghost, NewPost::new("boo")).await,
        "publish by a person the directory does not know",
    );
    refused(
        fx.wc.reply(&ghost, &post.id, "boo").await,
        "reply by an unknown person",
    );
    refused(
        fx.wc.react(&ghost, &post.id, ReactionKind::Like).await,
        "react by an unknown person",
    );
    refused(
        fx.wc
            .follow(&ghost, FollowTarget::Person(PersonId::new("bob")))
            .await,
        "follow by an unknown person",
    );
    refused(
        fx.wc
            .publish(&alice, NewPost::new("to nowhere").in_group("no-such-group"))
            .await,
        "publish in an unknown group",
    );
    refused(
        fx.wc
            .publish(
                &alice,
                NewPost::new("to a ghost").direct_to([PersonId::new("ghost")]),
            )
            .await,
        "direct to an unknown person",
    );
    refused(
        fx.wc
            .publish(&alice, NewPost::new("to nobody").direct_to([]))
            .await,
        "direct to no one",
    );
    refused(
        fx.wc
            .publish(
                &fx.viewer("dave"),
                NewPost::new("gatecrash").in_group("eng"),
            )
            .await,
        "publish in a group one is not a member of",
    );
    refused(
        fx.wc
            .publish(&alice, NewPost::new("gatecrash").in_group("hr"))
            .await,
        "an admin publishes in a private group she is not in",
    );
    refused(
        fx.wc
            .follow(&alice, FollowTarget::Person(PersonId::new("ghost")))
            .await,
        "follow an unknown person",
    );
    refused(
        fx.wc
            .follow(&alice, FollowTarget::Group(GroupId::new("no-such-group")))
            .await,
        "follow an unknown group",
    );

    // The store's own writes on unknown posts.
    let now = fx.now();
    let edit = PostEdit {
        id: missing,
        text: "x".into(),
        edited_at: now,
        hashtags: vec![],
        mentions: vec![],
        urls: vec![],
    };
    hidden(
        s.update_post(&t, &PostUpdate::text(edit, vec![])).await,
        "store.update_post of an unknown post",
    );
    hidden(
        s.delete_post(&t, &missing, now).await,
        "store.delete_post of an unknown post",
    );
    hidden(
        s.set_pinned(&t, &missing, Some(later), now).await,
        "store.set_pinned of an unknown post",
    );
    let r = watercooler_core::Reaction {
        post: missing,
        person: PersonId::new("bob"),
        kind: ReactionKind::Like,
        at: now,
    };
    hidden(
        s.add_reaction(&t, &r, None).await,
        "store.add_reaction on an unknown post",
    );
    assert!(!ok(
        s.remove_reaction(&t, &missing, &PersonId::new("bob"), ReactionKind::Like)
            .await,
        "remove_reaction"
    ));

    Snapshot::take(&fx, &t)
        .await
        .assert_same(&snap, "bad input");
    assert_no_new_changes(&tenant_changes(s, &t, seq).await, "bad input");
}

/// Every paginated call refuses a limit of 0 or more than [`MAX_PAGE_SIZE`] and a cursor
/// it did not hand out with [`Error::Invalid`], and accepts exactly `MAX_PAGE_SIZE`.
///
/// [`Error::Invalid`]: watercooler_core::Error::Invalid
pub async fn page_limits_and_cursors_are_checked(store: Arc<dyn Store>) {
    let fx = Fixture::new(store, "limits").await;
    let s = &*fx.store;
    let t = fx.tenant.clone();
    let post = fx.publish("alice", NewPost::new("hello @bob")).await;
    fx.tick();
    ok(
        fx.wc
            .react(&fx.viewer("bob"), &post.id, ReactionKind::Like)
            .await,
        "react",
    );
    ok(
        fx.wc
            .follow(
                &fx.viewer("bob"),
                FollowTarget::Person(PersonId::new("alice")),
            )
            .await,
        "follow",
    );
    let seq = last_seq(s).await;
    let access = fx.access("bob").await;
    let bob = fx.viewer("bob");
    let bob_id = PersonId::new("bob");
    let filter = PostFilter::default();

    let mut requests: Vec<(String, PageRequest, bool)> = vec![
        ("limit 0".into(), PageRequest::first(0), false),
        (
            format!("limit {}", MAX_PAGE_SIZE + 1),
            PageRequest::first(MAX_PAGE_SIZE + 1),
            false,
        ),
        (
            "limit usize::MAX".into(),
            PageRequest::first(usize::MAX),
            false,
        ),
        (
            format!("limit {MAX_PAGE_SIZE}"),
            PageRequest::first(MAX_PAGE_SIZE),
            true,
        ),
    ];
    for garbage in [
        "garbage",
        "",
        "\0",
        "-1",
        "9999999999999999999999999999999999",
    ] {
        requests.push((
            format!("cursor {garbage:?}"),
            PageRequest::after(Cursor::new(garbage), 10),
            false,
        ));
    }
    requests.push((
        "a 64 kB cursor".into(),
        PageRequest::after(Cursor::new("z".repeat(1 << 16)), 10),
        false,
    ));

    for (name, req, good) in requests {
        let check = |r: watercooler_core::Result<usize>, path: &str| {
            let what = format!("{path} with {name}");
            if good {
                ok(r, &what);
            } else {
                let field = if name.starts_with("limit") {
                    Some("limit")
                } else {
                    None
                };
                invalid(r, field, &what);
            }
        };
        check(
            n(s.list_posts(&access, &filter, &req).await),
            "store.list_posts",
        );
        check(
            n(s.reactions(&access, &post.id, &req).await),
            "store.reactions",
        );
        check(n(s.follows(&t, &bob_id, &req).await), "store.follows");
        check(n(s.mutes(&t, &bob_id, &req).await), "store.mutes");
        check(
            n(s.notifications(&t, &bob_id, &req).await),
            "store.notifications",
        );
        check(
            n(fx.wc.reactions(&bob, &post.id, &req).await),
            "service.reactions",
        );
        check(n(fx.wc.follows(&bob, &req).await), "service.follows");
        check(n(fx.wc.mutes(&bob, &req).await), "service.mutes");
        check(
            n(fx.wc.notifications(&bob, &req).await),
            "service.notifications",
        );
        check(
            fx.wc
                .thread(&bob, &post.id, &req)
                .await
                .map(|t| t.replies.items.len()),
            "service.thread",
        );
    }
    assert_no_new_changes(&tenant_changes(s, &t, seq).await, "page requests");
}

/// The number of items of a page, for checks that only care whether the call succeeded.
fn n<T>(r: watercooler_core::Result<watercooler_core::Page<T>>) -> watercooler_core::Result<usize> {
    r.map(|p| p.items.len())
}

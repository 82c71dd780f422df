//! The import batch calls are one transaction each: a failing item leaves nothing of the
//! items before it (the trait's defaults, call by call, would keep them).

use watercooler_core::{
    Error, FollowTarget, NewNotification, NotificationKind, PageRequest, PersonId, Seq, Store,
    TenantId,
};

use crate::common::Schema;
use crate::schema::{id, post};

#[tokio::test]
async fn a_batch_with_notifications_is_all_or_nothing() {
    let schema = Schema::new("batch_posts");
    let store = schema.store().await;
    let t = TenantId::new("t");
    let bea = PersonId::new("bea");
    let a = post("t", "ann", id(0, 1), "first");
    store.insert_post(&a, &[]).await.unwrap();
    let b = post("t", "ann", id(1, 2), "hello @bea");
    let note = NewNotification {
        recipient: bea.clone(),
        kind: NotificationKind::Mention,
        post: b.id,
        actor: PersonId::new("ann"),
        at: b.created_at,
        subject: None,
    };
    let e = store
        .insert_posts_with_notifications(&[(b.clone(), vec![note.clone()]), (a.clone(), vec![])])
        .await
        .unwrap_err();
    assert!(matches!(e, Error::AlreadyExists(_)), "{e:?}");
    let notes = async || {
        store
            .notifications(&t, &bea, &PageRequest::first(10))
            .await
            .unwrap()
            .items
    };
    assert!(notes().await.is_empty(), "no notification kept");
    assert_eq!(
        store.scan_posts(None, 10).await.unwrap().len(),
        1,
        "no post kept"
    );
    assert_eq!(store.last_seq().await.unwrap(), Seq(1), "no entry kept");
    let seq = store
        .insert_posts_with_notifications(&[(b, vec![note])])
        .await
        .unwrap();
    assert_eq!(seq, Seq(2));
    assert_eq!(notes().await.len(), 1, "the notification is stored");
}

#[tokio::test]
async fn a_batch_of_follows_is_all_or_nothing() {
    let schema = Schema::new("batch_follows");
    let store = schema.store().await;
    let t = TenantId::new("t");
    let ann = PersonId::new("ann");
    let good = (ann.clone(), FollowTarget::Person(PersonId::new("bea")));
    // NUL: PostgreSQL text cannot hold it, so the second row fails the statement.
    let bad = (
        ann.clone(),
        FollowTarget::Person(PersonId::new("nul\0here")),
    );
    let e = store
        .follow_many(&t, &[good.clone(), bad])
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Invalid { .. }), "{e:?}");
    let follows = async || {
        store
            .follows(&t, &ann, &PageRequest::first(10))
            .await
            .unwrap()
            .items
    };
    assert!(follows().await.is_empty(), "no follow kept");
    assert_eq!(
        store.follow_many(&t, &[good.clone(), good]).await.unwrap(),
        1
    );
    assert_eq!(follows().await.len(), 1);
}

//! One person's notifications, aggregated per (kind, post) and ordered by a store-wide seq
//! that grows each time a notification gets a new actor.

use std::collections::{BTreeMap, HashMap};

use crate::ids::{PersonId, PostId};
use crate::model::{NewNotification, Notification, NotificationKind};

/// Up to this many actors are kept in a plain vector (the common case: one or a few
/// actors, no extra allocation); beyond it, in an index.
const FEW_ACTORS: usize = 16;

/// Distinct actors in the order they last acted. Few actors live in a vector (bounded linear
/// work); many in an index with O(log n) moves and removals, so a post with thousands of
/// reactions never costs a scan per reaction.
#[derive(Debug)]
enum Actors {
    /// Most recent last; at most [`FEW_ACTORS`].
    Few(Vec<PersonId>),
    /// Turn counter → actor (the largest acted last), and actor → turn.
    Many {
        by_turn: BTreeMap<u64, PersonId>,
        turn_of: HashMap<PersonId, u64>,
        next: u64,
    },
}

impl Actors {
    fn one(actor: &PersonId) -> Self {
        Actors::Few(vec![actor.clone()])
    }

    /// Makes `actor` the most recent one.
    fn push(&mut self, actor: &PersonId) {
        match self {
            Actors::Few(v) => {
                if let Some(pos) = v.iter().position(|a| a == actor) {
                    let a = v.remove(pos);
                    v.push(a);
                    return;
                }
                v.push(actor.clone());
                if v.len() > FEW_ACTORS {
                    let by_turn: BTreeMap<u64, PersonId> = v
                        .drain(..)
                        .enumerate()
                        .map(|(i, a)| (i as u64, a))
                        .collect();
                    let turn_of = by_turn.iter().map(|(t, a)| (a.clone(), *t)).collect();
                    let next = by_turn.len() as u64;
                    *self = Actors::Many {
                        by_turn,
                        turn_of,
                        next,
                    };
                }
            }
            Actors::Many {
                by_turn,
                turn_of,
                next,
            } => {
                *next += 1;
                match turn_of.get_mut(actor) {
                    Some(turn) => {
                        by_turn.remove(turn);
                        *turn = *next;
                    }
                    None => {
                        turn_of.insert(actor.clone(), *next);
                    }
                }
                by_turn.insert(*next, actor.clone());
            }
        }
    }

    /// Removes `actor`; returns whether they were there.
    fn remove(&mut self, actor: &PersonId) -> bool {
        match self {
            Actors::Few(v) => match v.iter().position(|a| a == actor) {
                Some(pos) => {
                    v.remove(pos);
                    true
                }
                None => false,
            },
            Actors::Many {
                by_turn, turn_of, ..
            } => match turn_of.remove(actor) {
                Some(turn) => {
                    by_turn.remove(&turn);
                    true
                }
                None => false,
            },
        }
    }

    fn is_empty(&self) -> bool {
        match self {
            Actors::Few(v) => v.is_empty(),
            Actors::Many { turn_of, .. } => turn_of.is_empty(),
        }
    }

    /// Most recent first.
    fn to_vec(&self) -> Vec<PersonId> {
        match self {
            Actors::Few(v) => v.iter().rev().cloned().collect(),
            Actors::Many { by_turn, .. } => by_turn.values().rev().cloned().collect(),
        }
    }
}

/// One aggregated notification as stored.
#[derive(Debug)]
struct Item {
    seq: u64,
    recipient: PersonId,
    actors: Actors,
    updated_at: chrono::DateTime<chrono::Utc>,
    seen: bool,
    subject: Option<PostId>,
}

/// The notifications of one recipient.
#[derive(Debug, Default)]
pub(super) struct Inbox {
    /// A B-tree: one person's inbox can grow large, and rehashing showed as publish tails.
    items: BTreeMap<(NotificationKind, PostId), Item>,
    /// seq → item key, for newest-first pages.
    order: BTreeMap<u64, (NotificationKind, PostId)>,
}

impl Inbox {
    /// Folds an event in: a new notification, or a new (or returning) actor of an existing
    /// one, which moves it to the top and makes it unseen again. `seq` is the next value of
    /// the store's counter.
    pub(super) fn add(&mut self, n: &NewNotification, seq: u64) {
        let key = (n.kind, n.post);
        match self.items.get_mut(&key) {
            Some(existing) => {
                self.order.remove(&existing.seq);
                existing.actors.push(&n.actor);
                existing.updated_at = existing.updated_at.max(n.at);
                existing.seen = false;
                existing.seq = seq;
                existing.subject = n.subject.or(existing.subject);
            }
            None => {
                let actors = Actors::one(&n.actor);
                let item = Item {
                    seq,
                    recipient: n.recipient.clone(),
                    actors,
                    updated_at: n.at,
                    seen: false,
                    subject: n.subject,
                };
                self.items.insert(key, item);
            }
        }
        self.order.insert(seq, key);
    }

    /// Removes a notification; returns whether it existed.
    pub(super) fn remove(&mut self, kind: NotificationKind, post: PostId) -> bool {
        match self.items.remove(&(kind, post)) {
            Some(n) => {
                self.order.remove(&n.seq);
                true
            }
            None => false,
        }
    }

    /// Removes `actor` from one notification; drops the notification when no actor is
    /// left. Returns whether the notification was dropped.
    pub(super) fn remove_actor(
        &mut self,
        kind: NotificationKind,
        post: PostId,
        actor: &PersonId,
    ) -> bool {
        let Some(n) = self.items.get_mut(&(kind, post)) else {
            return false;
        };
        n.actors.remove(actor);
        n.actors.is_empty() && self.remove(kind, post)
    }

    /// Removes `actor` from every notification; returns the keys of those dropped because
    /// they had no actor left.
    pub(super) fn remove_actor_everywhere(
        &mut self,
        actor: &PersonId,
    ) -> Vec<(NotificationKind, PostId)> {
        let mut emptied = Vec::new();
        for (key, n) in self.items.iter_mut() {
            if n.actors.remove(actor) && n.actors.is_empty() {
                emptied.push(*key);
            }
        }
        for &(kind, post) in &emptied {
            self.remove(kind, post);
        }
        emptied
    }

    fn view(&self, key: &(NotificationKind, PostId)) -> Option<Notification> {
        let n = self.items.get(key)?;
        Some(Notification {
            seq: n.seq,
            recipient: n.recipient.clone(),
            kind: key.0,
            post: key.1,
            actors: n.actors.to_vec(),
            updated_at: n.updated_at,
            seen: n.seen,
            subject: n.subject,
        })
    }

    /// Up to `limit` notifications with seq below `before`, newest first, and whether more
    /// follow.
    pub(super) fn page(&self, before: Option<u64>, limit: usize) -> (Vec<Notification>, bool) {
        let upper = before.unwrap_or(u64::MAX);
        // Every key in `order` has its item, so counting keys counts notifications.
        let mut keys = self.order.range(..upper).rev();
        let items: Vec<Notification> = keys
            .by_ref()
            .take(limit)
            .filter_map(|(_, k)| self.view(k))
            .collect();
        let more = keys.next().is_some();
        (items, more)
    }

    /// Marks those with seq ≤ `up_to` seen; returns how many changed.
    pub(super) fn mark_seen(&mut self, up_to: u64) -> usize {
        let mut changed = 0;
        for key in self.order.range(..=up_to).map(|(_, k)| k) {
            if let Some(n) = self.items.get_mut(key)
                && !n.seen
            {
                n.seen = true;
                changed += 1;
            }
        }
        changed
    }

    /// Every notification, newest first.
    pub(super) fn all(&self) -> Vec<Notification> {
        self.order
            .values()
            .rev()
            .filter_map(|k| self.view(k))
            .collect()
    }

    /// Keys of every notification (for cleaning the store's post → notification index).
    pub(super) fn keys(&self) -> impl Iterator<Item = &(NotificationKind, PostId)> {
        self.items.keys()
    }

    /// How many notifications it holds.
    pub(super) fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether it holds none.
    pub(super) fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use chrono::DateTime;

    use super::*;

    fn event(actor: &str, post: u128, secs: i64) -> NewNotification {
        NewNotification {
            recipient: PersonId::new("r"),
            kind: NotificationKind::Reaction,
            post: PostId::from_u128(post),
            actor: PersonId::new(actor),
            at: DateTime::from_timestamp(secs, 0).unwrap(),
            subject: None,
        }
    }

    #[test]
    fn new_actor_moves_notification_to_top_and_unseen() {
        let mut inbox = Inbox::default();
        inbox.add(&event("a", 1, 10), 1);
        inbox.add(&event("b", 2, 11), 2);
        assert_eq!(inbox.mark_seen(2), 2);
        inbox.add(&event("c", 1, 12), 3);
        let (items, more) = inbox.page(None, 10);
        assert!(!more);
        assert_eq!(items.len(), 2);
        assert_eq!(items[0].post, PostId::from_u128(1));
        assert_eq!(
            items[0].actors,
            vec![PersonId::new("c"), PersonId::new("a")]
        );
        assert!(!items[0].seen);
        assert!(items[1].seen);
        // The same actor again does not duplicate.
        inbox.add(&event("a", 1, 13), 4);
        assert_eq!(
            inbox.page(None, 1).0[0].actors,
            vec![PersonId::new("a"), PersonId::new("c")]
        );
    }

    #[test]
    fn many_actors_keep_their_order_through_the_switch_to_an_index() {
        let mut inbox = Inbox::default();
        let n = FEW_ACTORS as u64 + 10;
        for i in 0..n {
            inbox.add(&event(&format!("a{i}"), 1, i as i64), i + 1);
        }
        inbox.add(&event("a0", 1, 100), n + 1);
        assert!(!inbox.remove_actor(
            NotificationKind::Reaction,
            PostId::from_u128(1),
            &"a5".into()
        ));
        let actors = inbox.page(None, 1).0.remove(0).actors;
        assert_eq!(actors.len(), n as usize - 1);
        assert_eq!(actors[0], PersonId::new("a0"));
        assert_eq!(actors[1], PersonId::new(format!("a{}", n - 1)));
        assert!(!actors.contains(&PersonId::new("a5")));
        assert_eq!(actors.last(), Some(&PersonId::new("a1")));
    }

    #[test]
    fn pages_follow_seq_and_removing_last_actor_drops_it() {
        let mut inbox = Inbox::default();
        for i in 1..=5u64 {
            inbox.add(&event("a", u128::from(i), i as i64), i);
        }
        let (first, more) = inbox.page(None, 2);
        assert!(more);
        assert_eq!(first.iter().map(|n| n.seq).collect::<Vec<_>>(), vec![5, 4]);
        let (rest, more) = inbox.page(Some(4), 10);
        assert!(!more);
        assert_eq!(
            rest.iter().map(|n| n.seq).collect::<Vec<_>>(),
            vec![3, 2, 1]
        );
        assert!(inbox.remove_actor(
            NotificationKind::Reaction,
            PostId::from_u128(3),
            &"a".into()
        ));
        assert_eq!(inbox.len(), 4);
        assert_eq!(inbox.remove_actor_everywhere(&"a".into()).len(), 4);
        assert!(inbox.is_empty());
    }
}

//! GDPR erasure and export of one person within a tenant.

use chrono::{DateTime, Utc};

use super::tenant::{Shared, TenantData};
use crate::ids::{PersonId, PostId};
use crate::model::{ChangeKind, FollowTarget, MuteTarget, Reaction, ReactionKind};
use crate::store::{ErasureReport, PersonData};

impl TenantData {
    /// Erases `person` (see [`crate::Store::erase_person`]). A thread root of theirs takes
    /// the replies of others along, as a delete would (they are logged `Deleted`, theirs
    /// `Erased`). Linear in the tenant's data; idempotent.
    pub(super) fn erase(
        &mut self,
        person: &PersonId,
        at: DateTime<Utc>,
        shared: &mut Shared,
    ) -> ErasureReport {
        let mut report = ErasureReport::default();
        let mut last = None;

        // Their posts and replies, with what hangs off them. Replies first, so that each
        // of theirs is logged `Erased` before a root of theirs takes the thread along.
        let mut own: Vec<(bool, PostId)> = self
            .by_author
            .get(person)
            .into_iter()
            .flatten()
            .filter_map(|id| {
                self.posts
                    .get(id)
                    .map(|e| (e.post.thread_root.is_none(), *id))
            })
            .collect();
        own.sort_unstable();
        for (_, id) in own {
            if let Some(seq) = self.delete(id, ChangeKind::Erased, ChangeKind::Deleted, at, shared)
            {
                report.posts += 1;
                last = Some(seq);
            }
        }

        // Their reactions.
        for (post, kind) in self.reactions_by_person.remove(person).unwrap_or_default() {
            if let Some(e) = self.posts.get_mut(&post)
                && e.reactions.remove(&(person.clone(), kind)).is_some()
            {
                let slot = &mut e.stats.reactions[kind.index()];
                *slot = slot.saturating_sub(1);
                report.reactions += 1;
            }
        }

        // Their follows and mutes, and others' of them.
        report.follows_and_mutes += self.follows.remove(person).map_or(0, |s| s.len());
        report.follows_and_mutes += self.mutes.remove(person).map_or(0, |s| s.len());
        let as_follow = FollowTarget::Person(person.clone());
        let as_mute = MuteTarget::Person(person.clone());
        for set in self.follows.values_mut() {
            report.follows_and_mutes += usize::from(set.remove(&as_follow));
        }
        for set in self.mutes.values_mut() {
            report.follows_and_mutes += usize::from(set.remove(&as_mute));
        }
        self.follows.retain(|_, s| !s.is_empty());
        self.mutes.retain(|_, s| !s.is_empty());

        // Notifications to them, and them as an actor in others'.
        if let Some(inbox) = self.inboxes.remove(person) {
            report.notifications += inbox.len();
            for (kind, post) in inbox.keys() {
                if let Some(set) = self.notified_about.get_mut(post) {
                    set.remove(&(person.clone(), *kind));
                    if set.is_empty() {
                        self.notified_about.remove(post);
                    }
                }
            }
        }
        let mut emptied = Vec::new();
        for (recipient, inbox) in self.inboxes.iter_mut() {
            for (kind, post) in inbox.remove_actor_everywhere(person) {
                emptied.push((recipient.clone(), kind, post));
            }
        }
        report.notifications += emptied.len();
        for (recipient, kind, post) in emptied {
            if let Some(set) = self.notified_about.get_mut(&post) {
                set.remove(&(recipient.clone(), kind));
                if set.is_empty() {
                    self.notified_about.remove(&post);
                }
            }
        }
        self.inboxes.retain(|_, i| !i.is_empty());

        // Their resolved mentions in others' posts: the text stays, the link goes.
        for id in self.by_mention.remove(person).unwrap_or_default() {
            if let Some(e) = self.posts.get_mut(&id) {
                e.post.mentions.retain(|m| &m.person != person);
                report.mentions += 1;
                last = Some(shared.log.push(&self.tenant, id, ChangeKind::Edited, at));
            }
        }

        // Seen state and interactions, both ways.
        self.seen.remove(person);
        self.interactions.remove(person);
        for counts in self.interactions.values_mut() {
            counts.remove(person);
        }
        self.interactions.retain(|_, c| !c.is_empty());

        report.last_seq = last;
        report
    }

    /// Everything stored about `person`.
    pub(super) fn export(&self, person: &PersonId) -> PersonData {
        let own = self.by_author.get(person);
        let posts: Vec<_> = own
            .into_iter()
            .flatten()
            .filter_map(|id| self.posts.get(id))
            .collect();
        let mut seen: Vec<PostId> = self
            .seen
            .get(person)
            .map(|s| s.iter().copied().collect())
            .unwrap_or_default();
        seen.sort_unstable();
        PersonData {
            revisions: posts
                .iter()
                .flat_map(|e| e.revisions.iter().cloned())
                .collect(),
            posts: posts.iter().map(|e| e.post.clone()).collect(),
            reactions: self
                .reactions_by_person
                .get(person)
                .into_iter()
                .flatten()
                .filter_map(|(post, kind)| self.reaction_of(*post, person, *kind))
                .collect(),
            follows: self
                .follows
                .get(person)
                .map(|s| s.iter().cloned().collect())
                .unwrap_or_default(),
            mutes: self
                .mutes
                .get(person)
                .map(|s| s.iter().cloned().collect())
                .unwrap_or_default(),
            notifications: self
                .inboxes
                .get(person)
                .map(|i| i.all())
                .unwrap_or_default(),
            seen,
        }
    }

    fn reaction_of(&self, post: PostId, person: &PersonId, kind: ReactionKind) -> Option<Reaction> {
        let at = *self
            .posts
            .get(&post)?
            .reactions
            .get(&(person.clone(), kind))?;
        Some(Reaction {
            post,
            person: person.clone(),
            kind,
            at,
        })
    }
}

//! One tenant's data and its indexes, and the writes that keep them in step.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use chrono::{DateTime, Utc};
use watercooler_text::TagKey;

use super::inbox::Inbox;
use super::log::ChangeLog;
use super::tags::TagIndex;
use crate::error::{Error, Result};
use crate::ids::{GroupId, PersonId, PostId, Seq, TenantId};
use crate::model::{
    ChangeKind, FollowTarget, MuteTarget, NewNotification, NotificationKind, Post, PostStats,
    Reaction, ReactionKind, RequestKey, RequestRecord, Revision, Visibility,
};

/// What is shared by all tenants: the change log and the notification counter.
#[derive(Debug, Default)]
pub(super) struct Shared {
    pub(super) log: ChangeLog,
    notification_seq: u64,
}

impl Shared {
    fn next_notification_seq(&mut self) -> u64 {
        self.notification_seq += 1;
        self.notification_seq
    }
}

/// A post with what hangs off it.
#[derive(Debug)]
pub(super) struct PostEntry {
    pub(super) post: Post,
    pub(super) stats: PostStats,
    /// (person, kind) → when.
    pub(super) reactions: BTreeMap<(PersonId, ReactionKind), DateTime<Utc>>,
    pub(super) revisions: Vec<Revision>,
}

/// One tenant's data. Every index holds post ids in `BTreeSet`s so chronological ranges
/// (and cursors) are cheap in both directions.
#[derive(Debug)]
pub(super) struct TenantData {
    pub(super) tenant: TenantId,
    pub(super) posts: BTreeMap<PostId, PostEntry>,
    /// Posts that are not replies.
    pub(super) roots: BTreeSet<PostId>,
    /// Root posts visible to the whole organisation (the "popular" pool).
    pub(super) org_roots: BTreeSet<PostId>,
    pub(super) by_author: HashMap<PersonId, BTreeSet<PostId>>,
    pub(super) by_group: HashMap<GroupId, BTreeSet<PostId>>,
    pub(super) by_mention: HashMap<PersonId, BTreeSet<PostId>>,
    /// Thread root → its replies.
    pub(super) by_thread: HashMap<PostId, BTreeSet<PostId>>,
    pub(super) tags: BTreeMap<TagKey, TagIndex>,
    /// Posts with `pinned_until` set (expired or not; readers check the time).
    pub(super) pinned: BTreeSet<PostId>,
    pub(super) reactions_by_person: HashMap<PersonId, BTreeSet<(PostId, ReactionKind)>>,
    /// person → author → how often the person reacted to or replied to the author.
    pub(super) interactions: HashMap<PersonId, HashMap<PersonId, u32>>,
    pub(super) follows: HashMap<PersonId, BTreeSet<FollowTarget>>,
    pub(super) mutes: HashMap<PersonId, BTreeSet<MuteTarget>>,
    pub(super) inboxes: HashMap<PersonId, Inbox>,
    /// post → (recipient, kind) of the notifications about it, to drop them with the post.
    /// A B-tree, not a hash map: it grows with the posts, and rehashing it showed as
    /// multi-millisecond publish tails.
    pub(super) notified_about: BTreeMap<PostId, BTreeSet<(PersonId, NotificationKind)>>,
    pub(super) seen: HashMap<PersonId, BTreeSet<PostId>>,
    /// (person, key) → the keyed request that made a post; dropped with the post.
    pub(super) requests: HashMap<(PersonId, RequestKey), RequestRecord>,
    /// post → the key of the request that made it, to drop the request with the post.
    pub(super) request_of: HashMap<PostId, (PersonId, RequestKey)>,
}

/// Adds `value` to `key`'s set, cloning the key only when it is new (the index writes are
/// the hot path of publishing and bulk loads).
pub(super) fn insert_into<K: std::hash::Hash + Eq + Clone, V: Ord>(
    map: &mut HashMap<K, BTreeSet<V>>,
    key: &K,
    value: V,
) {
    if let Some(set) = map.get_mut(key) {
        set.insert(value);
    } else {
        map.insert(key.clone(), BTreeSet::from([value]));
    }
}

fn remove_from<K: std::hash::Hash + Eq, V: Ord>(
    map: &mut HashMap<K, BTreeSet<V>>,
    key: &K,
    value: &V,
) {
    if let Some(set) = map.get_mut(key) {
        set.remove(value);
        if set.is_empty() {
            map.remove(key);
        }
    }
}

impl TenantData {
    pub(super) fn new(tenant: TenantId) -> Self {
        TenantData {
            tenant,
            posts: BTreeMap::new(),
            roots: BTreeSet::new(),
            org_roots: BTreeSet::new(),
            by_author: HashMap::new(),
            by_group: HashMap::new(),
            by_mention: HashMap::new(),
            by_thread: HashMap::new(),
            tags: BTreeMap::new(),
            pinned: BTreeSet::new(),
            reactions_by_person: HashMap::new(),
            interactions: HashMap::new(),
            follows: HashMap::new(),
            mutes: HashMap::new(),
            inboxes: HashMap::new(),
            notified_about: BTreeMap::new(),
            seen: HashMap::new(),
            requests: HashMap::new(),
            request_of: HashMap::new(),
        }
    }

    // ----- indexes -------------------------------------------------------------------------

    /// Adds `post` to every index (the inverse of [`TenantData::unindex`]).
    fn index(&mut self, post: &Post) {
        let id = post.id;
        insert_into(&mut self.by_author, &post.author, id);
        match post.thread_root {
            None => {
                self.roots.insert(id);
                if post.visibility == Visibility::Organization {
                    self.org_roots.insert(id);
                }
            }
            Some(root) => {
                insert_into(&mut self.by_thread, &root, id);
            }
        }
        if let Visibility::Group { group } = &post.visibility {
            insert_into(&mut self.by_group, group, id);
        }
        self.index_entities(post);
        if post.pinned_until.is_some() {
            self.pinned.insert(id);
        }
    }

    /// The text-derived indexes (hashtags, mentions), which an edit replaces.
    fn index_entities(&mut self, post: &Post) {
        for m in &post.mentions {
            insert_into(&mut self.by_mention, &m.person, post.id);
        }
        for h in &post.hashtags {
            match self.tags.get_mut(&h.key) {
                Some(t) => t.add(post),
                None => {
                    let mut t = TagIndex::default();
                    t.add(post);
                    self.tags.insert(h.key.clone(), t);
                }
            }
        }
    }

    fn unindex_entities(&mut self, post: &Post) {
        for m in &post.mentions {
            remove_from(&mut self.by_mention, &m.person, &post.id);
        }
        for h in &post.hashtags {
            if let Some(t) = self.tags.get_mut(&h.key)
                && t.remove(post)
            {
                self.tags.remove(&h.key);
            }
        }
    }

    fn unindex(&mut self, post: &Post) {
        let id = post.id;
        remove_from(&mut self.by_author, &post.author, &id);
        match post.thread_root {
            None => {
                self.roots.remove(&id);
                self.org_roots.remove(&id);
            }
            Some(root) => remove_from(&mut self.by_thread, &root, &id),
        }
        if let Visibility::Group { group } = &post.visibility {
            remove_from(&mut self.by_group, group, &id);
        }
        self.unindex_entities(post);
        self.pinned.remove(&id);
    }

    // ----- posts ---------------------------------------------------------------------------

    /// Checks that `post` may be inserted: its id is new (also among `pending`, posts of the
    /// same batch) and, for a reply, its thread root exists.
    pub(super) fn check_insert(&self, post: &Post, pending: &HashSet<PostId>) -> Result<()> {
        if self.posts.contains_key(&post.id) || pending.contains(&post.id) {
            return Err(Error::AlreadyExists(format!(
                "post {} already exists",
                post.id
            )));
        }
        if let Some(root) = post.thread_root
            && !self.posts.contains_key(&root)
            && !pending.contains(&root)
        {
            return Err(Error::not_found("thread root"));
        }
        Ok(())
    }

    /// Inserts a checked post, counts it on its thread, stores its notifications and logs it.
    pub(super) fn insert(
        &mut self,
        post: Post,
        notifications: &[NewNotification],
        shared: &mut Shared,
    ) -> Seq {
        self.index(&post);
        if let Some(root) = post.thread_root {
            let at = post.created_at;
            let parent = post.reply_to.unwrap_or(root);
            if let Some(r) = self.posts.get_mut(&root) {
                r.stats.replies += 1;
                bump_activity(&mut r.stats, at);
            }
            if parent != root
                && let Some(p) = self.posts.get_mut(&parent)
            {
                p.stats.replies += 1;
                bump_activity(&mut p.stats, at);
            }
            if let Some(parent_author) = self.posts.get(&parent).map(|p| p.post.author.clone()) {
                self.interact(&post.author, &parent_author);
            }
        }
        for n in notifications {
            self.notify(n, shared);
        }
        let seq = shared
            .log
            .push(&self.tenant, post.id, ChangeKind::Created, post.created_at);
        self.posts.insert(
            post.id,
            PostEntry {
                post,
                stats: PostStats::default(),
                reactions: BTreeMap::new(),
                revisions: Vec::new(),
            },
        );
        seq
    }

    /// Replaces a post's text and entities, keeping the old text as a revision.
    pub(super) fn edit(
        &mut self,
        edit: &crate::model::PostEdit,
        notifications: &[NewNotification],
        shared: &mut Shared,
    ) -> Result<Seq> {
        let mut entry = self
            .posts
            .remove(&edit.id)
            .ok_or(Error::not_found("post"))?;
        self.unindex_entities(&entry.post);
        let number = u32::try_from(entry.revisions.len()).unwrap_or(u32::MAX);
        let old_text = std::mem::replace(&mut entry.post.text, edit.text.clone());
        entry.revisions.push(Revision {
            post: edit.id,
            number,
            text: old_text,
            replaced_at: edit.edited_at,
        });
        entry.post.edited_at = Some(edit.edited_at);
        entry.post.hashtags = edit.hashtags.clone();
        entry.post.mentions = edit.mentions.clone();
        entry.post.urls = edit.urls.clone();
        self.index_entities(&entry.post);
        self.posts.insert(edit.id, entry);
        for n in notifications {
            self.notify(n, shared);
        }
        Ok(shared
            .log
            .push(&self.tenant, edit.id, ChangeKind::Edited, edit.edited_at))
    }

    /// Pins or unpins a post.
    pub(super) fn set_pinned(
        &mut self,
        id: PostId,
        until: Option<DateTime<Utc>>,
        at: DateTime<Utc>,
        shared: &mut Shared,
    ) -> Result<Seq> {
        let entry = self.posts.get_mut(&id).ok_or(Error::not_found("post"))?;
        entry.post.pinned_until = until;
        if until.is_some() {
            self.pinned.insert(id);
        } else {
            self.pinned.remove(&id);
        }
        Ok(shared.log.push(&self.tenant, id, ChangeKind::Edited, at))
    }

    /// Deletes a post; a thread root takes its replies along (logged as `reply_kind`).
    /// Returns the last seq, or `None` if the post did not exist.
    pub(super) fn delete(
        &mut self,
        id: PostId,
        kind: ChangeKind,
        reply_kind: ChangeKind,
        at: DateTime<Utc>,
        shared: &mut Shared,
    ) -> Option<Seq> {
        let is_root = self.posts.get(&id)?.post.thread_root.is_none();
        let mut last = None;
        if is_root {
            let replies: Vec<PostId> = self
                .by_thread
                .get(&id)
                .map(|r| r.iter().copied().collect())
                .unwrap_or_default();
            for reply in replies {
                last = self.remove_one(reply, reply_kind, at, shared).or(last);
            }
            self.by_thread.remove(&id);
        }
        self.remove_one(id, kind, at, shared).or(last)
    }

    /// Removes one post and everything hanging off it; uncounts a reply on its thread.
    fn remove_one(
        &mut self,
        id: PostId,
        kind: ChangeKind,
        at: DateTime<Utc>,
        shared: &mut Shared,
    ) -> Option<Seq> {
        let entry = self.posts.remove(&id)?;
        self.unindex(&entry.post);
        if let Some(request) = self.request_of.remove(&id) {
            self.requests.remove(&request);
        }
        for (person, kind) in entry.reactions.keys() {
            remove_from(&mut self.reactions_by_person, person, &(id, *kind));
        }
        for (recipient, kind) in self.notified_about.remove(&id).unwrap_or_default() {
            if let Some(inbox) = self.inboxes.get_mut(&recipient) {
                inbox.remove(kind, id);
                if inbox.is_empty() {
                    self.inboxes.remove(&recipient);
                }
            }
        }
        if let Some(root) = entry.post.thread_root {
            let parent = entry.post.reply_to.unwrap_or(root);
            if let Some(r) = self.posts.get_mut(&root) {
                r.stats.replies = r.stats.replies.saturating_sub(1);
            }
            if parent != root
                && let Some(p) = self.posts.get_mut(&parent)
            {
                p.stats.replies = p.stats.replies.saturating_sub(1);
            }
        }
        Some(shared.log.push(&self.tenant, id, kind, at))
    }

    // ----- reactions and interactions ------------------------------------------------------

    /// Adds a reaction; `false` if it existed. [`Error::NotFound`] if the post does not.
    pub(super) fn add_reaction(&mut self, r: &Reaction) -> Result<bool> {
        let entry = self
            .posts
            .get_mut(&r.post)
            .ok_or(Error::not_found("post"))?;
        let key = (r.person.clone(), r.kind);
        if entry.reactions.contains_key(&key) {
            return Ok(false);
        }
        entry.reactions.insert(key, r.at);
        let slot = &mut entry.stats.reactions[r.kind.index()];
        *slot = slot.saturating_add(1);
        bump_activity(&mut entry.stats, r.at);
        let author = entry.post.author.clone();
        insert_into(&mut self.reactions_by_person, &r.person, (r.post, r.kind));
        self.interact(&r.person, &author);
        Ok(true)
    }

    /// Removes a reaction; returns whether it existed. A person with no reaction left on
    /// the post leaves the author's reaction notification.
    pub(super) fn remove_reaction(
        &mut self,
        post: PostId,
        person: &PersonId,
        kind: ReactionKind,
    ) -> bool {
        let Some(entry) = self.posts.get_mut(&post) else {
            return false;
        };
        if entry.reactions.remove(&(person.clone(), kind)).is_none() {
            return false;
        }
        let slot = &mut entry.stats.reactions[kind.index()];
        *slot = slot.saturating_sub(1);
        let any_left = ReactionKind::ALL
            .iter()
            .any(|k| entry.reactions.contains_key(&(person.clone(), *k)));
        let author = entry.post.author.clone();
        remove_from(&mut self.reactions_by_person, person, &(post, kind));
        if !any_left {
            self.remove_actor(&author, NotificationKind::Reaction, post, person);
        }
        true
    }

    /// Counts an interaction of `person` with `author` (not with themselves).
    fn interact(&mut self, person: &PersonId, author: &PersonId) {
        if person != author {
            let counts = match self.interactions.get_mut(person) {
                Some(c) => c,
                None => self.interactions.entry(person.clone()).or_default(),
            };
            match counts.get_mut(author) {
                Some(n) => *n = n.saturating_add(1),
                None => {
                    counts.insert(author.clone(), 1);
                }
            }
        }
    }

    // ----- notifications -------------------------------------------------------------------

    /// Folds one event into its recipient's inbox.
    pub(super) fn notify(&mut self, n: &NewNotification, shared: &mut Shared) {
        let seq = shared.next_notification_seq();
        self.inboxes
            .entry(n.recipient.clone())
            .or_default()
            .add(n, seq);
        self.notified_about
            .entry(n.post)
            .or_default()
            .insert((n.recipient.clone(), n.kind));
    }

    /// Removes `actor` from one of `recipient`'s notifications, dropping it when empty.
    /// Returns whether it was dropped.
    pub(super) fn remove_actor(
        &mut self,
        recipient: &PersonId,
        kind: NotificationKind,
        post: PostId,
        actor: &PersonId,
    ) -> bool {
        let Some(inbox) = self.inboxes.get_mut(recipient) else {
            return false;
        };
        if !inbox.remove_actor(kind, post, actor) {
            return false;
        }
        if inbox.is_empty() {
            self.inboxes.remove(recipient);
        }
        if let Some(set) = self.notified_about.get_mut(&post) {
            set.remove(&(recipient.clone(), kind));
            if set.is_empty() {
                self.notified_about.remove(&post);
            }
        }
        true
    }
}

fn bump_activity(stats: &mut PostStats, at: DateTime<Utc>) {
    stats.last_activity = Some(stats.last_activity.map_or(at, |t| t.max(at)));
}

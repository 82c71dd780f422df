//! The per-hashtag index: the posts carrying a tag, and visibility-split counters so that
//! "how many posts with this tag may this viewer see" costs O(groups), not O(posts).

use std::collections::{BTreeSet, HashMap};

use crate::access::Access;
use crate::ids::{GroupId, PersonId, PostId};
use crate::model::{Post, Visibility};

/// Posts of one group carrying a tag.
#[derive(Debug, Default)]
struct GroupCount {
    total: u32,
    /// Per author: authors see their own posts even after leaving the group.
    by_author: HashMap<PersonId, u32>,
}

/// Everything the store keeps about one tag key.
#[derive(Debug, Default)]
pub(super) struct TagIndex {
    /// Posts (roots and replies) carrying the tag.
    pub(super) posts: BTreeSet<PostId>,
    org: u32,
    groups: HashMap<GroupId, GroupCount>,
    /// Direct posts carrying the tag, counted for each person who may see them (author and
    /// recipients).
    direct_seen_by: HashMap<PersonId, u32>,
}

impl TagIndex {
    /// Counts `post` in (once, however often it carries the tag).
    pub(super) fn add(&mut self, post: &Post) {
        if !self.posts.insert(post.id) {
            return;
        }
        match &post.visibility {
            Visibility::Organization => self.org += 1,
            Visibility::Group { group } => {
                let g = match self.groups.get_mut(group) {
                    Some(g) => g,
                    None => self.groups.entry(group.clone()).or_default(),
                };
                g.total += 1;
                increment(&mut g.by_author, &post.author);
            }
            Visibility::Direct { recipients } => {
                for p in direct_audience(post, recipients) {
                    increment(&mut self.direct_seen_by, p);
                }
            }
        }
    }

    /// Counts `post` out. Returns whether the tag is now unused.
    pub(super) fn remove(&mut self, post: &Post) -> bool {
        if !self.posts.remove(&post.id) {
            return self.posts.is_empty();
        }
        match &post.visibility {
            Visibility::Organization => self.org = self.org.saturating_sub(1),
            Visibility::Group { group } => {
                if let Some(g) = self.groups.get_mut(group) {
                    g.total = g.total.saturating_sub(1);
                    decrement(&mut g.by_author, &post.author);
                    if g.total == 0 {
                        self.groups.remove(group);
                    }
                }
            }
            Visibility::Direct { recipients } => {
                for p in direct_audience(post, recipients) {
                    decrement(&mut self.direct_seen_by, p);
                }
            }
        }
        self.posts.is_empty()
    }

    /// How many posts carrying the tag `access` may see: exactly the posts
    /// [`Access::can_see`] allows (same tenant is the caller's business).
    pub(super) fn visible_count(&self, access: &Access) -> u32 {
        let me = access.person();
        let mut n = self.org + self.direct_seen_by.get(me).copied().unwrap_or(0);
        for (group, count) in &self.groups {
            n += if access.is_member(group) {
                count.total
            } else {
                count.by_author.get(me).copied().unwrap_or(0)
            };
        }
        n
    }
}

/// The people who may see a direct post, each once.
fn direct_audience<'a>(
    post: &'a Post,
    recipients: &'a [PersonId],
) -> impl Iterator<Item = &'a PersonId> {
    let author_extra = (!recipients.contains(&post.author)).then_some(&post.author);
    recipients.iter().chain(author_extra)
}

fn increment(map: &mut HashMap<PersonId, u32>, key: &PersonId) {
    match map.get_mut(key) {
        Some(v) => *v = v.saturating_add(1),
        None => {
            map.insert(key.clone(), 1);
        }
    }
}

fn decrement(map: &mut HashMap<PersonId, u32>, key: &PersonId) {
    if let Some(v) = map.get_mut(key) {
        *v = v.saturating_sub(1);
        if *v == 0 {
            map.remove(key);
        }
    }
}

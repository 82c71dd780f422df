//! Who is asking, and what they may see. Every read path takes an [`Access`]; the visibility
//! rule lives in [`Access::can_see`] and nowhere else (stores that filter in SQL implement
//! the same rule and prove it with the testkit).

use std::sync::Arc;

use crate::ids::{GroupId, PersonId, TenantId};
use crate::model::{Post, Visibility};

/// A person of a tenant, as the host identifies the caller.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Viewer {
    /// The tenant.
    pub tenant: TenantId,
    /// The person.
    pub person: PersonId,
}

impl Viewer {
    /// A viewer.
    pub fn new(tenant: impl Into<TenantId>, person: impl Into<PersonId>) -> Self {
        Viewer {
            tenant: tenant.into(),
            person: person.into(),
        }
    }
}

/// A viewer with what the directory says about them, resolved once per call: the groups
/// they are a member of and whether they are an admin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Access {
    tenant: TenantId,
    person: PersonId,
    groups: Arc<[GroupId]>,
    admin: bool,
}

impl Access {
    /// An access for `person` of `tenant` who is a member of `groups`.
    pub fn new(
        tenant: TenantId,
        person: PersonId,
        groups: impl IntoIterator<Item = GroupId>,
        admin: bool,
    ) -> Self {
        let mut g: Vec<GroupId> = groups.into_iter().collect();
        g.sort();
        g.dedup();
        Access {
            tenant,
            person,
            groups: g.into(),
            admin,
        }
    }

    /// The tenant.
    pub fn tenant(&self) -> &TenantId {
        &self.tenant
    }

    /// The person.
    pub fn person(&self) -> &PersonId {
        &self.person
    }

    /// The groups the person is a member of, sorted.
    pub fn groups(&self) -> &[GroupId] {
        &self.groups
    }

    /// Whether the person is a member of `group`.
    pub fn is_member(&self, group: &GroupId) -> bool {
        self.groups.binary_search(group).is_ok()
    }

    /// Whether the person is an admin of the tenant (may pin announcements). Being an admin
    /// does not widen what they may read.
    pub fn is_admin(&self) -> bool {
        self.admin
    }

    /// The viewer this access belongs to.
    pub fn viewer(&self) -> Viewer {
        Viewer {
            tenant: self.tenant.clone(),
            person: self.person.clone(),
        }
    }

    /// THE visibility rule: whether a post of `tenant` by `author` with `visibility` may be
    /// seen by this person.
    pub fn can_see_parts(
        &self,
        tenant: &TenantId,
        author: &PersonId,
        visibility: &Visibility,
    ) -> bool {
        if tenant != &self.tenant {
            return false;
        }
        author == &self.person || self.in_audience(visibility)
    }

    /// Whether this person is in the audience of `visibility` within their own tenant:
    /// [`Access::can_see_parts`] without the author's own right to see their posts.
    pub fn in_audience(&self, visibility: &Visibility) -> bool {
        match visibility {
            Visibility::Organization => true,
            Visibility::Group { group } => self.is_member(group),
            Visibility::Direct { recipients } => recipients.contains(&self.person),
        }
    }

    /// Whether this person may see replies by others to `post`: whether they are in the
    /// audience of the replies' visibility ([`Visibility::for_reply_to`]).
    ///
    /// Usually the same as seeing `post`, but not for its author once they are outside its
    /// audience (they left the group it was posted in, or an import made them author of a
    /// post in a group they were never in): they still see their own post, and must learn
    /// nothing of the replies — not from a notification, a count or a preview.
    pub fn sees_replies_to(&self, post: &Post) -> bool {
        post.tenant == self.tenant && self.in_audience(&post.visibility.for_reply_to(&post.author))
    }

    /// Whether this person may see `post`.
    pub fn can_see(&self, post: &Post) -> bool {
        self.can_see_parts(&post.tenant, &post.author, &post.visibility)
    }
}

//! The audience terms of posts and the access terms of viewers: who may see what, as index
//! terms. A leaf: the schema (which indexes a post's terms), the filter (which restricts
//! queries to a viewer's terms) and the tag counts (which count over them) all use it, and
//! it uses none of them. [`crate::filter::acl`] explains the rule.

use watercooler_core::model::{Post, Visibility};
use watercooler_core::{Access, TenantId};

const ORGANIZATION: u8 = b'o';
const GROUP: u8 = b'g';
const PERSON: u8 = b'p';

/// `kind, tenant length (u32, big-endian), tenant, id`: unambiguous for any ids.
fn term(kind: u8, tenant: &TenantId, id: &str) -> Vec<u8> {
    let t = tenant.as_str().as_bytes();
    let mut v = Vec::with_capacity(5 + t.len() + id.len());
    v.push(kind);
    v.extend_from_slice(&u32::try_from(t.len()).unwrap_or(u32::MAX).to_be_bytes());
    v.extend_from_slice(t);
    v.extend_from_slice(id.as_bytes());
    v
}

/// The audience terms of a post.
pub(crate) fn document_terms(post: &Post) -> Vec<Vec<u8>> {
    let tenant = &post.tenant;
    let mut terms = vec![term(PERSON, tenant, post.author.as_str())];
    match &post.visibility {
        Visibility::Organization => terms.push(term(ORGANIZATION, tenant, "")),
        Visibility::Group { group } => terms.push(term(GROUP, tenant, group.as_str())),
        Visibility::Direct { recipients } => {
            terms.extend(recipients.iter().map(|r| term(PERSON, tenant, r.as_str())));
        }
    }
    terms
}

/// A viewer's access terms, split as the index caches them.
pub(crate) struct ViewerTerms {
    /// The organisation term: shared by everyone in the tenant.
    pub shared: Vec<u8>,
    /// The viewer's person term and group terms.
    pub own: Vec<Vec<u8>>,
}

/// The access terms of `access` (for hashtag counting, see [`crate::tags`]: the same terms
/// as [`crate::filter::acl::restrict`] uses).
pub(crate) fn viewer_terms(access: &Access) -> ViewerTerms {
    let mut terms = access_terms(access).into_iter();
    ViewerTerms {
        shared: terms.next().unwrap_or_default(),
        own: terms.collect(),
    }
}

/// The access terms of a viewer: the organisation term first, then their person and
/// group terms.
pub(crate) fn access_terms(access: &Access) -> Vec<Vec<u8>> {
    let tenant = access.tenant();
    let mut terms = Vec::with_capacity(access.groups().len() + 2);
    terms.push(term(ORGANIZATION, tenant, ""));
    terms.push(term(PERSON, tenant, access.person().as_str()));
    terms.extend(
        access
            .groups()
            .iter()
            .map(|g| term(GROUP, tenant, g.as_str())),
    );
    terms
}

use chrono::{DateTime, Utc};

use crate::ids::{PostId, Seq, TenantId};

/// What happened to a post.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum ChangeKind {
    /// Published.
    Created,
    /// Text edited (entities re-extracted), or pinned/unpinned.
    Edited,
    /// Deleted by its author or an admin.
    Deleted,
    /// Removed by a GDPR erasure of its author.
    Erased,
}

/// One entry of the change log. It names the post and never carries its text, so the log
/// holds nothing an erasure would have to chase.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Change {
    /// Strictly increasing across the whole store (all tenants).
    pub seq: Seq,
    /// The tenant of the post.
    pub tenant: TenantId,
    /// The post.
    pub post: PostId,
    /// What happened.
    pub kind: ChangeKind,
    /// When.
    pub at: DateTime<Utc>,
}

//! The host's employee directory: who exists, their handles, groups, managers and
//! departments. watercooler never owns this data; the host implements [`Directory`] over its
//! HR system (or loads [`MemoryDirectory`] from it).

mod memory;

pub use memory::MemoryDirectory;

use async_trait::async_trait;
use watercooler_text::HandleKey;

use crate::error::Result;
use crate::ids::{GroupId, PersonId, TenantId};
use crate::model::{Group, Person};

/// The host's employee directory, scoped by tenant in every call: two tenants may use the
/// same ids and handles and never see each other's people.
#[async_trait]
pub trait Directory: Send + Sync + 'static {
    /// A person by id, or `None`.
    async fn person(&self, tenant: &TenantId, id: &PersonId) -> Result<Option<Person>>;

    /// The people with these ids that exist (in any order; unknown ids are left out).
    async fn people(&self, tenant: &TenantId, ids: &[PersonId]) -> Result<Vec<Person>>;

    /// The people whose handle has one of these keys (see
    /// [`watercooler_text::handle_key`]); unknown handles are left out.
    async fn resolve_handles(
        &self,
        tenant: &TenantId,
        handles: &[HandleKey],
    ) -> Result<Vec<Person>>;

    /// The groups a person is a member of.
    async fn groups_of(&self, tenant: &TenantId, person: &PersonId) -> Result<Vec<GroupId>>;

    /// A group by id, or `None`.
    async fn group(&self, tenant: &TenantId, id: &GroupId) -> Result<Option<Group>>;

    /// Whether `person` is a member of `group`.
    async fn is_member(
        &self,
        tenant: &TenantId,
        group: &GroupId,
        person: &PersonId,
    ) -> Result<bool>;

    /// People whose handle or name starts with `prefix` (case-insensitively), for `@`
    /// autocomplete; at most `limit`, best matches first.
    async fn suggest_people(
        &self,
        tenant: &TenantId,
        prefix: &str,
        limit: usize,
    ) -> Result<Vec<Person>>;
}

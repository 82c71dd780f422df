//! GDPR (AVG): erasure and export of one person's data, for an [`Admin`] (a privacy
//! officer's action, never a user request's).

use chrono::{DateTime, Utc};

use super::Admin;
use super::traced::traced;
use crate::error::Result;
use crate::ids::{PersonId, TenantId};
use crate::model::Person;
use crate::store::{ErasureReport, PersonData};

/// Everything about a person, as one serde document (JSON with `serde_json`).
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct PersonExport {
    /// The tenant.
    pub tenant: TenantId,
    /// The person id.
    pub person: PersonId,
    /// The directory's record, if it still has one.
    pub profile: Option<Person>,
    /// What the store holds.
    pub data: PersonData,
    /// When the export was made.
    pub exported_at: DateTime<Utc>,
}

impl Admin<'_> {
    /// Erases everything about a person of the admin's tenant from the store and derived
    /// state (see [`crate::Store::erase_person`]). Idempotent; a person the store never
    /// heard of gives an empty report. The directory is the host's: remove the person
    /// there too.
    pub async fn erase_person(&self, person: &PersonId) -> Result<ErasureReport> {
        let (wc, tenant) = (self.wc, self.tenant());
        traced("erase_person", tenant, async {
            crate::store::checks::check_person(tenant, person)?;
            let now = wc.now();
            let report = wc.inner.store.erase_person(tenant, person, now).await?;
            wc.search_after_write(true).await;
            Ok(report)
        })
        .await
    }

    /// Exports everything about a person of the admin's tenant as one document: the
    /// directory's record (if it still has one) and what the store holds. Idempotent and
    /// read-only.
    pub async fn export_person(&self, person: &PersonId) -> Result<PersonExport> {
        let (wc, tenant) = (self.wc, self.tenant());
        traced("export_person", tenant, async {
            crate::store::checks::check_person(tenant, person)?;
            let profile = wc.inner.directory.person(tenant, person).await?;
            let data = wc.inner.store.export_person(tenant, person).await?;
            Ok(PersonExport {
                tenant: tenant.clone(),
                person: person.clone(),
                profile,
                data,
                exported_at: wc.now(),
            })
        })
        .await
    }
}

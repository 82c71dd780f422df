//! GDPR (AVG): erasure and export of one person's data.

use chrono::{DateTime, Utc};

use super::Watercooler;
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

impl Watercooler {
    /// Erases everything about a person from the store and derived state (see
    /// [`crate::Store::erase_person`]). The host authorises this call (a privacy officer's
    /// action); it takes no viewer. Idempotent. The directory is the host's: remove the
    /// person there too.
    pub async fn erase_person(
        &self,
        tenant: &TenantId,
        person: &PersonId,
    ) -> Result<ErasureReport> {
        traced("erase_person", tenant, async {
            crate::store::checks::check_person(tenant, person)?;
            let now = self.now();
            let report = self.inner.store.erase_person(tenant, person, now).await?;
            self.search_after_write(true).await;
            Ok(report)
        })
        .await
    }

    /// Exports everything about a person as one document. The host authorises this call.
    /// Idempotent and read-only.
    pub async fn export_person(
        &self,
        tenant: &TenantId,
        person: &PersonId,
    ) -> Result<PersonExport> {
        traced("export_person", tenant, async {
            crate::store::checks::check_person(tenant, person)?;
            let profile = self.inner.directory.person(tenant, person).await?;
            let data = self.inner.store.export_person(tenant, person).await?;
            Ok(PersonExport {
                tenant: tenant.clone(),
                person: person.clone(),
                profile,
                data,
                exported_at: self.now(),
            })
        })
        .await
    }
}

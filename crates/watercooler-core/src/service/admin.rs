//! The [`Admin`] handle: calls that act for the company rather than for a viewer.
//!
//! Erasing or exporting any person's data, importing posts under another person's name and
//! bringing the search index up to date are not things a user request does. They are
//! methods of [`Admin`] instead of [`Watercooler`], and the only way to get an [`Admin`] is
//! [`Watercooler::admin`], which checks the directory's admin flag
//! ([`crate::Person::admin`]): a handler that serves users never holds one unless it asked
//! for it by name, and then a non-admin is refused before anything happens.

use super::Watercooler;
use crate::access::{Access, Viewer};
use crate::error::{Error, Result};
use crate::ids::{PersonId, TenantId};

/// Company-wide calls, for one admin of one tenant: GDPR erasure and export
/// ([`Admin::erase_person`], [`Admin::export_person`]), imports ([`Admin::import`]) and
/// search-index maintenance ([`Admin::refresh_search`]). Each acts in the admin's own
/// tenant only.
///
/// Made by [`Watercooler::admin`], which checks the role once: make one per request (it
/// is cheap) rather than keeping it, so that someone whose admin flag is withdrawn loses
/// it at their next request.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> watercooler_core::Result<()> {
/// use std::sync::Arc;
/// use watercooler_core::{Error, MemoryDirectory, MemoryStore, Person, Viewer, Watercooler};
///
/// let dir = MemoryDirectory::new();
/// let mut officer = Person::new("p1", "dpo", "Data Protection Officer");
/// officer.admin = true;
/// dir.add_person(&"acme".into(), officer)?;
/// dir.add_person(&"acme".into(), Person::new("p2", "jan", "Jan"))?;
/// let wc = Watercooler::builder(Arc::new(MemoryStore::new()), Arc::new(dir)).build();
///
/// // A request from Jan cannot reach the company-wide calls.
/// let refused = wc.admin(&Viewer::new("acme", "p2")).await;
/// assert!(matches!(refused, Err(Error::Forbidden { .. })));
///
/// // The officer can: Jan's data, in the officer's tenant.
/// let admin = wc.admin(&Viewer::new("acme", "p1")).await?;
/// let export = admin.export_person(&"p2".into()).await?;
/// assert_eq!(export.profile.map(|p| p.handle), Some("jan".to_owned()));
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct Admin<'a> {
    pub(super) wc: &'a Watercooler,
    access: Access,
}

impl Watercooler {
    /// The company-wide calls, for `viewer` if the directory says they are an admin of
    /// their tenant ([`crate::Person::admin`]). Anyone else — including a person the
    /// directory does not know — is [`Error::Forbidden`], and nothing is done.
    pub async fn admin(&self, viewer: &Viewer) -> Result<Admin<'_>> {
        let access = self.access(viewer).await?;
        if !access.is_admin() {
            return Err(Error::forbidden("company-wide calls are for admins"));
        }
        Ok(Admin { wc: self, access })
    }
}

impl Admin<'_> {
    /// The tenant the admin acts in.
    pub fn tenant(&self) -> &TenantId {
        self.access.tenant()
    }

    /// The admin.
    pub fn person(&self) -> &PersonId {
        self.access.person()
    }
}

use crate::ids::{GroupId, PersonId};

/// A person, as the host's HR data knows them.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Person {
    /// The host's id.
    pub id: PersonId,
    /// The handle people type after `@` (unique within the tenant by its
    /// [`watercooler_text::handle_key`]).
    pub handle: String,
    /// Display name.
    pub name: String,
    /// Department name, used for ranking affinity ("from your department").
    pub department: Option<String>,
    /// The person's manager, used for ranking affinity (manager chain).
    pub manager: Option<PersonId>,
    /// Preferred language tag (`nl`, `en`, ...).
    pub locale: Option<String>,
    /// May pin announcements.
    pub admin: bool,
}

impl Person {
    /// A person with just an id, handle and name; the rest empty.
    pub fn new(
        id: impl Into<PersonId>,
        handle: impl Into<String>,
        name: impl Into<String>,
    ) -> Self {
        Person {
            id: id.into(),
            handle: handle.into(),
            name: name.into(),
            department: None,
            manager: None,
            locale: None,
            admin: false,
        }
    }
}

/// What kind of group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum GroupKind {
    /// A department from the org chart.
    Department,
    /// A team.
    Team,
    /// A community of interest anyone may join (if open).
    Community,
}

/// A group of people. Posts with [`crate::Visibility::Group`] are seen by members only,
/// whether the group is open or private; `private` decides whether non-members may learn
/// that the group and its tags exist (directory listings, trends, autocomplete).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Group {
    /// The host's id.
    pub id: GroupId,
    /// Display name.
    pub name: String,
    /// Department, team or community.
    pub kind: GroupKind,
    /// Private groups are invisible to non-members.
    pub private: bool,
}

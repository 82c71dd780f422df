//! What the ranker knows about the viewer: resolved once per feed request by the service
//! (or built by hand in tests), then read by the pure ranking functions.

use std::collections::{HashMap, HashSet};

use watercooler_text::TagKey;

use super::mute::Muted;
use crate::ids::{GroupId, PersonId, PostId};

/// The language of explanation labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum LabelLanguage {
    /// English (the default).
    #[default]
    English,
    /// Dutch.
    Dutch,
}

impl LabelLanguage {
    /// The label language for a locale tag: Dutch for `nl` and `nl-*`, English otherwise.
    pub fn from_locale(locale: Option<&str>) -> Self {
        match locale {
            Some(l) if l.get(..2).is_some_and(|p| p.eq_ignore_ascii_case("nl")) => {
                LabelLanguage::Dutch
            }
            _ => LabelLanguage::English,
        }
    }
}

/// The viewer as the ranker sees them. Every field is plain data; the service fills it from
/// the store and the directory.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ViewerContext {
    /// The viewer.
    pub person: PersonId,
    /// People the viewer follows.
    pub follows: HashSet<PersonId>,
    /// Groups the viewer is a member of.
    pub groups: HashSet<GroupId>,
    /// The viewer's department.
    pub department: Option<String>,
    /// Departments of (at least) the candidates' authors.
    pub departments: HashMap<PersonId, String>,
    /// The viewer's manager, their manager, and so on up.
    pub manager_chain: Vec<PersonId>,
    /// How often the viewer reacted or replied to each author.
    pub interactions: HashMap<PersonId, u32>,
    /// Hashtag keys the viewer follows.
    pub followed_tags: HashSet<TagKey>,
    /// Candidates the viewer has already seen.
    pub seen: HashSet<PostId>,
    /// People, words and tags the viewer muted.
    pub muted: Muted,
    /// The language of explanation labels.
    pub language: LabelLanguage,
}

impl ViewerContext {
    /// A context for `person` that knows nothing else yet.
    pub fn new(person: impl Into<PersonId>) -> Self {
        ViewerContext {
            person: person.into(),
            follows: HashSet::new(),
            groups: HashSet::new(),
            department: None,
            departments: HashMap::new(),
            manager_chain: Vec::new(),
            interactions: HashMap::new(),
            followed_tags: HashSet::new(),
            seen: HashSet::new(),
            muted: Muted::default(),
            language: LabelLanguage::default(),
        }
    }

    /// Whether `author` is in the viewer's department (never true for the viewer).
    pub fn same_department(&self, author: &PersonId) -> bool {
        author != &self.person
            && self
                .department
                .as_deref()
                .is_some_and(|d| self.departments.get(author).is_some_and(|a| a == d))
    }
}

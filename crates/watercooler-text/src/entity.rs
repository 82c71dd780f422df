//! The entities found in a post's text.

use std::ops::Range;

/// What kind of thing an [`Entity`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum EntityKind {
    /// `#tag` or `＃tag`.
    Hashtag,
    /// `@handle`, `＠handle` or `@handle/list`.
    Mention,
    /// A URL, with or without a scheme.
    Url,
    /// `$TICKER`.
    Cashtag,
}

/// One entity in a text: its kind and where it is, as byte ranges into the text it came from.
///
/// `range` covers the whole entity including its sigil (`#tag` in `"#tag"` is `0..4`);
/// `value` covers the part without the sigil (`tag`, `4` bytes later). For a list mention
/// (`@user/list`), `value` is the user part and `list` the slug after the `/`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Entity {
    kind: EntityKind,
    range: Range<usize>,
    value: Range<usize>,
    list: Option<Range<usize>>,
}

impl Entity {
    /// Builds an entity. `value` and `list` must lie inside `range`.
    pub fn new(
        kind: EntityKind,
        range: Range<usize>,
        value: Range<usize>,
        list: Option<Range<usize>>,
    ) -> Self {
        debug_assert!(range.start <= value.start && value.end <= range.end);
        Entity {
            kind,
            range,
            value,
            list,
        }
    }

    /// The kind of entity.
    pub fn kind(&self) -> EntityKind {
        self.kind
    }

    /// Byte range of the whole entity in the text, sigil included.
    pub fn range(&self) -> Range<usize> {
        self.range.clone()
    }

    /// Byte range of the entity's value: the tag, handle or ticker without its sigil, or the
    /// whole URL.
    pub fn value_range(&self) -> Range<usize> {
        self.value.clone()
    }

    /// Byte range of the list slug of a `@user/list` mention.
    pub fn list_range(&self) -> Option<Range<usize>> {
        self.list.clone()
    }

    /// The entity as it stands in `text` (sigil included).
    ///
    /// `text` must be the text the entity was extracted from; for any other text this returns
    /// an empty string rather than panicking.
    pub fn as_str<'t>(&self, text: &'t str) -> &'t str {
        text.get(self.range.clone()).unwrap_or("")
    }

    /// The entity's value in `text`: tag, handle or ticker without sigil, or the URL.
    pub fn value<'t>(&self, text: &'t str) -> &'t str {
        text.get(self.value.clone()).unwrap_or("")
    }

    /// The list slug of a `@user/list` mention in `text`.
    pub fn list<'t>(&self, text: &'t str) -> Option<&'t str> {
        self.list.clone().and_then(|r| text.get(r))
    }
}

//! The error type of the crate.

use crate::EntityKind;

/// Why a text, key or option was refused. Offsets (`at`) are byte offsets into the text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TextError {
    /// The text is empty or holds only whitespace and invisible characters.
    #[error("the text is empty or only whitespace")]
    Empty,

    /// The text has more user-perceived characters (grapheme clusters) than allowed.
    #[error("the text is {graphemes} characters long, more than the {max} allowed")]
    TooLong {
        /// Grapheme clusters in the text.
        graphemes: usize,
        /// The limit.
        max: usize,
    },

    /// The text is longer in UTF-8 bytes than allowed.
    #[error("the text is {bytes} bytes long, more than the {max} allowed")]
    TooManyBytes {
        /// Length of the text in bytes.
        bytes: usize,
        /// The limit.
        max: usize,
    },

    /// The NFKC normalisation of the text (which search and keys use) would be longer than
    /// allowed; a few characters expand a lot (U+FDFA is 3 bytes, its NFKC 33).
    #[error("the normalised text would exceed {max} bytes (at byte {at})")]
    ExpandsTooMuch {
        /// Byte offset of the character being read when the normalised form passed the
        /// limit. The normaliser reads ahead up to the next starter, so this can be a
        /// character or a run of combining marks past the one whose expansion passed it.
        at: usize,
        /// The limit, in bytes of NFKC.
        max: usize,
    },

    /// The text holds a control character other than tab, line feed or CR LF.
    #[error("control character U+{:04X} at byte {at}", u32::from(*ch))]
    ControlCharacter {
        /// Byte offset of the character.
        at: usize,
        /// The character.
        ch: char,
    },

    /// The text has more entities of one kind than allowed.
    #[error("{count} {kind:?} entities, more than the {max} allowed")]
    TooManyEntities {
        /// The kind of entity.
        kind: EntityKind,
        /// How many the text has.
        count: usize,
        /// The limit.
        max: usize,
    },

    /// One entity is longer than allowed.
    #[error("{kind:?} at byte {at} is {len} characters long, more than the {max} allowed")]
    EntityTooLong {
        /// The kind of entity.
        kind: EntityKind,
        /// Byte offset of the entity (its sigil).
        at: usize,
        /// Its length in grapheme clusters (sigil excluded).
        len: usize,
        /// The limit.
        max: usize,
    },

    /// The normalised key of a hashtag or handle exceeds [`MAX_KEY_BYTES`](crate::MAX_KEY_BYTES).
    #[error("the key of the {kind:?} at byte {at} would exceed {max} bytes")]
    KeyTooLong {
        /// The kind of entity.
        kind: EntityKind,
        /// Byte offset of the entity (0 for a key computed on its own).
        at: usize,
        /// The limit.
        max: usize,
    },

    /// A highlight tag name that is not 1 to 16 ASCII letters and digits, starting with a letter.
    #[error("{name:?} is not a valid tag name")]
    InvalidTagName {
        /// The refused name (at most 32 bytes of it).
        name: String,
    },
}

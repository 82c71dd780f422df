//! Normalised keys for hashtags and handles: one key for every way of typing the same tag.
//!
//! The recipe and the reasons for it are documented on [`hashtag_key`].

mod accents;
mod fold;
mod ignorable;
mod parse;

pub use parse::{TagError, check_hashtag_key, parse_hashtag};

pub(crate) use ignorable::is_default_ignorable;

use std::borrow::{Borrow, Cow};
use std::fmt;
use std::ops::ControlFlow;

use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfkc_quick};

use crate::{EntityKind, TextError};

/// The longest key, in UTF-8 bytes, that validation accepts (1 KiB).
///
/// Safe for PostgreSQL B-tree indexes (~2.7 kB per entry, tenant column included) and far
/// below tantivy's ~65 kB token limit.
pub const MAX_KEY_BYTES: usize = 1024;

/// Version of the key recipe. It is bumped whenever a key changes for any input (for example
/// when newer Unicode tables fold more letters), so stored keys can be recomputed.
pub const KEY_VERSION: u32 = 1;

/// Options for [`hashtag_key_with`] and [`handle_key_with`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub struct KeyOptions {
    /// Also drop diacritics from Latin letters and spell a few Latin letters in ASCII
    /// (`zähler` → `zahler`, `ø` → `o`, `æ` → `ae`). Off by default: it merges different
    /// words. Greek, Cyrillic and other scripts keep their marks.
    pub fold_accents: bool,
}

impl KeyOptions {
    /// The default options: no accent folding.
    pub const fn new() -> Self {
        KeyOptions {
            fold_accents: false,
        }
    }

    /// Returns these options with [`fold_accents`](Self::fold_accents) set to `yes`.
    #[must_use]
    pub const fn with_fold_accents(mut self, yes: bool) -> Self {
        self.fold_accents = yes;
        self
    }
}

/// Defines a key newtype over `String` with its trait implementations.
macro_rules! key_type {
    ($(#[$doc:meta])* $name:ident, $normalise:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(String);

        impl $name {
            /// The key as a string slice.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The key as an owned `String`.
            pub fn into_string(self) -> String {
                self.0
            }

            /// Length of the key in UTF-8 bytes.
            pub fn len(&self) -> usize {
                self.0.len()
            }

            /// Whether the key is empty (the input was only a sigil or invisible characters).
            pub fn is_empty(&self) -> bool {
                self.0.is_empty()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        // Hash and Eq of the newtype are those of the inner `String`, i.e. of `str`, so
        // `HashMap<Key, _>::get("café")` works.
        impl Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }

        impl From<$name> for String {
            fn from(key: $name) -> String {
                key.0
            }
        }

        #[cfg(feature = "serde")]
        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.0)
            }
        }

        /// Deserialising normalises the string again, so a key read from anywhere upholds
        /// the type's promise. Keys are idempotent: stored keys come back unchanged.
        #[cfg(feature = "serde")]
        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let s = String::deserialize(deserializer)?;
                Ok($normalise(&s))
            }
        }
    };
}

key_type!(
    /// The normalised key of a hashtag, without its sigil: `hashtag_key("#Café") == "café"`.
    ///
    /// Made only by [`hashtag_key`] and friends (and by deserialising, which normalises).
    TagKey,
    hashtag_key
);

key_type!(
    /// The normalised key of a handle, without its sigil: `handle_key("@Anna_B") == "anna_b"`.
    ///
    /// Made only by [`handle_key`] and friends (and by deserialising, which normalises).
    HandleKey,
    handle_key
);

/// The key of a hashtag, with or without its `#`/`＃` sigil.
///
/// `#Café`, `#CAFÉ`, `#Cafe` + U+0301 (decomposed), `＃Ｃａｆé` (full-width) and `#Café`
/// with a zero-width space inside all have the key `café`. Store and compare keys; keep the
/// text as typed for display (Mastodon does the same with its `display_name`).
///
/// # Recipe
///
/// 1. remove default-ignorable code points (Unicode `Default_Ignorable_Code_Point`: variation
///    selectors incl. U+E0100..U+E01EF, ZWSP/ZWNJ/ZWJ, bidi controls, tag characters, soft
///    hyphen, Hangul fillers, ...);
/// 2. NFKC (full-width and other compatibility forms, composed/decomposed accents);
/// 3. full Unicode case folding (`ß` → `ss`, final `ς` → `σ`, `İ` → `i̇`), not lowercasing;
/// 4. NFKC again (folding can decompose: `ǰ` → `j` + U+030C, which NFKC recomposes);
/// 5. strip leading sigils (`#`/`＃` for hashtags, `@`/`＠` for handles): a key never
///    starts with one, so `key("#tag") == key("tag")` and `key(key(x)) == key(x)`.
///
/// This is Unicode's `NFKC_Casefold` in all but name. It is checked to be idempotent for every
/// single code point (see the tests) and property-tested for strings.
///
/// Removing ZWJ turns emoji ZWJ sequences into their parts (👩‍💻 becomes 👩💻) and drops
/// emoji variation selectors; keys only have to be equal for equal tags and the display keeps
/// the typed form, so that is harmless. Confusables are *not* merged: Cyrillic `раураl` and
/// Latin `paypal` are different keys, as they are different words.
///
/// No accent folding by default (`#Zähler` ≠ `#Zahler`); see [`KeyOptions::fold_accents`].
///
/// # Input
///
/// `tag` is expected to be a hashtag the [`Extractor`](crate::Extractor) found (its
/// [`value`](crate::Entity::value) or the whole entity with its sign). Any other string gets
/// a key too, by the same recipe — `hello world` is keyed `hello world`, `.abc` is `.abc` —
/// but no post can carry such a tag. For a tag name from outside a post (a URL, a form, an
/// API call) use [`parse_hashtag`], which refuses what cannot be a hashtag, and
/// [`check_hashtag_key`] for a key passed back in.
///
/// # Bounds
///
/// Keys of any length can be computed in linear time, but stores have limits (PostgreSQL
/// B-tree entries fail over ~2.7 kB, tantivy drops tokens over ~65 kB). [`MAX_KEY_BYTES`] is
/// the longest key watercooler stores; [`Limits::check`](crate::Limits::check) rejects posts
/// with longer ones and [`try_hashtag_key`] stops computing as soon as a key is too long.
///
/// # Examples
///
/// ```
/// use watercooler_text::hashtag_key;
/// assert_eq!(hashtag_key("#Café"), hashtag_key("CAFE\u{301}"));
/// assert_eq!(hashtag_key("#Straße").as_str(), "strasse");
/// assert_ne!(hashtag_key("#Zähler"), hashtag_key("#Zahler"));
/// ```
pub fn hashtag_key(tag: &str) -> TagKey {
    hashtag_key_with(tag, &KeyOptions::new())
}

/// The key of a hashtag, with options (accent folding).
///
/// ```
/// use watercooler_text::{hashtag_key_with, KeyOptions};
/// let fold = KeyOptions::new().with_fold_accents(true);
/// assert_eq!(hashtag_key_with("#Zähler", &fold).as_str(), "zahler");
/// ```
pub fn hashtag_key_with(tag: &str, options: &KeyOptions) -> TagKey {
    TagKey(normalise(tag, '#', options))
}

/// The key of a hashtag, or [`TextError::KeyTooLong`] as soon as it exceeds
/// [`MAX_KEY_BYTES`]. Normalisation stops at the limit, so memory stays bounded by it and the
/// work beyond it is a quick scan, whatever the input length.
pub fn try_hashtag_key(tag: &str) -> Result<TagKey, TextError> {
    try_normalise(tag, '#', &KeyOptions::new(), MAX_KEY_BYTES)
        .map(TagKey)
        .ok_or(TextError::KeyTooLong {
            kind: EntityKind::Hashtag,
            at: 0,
            max: MAX_KEY_BYTES,
        })
}

/// The key of a handle, with or without its `@`/`＠` sigil. Same recipe as [`hashtag_key`].
///
/// Confusable handles stay distinct: Cyrillic `@раураl` is not Latin `@paypal`.
pub fn handle_key(handle: &str) -> HandleKey {
    handle_key_with(handle, &KeyOptions::new())
}

/// The key of a handle, with options (accent folding).
pub fn handle_key_with(handle: &str, options: &KeyOptions) -> HandleKey {
    HandleKey(normalise(handle, '@', options))
}

/// The key of a handle, or [`TextError::KeyTooLong`] as soon as it exceeds [`MAX_KEY_BYTES`].
pub fn try_handle_key(handle: &str) -> Result<HandleKey, TextError> {
    try_normalise(handle, '@', &KeyOptions::new(), MAX_KEY_BYTES)
        .map(HandleKey)
        .ok_or(TextError::KeyTooLong {
            kind: EntityKind::Mention,
            at: 0,
            max: MAX_KEY_BYTES,
        })
}

/// Whether the key of `value` (for the given sigil) is longer than `max` bytes, computed
/// without building more than `max` bytes of it.
pub(crate) fn key_exceeds(value: &str, sigil: char, max: usize) -> bool {
    if value.is_ascii() || is_own_key(value) {
        return value.trim_start_matches(sigil).len() > max;
    }
    let mut len = 0usize;
    for_each_key_char(value, sigil, &KeyOptions::new(), |c| {
        len += c.len_utf8();
        if len > max {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    })
    .is_break()
}

/// The whole recipe, collected.
fn normalise(input: &str, sigil: char, options: &KeyOptions) -> String {
    // Fast path: most tags are ASCII. ASCII has no default-ignorables, NFKC leaves it alone
    // and its full case folding is ASCII lowercasing, so one allocation does it.
    if input.is_ascii() {
        return input.trim_start_matches(sigil).to_ascii_lowercase();
    }
    if !options.fold_accents && is_own_key(input) {
        return input.trim_start_matches(sigil).to_owned();
    }
    // The same steps as `for_each_key_char`, each skipped when a quick check shows it would
    // change nothing: most text is NFKC before and after folding, and running a normaliser
    // costs far more than checking.
    let normalized: Cow<'_, str> = if !input.chars().any(is_default_ignorable)
        && is_nfkc_quick(input.chars()) == IsNormalized::Yes
    {
        Cow::Borrowed(input)
    } else {
        Cow::Owned(
            input
                .chars()
                .filter(|&c| !is_default_ignorable(c))
                .nfkc()
                .collect(),
        )
    };
    let folded: String = fold::case_fold(normalized.chars()).collect();
    let mut key = if is_nfkc_quick(folded.chars()) == IsNormalized::Yes {
        folded
    } else {
        folded.chars().nfkc().collect()
    };
    if options.fold_accents {
        key = accents::fold_accents(key.chars()).collect();
    }
    let sigils = key.len() - key.trim_start_matches(sigil).len();
    key.drain(..sigils);
    key
}

/// The recipe, collected, or `None` once the key exceeds `max` bytes.
fn try_normalise(input: &str, sigil: char, options: &KeyOptions, max: usize) -> Option<String> {
    if input.is_ascii() {
        let body = input.trim_start_matches(sigil);
        return (body.len() <= max).then(|| body.to_ascii_lowercase());
    }
    if !options.fold_accents && is_own_key(input) {
        let body = input.trim_start_matches(sigil);
        return (body.len() <= max).then(|| body.to_owned());
    }
    let mut out = String::with_capacity(input.len().min(max));
    let flow = for_each_key_char(input, sigil, options, |c| {
        if out.len() + c.len_utf8() > max {
            return ControlFlow::Break(());
        }
        out.push(c);
        ControlFlow::Continue(())
    });
    flow.is_continue().then_some(out)
}

/// Whether the recipe leaves `input` as it is, but for leading sigils: it is NFKC already,
/// holds no default-ignorable and every character is its own case folding. Most non-ASCII
/// tags typed in lowercase (`#café`, `#東京`) are, and are then copied instead of streamed
/// through two normalisers.
fn is_own_key(input: &str) -> bool {
    input
        .chars()
        .all(|c| !is_default_ignorable(c) && fold::folds_to_itself(c))
        && is_nfkc_quick(input.chars()) == IsNormalized::Yes
}

/// Feeds the characters of the key of `input` to `f`, stopping when `f` breaks.
fn for_each_key_char(
    input: &str,
    sigil: char,
    options: &KeyOptions,
    mut f: impl FnMut(char) -> ControlFlow<()>,
) -> ControlFlow<()> {
    let base = fold::case_fold(input.chars().filter(|&c| !is_default_ignorable(c)).nfkc()).nfkc();
    // The sigil is stripped last, so `＃` (NFKC: `#`) and sigils behind invisible characters
    // go too.
    if options.fold_accents {
        accents::fold_accents(base)
            .skip_while(|&c| c == sigil)
            .try_for_each(&mut f)
    } else {
        base.skip_while(|&c| c == sigil).try_for_each(&mut f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn general(input: &str) -> String {
        general_with(input, &KeyOptions::new())
    }

    /// The streaming recipe, which the bounded functions use.
    fn general_with(input: &str, options: &KeyOptions) -> String {
        let mut out = String::new();
        let _ = for_each_key_char(input, '#', options, |c| {
            out.push(c);
            ControlFlow::<()>::Continue(())
        });
        out
    }

    /// The collected recipe, with its fast paths and skipped steps, must agree with the
    /// streaming one, for every code point alone and followed by a combining mark.
    #[test]
    fn collected_recipe_matches_streaming_recipe() {
        let fold = KeyOptions::new().with_fold_accents(true);
        for chunk in relevant_chunks() {
            assert_eq!(hashtag_key(&chunk).as_str(), general(&chunk), "{chunk:?}");
            let folded = hashtag_key_with(&chunk, &fold);
            assert_eq!(folded.as_str(), general_with(&chunk, &fold), "{chunk:?}");
            let marked = chunk.replace(' ', "\u{301} ");
            assert_eq!(
                hashtag_key(&marked).as_str(),
                general(&marked),
                "{marked:?}"
            );
        }
    }

    /// The ASCII fast path must agree with the general recipe.
    #[test]
    fn ascii_fast_path_matches_general_path() {
        for b in 0u8..=127 {
            let s = format!("#a{}B{}", b as char, b as char);
            assert_eq!(hashtag_key(&s).as_str(), general(&s), "byte {b}");
        }
        for s in [
            "",
            "#",
            "##",
            "#Hello_World",
            "###x#",
            "MiXeD123",
            "#tag\n",
            "#\u{7f}",
        ] {
            assert_eq!(hashtag_key(s).as_str(), general(s), "{s:?}");
        }
    }

    #[test]
    fn no_default_ignorable_survives_nfkc_or_folding() {
        // Step 1 removes ignorables before NFKC; this checks no later step brings one back,
        // so keys are free of them without a second filter.
        for c in relevant_code_points() {
            if is_default_ignorable(c) {
                continue;
            }
            let s = c.to_string();
            let k = general(&s);
            assert!(
                !k.chars().any(is_default_ignorable),
                "U+{:04X} gives {k:?}",
                u32::from(c)
            );
        }
    }

    /// Every code point that is assigned or reserved-ignorable: planes 0 to 3 and the tag /
    /// variation-selector block of plane 14. Planes 4 to 13 are unassigned and 15 and 16 are
    /// private use: none of them normalises or folds, so skipping them keeps the test quick.
    fn relevant_code_points() -> impl Iterator<Item = char> {
        (0..0x40000_u32)
            .chain(0xE0000..0xE1000)
            .filter_map(char::from_u32)
    }

    /// The relevant code points, 16 to a string, separated by spaces (a space is a starter
    /// and not Latin, so neighbours cannot interact in any step). Keying 16 at a time keeps
    /// the exhaustive tests quick in debug builds.
    fn relevant_chunks() -> impl Iterator<Item = String> {
        let all: Vec<char> = relevant_code_points().collect();
        let chunks: Vec<String> = all
            .chunks(16)
            .map(|c| {
                let mut s = String::from("#");
                for ch in c {
                    s.push(*ch);
                    s.push(' ');
                }
                s
            })
            .collect();
        chunks.into_iter()
    }

    /// Idempotence for every code point, with and without accent folding.
    #[test]
    fn idempotent_for_every_code_point() {
        let fold = KeyOptions::new().with_fold_accents(true);
        for s in relevant_chunks() {
            let k = hashtag_key(&s);
            assert_eq!(hashtag_key(k.as_str()), k, "{s:?}");
            let k = hashtag_key_with(&s, &fold);
            assert_eq!(hashtag_key_with(k.as_str(), &fold), k, "{s:?} folded");
        }
    }

    #[test]
    fn key_exceeds_agrees_with_length() {
        for (s, max) in [
            ("#abc", 3),
            ("#abc", 2),
            ("#ßß", 4),
            ("#ßß", 3),
            ("\u{FDFA}", 33),
            ("\u{FDFA}", 32),
        ] {
            let len = hashtag_key(s).len();
            assert_eq!(key_exceeds(s, '#', max), len > max, "{s:?} {max}");
            assert_eq!(
                try_normalise(s, '#', &KeyOptions::new(), max).is_none(),
                len > max
            );
        }
    }
}

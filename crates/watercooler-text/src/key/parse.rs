//! Tag names and keys that come from outside a post: what a host passes to follow, mute or
//! list a hashtag. The extractor never produces `hello world` or `.abc`, but
//! [`hashtag_key`](super::hashtag_key) keys any string, so these are the checks in front of
//! it.

use super::{MAX_KEY_BYTES, TagKey, try_hashtag_key};
use crate::extract::{is_key_char, is_tag_alpha, whole_body};

/// Why a string is not a hashtag (or not the key of one). Offsets (`at`) are byte offsets
/// into the string as passed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TagError {
    /// Nothing, or only the `#`/`＃` sign.
    #[error("the tag is empty")]
    Empty,

    /// A character no hashtag can hold (a space, punctuation, a second sign): in a post the
    /// tag would end before it, or never start.
    #[error("{ch:?} at byte {at} cannot be part of a hashtag")]
    InvalidCharacter {
        /// Byte offset of the character.
        at: usize,
        /// The character.
        ch: char,
    },

    /// Only digits and joiners: `#2024` is no hashtag, a tag needs a letter or mark.
    #[error("a hashtag needs at least one letter")]
    NoLetter,

    /// The key would exceed [`MAX_KEY_BYTES`](crate::MAX_KEY_BYTES).
    #[error("the tag's key would exceed {max} bytes")]
    TooLong {
        /// The limit, in bytes of the key.
        max: usize,
    },
}

/// The key of a hashtag given by name, refusing what cannot be a hashtag.
///
/// `input` is the tag as a person or a host would write it, with or without its `#` or `＃`:
/// the rest must be exactly one hashtag as [`Extractor`](crate::Extractor) would find it in
/// a post (the same characters, at least one letter or mark), so `#Koffie`, `koffie` and
/// `＃KOFFIE` are accepted with one key and `hello world` ([`TagError::InvalidCharacter`] at
/// the space), `.abc`, `#a#b` and `2024` ([`TagError::NoLetter`]) are refused. Nothing is
/// trimmed: surrounding whitespace is an invalid character too. The key is
/// [`hashtag_key`](super::hashtag_key)'s, bounded by [`MAX_KEY_BYTES`]
/// ([`TagError::TooLong`]).
///
/// Linear in the length of `input`, whatever it holds; nothing beyond the key's limit is
/// normalised.
///
/// Use it wherever a tag name comes from outside a post (a URL, a form, an API call);
/// [`hashtag_key`](super::hashtag_key) is for values the extractor produced.
///
/// ```
/// use watercooler_text::{hashtag_key, parse_hashtag, TagError};
///
/// assert_eq!(parse_hashtag("#Koffie"), Ok(hashtag_key("koffie")));
/// assert_eq!(parse_hashtag("＃koffie"), parse_hashtag("KOFFIE"));
/// assert_eq!(
///     parse_hashtag("hello world"),
///     Err(TagError::InvalidCharacter { at: 5, ch: ' ' })
/// );
/// assert!(parse_hashtag(".abc").is_err());
/// assert_eq!(parse_hashtag("#"), Err(TagError::Empty));
/// ```
pub fn parse_hashtag(input: &str) -> Result<TagKey, TagError> {
    let body = whole_body(input)?;
    try_hashtag_key(body).map_err(|_| TagError::TooLong { max: MAX_KEY_BYTES })
}

/// Checks that `key` is the key of some hashtag, for keys a host passes back in (to follow
/// or mute a tag).
///
/// A [`TagKey`] can be made of any string by [`hashtag_key`](super::hashtag_key), so
/// `hashtag_key("hello world")` is a key no post can carry. This accepts exactly the keys
/// that [`parse_hashtag`] returns, and also their characters that normalisation made of
/// hashtag characters: `~` (from full-width `～`, a hashtag character in Japanese tags) and a
/// space before a combining mark (from the spacing kana voicing marks `゛` `゜` and Arabic
/// presentation forms). Three characters keep a key out: U+037A GREEK YPOGEGRAMMENI and the
/// Arabic ligatures U+FDFA and U+FDFB, whose keys hold a space before a letter, which this
/// cannot tell from two words; tags with them can still be found by name
/// ([`parse_hashtag`]).
///
/// ```
/// use watercooler_text::{check_hashtag_key, hashtag_key, TagError};
///
/// assert_eq!(check_hashtag_key(&hashtag_key("#Koffie")), Ok(()));
/// assert_eq!(check_hashtag_key(&hashtag_key("#ゆる～い")), Ok(()));
/// assert!(check_hashtag_key(&hashtag_key("hello world")).is_err());
/// assert_eq!(check_hashtag_key(&hashtag_key("")), Err(TagError::Empty));
/// ```
pub fn check_hashtag_key(key: &TagKey) -> Result<(), TagError> {
    let key = key.as_str();
    if key.is_empty() {
        return Err(TagError::Empty);
    }
    if key.len() > MAX_KEY_BYTES {
        return Err(TagError::TooLong { max: MAX_KEY_BYTES });
    }
    let mut chars = key.char_indices().peekable();
    let mut has_alpha = false;
    while let Some((at, ch)) = chars.next() {
        let next = chars.peek().map(|&(_, n)| n);
        if !is_key_char(ch, next) {
            return Err(TagError::InvalidCharacter { at, ch });
        }
        has_alpha = has_alpha || is_tag_alpha(ch);
    }
    if has_alpha {
        Ok(())
    } else {
        Err(TagError::NoLetter)
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use proptest::prelude::*;

    use super::*;
    use crate::{Extractor, hashtag_key};

    #[test]
    fn what_cannot_be_a_hashtag_is_refused() {
        assert_eq!(
            parse_hashtag("hello world"),
            Err(TagError::InvalidCharacter { at: 5, ch: ' ' })
        );
        assert_eq!(
            parse_hashtag(".abc"),
            Err(TagError::InvalidCharacter { at: 0, ch: '.' })
        );
        assert_eq!(
            parse_hashtag("#.abc"),
            Err(TagError::InvalidCharacter { at: 1, ch: '.' })
        );
        for empty in ["", "#", "＃"] {
            assert_eq!(parse_hashtag(empty), Err(TagError::Empty), "{empty:?}");
        }
        for bad in [
            " koffie",
            "koffie ",
            "##koffie",
            "#a#b",
            "a＃b",
            "koffie!",
            "#lean.",
            "a://b",
            "\u{200B}",
            "e-mail",
            "@jan",
            "#\u{FE0F}\u{20E3}",
        ] {
            assert!(
                matches!(parse_hashtag(bad), Err(TagError::InvalidCharacter { .. })),
                "{bad:?}"
            );
        }
        for no_letter in ["2024", "#2024", "_", "#1_2"] {
            assert_eq!(
                parse_hashtag(no_letter),
                Err(TagError::NoLetter),
                "{no_letter}"
            );
        }
    }

    #[test]
    fn a_sign_is_optional_and_spellings_share_a_key() {
        let key = hashtag_key("koffie");
        for ok in ["#Koffie", "koffie", "＃KOFFIE", "Koffie", "ＫＯＦＦＩＥ"] {
            assert_eq!(parse_hashtag(ok).as_ref(), Ok(&key), "{ok}");
        }
        for (typed, key) in [
            ("#Café", "café"),
            ("cafe\u{301}", "café"),
            ("#東京", "東京"),
            ("#ゆる～い", "ゆる~い"),
            ("#Project_X", "project_x"),
            ("#Q3", "q3"),
            ("#Straße", "strasse"),
        ] {
            assert_eq!(parse_hashtag(typed), Ok(hashtag_key(key)), "{typed}");
        }
    }

    #[test]
    fn very_long_input_is_refused_in_linear_time() {
        let max = MAX_KEY_BYTES;
        assert!(parse_hashtag(&"a".repeat(max)).is_ok());
        assert_eq!(
            parse_hashtag(&"a".repeat(max + 1)),
            Err(TagError::TooLong { max })
        );
        let started = Instant::now();
        for long in [
            "a".repeat(1_000_000),
            "é".repeat(500_000),
            "e\u{301}".repeat(300_000),
            format!("{} x", "a".repeat(1_000_000)),
            " ".repeat(1_000_000),
            "1".repeat(1_000_000),
        ] {
            assert!(parse_hashtag(&long).is_err());
            assert!(check_hashtag_key(&hashtag_key(&long)).is_err());
        }
        assert!(started.elapsed() < Duration::from_secs(10));
    }

    #[test]
    fn keys_of_hashtags_pass_and_others_do_not() {
        for tag in [
            "#Koffie",
            "#東京",
            "#ゆる～い",
            "#ガ゛",
            "#Café",
            "#Project_X",
        ] {
            let key = parse_hashtag(tag).unwrap();
            assert_eq!(check_hashtag_key(&key), Ok(()), "{tag}");
        }
        for (bad, err) in [
            ("hello world", TagError::InvalidCharacter { at: 5, ch: ' ' }),
            (".abc", TagError::InvalidCharacter { at: 0, ch: '.' }),
            ("a#b", TagError::InvalidCharacter { at: 1, ch: '#' }),
            ("2024", TagError::NoLetter),
            ("#", TagError::Empty),
        ] {
            assert_eq!(check_hashtag_key(&hashtag_key(bad)), Err(err), "{bad}");
        }
        assert_eq!(
            check_hashtag_key(&hashtag_key(&"a".repeat(MAX_KEY_BYTES + 1))),
            Err(TagError::TooLong { max: MAX_KEY_BYTES })
        );
    }

    proptest! {
        /// Whatever the extractor finds in a text is accepted, with the key of its value.
        #[test]
        fn every_extracted_hashtag_parses(s in "[#＃a-zé東～゛_0-9 .\u{301}\u{200D}]{0,24}") {
            for e in Extractor::default().extract_hashtags(&s) {
                let expected = hashtag_key(e.value(&s));
                prop_assert_eq!(parse_hashtag(e.as_str(&s)), Ok(expected.clone()));
                prop_assert_eq!(parse_hashtag(e.value(&s)), Ok(expected.clone()));
                prop_assert_eq!(check_hashtag_key(&expected), Ok(()));
            }
        }

        /// Anything accepted is one whole hashtag to the extractor, never panics otherwise.
        #[test]
        fn what_parses_is_one_whole_hashtag(s in any::<String>()) {
            if let Ok(key) = parse_hashtag(&s) {
                let text = if s.starts_with(['#', '＃']) { s.clone() } else { format!("#{s}") };
                let tags = Extractor::default().extract_hashtags(&text);
                prop_assert_eq!(tags.len(), 1);
                prop_assert_eq!(tags[0].as_str(&text), text.as_str());
                prop_assert_eq!(key, hashtag_key(&s));
            }
        }
    }
}

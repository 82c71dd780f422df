//! Validation of post text and its entities against [`Limits`].

mod error;

pub use error::TextError;

use std::cell::Cell;

use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfkc_quick};
use unicode_segmentation::UnicodeSegmentation;

use crate::key::{is_default_ignorable, key_exceeds};
use crate::{Entity, EntityKind, MAX_KEY_BYTES};

/// Limits on the text of one post. [`Limits::default()`] documents the defaults.
///
/// All checks run in time linear in the text and bounded memory; the cheapest checks come
/// first, so a huge input is refused before it is scanned.
///
/// # What is refused
///
/// * Text over [`Limits::max_bytes`] bytes, over [`Limits::max_graphemes`] user-perceived
///   characters (grapheme clusters, so `👩‍💻` and `e` + U+0301 count as one), or whose NFKC form
///   exceeds [`Limits::max_normalized_bytes`] (NFKC expands some characters up to 11× in bytes;
///   the form is streamed and the check stops at the limit, nothing is allocated).
/// * Empty text, and text of only whitespace and invisible characters (default-ignorable code
///   points such as ZWSP or the Hangul filler, and U+2800 BRAILLE PATTERN BLANK).
/// * Control characters (general category Cc: C0, DEL, C1), except tab, line feed, and carriage
///   return directly followed by line feed (browsers submit text areas with CR LF). NUL is
///   refused (PostgreSQL cannot store it) and so is a lone CR (it overwrites lines in logs and
///   terminals). Format characters (Cf) such as bidi controls or ZWJ are allowed: right-to-left
///   writers and emoji need them, and [`render_html`](crate::render_html) neutralises them.
/// * More hashtags, mentions, URLs or cashtags than allowed, one that is too long, or a hashtag
///   or handle whose key exceeds [`MAX_KEY_BYTES`](crate::MAX_KEY_BYTES).
///
/// Lone surrogates cannot occur: `&str` is valid UTF-8.
///
/// The struct is `#[non_exhaustive]`: start from `Limits::default()` and set fields.
///
/// ```
/// use watercooler_text::Limits;
/// let mut limits = Limits::default();
/// limits.max_graphemes = 280;
/// assert!(limits.check_text("Hallo #team!").is_ok());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
// Fields missing from a configuration file keep their defaults.
#[cfg_attr(feature = "serde", serde(default))]
#[non_exhaustive]
pub struct Limits {
    /// Most user-perceived characters (grapheme clusters). Default 5,000.
    pub max_graphemes: usize,
    /// Most UTF-8 bytes. Default 32 KiB (32,768): room for 5,000 characters of any script,
    /// and a guard against one "character" made of 10,000 combining marks.
    pub max_bytes: usize,
    /// Most UTF-8 bytes of the text's NFKC form. Default 64 KiB (65,536).
    pub max_normalized_bytes: usize,
    /// Most hashtags per post. Default 30.
    pub max_hashtags: usize,
    /// Most mentions per post. Default 50.
    pub max_mentions: usize,
    /// Most URLs per post. Default 20.
    pub max_urls: usize,
    /// Most cashtags per post. Default 20.
    pub max_cashtags: usize,
    /// Longest hashtag, in grapheme clusters without the sigil. Default 100.
    pub max_hashtag_graphemes: usize,
    /// Longest handle (and list slug) of a mention, in grapheme clusters without the sigil.
    /// Default 64.
    pub max_handle_graphemes: usize,
    /// Longest URL, in grapheme clusters. Default 2,000 (what browsers and proxies reliably
    /// pass along).
    pub max_url_graphemes: usize,
    /// Longest cashtag, in grapheme clusters without the sigil. Default 16.
    pub max_cashtag_graphemes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_graphemes: 5_000,
            max_bytes: 32 * 1024,
            max_normalized_bytes: 64 * 1024,
            max_hashtags: 30,
            max_mentions: 50,
            max_urls: 20,
            max_cashtags: 20,
            max_hashtag_graphemes: 100,
            max_handle_graphemes: 64,
            max_url_graphemes: 2_000,
            max_cashtag_graphemes: 16,
        }
    }
}

impl Limits {
    /// Checks the text and then its entities (as extracted from this text): the first
    /// problem found is returned.
    ///
    /// For untrusted input, prefer [`check_text`](Self::check_text) before extracting (so
    /// an oversized text is never parsed) and [`check_entities`](Self::check_entities) after.
    pub fn check(&self, text: &str, entities: &[Entity]) -> Result<(), TextError> {
        self.check_text(text)?;
        self.check_entities(text, entities)
    }

    /// Checks the text alone: size, characters, normalised size.
    pub fn check_text(&self, text: &str) -> Result<(), TextError> {
        if text.len() > self.max_bytes {
            return Err(TextError::TooManyBytes {
                bytes: text.len(),
                max: self.max_bytes,
            });
        }
        check_characters(text)?;
        // Bounded by max_bytes above, so counting every grapheme is cheap enough and gives
        // the caller the exact figure.
        let graphemes = text.graphemes(true).count();
        if graphemes > self.max_graphemes {
            return Err(TextError::TooLong {
                graphemes,
                max: self.max_graphemes,
            });
        }
        check_normalized_len(text, self.max_normalized_bytes)
    }

    /// Checks the entities of `text`: how many of each kind, the length of each, and the
    /// length of each hashtag's and handle's key.
    ///
    /// Entities are expected as the extractor gives them: sorted and non-overlapping. Any are
    /// counted; one that overlaps an earlier one (or has an invalid range) is not measured,
    /// which keeps the work linear in the text whatever list is passed.
    pub fn check_entities(&self, text: &str, entities: &[Entity]) -> Result<(), TextError> {
        let (mut hashtags, mut mentions, mut urls, mut cashtags) = (0usize, 0usize, 0usize, 0usize);
        for entity in entities {
            match entity.kind() {
                EntityKind::Hashtag => hashtags += 1,
                EntityKind::Mention => mentions += 1,
                EntityKind::Url => urls += 1,
                EntityKind::Cashtag => cashtags += 1,
            }
        }
        for (kind, count, max) in [
            (EntityKind::Hashtag, hashtags, self.max_hashtags),
            (EntityKind::Mention, mentions, self.max_mentions),
            (EntityKind::Url, urls, self.max_urls),
            (EntityKind::Cashtag, cashtags, self.max_cashtags),
        ] {
            if count > max {
                return Err(TextError::TooManyEntities { kind, count, max });
            }
        }

        let mut measured_up_to = 0usize;
        for entity in entities {
            let range = entity.range();
            if range.start < measured_up_to || text.get(range.clone()).is_none() {
                continue;
            }
            measured_up_to = range.end;
            self.check_entity(text, entity)?;
        }
        Ok(())
    }

    fn check_entity(&self, text: &str, entity: &Entity) -> Result<(), TextError> {
        let kind = entity.kind();
        let at = entity.range().start;
        let value = entity.value(text);
        let (max, sigil) = match kind {
            EntityKind::Hashtag => (self.max_hashtag_graphemes, Some('#')),
            EntityKind::Mention => (self.max_handle_graphemes, Some('@')),
            EntityKind::Url => (self.max_url_graphemes, None),
            EntityKind::Cashtag => (self.max_cashtag_graphemes, None),
        };
        let too_long = |len| TextError::EntityTooLong { kind, at, len, max };
        let len = value.graphemes(true).count();
        if len > max {
            return Err(too_long(len));
        }
        if let Some(list) = entity.list(text) {
            let len = list.graphemes(true).count();
            if len > max {
                return Err(too_long(len));
            }
        }
        if let Some(sigil) = sigil
            && key_exceeds(value, sigil, MAX_KEY_BYTES)
        {
            return Err(TextError::KeyTooLong {
                kind,
                at,
                max: MAX_KEY_BYTES,
            });
        }
        Ok(())
    }
}

/// Refuses control characters (see [`Limits`]) and blank text, in one pass.
fn check_characters(text: &str) -> Result<(), TextError> {
    let mut blank = true;
    let mut chars = text.char_indices().peekable();
    while let Some((at, ch)) = chars.next() {
        if ch.is_control() {
            let allowed = match ch {
                '\t' | '\n' => true,
                '\r' => matches!(chars.peek(), Some((_, '\n'))),
                _ => false,
            };
            if !allowed {
                return Err(TextError::ControlCharacter { at, ch });
            }
        } else if blank && !is_blank(ch) {
            blank = false;
        }
    }
    if blank {
        return Err(TextError::Empty);
    }
    Ok(())
}

/// Characters that do not make a text non-empty: whitespace, default-ignorables, and the
/// Braille blank (a favourite for "invisible" posts, not whitespace in Unicode).
fn is_blank(ch: char) -> bool {
    ch.is_whitespace() || is_default_ignorable(ch) || ch == '\u{2800}'
}

/// Streams the NFKC form of `text` and fails as soon as it exceeds `max` bytes.
fn check_normalized_len(text: &str, max: usize) -> Result<(), TextError> {
    // Most text is already NFKC (all ASCII is); then the form is the text itself.
    if is_nfkc_quick(text.chars()) == IsNormalized::Yes {
        return if text.len() > max {
            Err(TextError::ExpandsTooMuch {
                at: max_prefix(text, max),
                max,
            })
        } else {
            Ok(())
        };
    }
    // The normaliser pulls characters one by one (and only a little ahead of its output), so
    // the offset of the last character pulled is where the limit was passed.
    let pulled_at = Cell::new(0usize);
    let source = text.char_indices().map(|(at, ch)| {
        pulled_at.set(at);
        ch
    });
    let mut len = 0usize;
    for ch in source.nfkc() {
        len += ch.len_utf8();
        if len > max {
            return Err(TextError::ExpandsTooMuch {
                at: pulled_at.get(),
                max,
            });
        }
    }
    Ok(())
}

/// Byte offset of the character containing byte `max` of `text` (for an already-NFKC text
/// longer than `max`).
fn max_prefix(text: &str, max: usize) -> usize {
    (0..=max.min(text.len()))
        .rev()
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crlf_is_allowed_but_a_lone_cr_is_not() {
        assert_eq!(check_characters("a\r\nb\tc\n"), Ok(()));
        assert_eq!(
            check_characters("a\rb"),
            Err(TextError::ControlCharacter { at: 1, ch: '\r' })
        );
        assert_eq!(
            check_characters("a\r"),
            Err(TextError::ControlCharacter { at: 1, ch: '\r' })
        );
    }

    #[test]
    fn blank_text_is_empty() {
        for s in [
            "",
            " ",
            "\n\t ",
            "\u{200B}",
            "\u{3164}\u{3164}",
            "\u{2800}",
            "\u{3000}\u{FEFF}",
        ] {
            assert_eq!(check_characters(s), Err(TextError::Empty), "{s:?}");
        }
        assert_eq!(check_characters(" x "), Ok(()));
    }

    #[test]
    fn normalised_length_stops_at_the_limit() {
        let fdfa = "\u{FDFA}".repeat(10);
        // 10 × 33 = 330 bytes of NFKC.
        assert_eq!(check_normalized_len(&fdfa, 330), Ok(()));
        assert_eq!(
            check_normalized_len(&fdfa, 329),
            Err(TextError::ExpandsTooMuch { at: 27, max: 329 })
        );
        assert_eq!(
            check_normalized_len("abcdef", 4),
            Err(TextError::ExpandsTooMuch { at: 4, max: 4 })
        );
    }
}

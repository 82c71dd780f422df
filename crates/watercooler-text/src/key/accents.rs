//! Optional accent folding for keys (`KeyOptions::fold_accents`): `zähler` → `zahler`.
//!
//! Off by default because it merges different words (Mastodon's ASCII folding made `#Zähler`
//! equal to `#Zahler`, mastodon#21081). When on, it only touches Latin script, the way
//! Lucene's ASCII folding does: diacritics on Latin letters are dropped and a few Latin
//! letters without a decomposition are spelled in ASCII (`ø` → `o`, `æ` → `ae`). Greek,
//! Cyrillic and other scripts keep their marks, because there a mark often makes a different
//! letter (Cyrillic `й` is not `и`).

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::canonical_combining_class;

/// Whether `c` is a letter of the Latin script that diacritics following it may be dropped from.
fn is_latin_letter(c: char) -> bool {
    c.is_ascii_alphabetic()
        || matches!(u32::from(c),
            0x00C0..=0x024F      // Latin-1 Supplement letters, Latin Extended-A and -B
            | 0x1E00..=0x1EFF    // Latin Extended Additional
            | 0x2C60..=0x2C7F    // Latin Extended-C
            | 0xA720..=0xA7FF    // Latin Extended-D
            | 0xAB30..=0xAB6F)   // Latin Extended-E
            && c.is_alphabetic()
}

/// Whether `c` is a combining diacritic (not a vowel sign or other mark that spells a letter).
fn is_diacritic(c: char) -> bool {
    canonical_combining_class(c) != 0
        && matches!(u32::from(c),
            0x0300..=0x036F      // Combining Diacritical Marks
            | 0x1AB0..=0x1AFF    // ... Extended
            | 0x1DC0..=0x1DFF    // ... Supplement
            | 0x20D0..=0x20FF    // ... for Symbols
            | 0xFE20..=0xFE2F) // Combining Half Marks
}

/// ASCII spellings of case-folded Latin letters that have no canonical decomposition.
fn ascii_spelling(c: char) -> Option<&'static str> {
    Some(match c {
        'æ' => "ae",
        'œ' => "oe",
        'ø' => "o",
        'đ' | 'ð' => "d",
        'ħ' => "h",
        'ı' => "i",
        'ł' => "l",
        'ŧ' => "t",
        'þ' => "th",
        'ƀ' => "b",
        'ɨ' => "i",
        _ => return None,
    })
}

/// Folds accents of an already case-folded, NFKC-normalised key. Output is NFC.
pub(super) fn fold_accents<I: Iterator<Item = char>>(chars: I) -> impl Iterator<Item = char> {
    let mut after_latin = false;
    chars
        .nfd()
        .filter(move |&c| {
            if is_diacritic(c) {
                return !after_latin;
            }
            // A mark that is not a diacritic (ccc 0) ends the run of droppable marks.
            after_latin = is_latin_letter(c);
            true
        })
        .flat_map(Spelled::new)
        .nfc()
}

/// One character or its (at most two-letter) ASCII spelling, as an iterator.
struct Spelled {
    chars: [char; 2],
    len: u8,
    next: u8,
}

impl Spelled {
    fn new(c: char) -> Self {
        match ascii_spelling(c) {
            Some(s) => {
                let mut chars = ['\0'; 2];
                let mut len = 0;
                for (slot, ch) in chars.iter_mut().zip(s.chars()) {
                    *slot = ch;
                    len += 1;
                }
                Spelled {
                    chars,
                    len,
                    next: 0,
                }
            }
            None => Spelled {
                chars: [c, '\0'],
                len: 1,
                next: 0,
            },
        }
    }
}

impl Iterator for Spelled {
    type Item = char;

    fn next(&mut self) -> Option<char> {
        if self.next >= self.len {
            return None;
        }
        let c = self.chars[usize::from(self.next)];
        self.next += 1;
        Some(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fold(s: &str) -> String {
        fold_accents(s.chars()).collect()
    }

    #[test]
    fn latin_diacritics_are_dropped() {
        assert_eq!(fold("zähler"), "zahler");
        assert_eq!(fold("café"), "cafe");
        assert_eq!(fold("cafe\u{301}"), "cafe");
        assert_eq!(fold("i\u{307}stanbul"), "istanbul");
        assert_eq!(fold("ærøskøbing"), "aeroskobing");
        assert_eq!(fold("łódź"), "lodz");
        assert_eq!(fold("ḱ\u{323}"), "k");
    }

    #[test]
    fn other_scripts_keep_their_marks() {
        assert_eq!(fold("й"), "й");
        assert_eq!(fold("ά"), "ά");
        assert_eq!(fold("हिंदी"), "हिंदी");
        // A Latin letter after a Cyrillic one still folds; a mark after Cyrillic does not.
        assert_eq!(fold("йé"), "йe");
        assert_eq!(fold("e\u{301}й\u{301}"), "eй\u{301}");
    }
}

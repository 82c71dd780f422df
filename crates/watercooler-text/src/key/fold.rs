//! Full Unicode case folding: `caseless` plus the pairs it does not know yet.
//!
//! `caseless` 0.2.2 implements full case folding (statuses C and F of `CaseFolding.txt`) from
//! Unicode 16.0 and gets the hard cases right: `ß`/`ẞ` → `ss`, final `ς` → `σ`, `İ` →
//! `i` + U+0307, Cherokee lowercase → uppercase (Cherokee folds *to uppercase*, for stability).
//! Unicode 17.0 added case pairs it lacks; [`SUPPLEMENT`] folds those, so keys fold every
//! cased letter of Unicode 17.0 (the version the rest of the pipeline, `unicode-normalization`
//! and Rust's `std`, already speaks).

use caseless::Caseless;

/// Unicode 17.0 simple case pairs missing from `caseless` 0.2.2: (uppercase, folded).
/// Each folds to its lowercase partner, as `CaseFolding.txt` 17.0 lists them (status C).
const SUPPLEMENT: &[(char, char)] = &[
    ('\u{A7CE}', '\u{A7CF}'), // LATIN CAPITAL LETTER PHARYNGEAL VOICED FRICATIVE
    ('\u{A7D2}', '\u{A7D3}'), // LATIN CAPITAL LETTER DOUBLE THORN
    ('\u{A7D4}', '\u{A7D5}'), // LATIN CAPITAL LETTER DOUBLE WYNN
];

/// Beria Erfe (Unicode 17.0): capitals U+16EA0..=U+16EB8 fold to U+16EBB..=U+16ED3.
const BERIA_ERFE_CAPITALS: std::ops::RangeInclusive<u32> = 0x16EA0..=0x16EB8;
const BERIA_ERFE_OFFSET: u32 = 0x16EBB - 0x16EA0;

/// Folds the characters `caseless` misses and leaves all others alone (for `caseless` next).
pub(super) fn pre_fold(c: char) -> char {
    let u = u32::from(c);
    // Everything missing is above U+A7CE; this keeps the common path to one comparison.
    if u < 0xA7CE {
        return c;
    }
    if BERIA_ERFE_CAPITALS.contains(&u) {
        return char::from_u32(u + BERIA_ERFE_OFFSET).unwrap_or(c);
    }
    match SUPPLEMENT.binary_search_by_key(&c, |&(upper, _)| upper) {
        Ok(i) => SUPPLEMENT[i].1,
        Err(_) => c,
    }
}

/// Whether full case folding leaves `c` as it is.
pub(super) fn folds_to_itself(c: char) -> bool {
    if c.is_ascii() {
        return !c.is_ascii_uppercase();
    }
    if pre_fold(c) != c {
        return false;
    }
    let mut folded = std::iter::once(c).default_case_fold();
    folded.next() == Some(c) && folded.next().is_none()
}

/// Full case folding of a stream of characters.
pub(super) fn case_fold<I: Iterator<Item = char>>(chars: I) -> impl Iterator<Item = char> {
    chars.map(pre_fold).default_case_fold()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fold(s: &str) -> String {
        case_fold(s.chars()).collect()
    }

    #[test]
    fn hard_cases_from_the_background_notes() {
        assert_eq!(fold("straße"), "strasse");
        assert_eq!(fold("STRAẞE"), "strasse");
        assert_eq!(fold("ΟΔΟΣ"), "οδοσ");
        assert_eq!(fold("οδος"), "οδοσ");
        assert_eq!(fold("İ"), "i\u{307}");
        assert_eq!(fold("ı"), "ı");
        assert_eq!(fold("I"), "i");
        // Cherokee folds to uppercase.
        assert_eq!(fold("\u{AB70}"), "\u{13A0}");
        assert_eq!(fold("\u{13A0}"), "\u{13A0}");
        assert_eq!(fold("\u{13F8}"), "\u{13F0}");
        // Georgian Mtavruli (Unicode 11) folds to Mkhedruli.
        assert_eq!(fold("\u{1C90}"), "\u{10D0}");
    }

    #[test]
    fn supplement_folds_unicode_17_pairs() {
        assert_eq!(fold("\u{A7CE}\u{A7D2}\u{A7D4}"), "\u{A7CF}\u{A7D3}\u{A7D5}");
        assert_eq!(fold("\u{16EA0}\u{16EB8}"), "\u{16EBB}\u{16ED3}");
        assert_eq!(fold("\u{16EB9}"), "\u{16EB9}");
    }

    #[test]
    fn folds_to_itself_agrees_with_folding() {
        for c in (0..0x40000_u32).filter_map(char::from_u32) {
            let folded: String = case_fold(std::iter::once(c)).collect();
            assert_eq!(
                folds_to_itself(c),
                folded == c.to_string(),
                "U+{:04X}",
                u32::from(c)
            );
        }
    }

    #[test]
    fn supplement_table_is_sorted() {
        assert!(SUPPLEMENT.windows(2).all(|w| w[0].0 < w[1].0));
    }

    /// Cross-checks the supplement against the Unicode tables of Rust's `std` (17.0 in Rust
    /// 1.95): every letter that `std` lowercases to a single other letter, where `caseless`
    /// knows neither of the two, must be folded by us to that letter. This fails when a newer
    /// toolchain brings case pairs we do not fold yet: then extend [`SUPPLEMENT`] (and bump
    /// `KEY_VERSION`, since keys of those letters change).
    #[test]
    fn supplement_covers_every_pair_caseless_lacks() {
        let caseless_fold =
            |c: char| -> String { std::iter::once(c).default_case_fold().collect() };
        for c in (0..=0x10FFFF_u32).filter_map(char::from_u32) {
            let mut lower = c.to_lowercase();
            let (Some(l), None) = (lower.next(), lower.next()) else {
                continue;
            };
            if l == c || caseless_fold(c) != c.to_string() || caseless_fold(l) != l.to_string() {
                continue;
            }
            assert_eq!(pre_fold(c), l, "U+{:04X} is not folded", u32::from(c));
        }
    }

    /// Everything we add agrees with `std` wherever `std` knows the character.
    #[test]
    fn supplement_agrees_with_std() {
        let pairs = SUPPLEMENT.iter().copied().chain(
            BERIA_ERFE_CAPITALS
                .filter_map(|u| Some((char::from_u32(u)?, pre_fold(char::from_u32(u)?)))),
        );
        for (upper, folded) in pairs {
            let std_lower: String = upper.to_lowercase().collect();
            if std_lower != upper.to_string() {
                assert_eq!(std_lower, folded.to_string(), "U+{:04X}", u32::from(upper));
            }
        }
    }
}

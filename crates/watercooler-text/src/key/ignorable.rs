//! The Unicode `Default_Ignorable_Code_Point` property.
//!
//! Copied from `DerivedCoreProperties.txt`; the list has been unchanged since Unicode 14.0
//! (Unicode 17.0 is current). Unassigned code points in these ranges are reserved as
//! default-ignorable forever, so the table stays correct for characters assigned later.

/// Inclusive ranges of `Default_Ignorable_Code_Point`, sorted, non-overlapping.
const RANGES: &[(u32, u32)] = &[
    (0x00AD, 0x00AD),   // SOFT HYPHEN
    (0x034F, 0x034F),   // COMBINING GRAPHEME JOINER
    (0x061C, 0x061C),   // ARABIC LETTER MARK
    (0x115F, 0x1160),   // HANGUL CHOSEONG FILLER..HANGUL JUNGSEONG FILLER
    (0x17B4, 0x17B5),   // KHMER VOWEL INHERENT AQ..AA
    (0x180B, 0x180F),   // MONGOLIAN FREE VARIATION SELECTORS, VOWEL SEPARATOR
    (0x200B, 0x200F),   // ZERO WIDTH SPACE, ZWNJ, ZWJ, LRM, RLM
    (0x202A, 0x202E),   // LRE, RLE, PDF, LRO, RLO
    (0x2060, 0x206F),   // WORD JOINER.., LRI, RLI, FSI, PDI, deprecated format characters
    (0x3164, 0x3164),   // HANGUL FILLER
    (0xFE00, 0xFE0F),   // VARIATION SELECTOR-1..16
    (0xFEFF, 0xFEFF),   // ZERO WIDTH NO-BREAK SPACE (BOM)
    (0xFFA0, 0xFFA0),   // HALFWIDTH HANGUL FILLER
    (0xFFF0, 0xFFF8),   // reserved
    (0x1BCA0, 0x1BCA3), // SHORTHAND FORMAT CONTROLS
    (0x1D173, 0x1D17A), // MUSICAL SYMBOL BEGIN BEAM..END PHRASE
    (0xE0000, 0xE0FFF), // TAG CHARACTERS, VARIATION SELECTOR-17..256, reserved
];

/// Whether `c` has the Unicode `Default_Ignorable_Code_Point` property.
pub(crate) fn is_default_ignorable(c: char) -> bool {
    let u = u32::from(c);
    // Nothing below U+00AD is ignorable: keeps ASCII and Latin-1 letters off the search.
    if u < 0x00AD {
        return false;
    }
    RANGES
        .binary_search_by(|&(lo, hi)| {
            if hi < u {
                std::cmp::Ordering::Less
            } else if lo > u {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        })
        .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_and_disjoint() {
        for w in RANGES.windows(2) {
            assert!(w[0].0 <= w[0].1 && w[0].1 < w[1].0, "{w:x?}");
        }
    }

    #[test]
    fn members_named_by_the_recipe() {
        for c in [
            '\u{AD}',
            '\u{34F}',
            '\u{200B}',
            '\u{200C}',
            '\u{200D}',
            '\u{200E}',
            '\u{200F}',
            '\u{202A}',
            '\u{202E}',
            '\u{2066}',
            '\u{2069}',
            '\u{2060}',
            '\u{FE0F}',
            '\u{FEFF}',
            '\u{3164}',
            '\u{FFA0}',
            '\u{E0001}',
            '\u{E0020}',
            '\u{E007F}',
            '\u{E0100}',
            '\u{E01EF}',
            '\u{E0FFF}',
            '\u{180E}',
            '\u{1D173}',
        ] {
            assert!(is_default_ignorable(c), "U+{:04X}", u32::from(c));
        }
    }

    #[test]
    fn neighbours_are_not_ignorable() {
        for c in [
            'a',
            '#',
            ' ',
            '\u{AC}',
            '\u{AE}',
            '\u{300}',
            '\u{200A}',
            '\u{2010}',
            '\u{2029}',
            '\u{202F}',
            '\u{205F}',
            '\u{2070}',
            '\u{FE10}',
            '\u{FEFE}',
            '\u{E1000}',
            '\u{1F600}',
            'é',
            'ß',
        ] {
            assert!(!is_default_ignorable(c), "U+{:04X}", u32::from(c));
        }
    }
}

//! Character classes shared by the scanners, and panic-free UTF-8 decoding at byte positions.
//!
//! ASCII is classified through one 128-entry table of bit flags (one load per byte on the hot
//! path); non-ASCII code points go through explicit ranges or the generated general-category
//! table in `unicode_tables.rs`.

use super::unicode_tables::CLASS_RANGES;

/// General-category class of a code point: not a letter, mark or decimal digit.
pub(super) const OTHER: u8 = 0;
/// General category L* (Lu, Ll, Lt, Lm, Lo).
pub(super) const LETTER: u8 = 1;
/// General category M* (Mn, Mc, Me).
pub(super) const MARK: u8 = 2;
/// General category Nd.
pub(super) const DIGIT: u8 = 3;

// Bit flags of the ASCII table.
const ALNUM: u16 = 1 << 0;
const WORD: u16 = 1 << 1; // [A-Za-z0-9_]: twitter-text's screen-name and hashtag ASCII class
const PATH: u16 = 1 << 2; // validGeneralUrlPathChars
const PATH_END: u16 = 1 << 3; // validUrlPathEndingChars
const QUERY: u16 = 1 << 4; // validUrlQueryChars
const QUERY_END: u16 = 1 << 5; // validUrlQueryEndingChars
const MENTION_BAD_PREV: u16 = 1 << 6; // [a-zA-Z0-9_!#$%&*@]
const PUNCT: u16 = 1 << 7; // ASCII punctuation
const SPACE: u16 = 1 << 8; // \t..\r and ' '
const URL_BAD_PREV: u16 = 1 << 9; // [A-Za-z0-9@$#]

const fn contains(set: &[u8], b: u8) -> bool {
    let mut i = 0;
    while i < set.len() {
        if set[i] == b {
            return true;
        }
        i += 1;
    }
    false
}

const fn build_ascii_table() -> [u16; 128] {
    let mut t = [0u16; 128];
    let mut i = 0u8;
    while i < 128 {
        let alnum = i.is_ascii_alphanumeric();
        let mut f = 0u16;
        if alnum {
            f |= ALNUM
                | WORD
                | PATH
                | PATH_END
                | QUERY
                | QUERY_END
                | MENTION_BAD_PREV
                | URL_BAD_PREV;
        }
        if i == b'_' {
            f |= WORD | MENTION_BAD_PREV;
        }
        if contains(b"!*';:=+,.$/%#[]-_~@|&", i) {
            f |= PATH;
        }
        if contains(b"+-=_#/", i) {
            f |= PATH_END;
        }
        if contains(b"!?*'@();:&=+$/%#[]-_.,~|", i) {
            f |= QUERY;
        }
        if contains(b"-_&=#/", i) {
            f |= QUERY_END;
        }
        if contains(b"!#$%&*@", i) {
            f |= MENTION_BAD_PREV;
        }
        if i.is_ascii_punctuation() {
            f |= PUNCT;
        }
        if (i >= 0x09 && i <= 0x0D) || i == b' ' {
            f |= SPACE;
        }
        if contains(b"@$#", i) {
            f |= URL_BAD_PREV;
        }
        t[i as usize] = f;
        i += 1;
    }
    t
}

static ASCII: [u16; 128] = build_ascii_table();

#[inline]
fn ascii_has(b: u8, flag: u16) -> bool {
    b < 0x80 && ASCII[(b & 0x7F) as usize] & flag != 0
}

/// `[A-Za-z0-9_]`.
#[inline]
pub(super) fn is_word_byte(b: u8) -> bool {
    ascii_has(b, WORD)
}

/// ASCII punctuation (all 32 characters, including `"` and `` ` ``).
#[inline]
pub(super) fn is_ascii_punct(b: u8) -> bool {
    ascii_has(b, PUNCT)
}

/// General-category class (`OTHER`, `LETTER`, `MARK`, `DIGIT`) of a code point.
#[inline]
pub(super) fn class_of(c: char) -> u8 {
    let cp = c as u32;
    if cp < 0x80 {
        let b = cp as u8;
        return if b.is_ascii_alphabetic() {
            LETTER
        } else if b.is_ascii_digit() {
            DIGIT
        } else {
            OTHER
        };
    }
    // Uniform blocks common in European, CJK and Korean text skip the search: Latin-1
    // letters and Latin Extended-A/B (all letters but × and ÷), the combining diacritics
    // (all Mn), CJK Unified Ideographs and Hangul syllables.
    if (0xC0..=0x24F).contains(&cp) && cp != 0xD7 && cp != 0xF7 {
        return LETTER;
    }
    if (0x300..=0x36F).contains(&cp) {
        return MARK;
    }
    if (0x4E00..=0x9FFF).contains(&cp) || (0xAC00..=0xD7A3).contains(&cp) {
        return LETTER;
    }
    match CLASS_RANGES.binary_search_by(|&(lo, hi, _)| {
        if hi < cp {
            std::cmp::Ordering::Less
        } else if lo > cp {
            std::cmp::Ordering::Greater
        } else {
            std::cmp::Ordering::Equal
        }
    }) {
        Ok(i) => CLASS_RANGES.get(i).map_or(OTHER, |r| r.2),
        Err(_) => OTHER,
    }
}

/// twitter-text's `hashtagSpecialChars`: joiners and script punctuation allowed inside tags.
#[inline]
fn is_hashtag_special(c: char) -> bool {
    matches!(
        c,
        '_' | '\u{200C}'
            | '\u{200D}'
            | '\u{A67E}'
            | '\u{05BE}'
            | '\u{05F3}'
            | '\u{05F4}'
            | '\u{FF5E}'
            | '\u{301C}'
            | '\u{309B}'
            | '\u{309C}'
            | '\u{30A0}'
            | '\u{30FB}'
            | '\u{3003}'
            | '\u{0F0B}'
            | '\u{0F0C}'
            | '\u{00B7}'
    )
}

/// twitter-text's `hashtagAlphaNumeric`: `\p{L}\p{M}\p{Nd}` plus the special characters.
#[inline]
pub(super) fn is_hashtag_alnum(c: char) -> bool {
    if c.is_ascii() {
        return ascii_has(c as u8, WORD);
    }
    class_of(c) != OTHER || is_hashtag_special(c)
}

/// twitter-text's `hashtagAlpha`: `\p{L}\p{M}`.
#[inline]
pub(super) fn is_hashtag_alpha(c: char) -> bool {
    matches!(class_of(c), LETTER | MARK)
}

/// `\p{M}`: a combining mark.
#[inline]
pub(super) fn is_mark(c: char) -> bool {
    class_of(c) == MARK
}

/// twitter-text's `spaces` group.
#[inline]
pub(super) fn is_twitter_space(c: char) -> bool {
    if c.is_ascii() {
        return ascii_has(c as u8, SPACE);
    }
    matches!(
        c,
        '\u{85}' | '\u{A0}' | '\u{1680}' | '\u{180E}' | '\u{2000}'
            ..='\u{200A}' | '\u{2028}' | '\u{2029}' | '\u{202F}' | '\u{205F}' | '\u{3000}'
    )
}

/// Whitespace accepted after a cashtag (`\s` in the JavaScript port: the spaces plus U+FEFF).
#[inline]
pub(super) fn is_cashtag_space(c: char) -> bool {
    is_twitter_space(c) || c == '\u{FEFF}'
}

/// twitter-text's `invalidCharsGroup`: code points that make a tweet invalid.
#[inline]
fn is_invalid_char(c: char) -> bool {
    matches!(c, '\u{FFFE}' | '\u{FEFF}' | '\u{FFFF}')
}

/// twitter-text's `directionalMarkersGroup` (bidi embeddings, overrides, isolates, marks).
#[inline]
fn is_directional(c: char) -> bool {
    matches!(
        c,
        '\u{202A}'..='\u{202E}' | '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{2066}'..='\u{2069}'
    )
}

/// twitter-text's `latinAccentChars`.
#[inline]
pub(super) fn is_latin_accent(c: char) -> bool {
    matches!(
        c,
        '\u{C0}'..='\u{D6}'
            | '\u{D8}'..='\u{F6}'
            | '\u{F8}'..='\u{FF}'
            | '\u{100}'..='\u{24F}'
            | '\u{253}'
            | '\u{254}'
            | '\u{256}'
            | '\u{257}'
            | '\u{259}'
            | '\u{25B}'
            | '\u{263}'
            | '\u{268}'
            | '\u{26F}'
            | '\u{272}'
            | '\u{289}'
            | '\u{28B}'
            | '\u{2BB}'
            | '\u{300}'..='\u{36F}'
            | '\u{1E00}'..='\u{1EFF}'
    )
}

#[inline]
fn is_cyrillic(c: char) -> bool {
    ('\u{400}'..='\u{4FF}').contains(&c)
}

/// twitter-text's `validDomainChars`: anything but punctuation, spaces, invalid and directional
/// characters. ASCII control characters are excluded too (the JavaScript port lets them in).
#[inline]
pub(super) fn is_domain_char(c: char) -> bool {
    if c.is_ascii() {
        return ascii_has(c as u8, ALNUM);
    }
    !(is_twitter_space(c) || is_invalid_char(c) || is_directional(c))
}

/// Characters a domain run is made of: domain characters plus `-`, `_` and `.`.
#[inline]
pub(super) fn is_domain_run_char(c: char) -> bool {
    matches!(c, '-' | '_' | '.') || is_domain_char(c)
}

/// twitter-text's `validUrlPrecedingChars`: what may stand right before a URL.
#[inline]
pub(super) fn is_valid_url_preceding(c: char) -> bool {
    if c.is_ascii() {
        return !ascii_has(c as u8, URL_BAD_PREV);
    }
    !(matches!(c, '＠' | '＃') || is_invalid_char(c))
}

/// `[-a-z0-9]` plus Latin accents: the characters of a scheme-less (ASCII) domain label.
#[inline]
pub(super) fn is_ascii_domain_char(c: char) -> bool {
    if c.is_ascii() {
        return c == '-' || c.is_ascii_alphanumeric();
    }
    is_latin_accent(c)
}

/// twitter-text's `validGeneralUrlPathChars`.
#[inline]
pub(super) fn is_path_char(c: char) -> bool {
    if c.is_ascii() {
        return ascii_has(c as u8, PATH);
    }
    c == '\u{2013}' || is_cyrillic(c) || is_latin_accent(c)
}

/// twitter-text's `validUrlPathEndingChars` (without the balanced-parenthesis alternative).
#[inline]
pub(super) fn is_path_end_char(c: char) -> bool {
    if c.is_ascii() {
        return ascii_has(c as u8, PATH_END);
    }
    is_cyrillic(c) || is_latin_accent(c)
}

/// twitter-text's `validUrlQueryChars`.
#[inline]
pub(super) fn is_query_byte(b: u8) -> bool {
    ascii_has(b, QUERY)
}

/// twitter-text's `validUrlQueryEndingChars`.
#[inline]
pub(super) fn is_query_end_byte(b: u8) -> bool {
    ascii_has(b, QUERY_END)
}

/// `[a-zA-Z0-9_!#$%&*@＠]`: characters that rule out a twitter-style mention right after them.
#[inline]
pub(super) fn is_twitter_mention_bad_prev(c: char) -> bool {
    if c.is_ascii() {
        return ascii_has(c as u8, MENTION_BAD_PREV);
    }
    c == '＠'
}

/// Scripts written without spaces between words (Han, kana, Hangul): a letter of these may
/// stand right before an intranet `@handle`, and ends one, as twitter-text allows for `の@user`.
#[inline]
pub(super) fn is_cjk(c: char) -> bool {
    matches!(
        c,
        '\u{1100}'..='\u{11FF}'
            | '\u{3000}'..='\u{30FF}'
            | '\u{3130}'..='\u{318F}'
            | '\u{31F0}'..='\u{31FF}'
            | '\u{3400}'..='\u{4DBF}'
            | '\u{4E00}'..='\u{9FFF}'
            | '\u{AC00}'..='\u{D7AF}'
            | '\u{F900}'..='\u{FAFF}'
            | '\u{FF66}'..='\u{FF9F}'
            | '\u{20000}'..='\u{3FFFF}'
    )
}

/// A character of an intranet handle other than the inner separators `.` and `-`: a letter,
/// mark or decimal digit of a space-separated script, or `_`.
#[inline]
pub(super) fn is_intranet_handle_core(c: char) -> bool {
    if c.is_ascii() {
        return ascii_has(c as u8, WORD);
    }
    class_of(c) != OTHER && !is_cjk(c)
}

/// Decodes the character starting at byte `i`. `None` at the end of the text. The text is
/// valid UTF-8 (it came from a `&str`) and `i` is a character boundary; every access is still
/// checked so that a logic slip yields a wrong answer, never a panic.
#[inline]
pub(super) fn decode_at(b: &[u8], i: usize) -> Option<(char, usize)> {
    let b0 = *b.get(i)?;
    if b0 < 0x80 {
        return Some((b0 as char, 1));
    }
    let (len, mut cp) = if b0 >= 0xF0 {
        (4, u32::from(b0 & 0x07))
    } else if b0 >= 0xE0 {
        (3, u32::from(b0 & 0x0F))
    } else {
        (2, u32::from(b0 & 0x1F))
    };
    for k in 1..len {
        cp = (cp << 6) | u32::from(*b.get(i + k)? & 0x3F);
    }
    Some((char::from_u32(cp).unwrap_or('\u{FFFD}'), len))
}

/// Decodes the character that ends right before byte `i`, with its length.
#[inline]
pub(super) fn decode_before(b: &[u8], i: usize) -> Option<(char, usize)> {
    let mut s = i.checked_sub(1)?;
    let mut steps = 0;
    while steps < 3 && s > 0 && b.get(s).is_some_and(|&x| x & 0xC0 == 0x80) {
        s -= 1;
        steps += 1;
    }
    decode_at(b, s).map(|(c, _)| (c, i - s))
}

/// Case-insensitive ASCII comparison of `b[i..]` with `pat` (which is lowercase).
#[inline]
pub(super) fn starts_with_ignore_case(b: &[u8], i: usize, pat: &[u8]) -> bool {
    b.get(i..i.saturating_add(pat.len()))
        .is_some_and(|s| s.eq_ignore_ascii_case(pat))
}

/// Number of UTF-16 code units of `b` (valid UTF-8).
#[inline]
pub(super) fn utf16_len(b: &[u8]) -> usize {
    b.iter()
        .map(|&x| usize::from(x & 0xC0 != 0x80) + usize::from(x >= 0xF0))
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_paths_agree_with_the_table() {
        for cp in (0xC0..=0x36F).chain(0x4E00..=0x9FFF).chain(0xAC00..=0xD7A3) {
            let Some(c) = char::from_u32(cp) else {
                continue;
            };
            let table = match CLASS_RANGES
                .iter()
                .find(|&&(lo, hi, _)| lo <= cp && cp <= hi)
            {
                Some(r) => r.2,
                None => OTHER,
            };
            assert_eq!(class_of(c), table, "{cp:X}");
        }
    }

    #[test]
    fn table_classes_agree_with_std_where_std_is_exact() {
        // Every L* or Nd code point is alphanumeric for std (Alphabetic ⊇ L, Numeric ⊇ Nd).
        for cp in 0x80..0x3_0000u32 {
            let Some(c) = char::from_u32(cp) else {
                continue;
            };
            match class_of(c) {
                LETTER => assert!(c.is_alphabetic(), "{cp:X} letter"),
                DIGIT => assert!(c.is_numeric(), "{cp:X} digit"),
                _ => {}
            }
        }
        assert_eq!(class_of('é'), LETTER);
        assert_eq!(class_of('\u{0301}'), MARK);
        assert_eq!(class_of('\u{16F51}'), MARK);
        assert_eq!(class_of('٤'), DIGIT);
        assert_eq!(class_of('中'), LETTER);
        assert_eq!(class_of('한'), LETTER);
        assert_eq!(class_of('!'), OTHER);
        assert_eq!(class_of('🙂'), OTHER);
    }

    #[test]
    fn decoding_round_trips() {
        let s = "aé中🙂";
        let b = s.as_bytes();
        let mut i = 0;
        let mut seen = Vec::new();
        while let Some((c, len)) = decode_at(b, i) {
            seen.push(c);
            assert_eq!(decode_before(b, i + len), Some((c, len)));
            i += len;
        }
        assert_eq!(seen, s.chars().collect::<Vec<_>>());
        assert_eq!(decode_before(b, 0), None);
        assert_eq!(utf16_len(b), s.encode_utf16().count());
    }
}

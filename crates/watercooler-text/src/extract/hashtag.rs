//! `#hashtag` / `＃hashtag` scanner (twitter-text's `validHashtag`, the same in both profiles).
//!
//! A tag is the whole run of hashtag characters after the sign (letters, marks, decimal
//! digits, `_` and a few joiners), kept only if the run holds a letter or mark. The regex's
//! backtracking cannot produce anything else: its greedy body always takes the maximal run.

use super::chars::{
    decode_at, decode_before, is_hashtag_alnum, is_hashtag_alpha, is_mark, is_word_byte,
};
use crate::{Entity, EntityKind, TagError};

/// UTF-8 of `＃` (U+FF03).
const FULLWIDTH_HASH: [u8; 3] = [0xEF, 0xBC, 0x83];

/// Length of the hash sign at `i`, if there is one.
#[inline]
pub(super) fn sign_len(b: &[u8], i: usize) -> Option<usize> {
    match b.get(i)? {
        b'#' => Some(1),
        0xEF if b.get(i..i + 3) == Some(&FULLWIDTH_HASH[..]) => Some(3),
        _ => None,
    }
}

/// Hashtag scanning state: text before `pos` has been read.
#[derive(Debug, Default)]
pub(super) struct Hashtags {
    pos: usize,
}

impl Hashtags {
    /// Handles a possible hash sign at `i` (a `#` or the first byte of `＃`), appending the
    /// tag to `out` if there is one. Calls come in increasing `i`.
    pub(super) fn at(&mut self, b: &[u8], i: usize, out: &mut Vec<Entity>) {
        if i < self.pos {
            return;
        }
        let Some(sign) = sign_len(b, i) else { return };
        let body = i + sign;
        self.pos = body;
        // hashtagBoundary: start of text, a variation selector (emoji presentation), or any
        // character that is neither a hashtag character nor `&` (so `&#39;` is no tag).
        if let Some((p, _)) = decode_before(b, i)
            && !matches!(p, '\u{FE0E}' | '\u{FE0F}')
            && (p == '&' || is_hashtag_alnum(p))
        {
            return;
        }
        // The keycap emoji `#️⃣` is `#` + U+FE0F + U+20E3; both are marks, so exclude them here.
        if matches!(decode_at(b, body), Some(('\u{FE0F}' | '\u{20E3}', _))) {
            return;
        }
        let (j, has_alpha) = scan_body(b, body);
        self.pos = j;
        if !has_alpha {
            return;
        }
        // endHashtagMatch: a tag running into another sign or into `://` is dropped.
        if sign_len(b, j).is_some() || b.get(j..j + 3) == Some(b"://") {
            return;
        }
        out.push(Entity::new(EntityKind::Hashtag, i..j, body..j, None));
    }
}

/// The end of the run of hashtag characters starting at `body`, and whether it holds a
/// letter or mark.
fn scan_body(b: &[u8], body: usize) -> (usize, bool) {
    let mut j = body;
    let mut has_alpha = false;
    while let Some(&x) = b.get(j) {
        if x < 0x80 {
            // ASCII fast path: [A-Za-z0-9_].
            if !is_word_byte(x) {
                break;
            }
            has_alpha |= x.is_ascii_alphabetic();
            j += 1;
            continue;
        }
        let Some((c, len)) = decode_at(b, j) else {
            break;
        };
        if !is_hashtag_alnum(c) {
            break;
        }
        has_alpha = has_alpha || is_hashtag_alpha(c);
        j += len;
    }
    (j, has_alpha)
}

/// The body of `input` when `input` is, as a whole, one hashtag the scanner above would find
/// after a boundary, with its sign optional: the same characters, the same need for a letter
/// or mark, the same keycap exclusion. One pass, like the scanner.
pub(crate) fn whole_body(input: &str) -> Result<&str, TagError> {
    let b = input.as_bytes();
    let body = sign_len(b, 0).unwrap_or(0);
    if body == b.len() {
        return Err(TagError::Empty);
    }
    let (end, has_alpha) = match decode_at(b, body) {
        Some(('\u{FE0F}' | '\u{20E3}', _)) => (body, false),
        _ => scan_body(b, body),
    };
    if let Some(ch) = input.get(end..).and_then(|rest| rest.chars().next()) {
        return Err(TagError::InvalidCharacter { at: end, ch });
    }
    if !has_alpha {
        return Err(TagError::NoLetter);
    }
    Ok(input.get(body..).unwrap_or_default())
}

/// Whether `c` may occur in the key of a hashtag: a hashtag character, or one that the key
/// recipe (NFKC) makes of one. Full-width `～` becomes `~`, and the spacing voicing marks `゛`
/// `゜` and a few Arabic presentation forms become a space before a combining mark, which
/// `next` (the character after `c`) must then be.
pub(crate) fn is_key_char(c: char, next: Option<char>) -> bool {
    is_hashtag_alnum(c) || c == '~' || (c == ' ' && next.is_some_and(is_mark))
}

/// Whether `c` is a letter or mark, as a hashtag needs one.
pub(crate) fn is_tag_alpha(c: char) -> bool {
    is_hashtag_alpha(c)
}

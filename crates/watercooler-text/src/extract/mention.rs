//! `@handle`, `＠handle` and `@handle/list` scanner, for both handle syntaxes.
//!
//! * Twitter syntax reproduces twitter-text's `validMentionOrList` exactly, including two of
//!   its regex artefacts: a name longer than the maximum is cut at the maximum (the regex
//!   `[a-zA-Z0-9_]{1,20}` just stops there), and a rejected match still "consumes" its text,
//!   so it cannot serve as the preceding character of the next mention.
//! * Intranet syntax reads directory user names: letters (of space-separated scripts), marks,
//!   decimal digits and `_`, with single `.` or `-` between them. A name longer than the
//!   maximum is no mention at all, and an `@` right after any name character (as in
//!   `jan@example.com`) never starts one.

use super::HandleSyntax;
use super::chars::{
    MARK, class_of, decode_at, decode_before, is_intranet_handle_core, is_latin_accent,
    is_twitter_mention_bad_prev, is_twitter_space, is_word_byte,
};
use crate::{Entity, EntityKind};

/// UTF-8 of `＠` (U+FF20).
const FULLWIDTH_AT: [u8; 3] = [0xEF, 0xBC, 0xA0];

/// The mention settings of an extractor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Rules {
    pub(super) syntax: HandleSyntax,
    /// Maximum handle length in characters (at least 1).
    pub(super) max_len: usize,
    /// Whether `@user/list` yields a list slug.
    pub(super) lists: bool,
}

/// Length of the at sign at `i`, if there is one.
#[inline]
fn at_len(b: &[u8], i: usize) -> Option<usize> {
    match b.get(i)? {
        b'@' => Some(1),
        0xEF if b.get(i..i + 3) == Some(&FULLWIDTH_AT[..]) => Some(3),
        _ => None,
    }
}

/// Whether a twitter-style mention may start at the at sign `i`, given that the text before
/// `consumed` belongs to an earlier match (`validMentionPrecedingChars`).
fn twitter_preceding_ok(b: &[u8], i: usize, consumed: usize) -> bool {
    let Some((p, plen)) = decode_before(b, i) else {
        return true;
    };
    if i - plen >= consumed && !is_twitter_mention_bad_prev(p) {
        return true;
    }
    // `RT@user`: "rt" in any case, itself at the start or after [^a-zA-Z0-9_+~.-].
    let Some(rt) = i.checked_sub(2) else {
        return false;
    };
    if rt < consumed || !b.get(rt..i).is_some_and(|s| s.eq_ignore_ascii_case(b"rt")) {
        return false;
    }
    match decode_before(b, rt) {
        None => true,
        Some((q, qlen)) => {
            rt - qlen >= consumed
                && !(q.is_ascii() && (is_word_byte(q as u8) || matches!(q, '+' | '~' | '.' | '-')))
        }
    }
}

/// Whether an intranet mention may start at the at sign `i`: not after a name character
/// (letter, mark, digit, `_`, `.`, `-`, `+`) or after `!#$%&*@＠`, as in e-mail addresses.
fn intranet_preceding_ok(b: &[u8], i: usize) -> bool {
    match decode_before(b, i) {
        None => true,
        Some((p, _)) => {
            !(is_intranet_handle_core(p)
                || is_twitter_mention_bad_prev(p)
                || matches!(p, '.' | '-' | '+'))
        }
    }
}

/// twitter-text's `endMentionMatch`: what may not follow a mention.
fn twitter_bad_after(b: &[u8], end: usize) -> bool {
    if at_len(b, end).is_some() || b.get(end..end + 3) == Some(b"://") {
        return true;
    }
    matches!(decode_at(b, end), Some((c, _)) if is_latin_accent(c))
}

/// What may not follow an intranet mention: another at sign (`@jan@example.com` is an
/// address, not a mention) or `://`.
fn intranet_bad_after(b: &[u8], end: usize) -> bool {
    at_len(b, end).is_some() || b.get(end..end + 3) == Some(b"://")
}

/// End of a twitter-syntax name starting at `from`: `[A-Za-z0-9_]{1,max}`, greedy.
fn twitter_name_end(b: &[u8], from: usize, max: usize) -> usize {
    let mut j = from;
    while j - from < max && b.get(j).copied().is_some_and(is_word_byte) {
        j += 1;
    }
    j
}

/// Reads an intranet handle starting at `from`. Returns its end and whether it is longer than
/// `max` characters (then it is no mention, and the caller skips it whole).
fn intranet_name(b: &[u8], from: usize, max: usize) -> (usize, bool) {
    let mut j = from;
    let mut chars = 0usize;
    while let Some((c, len)) = decode_at(b, j) {
        if is_intranet_handle_core(c) && !(chars == 0 && class_of(c) == MARK) {
            j += len;
            chars += 1;
        } else if matches!(c, '.' | '-')
            && chars > 0
            && decode_at(b, j + 1).is_some_and(|(n, _)| is_intranet_handle_core(n))
        {
            // A separator counts only between two name characters: `@jan.` ends at `jan`.
            j += 1;
            chars += 1;
        } else {
            break;
        }
    }
    (j, chars > max)
}

/// `/[a-zA-Z][a-zA-Z0-9_-]{0,24}` at `slash`: end of the slug, greedy as in the regex.
fn list_slug_end(b: &[u8], slash: usize) -> Option<usize> {
    if b.get(slash) != Some(&b'/') || !b.get(slash + 1).is_some_and(u8::is_ascii_alphabetic) {
        return None;
    }
    let start = slash + 1;
    let mut k = start + 1;
    while k - start < 25 && b.get(k).is_some_and(|&x| is_word_byte(x) || x == b'-') {
        k += 1;
    }
    Some(k)
}

/// A handle parsed at an at sign: `(handle range end, match end, list range)`.
struct Parsed {
    name_end: usize,
    end: usize,
    list: Option<std::ops::Range<usize>>,
    ok: bool,
}

fn parse_at(b: &[u8], name_start: usize, rules: &Rules, with_list: bool) -> Option<Parsed> {
    match rules.syntax {
        HandleSyntax::Twitter => {
            let name_end = twitter_name_end(b, name_start, rules.max_len);
            if name_end == name_start {
                return None;
            }
            let (end, list) = match list_slug_end(b, name_end).filter(|_| with_list) {
                Some(k) => (k, Some(name_end + 1..k)),
                None => (name_end, None),
            };
            Some(Parsed {
                name_end,
                end,
                list,
                ok: !twitter_bad_after(b, end),
            })
        }
        HandleSyntax::Intranet => {
            let (name_end, too_long) = intranet_name(b, name_start, rules.max_len);
            if name_end == name_start {
                return None;
            }
            // An intranet list slug must be complete: a longer run is no list at all.
            let (end, list) = match list_slug_end(b, name_end).filter(|_| with_list) {
                Some(k) if !b.get(k).is_some_and(|&x| is_word_byte(x) || x == b'-') => {
                    (k, Some(name_end + 1..k))
                }
                _ => (name_end, None),
            };
            let ok = !too_long && !intranet_bad_after(b, end);
            Some(Parsed {
                name_end,
                end,
                list,
                ok,
            })
        }
    }
}

/// Mention scanning state.
#[derive(Debug, Default)]
pub(super) struct Mentions {
    /// Text before `pos` has been read.
    pos: usize,
    /// End of the last regex match, accepted or not (twitter syntax only).
    consumed: usize,
}

impl Mentions {
    /// Handles a possible at sign at `i` (an `@` or the first byte of `＠`), appending the
    /// mention to `out` if there is one. Calls come in increasing `i`.
    pub(super) fn at(&mut self, b: &[u8], i: usize, rules: &Rules, out: &mut Vec<Entity>) {
        if i < self.pos {
            return;
        }
        let Some(sign) = at_len(b, i) else { return };
        self.pos = i + sign;
        let preceding_ok = match rules.syntax {
            HandleSyntax::Twitter => twitter_preceding_ok(b, i, self.consumed),
            HandleSyntax::Intranet => intranet_preceding_ok(b, i),
        };
        let name_start = i + sign;
        if !preceding_ok {
            if rules.syntax == HandleSyntax::Intranet {
                // Skip the rest of an address like `jan@example.com` in one step.
                self.pos = intranet_name(b, name_start, usize::MAX).0.max(self.pos);
            }
            return;
        }
        let Some(p) = parse_at(b, name_start, rules, rules.lists) else {
            return;
        };
        self.consumed = p.end;
        self.pos = p.end;
        if p.ok {
            out.push(Entity::new(
                EntityKind::Mention,
                i..p.end,
                name_start..p.name_end,
                p.list,
            ));
        }
    }
}

/// The reply-to mention: an at sign after nothing but spaces at the start of the text
/// (twitter-text's `validReply` + `endMentionMatch`). Lists are not considered.
pub(super) fn reply(b: &[u8], rules: &Rules) -> Option<Entity> {
    let mut i = 0;
    while let Some((c, len)) = decode_at(b, i) {
        if !is_twitter_space(c) {
            break;
        }
        i += len;
    }
    let sign = at_len(b, i)?;
    let name_start = i + sign;
    let p = parse_at(b, name_start, rules, false)?;
    p.ok.then(|| {
        Entity::new(
            EntityKind::Mention,
            i..p.name_end,
            name_start..p.name_end,
            None,
        )
    })
}

#[cfg(test)]
mod tests {
    use super::super::chars::is_cjk;
    use super::*;

    #[test]
    fn cjk_is_not_a_handle_character() {
        assert!(is_cjk('の') && !is_intranet_handle_core('の'));
        assert!(is_intranet_handle_core('é') && is_intranet_handle_core('ж'));
    }
}

//! `$CASHTAG` scanner (twitter-text's `validCashtag`, the same in both profiles).
//!
//! `(^|space)$[a-z]{1,6}([._][a-z]{1,2})?` followed by the end, whitespace or ASCII
//! punctuation, case-insensitive. The optional suffix is tried first, as the regex does.

use super::chars::{decode_at, decode_before, is_ascii_punct, is_cashtag_space, is_twitter_space};
use crate::{Entity, EntityKind};

fn letters_end(b: &[u8], from: usize) -> usize {
    let mut j = from;
    while b.get(j).is_some_and(u8::is_ascii_alphabetic) {
        j += 1;
    }
    j
}

/// The cashtag lookahead: end of text, whitespace or ASCII punctuation.
fn end_ok(b: &[u8], at: usize) -> bool {
    match decode_at(b, at) {
        None => true,
        Some((c, _)) => (c.is_ascii() && is_ascii_punct(c as u8)) || is_cashtag_space(c),
    }
}

/// Cashtag scanning state: text before `pos` has been read.
#[derive(Debug, Default)]
pub(super) struct Cashtags {
    pos: usize,
}

impl Cashtags {
    /// Handles the `$` at `i`, appending the cashtag to `out` if there is one. Calls come in
    /// increasing `i`.
    pub(super) fn at(&mut self, b: &[u8], i: usize, out: &mut Vec<Entity>) {
        if i < self.pos || b.get(i) != Some(&b'$') {
            return;
        }
        self.pos = i + 1;
        if decode_before(b, i).is_some_and(|(p, _)| !is_twitter_space(p)) {
            return;
        }
        let start = i + 1;
        let j = letters_end(b, start);
        if j == start || j - start > 6 {
            self.pos = j.max(self.pos);
            return;
        }
        let mut end = None;
        if matches!(b.get(j), Some(b'.' | b'_')) {
            let k = letters_end(b, j + 1);
            if (1..=2).contains(&(k - j - 1)) && end_ok(b, k) {
                end = Some(k);
            }
        }
        if end.is_none() && end_ok(b, j) {
            end = Some(j);
        }
        if let Some(e) = end {
            out.push(Entity::new(EntityKind::Cashtag, i..e, start..e, None));
            self.pos = e;
        }
    }
}

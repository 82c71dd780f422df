//! twitter-text's `hit_highlight`: highlighting inside trusted HTML.

use std::ops::Range;

use super::{HighlightTag, normalize};

/// Wraps hits in `tag` inside trusted HTML, as twitter-text's `hit_highlight` does.
///
/// `html` is not escaped: pass only HTML you produced (for instance with
/// [`render_html`](crate::render_html)). `hits` are code-point offsets into the text content
/// of `html`: tags (`<` up to the next `>`) count zero, and a character reference (`&amp;`,
/// `&#39;`) counts one, so offsets into a post's plain text fit its rendered HTML. (twitter-text
/// counts the five characters of `&amp;`; its suite has no `&`. Counting one also means a hit
/// never splits a reference.) A `<` with no `>` after it is text.
///
/// Placement follows twitter-text: an opening tag goes as late as possible (after tags at its
/// offset, so it lands inside a link that starts there); a closing tag goes right before the
/// next tag if its hit started in the same run of text and ends there, and otherwise as late
/// as possible (after the tags at its offset, or at the very end if the hit reaches the end).
///
/// ```
/// use watercooler_text::{highlight_markup, HighlightTag};
/// let html = "@<a href=\"/p/anna\">anna</a> zegt hoi";
/// assert_eq!(
///     highlight_markup(html, &[1..5], &HighlightTag::default()),
///     "@<a href=\"/p/anna\"><em>anna</em></a> zegt hoi"
/// );
/// ```
pub fn highlight_markup(html: &str, hits: &[Range<usize>], tag: &HighlightTag) -> String {
    let hits = normalize(hits.iter().cloned());
    let mut events = hits
        .iter()
        .flat_map(|h| [(h.start, Boundary::Open), (h.end, Boundary::Close)])
        .peekable();
    let mut out = String::with_capacity(html.len() + hits.len().min(256) * 10);
    let bytes = html.as_bytes();
    // Position in the text content, in units (code points or character references).
    let mut unit = 0usize;
    // Runs of text between tags are numbered; `opened_in` is the run of the open hit.
    let mut run = 0usize;
    let mut opened_in: Option<usize> = None;
    // Once a `<` has no `>` after it, no later `<` has one either: stop searching (this
    // keeps a text of many `<` linear).
    let mut gt_ahead = true;
    let mut i = 0;
    while i < html.len() {
        if bytes[i] == b'<' && gt_ahead {
            if let Some(len) = html[i..].find('>') {
                if let Some(&(at, Boundary::Close)) = events.peek()
                    && at == unit
                    && opened_in == Some(run)
                {
                    tag.close(&mut out);
                    opened_in = None;
                    events.next();
                }
                out.push_str(&html[i..=i + len]);
                i += len + 1;
                run += 1;
                continue;
            }
            gt_ahead = false;
        }
        while let Some(&(at, boundary)) = events.peek() {
            if at > unit {
                break;
            }
            match boundary {
                Boundary::Open => {
                    tag.open(&mut out);
                    opened_in = Some(run);
                }
                Boundary::Close => {
                    tag.close(&mut out);
                    opened_in = None;
                }
            }
            events.next();
        }
        let len = unit_len(bytes, i);
        out.push_str(&html[i..i + len]);
        i += len;
        unit += 1;
    }
    // A hit running to (or past) the end is closed after everything; hits starting at or
    // past the end were never opened and are dropped.
    if let Some(&(_, Boundary::Close)) = events.peek() {
        tag.close(&mut out);
    }
    out
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Boundary {
    Open,
    Close,
}

/// Length in bytes of the text unit at `i` (a char boundary): a character reference
/// (`&` + up to 32 ASCII letters, digits or `#` + `;`) or one character.
fn unit_len(bytes: &[u8], i: usize) -> usize {
    let b = bytes[i];
    if b == b'&' {
        let body = bytes[i + 1..]
            .iter()
            .take(33)
            .take_while(|c| c.is_ascii_alphanumeric() || **c == b'#')
            .count();
        if body > 0 && bytes.get(i + 1 + body) == Some(&b';') {
            return body + 2;
        }
        return 1;
    }
    match b {
        0x00..=0x7F => 1,
        0xC0..=0xDF => 2,
        0xE0..=0xEF => 3,
        _ => 4,
    }
}

// Lists of one hit are what these tests mean, not a range mistaken for a Vec.
#[allow(clippy::single_range_in_vec_init)]
#[cfg(test)]
mod tests {
    use super::*;

    fn hl(html: &str, hits: &[Range<usize>]) -> String {
        highlight_markup(html, hits, &HighlightTag::default())
    }

    #[test]
    fn character_references_count_one() {
        assert_eq!(hl("a &amp; b", &[2..3]), "a <em>&amp;</em> b");
        assert_eq!(hl("&#39;x&#x1F600;", &[1..3]), "&#39;<em>x&#x1F600;</em>");
        assert_eq!(hl("a & b", &[2..3]), "a <em>&</em> b");
        assert_eq!(hl("&;x", &[1..2]), "&<em>;</em>x");
    }

    #[test]
    fn stray_angle_brackets_are_text() {
        assert_eq!(hl("a<b", &[1..2]), "a<em><</em>b");
        assert_eq!(hl("a>b", &[1..2]), "a<em>></em>b");
    }

    #[test]
    fn hits_past_the_end() {
        assert_eq!(hl("abc", &[1..10]), "a<em>bc</em>");
        assert_eq!(hl("abc", &[3..10]), "abc");
        assert_eq!(hl("abc<br>", &[2..3]), "ab<em>c</em><br>");
        assert_eq!(hl("", &[0..1]), "");
    }

    #[test]
    fn touching_hits_stay_apart() {
        assert_eq!(hl("abcd", &[0..2, 2..4]), "<em>ab</em><em>cd</em>");
    }
}

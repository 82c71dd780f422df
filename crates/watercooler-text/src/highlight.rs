//! Hit highlighting: wrapping search hits in `<em>` (or another tag); see [`highlight_html`].

mod markup;

pub use markup::highlight_markup;

use std::ops::Range;

use crate::TextError;
use crate::render::{IsolateBalance, write_text};

/// The name of the element wrapped around hits: `em` by default.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct HighlightTag {
    name: String,
}

impl HighlightTag {
    /// A tag with this element name: 1 to 16 ASCII letters and digits, starting with a letter
    /// (`em`, `mark`, `strong`, `b`, ...). Anything else could inject markup and is refused.
    pub fn new(name: &str) -> Result<Self, TextError> {
        let valid = (1..=16).contains(&name.len())
            && name.as_bytes()[0].is_ascii_alphabetic()
            && name.bytes().all(|b| b.is_ascii_alphanumeric());
        if valid {
            Ok(HighlightTag {
                name: name.to_owned(),
            })
        } else {
            let mut shown = name.to_owned();
            if shown.len() > 32 {
                let cut = (0..=32)
                    .rev()
                    .find(|&i| shown.is_char_boundary(i))
                    .unwrap_or(0);
                shown.truncate(cut);
            }
            Err(TextError::InvalidTagName { name: shown })
        }
    }

    /// The element name.
    pub fn name(&self) -> &str {
        &self.name
    }

    fn open(&self, out: &mut String) {
        out.push('<');
        out.push_str(&self.name);
        out.push('>');
    }

    fn close(&self, out: &mut String) {
        out.push_str("</");
        out.push_str(&self.name);
        out.push('>');
    }
}

impl Default for HighlightTag {
    /// `em`, as twitter-text.
    fn default() -> Self {
        HighlightTag {
            name: "em".to_owned(),
        }
    }
}

/// Escapes `text` and wraps the byte ranges `hits` in `tag`: search snippets from plain text.
///
/// Hits are **byte** ranges, what search engines such as tantivy return. Like
/// [`render_html`](crate::render_html), a text holding explicit bidi controls is wrapped in
/// `<bdi>` (with an FSI before each unmatched PDI) so a snippet cannot reorder the page around
/// it. Line breaks are kept as they are (snippets are shown inline).
///
/// The three highlighters:
///
/// * `highlight_html` — plain text, byte hits, everything escaped;
/// * [`highlight_plain`] — the same with hits in **code points** (twitter-text's unit);
/// * [`highlight_markup`] — twitter-text's `hit_highlight`: the text is trusted HTML (such as
///   the output of `render_html`) and hits are code-point offsets into its text content. It
///   passes twitter-text's `hit_highlighting.yml` in full.
///
/// All three are defensive about hits: reversed or empty ranges are dropped, ranges are
/// clamped to the text, a byte range inside a character grows to the whole character, and
/// hits are sorted and overlapping ones merged (touching ones are kept apart, as twitter-text
/// does). They never panic and run in O(n + h log h).
///
/// ```
/// use watercooler_text::{highlight_html, HighlightTag};
/// let html = highlight_html("Koffie & <taart>", &[0..6, 10..15], &HighlightTag::default());
/// assert_eq!(html, "<em>Koffie</em> &amp; &lt;<em>taart</em>&gt;");
/// ```
pub fn highlight_html(text: &str, hits: &[Range<usize>], tag: &HighlightTag) -> String {
    let mut out = String::with_capacity(text.len() + hits.len().min(256) * 10 + 16);
    highlight_html_into(text, hits, tag, &mut out);
    out
}

/// Like [`highlight_html`], appending to `out`.
pub fn highlight_html_into(
    text: &str,
    hits: &[Range<usize>],
    tag: &HighlightTag,
    out: &mut String,
) {
    let hits = normalize(hits.iter().map(|r| snap_to_chars(text, r.clone())));
    let start = out.len();
    // One count of open isolates across the hits: an isolate may open before a hit and
    // close in it.
    let mut balance = IsolateBalance::default();
    let mut bidi = false;
    let mut write = |out: &mut String, s: &str| {
        bidi |= write_text(out, s, &mut balance, false).bidi;
    };
    let mut pos = 0;
    for hit in hits {
        write(out, &text[pos..hit.start]);
        tag.open(out);
        write(out, &text[hit.clone()]);
        tag.close(out);
        pos = hit.end;
    }
    write(out, &text[pos..]);
    if bidi {
        // Known only once written; inserting is linear in the snippet.
        out.insert_str(start, "<bdi>");
        out.push_str("</bdi>");
    }
}

/// Like [`highlight_html`] with hits as code-point ranges (twitter-text's `plain_text` cases).
///
/// ```
/// use watercooler_text::{highlight_plain, HighlightTag};
/// assert_eq!(highlight_plain("東京の天気", &[0..2], &HighlightTag::default()), "<em>東京</em>の天気");
/// ```
pub fn highlight_plain(text: &str, hits: &[Range<usize>], tag: &HighlightTag) -> String {
    highlight_html(text, &code_points_to_bytes(text, hits), tag)
}

/// Grows a byte range to whole characters and clamps it to the text.
fn snap_to_chars(text: &str, r: Range<usize>) -> Range<usize> {
    let len = text.len();
    let mut start = r.start.min(len);
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    let mut end = r.end.min(len);
    while !text.is_char_boundary(end) {
        end += 1;
    }
    start..end
}

/// Sorts ranges, drops empty and reversed ones, merges overlapping ones.
fn normalize(hits: impl Iterator<Item = Range<usize>>) -> Vec<Range<usize>> {
    let mut hits: Vec<Range<usize>> = hits.filter(|r| r.start < r.end).collect();
    hits.sort_unstable_by_key(|r| (r.start, r.end));
    let mut merged: Vec<Range<usize>> = Vec::with_capacity(hits.len());
    for hit in hits {
        match merged.last_mut() {
            Some(last) if hit.start < last.end => last.end = last.end.max(hit.end),
            _ => merged.push(hit),
        }
    }
    merged
}

/// Converts code-point ranges to byte ranges in one pass over the text (clamped to its end).
fn code_points_to_bytes(text: &str, hits: &[Range<usize>]) -> Vec<Range<usize>> {
    // Every endpoint, sorted, resolved while walking the text once.
    let mut points: Vec<(usize, usize)> = hits
        .iter()
        .enumerate()
        .flat_map(|(i, r)| [(r.start, 2 * i), (r.end, 2 * i + 1)])
        .collect();
    points.sort_unstable();
    let mut bytes = vec![0usize; points.len()];
    let mut offsets = text
        .char_indices()
        .map(|(b, _)| b)
        .chain(std::iter::once(text.len()));
    let mut cp = 0usize;
    let mut byte = offsets.next().unwrap_or(0);
    for (point, slot) in points {
        while cp < point {
            match offsets.next() {
                Some(b) => {
                    byte = b;
                    cp += 1;
                }
                None => break,
            }
        }
        bytes[slot] = byte;
    }
    bytes.chunks_exact(2).map(|c| c[0]..c[1]).collect()
}

// Lists of one hit are what these tests mean, not a range mistaken for a Vec.
#[allow(clippy::single_range_in_vec_init)]
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_sorts_merges_and_drops() {
        #[allow(clippy::reversed_empty_ranges)]
        let hits = [5..9, 0..2, 1..3, 7..7, 9..8, 8..12, 12..13];
        assert_eq!(normalize(hits.into_iter()), vec![0..3, 5..12, 12..13]);
    }

    #[test]
    fn snapping_grows_to_characters() {
        let text = "aéb";
        assert_eq!(snap_to_chars(text, 2..2), 1..3);
        assert_eq!(snap_to_chars(text, 2..100), 1..4);
        assert_eq!(snap_to_chars(text, 50..100), 4..4);
    }

    #[test]
    fn code_points_map_to_bytes() {
        assert_eq!(
            code_points_to_bytes("aé東x", &[1..3, 0..4, 3..99]),
            vec![1..6, 0..7, 6..7]
        );
        assert_eq!(code_points_to_bytes("", &[0..1]), vec![0..0]);
    }

    #[test]
    fn tag_names_are_validated() {
        assert!(HighlightTag::new("mark").is_ok());
        assert!(HighlightTag::new("h1").is_ok());
        for bad in [
            "",
            "1b",
            "em onclick=x",
            "em>",
            "a-b",
            "x".repeat(17).as_str(),
            "é",
        ] {
            assert!(HighlightTag::new(bad).is_err(), "{bad:?}");
        }
    }
}

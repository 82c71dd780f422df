//! Snippets: a window of a post's *current* text (as read back from the store, never from
//! the index) with the words the query matched highlighted, as safe HTML.
//!
//! Which words count as matched depends on the index's text analysis (stems, folding), so
//! the index supplies the matcher ([`crate::search::SearchIndex::highlighter`], a
//! [`Highlight`]); cutting the window and escaping are the same for every index and live
//! here ([`snippet_html`]). [`PlainHighlighter`] is the matcher of an index that brings
//! none: entities exactly, words by lower case.

use std::collections::HashSet;
use std::ops::Range;

use watercooler_text::{HighlightTag, TagKey, highlight_html};

use super::query::{ClauseKind, SearchQuery};
use crate::ids::PersonId;
use crate::model::Post;

/// A snippet's length when the text is longer, in characters (about two lines).
pub const SNIPPET_CHARS: usize = 200;

/// What one query matched in a post: made once per search by
/// [`crate::search::SearchIndex::highlighter`], then asked for every hit.
pub trait Highlight: Send {
    /// The byte ranges of `post.text` that the query matched, sorted and not overlapping
    /// (see [`merge_ranges`]).
    fn highlights(&mut self, post: &Post) -> Vec<Range<usize>>;
}

/// The matcher of an index without its own analysis: `#tag` and resolved `@mention`
/// clauses highlight the entity ranges the post carries; words and phrases highlight where
/// the post's words equal them in lower case. Excluded (`-x`) clauses never highlight.
#[derive(Debug, Clone, Default)]
pub struct PlainHighlighter {
    words: HashSet<String>,
    sequences: Vec<Vec<String>>,
    tags: Vec<TagKey>,
    people: Vec<PersonId>,
}

impl PlainHighlighter {
    /// A highlighter for `query`.
    pub fn new(query: &SearchQuery) -> Self {
        let mut h = PlainHighlighter::default();
        for (kind, negated) in query.leaves() {
            if negated {
                continue;
            }
            let text = match kind {
                ClauseKind::Word(w) => w,
                ClauseKind::Phrase(p) => p,
                ClauseKind::Mention {
                    person: None,
                    typed,
                    ..
                } => typed,
                ClauseKind::Hashtag { key, .. } => {
                    h.tags.push(key.clone());
                    continue;
                }
                ClauseKind::Mention {
                    person: Some(p), ..
                } => {
                    h.people.push(p.clone());
                    continue;
                }
                _ => continue,
            };
            match words(text).as_slice() {
                [] => {}
                [(_, one)] => {
                    h.words.insert(one.clone());
                }
                many => h
                    .sequences
                    .push(many.iter().map(|(_, w)| w.clone()).collect()),
            }
        }
        h
    }
}

impl Highlight for PlainHighlighter {
    fn highlights(&mut self, post: &Post) -> Vec<Range<usize>> {
        let mut hits = entity_hits(post, &self.tags, &self.people);
        let text_words = words(&post.text);
        hits.extend(
            text_words
                .iter()
                .filter(|(_, w)| self.words.contains(w))
                .map(|(r, _)| r.clone()),
        );
        for seq in &self.sequences {
            for w in text_words.windows(seq.len()) {
                if w.iter().zip(seq).all(|((_, t), s)| t == s) {
                    hits.push(w[0].0.start..w[w.len() - 1].0.end);
                }
            }
        }
        merge_ranges(post, hits)
    }
}

/// The ranges of the post's hashtags among `tags` and of its mentions of `people`.
pub fn entity_hits(post: &Post, tags: &[TagKey], people: &[PersonId]) -> Vec<Range<usize>> {
    let tag_hits = post
        .hashtags
        .iter()
        .filter(|t| tags.contains(&t.key))
        .map(|t| t.range.clone());
    let mention_hits = post
        .mentions
        .iter()
        .filter(|m| people.contains(&m.person))
        .map(|m| m.range.clone());
    tag_hits.chain(mention_hits).collect()
}

/// `hits` within `post.text`, sorted, with overlapping and touching ranges merged.
pub fn merge_ranges(post: &Post, mut hits: Vec<Range<usize>>) -> Vec<Range<usize>> {
    hits.retain(|r| r.start < r.end && r.end <= post.text.len());
    hits.sort_by_key(|r| (r.start, r.end));
    let mut merged: Vec<Range<usize>> = Vec::with_capacity(hits.len());
    for h in hits {
        match merged.last_mut() {
            Some(last) if h.start <= last.end => last.end = last.end.max(h.end),
            _ => merged.push(h),
        }
    }
    merged
}

/// The alphanumeric runs of `text` in lower case, with their byte ranges.
fn words(text: &str) -> Vec<(Range<usize>, String)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in text
        .char_indices()
        .chain(std::iter::once((text.len(), ' ')))
    {
        match (c.is_alphanumeric(), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                out.push((s..i, text[s..i].to_lowercase()));
                start = None;
            }
            _ => {}
        }
    }
    out
}

/// An HTML snippet of `post` with `hits` (sorted byte ranges of its text) wrapped in `tag`:
/// the whole text when it has at most `max_chars` characters, otherwise a window of that
/// many around the first hit, with `…` where text was cut. Everything is escaped by
/// watercooler-text's [`highlight_html`], so the result is safe to insert into a page.
pub fn snippet_html(
    post: &Post,
    hits: &[Range<usize>],
    max_chars: usize,
    tag: &HighlightTag,
) -> String {
    let text = post.text.as_str();
    let (window, cut_start, cut_end) = window(text, hits.first().map_or(0, |h| h.start), max_chars);
    let local: Vec<Range<usize>> = hits
        .iter()
        .filter(|h| h.start < window.end && h.end > window.start)
        .map(|h| h.start.max(window.start) - window.start..h.end.min(window.end) - window.start)
        .collect();
    let mut out = String::new();
    if cut_start {
        out.push('…');
    }
    out.push_str(&highlight_html(&text[window.clone()], &local, tag));
    if cut_end {
        out.push('…');
    }
    out
}

/// A byte range of about `max_chars` characters containing `focus`, starting a little
/// before it (at a space when there is one nearby); and whether text was cut at each end.
fn window(text: &str, focus: usize, max_chars: usize) -> (Range<usize>, bool, bool) {
    let max_chars = max_chars.max(1);
    let total = text.chars().count();
    if total <= max_chars {
        return (0..text.len(), false, false);
    }
    // Offsets of every character boundary, to move by characters.
    let bounds: Vec<usize> = text
        .char_indices()
        .map(|(i, _)| i)
        .chain(std::iter::once(text.len()))
        .collect();
    let focus_char = bounds.partition_point(|&b| b < focus).min(total);
    let lead = max_chars / 4;
    let mut start = focus_char.saturating_sub(lead).min(total - max_chars);
    // Prefer to start after a space within the lead.
    if let Some(space) = (start..focus_char).find(|&c| text[bounds[c]..].starts_with(' ')) {
        start = space + 1;
    }
    let end = (start + max_chars).min(total);
    (bounds[start]..bounds[end], start > 0, end < total)
}

#[cfg(test)]
mod tests {
    use chrono::DateTime;
    use watercooler_text::hashtag_key;

    use super::*;
    use crate::model::HashtagRef;
    use crate::search::parse;

    fn post(text: &str) -> Post {
        let at = DateTime::from_timestamp(1_360_000_000, 0).unwrap();
        Post::builder("t", "a", at).text(text).build()
    }

    fn shown(p: &Post, q: &str) -> String {
        let hits = PlainHighlighter::new(&parse(q)).highlights(p);
        snippet_html(p, &hits, SNIPPET_CHARS, &HighlightTag::default())
    }

    #[test]
    fn words_match_in_lower_case_and_text_is_escaped() {
        let p = post("De Vergadering <b>in het</b> café");
        assert_eq!(
            shown(&p, "vergadering CAFÉ"),
            "De <em>Vergadering</em> &lt;b&gt;in het&lt;/b&gt; <em>café</em>"
        );
        assert_eq!(
            shown(&p, "-café"),
            "De Vergadering &lt;b&gt;in het&lt;/b&gt; café"
        );
        assert_eq!(
            shown(&p, "\"in het\""),
            "De Vergadering &lt;b&gt;<em>in het</em>&lt;/b&gt; café"
        );
    }

    #[test]
    fn hashtags_highlight_the_entity() {
        let mut p = post("Koffie #Café!");
        p.hashtags.push(HashtagRef {
            key: hashtag_key("café"),
            display: "Café".into(),
            range: 7..13,
        });
        assert_eq!(shown(&p, "#CAFÉ"), "Koffie <em>#Café</em>!");
    }

    #[test]
    fn long_texts_get_a_window_around_the_first_hit() {
        let text = format!("{} naald {}", "hooi ".repeat(100), "hooi ".repeat(100));
        let p = post(&text);
        let s = shown(&p, "naald");
        assert!(s.starts_with('…') && s.ends_with('…'), "{s}");
        assert!(s.contains("<em>naald</em>"));
        assert!(s.chars().count() < SNIPPET_CHARS + 20);
        assert!(shown(&p, "zzz").starts_with("hooi"));
    }
}

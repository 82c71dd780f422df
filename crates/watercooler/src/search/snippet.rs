//! Snippets: a window of a post's *current* text (as read back from the store, never from
//! the index) with the words the query matched highlighted, as safe HTML.
//!
//! What is highlighted follows the analysis the index uses: a post token is a hit when its
//! folded form equals a query word's, or its stem (in the post's language) equals the query
//! word's stem; multi-term words and phrases highlight only where all their terms appear in
//! a row; `#tag` and resolved `@mention` clauses highlight the entity ranges the post
//! carries. Excluded (`-x`) clauses never highlight. Escaping and wrapping are
//! watercooler-text's [`highlight_html`].

use std::collections::HashSet;
use std::ops::Range;

use tantivy::tokenizer::TextAnalyzer;
use watercooler_text::{HighlightTag, TagKey, highlight_html};

use super::analysis::{Analyzer, Term, analyze};
use super::query::{ClauseKind, SearchQuery};
use crate::ids::PersonId;
use crate::model::Post;

/// A snippet's length when the text is longer, in characters (about two lines).
pub const SNIPPET_CHARS: usize = 200;

/// Highlights one query in many posts: the query is analysed once (plain terms, Dutch and
/// English stems, phrases, tags, people), then each post's text once per analyzer.
pub struct Highlighter {
    words: HashSet<String>,
    /// Stems of the query's words, for Dutch and for English posts.
    stems: [HashSet<String>; 2],
    sequences: Vec<Vec<String>>,
    tags: Vec<TagKey>,
    people: Vec<PersonId>,
    plain: TextAnalyzer,
    stemmers: [TextAnalyzer; 2],
    max_chars: usize,
    tag: HighlightTag,
}

impl std::fmt::Debug for Highlighter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Highlighter")
            .field("max_chars", &self.max_chars)
            .finish_non_exhaustive()
    }
}

const STEMMED: [Analyzer; 2] = [Analyzer::Dutch, Analyzer::English];

impl Highlighter {
    /// A highlighter for `query`, making snippets of about `max_chars` characters with hits
    /// wrapped in `tag`.
    pub fn new(query: &SearchQuery, max_chars: usize, tag: HighlightTag) -> Self {
        let mut h = Highlighter {
            words: HashSet::new(),
            stems: [HashSet::new(), HashSet::new()],
            sequences: Vec::new(),
            tags: Vec::new(),
            people: Vec::new(),
            plain: Analyzer::Plain.build(),
            stemmers: STEMMED.map(Analyzer::build),
            max_chars,
            tag,
        };
        for (kind, negated) in query.leaves() {
            if negated {
                continue;
            }
            let (text, stem) = match kind {
                ClauseKind::Word(w) => (w.as_str(), true),
                ClauseKind::Phrase(p) => (p.as_str(), false),
                ClauseKind::Mention {
                    person: None,
                    typed,
                    ..
                } => (typed.as_str(), true),
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
            match analyze(&mut h.plain, text).as_slice() {
                [] => {}
                [one] => {
                    h.words.insert(one.text.clone());
                    if stem {
                        for (set, a) in h.stems.iter_mut().zip(h.stemmers.iter_mut()) {
                            if let [s] = analyze(a, text).as_slice() {
                                set.insert(s.text.clone());
                            }
                        }
                    }
                }
                many => h
                    .sequences
                    .push(many.iter().map(|t| t.text.clone()).collect()),
            }
        }
        h
    }

    /// The byte ranges of `post.text` that the query matched, sorted, not overlapping.
    pub fn highlights(&mut self, post: &Post) -> Vec<Range<usize>> {
        let mut hits: Vec<Range<usize>> = Vec::new();
        hits.extend(
            post.hashtags
                .iter()
                .filter(|t| self.tags.contains(&t.key))
                .map(|t| t.range.clone()),
        );
        hits.extend(
            post.mentions
                .iter()
                .filter(|m| self.people.contains(&m.person))
                .map(|m| m.range.clone()),
        );
        let text_terms = analyze(&mut self.plain, &post.text);
        let lang = STEMMED
            .iter()
            .position(|a| Some(*a) == Analyzer::stemmed_for(post.language.as_str()));
        let text_stems: Option<(Vec<Term>, usize)> = match lang {
            Some(i) if !self.stems[i].is_empty() => {
                Some((analyze(&mut self.stemmers[i], &post.text), i))
            }
            _ => None,
        };
        for (i, t) in text_terms.iter().enumerate() {
            let stem_hit = text_stems
                .as_ref()
                .is_some_and(|(s, l)| s.get(i).is_some_and(|s| self.stems[*l].contains(&s.text)));
            if self.words.contains(&t.text) || stem_hit {
                hits.push(t.range.clone());
            }
        }
        for seq in &self.sequences {
            // Linear in the post per phrase; phrases are capped by the query limits.
            for start in 0..text_terms.len() {
                let window = text_terms.get(start..start + seq.len());
                if let Some(w) = window.filter(|w| w.iter().zip(seq).all(|(t, s)| &t.text == s)) {
                    hits.push(w[0].range.start..w[w.len() - 1].range.end);
                }
            }
        }
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

    /// An HTML snippet of `post`: the whole text when short, otherwise a window around the
    /// first hit, with `…` where text was cut.
    pub fn snippet(&mut self, post: &Post) -> String {
        let hits = self.highlights(post);
        let text = post.text.as_str();
        let (window, cut_start, cut_end) =
            window(text, hits.first().map_or(0, |h| h.start), self.max_chars);
        let local: Vec<Range<usize>> = hits
            .iter()
            .filter(|h| h.start < window.end && h.end > window.start)
            .map(|h| h.start.max(window.start) - window.start..h.end.min(window.end) - window.start)
            .collect();
        let mut out = String::new();
        if cut_start {
            out.push('…');
        }
        out.push_str(&highlight_html(&text[window.clone()], &local, &self.tag));
        if cut_end {
            out.push('…');
        }
        out
    }
}

/// The byte ranges of `post.text` that `query` matched (see [`Highlighter`]).
pub fn highlights(post: &Post, query: &SearchQuery) -> Vec<Range<usize>> {
    Highlighter::new(query, SNIPPET_CHARS, HighlightTag::default()).highlights(post)
}

/// An HTML snippet of `post` for `query` of about `max_chars` characters (see
/// [`Highlighter`]).
pub fn snippet(post: &Post, query: &SearchQuery, max_chars: usize, tag: &HighlightTag) -> String {
    Highlighter::new(query, max_chars, tag.clone()).snippet(post)
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
    use crate::model::{HashtagRef, Language};
    use crate::search::query::parse;

    fn post(text: &str, lang: Language) -> Post {
        let at = DateTime::from_timestamp(1_360_000_000, 0).unwrap();
        Post {
            text: text.into(),
            language: lang,
            ..Post::for_test("t", "a", at, 1)
        }
    }

    fn shown(p: &Post, q: &str) -> String {
        snippet(p, &parse(q), SNIPPET_CHARS, &HighlightTag::default())
    }

    #[test]
    fn words_stems_and_accents_are_highlighted_and_text_escaped() {
        let p = post("De vergaderingen <b>in het</b> Café", Language::dutch());
        assert_eq!(
            shown(&p, "vergadering cafe"),
            "De <em>vergaderingen</em> &lt;b&gt;in het&lt;/b&gt; <em>Café</em>"
        );
        // Excluded words are not highlighted.
        assert_eq!(
            shown(&p, "-cafe"),
            "De vergaderingen &lt;b&gt;in het&lt;/b&gt; Café"
        );
    }

    #[test]
    fn phrases_highlight_only_in_sequence() {
        let p = post("goede morgen, goede dag", Language::dutch());
        assert_eq!(
            shown(&p, "\"goede dag\""),
            "goede morgen, <em>goede dag</em>"
        );
        let p = post("今日は会議室で", Language::new("ja"));
        assert_eq!(shown(&p, "会議室"), "今日は<em>会議室</em>で");
    }

    #[test]
    fn hashtags_highlight_the_entity() {
        let mut p = post("Koffie #Café!", Language::dutch());
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
        let p = post(&text, Language::dutch());
        let s = shown(&p, "naald");
        assert!(s.starts_with('…') && s.ends_with('…'), "{s}");
        assert!(s.contains("<em>naald</em>"));
        assert!(s.chars().count() < SNIPPET_CHARS + 20);
        // No hit: the beginning.
        assert!(shown(&p, "zzz").starts_with("hooi"));
    }
}

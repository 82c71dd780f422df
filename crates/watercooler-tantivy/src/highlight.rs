//! What a query matched in a post, for its snippet ([`Highlight`]), as this index analyses
//! text. The window and the escaping are the core's [`snippet_html`].
//!
//! What is highlighted follows the analysis the index uses: a post token is a hit when its
//! folded form equals a query word's, or its stem (in the post's language) equals the query
//! word's stem; multi-term words and phrases highlight only where all their terms appear in
//! a row; `#tag` and resolved `@mention` clauses highlight the entity ranges the post
//! carries. Excluded (`-x`) clauses never highlight.

use std::collections::HashSet;
use std::ops::Range;

use tantivy::tokenizer::TextAnalyzer;
use watercooler_text::{HighlightTag, TagKey};

use crate::analysis::{Analyzer, Term, analyze};
use watercooler_core::PersonId;
use watercooler_core::model::Post;
use watercooler_core::search::{
    ClauseKind, Highlight, SNIPPET_CHARS, SearchQuery, entity_hits, merge_ranges, snippet_html,
};

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
        let mut hits = entity_hits(post, &self.tags, &self.people);
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
        merge_ranges(post, hits)
    }

    /// An HTML snippet of `post`: the whole text when short, otherwise a window around the
    /// first hit, with `…` where text was cut.
    pub fn snippet(&mut self, post: &Post) -> String {
        let hits = self.highlights(post);
        snippet_html(post, &hits, self.max_chars, &self.tag)
    }
}

impl Highlight for Highlighter {
    fn highlights(&mut self, post: &Post) -> Vec<Range<usize>> {
        Highlighter::highlights(self, post)
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

#[cfg(test)]
mod tests {
    use chrono::DateTime;
    use watercooler_text::hashtag_key;

    use super::*;
    use watercooler_core::model::{HashtagRef, Language};
    use watercooler_core::search::parse;

    fn post(text: &str, lang: Language) -> Post {
        let at = DateTime::from_timestamp(1_360_000_000, 0).unwrap();
        Post {
            text: text.into(),
            language: lang,
            ..Post::builder("t", "a", at)
                .id(watercooler_core::PostId::from_parts(at, 1))
                .build()
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

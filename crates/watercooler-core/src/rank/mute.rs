//! Muting: the people, hashtags and words a viewer never wants in their feeds. A filter, not
//! a ranking signal: muted posts are removed before ranking, whatever ranker is used.
//!
//! Words match whole words (Unicode word boundaries, UAX #29), case- and accent-insensitively
//! (`Café`, `CAFE` and `cafe` are one word), and never as a regex: a muted word is data, not a
//! pattern. A muted entry of several words matches those words in a row (`project x`).

use std::collections::{HashMap, HashSet};

use unicode_segmentation::UnicodeSegmentation;
use watercooler_text::{KeyOptions, TagKey, hashtag_key_with};

use crate::ids::PersonId;
use crate::model::{MuteTarget, Post};

/// Folding for muted words: the hashtag key recipe (NFKC, case folding, invisible
/// characters removed) plus accent folding, so `Café` and `cafe` are the same word.
const FOLD: KeyOptions = KeyOptions::new().with_fold_accents(true);

/// Folds one word into `buf`. ASCII words, most words in practice, only need lowercasing
/// (NFKC, case folding and accent folding agree with it on ASCII), which costs no allocation.
fn fold_into(word: &str, buf: &mut String) {
    buf.clear();
    if word.is_ascii() {
        buf.extend(word.bytes().map(|b| char::from(b.to_ascii_lowercase())));
    } else {
        buf.push_str(hashtag_key_with(word, &FOLD).as_str());
    }
}

fn fold(word: &str) -> String {
    let mut s = String::new();
    fold_into(word, &mut s);
    s
}

/// Muted words and phrases, folded once so matching a post costs one pass over its words.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MutedWords {
    /// One-word entries.
    single: HashSet<String>,
    /// Entries of several words, by their first word.
    phrases: HashMap<String, Vec<Vec<String>>>,
}

impl MutedWords {
    /// No muted words.
    pub fn new() -> Self {
        MutedWords::default()
    }

    /// Adds a muted word or phrase; returns `false` if it holds no word at all (only spaces
    /// or punctuation), which could never match.
    pub fn insert(&mut self, entry: &str) -> bool {
        let words: Vec<String> = entry
            .unicode_words()
            .map(fold)
            .filter(|w| !w.is_empty())
            .collect();
        match words.len() {
            0 => false,
            1 => {
                self.single.extend(words);
                true
            }
            _ => {
                let list = self.phrases.entry(words[0].clone()).or_default();
                if !list.contains(&words) {
                    list.push(words);
                }
                true
            }
        }
    }

    /// Whether nothing is muted.
    pub fn is_empty(&self) -> bool {
        self.single.is_empty() && self.phrases.is_empty()
    }

    /// Whether `text` contains a muted word or phrase as whole words.
    pub fn matches(&self, text: &str) -> bool {
        if self.is_empty() {
            return false;
        }
        if self.phrases.is_empty() {
            // The common case: single words, checked word by word with one reused buffer.
            let mut buf = String::new();
            return text.unicode_words().any(|w| {
                fold_into(w, &mut buf);
                self.single.contains(buf.as_str())
            });
        }
        let words: Vec<String> = text.unicode_words().map(fold).collect();
        words.iter().enumerate().any(|(i, w)| {
            self.single.contains(w.as_str())
                || self.phrases.get(w).is_some_and(|list| {
                    list.iter()
                        .any(|p| words.get(i..i + p.len()).is_some_and(|run| run == p))
                })
        })
    }
}

/// Everything a viewer muted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Muted {
    /// Muted people: their posts are removed.
    pub people: HashSet<PersonId>,
    /// Muted hashtag keys: posts carrying one are removed.
    pub tags: HashSet<TagKey>,
    /// Muted words: posts containing one are removed.
    pub words: MutedWords,
}

impl Muted {
    /// Nothing muted.
    pub fn new() -> Self {
        Muted::default()
    }

    /// Adds one muted thing.
    pub fn insert(&mut self, target: &MuteTarget) {
        match target {
            MuteTarget::Person(p) => {
                self.people.insert(p.clone());
            }
            MuteTarget::Hashtag(t) => {
                self.tags.insert(t.clone());
            }
            MuteTarget::Word(w) => {
                self.words.insert(w);
            }
        }
    }

    /// Whether nothing is muted.
    pub fn is_empty(&self) -> bool {
        self.people.is_empty() && self.tags.is_empty() && self.words.is_empty()
    }

    /// Whether `post` is hidden: by a muted author, carrying a muted hashtag, or containing
    /// a muted word.
    pub fn hides(&self, post: &Post) -> bool {
        self.people.contains(&post.author)
            || (!self.tags.is_empty() && post.hashtags.iter().any(|h| self.tags.contains(&h.key)))
            || self.words.matches(&post.text)
    }
}

impl FromIterator<MuteTarget> for Muted {
    fn from_iter<I: IntoIterator<Item = MuteTarget>>(iter: I) -> Self {
        let mut m = Muted::new();
        for t in iter {
            m.insert(&t);
        }
        m
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(list: &[&str]) -> MutedWords {
        let mut w = MutedWords::new();
        for e in list {
            w.insert(e);
        }
        w
    }

    #[test]
    fn whole_words_only() {
        let w = words(&["cat"]);
        assert!(w.matches("the cat sat"));
        assert!(w.matches("Cat!"));
        assert!(w.matches("#cat"));
        assert!(!w.matches("category"));
        assert!(!w.matches("concat"));
    }

    #[test]
    fn case_and_accent_insensitive_in_every_normal_form() {
        let w = words(&["café"]);
        for t in ["CAFÉ open", "cafe", "Cafe\u{301} met koffie", "ＣＡＦＥ"] {
            assert!(w.matches(t), "{t}");
        }
        let w = words(&["CAFE\u{301}"]);
        assert!(w.matches("ons café"));
        let w = words(&["Straße"]);
        assert!(w.matches("STRASSE"));
    }

    #[test]
    fn regex_characters_are_plain_text() {
        let w = words(&[".*"]);
        assert!(w.is_empty(), "no word in the entry");
        assert!(!w.matches("anything at all"));
        let w = words(&["a+b"]);
        assert!(
            w.matches("a b"),
            "UAX #29 splits a+b into the words a and b"
        );
        assert!(!w.matches("aab"));
    }

    #[test]
    fn phrases_match_consecutive_words() {
        let w = words(&["project X"]);
        assert!(w.matches("news about Project x today"));
        assert!(!w.matches("project and x"));
        assert!(!w.matches("x project"));
        assert!(!w.matches("project"));
    }
}

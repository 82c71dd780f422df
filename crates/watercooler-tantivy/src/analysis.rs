//! Text analysis: how post text and query words become index terms.
//!
//! One tokenizer, [`WordTokenizer`], serves every text field; the per-language fields add a
//! Snowball stemmer after it (tantivy's for English, ours for Dutch: see
//! [`crate::dutch`]). The same code analyses posts (at indexing), queries (at
//! search) and snippets (to find what to highlight), so the three always agree.
//!
//! - A *word* is a run of letters, digits and combining marks. Default-ignorable code points
//!   (zero-width spaces, soft hyphens, variation selectors, bidi controls) inside a word are
//!   skipped, so `ca\u{200B}fé` is `cafe`.
//! - Each word is *folded*: compatibility decomposition (NFKD: full-width letters, ligatures
//!   such as `ĳ` and `ﬁ`, composed and decomposed accents all meet), full case folding
//!   (`ß` → `ss`), every combining mark dropped, and the Latin ligatures NFKD keeps whole
//!   spelled out (`œ` → `oe`, `æ` → `ae`, `ꜳ` → `aa`). So `Café`, `CAFE\u{301}` and `ｃａｆｅ`
//!   are all `cafe`, and `Œuvre` is `oeuvre`.
//! - Scripts written without spaces (Han, kana, Hangul, Thai, Lao, Khmer, Myanmar) are cut
//!   into overlapping character *bigrams* (`会議室` → `会議`, `議室`), the classic CJK
//!   approach: a word inside a sentence is found as the phrase of its bigrams. A run of one
//!   character is one token. These runs are normalised with NFKC (so half-width katakana
//!   meet full-width ones) and keep their marks (`ガ` is not `カ`).
//! - Tokens longer than [`MAX_TOKEN_BYTES`] after folding are dropped: nobody searches for
//!   them, and tantivy refuses terms over ~65 kB. Folding stops as soon as a token is too
//!   long, so a 100 kB word costs one linear pass.
//!
//! Everything is one pass over the text with O(1) work per character (a CJK run keeps its
//! characters in a buffer to pair them), and nothing panics on any input.

use std::ops::Range;

use caseless::Caseless;
use tantivy::tokenizer::{
    Language as StemLanguage, Stemmer, TextAnalyzer, Token, TokenStream, Tokenizer,
};

use crate::dutch::DutchStemmer;
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::{
    canonical_combining_class, decompose_compatible, is_combining_mark,
};

/// Tokens longer than this (UTF-8 bytes, after folding) are dropped.
pub const MAX_TOKEN_BYTES: usize = 64;

/// A CJK character keeps at most this many characters (itself and its marks).
const MAX_UNIT_CHARS: usize = 5;

/// The analyzer of the unstemmed text field (every language).
pub(crate) const PLAIN: &str = "wc_plain_v2";
/// The analyzer of the Dutch field.
pub(crate) const DUTCH: &str = "wc_nl_v3";
/// The analyzer of the English field.
pub(crate) const ENGLISH: &str = "wc_en_v2";

/// Which analyzer: the plain one or a stemmed one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Analyzer {
    /// Folded words and CJK bigrams.
    Plain,
    /// The plain tokens, stemmed for Dutch.
    Dutch,
    /// The plain tokens, stemmed for English.
    English,
}

impl Analyzer {
    /// The name it is registered under in a tantivy index.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Analyzer::Plain => PLAIN,
            Analyzer::Dutch => DUTCH,
            Analyzer::English => ENGLISH,
        }
    }

    /// A fresh tantivy analyzer.
    pub(crate) fn build(self) -> TextAnalyzer {
        match self {
            Analyzer::Plain => TextAnalyzer::from(WordTokenizer::default()),
            Analyzer::Dutch => TextAnalyzer::builder(WordTokenizer::default())
                .filter(DutchStemmer)
                .build(),
            Analyzer::English => TextAnalyzer::builder(WordTokenizer::default())
                .filter(Stemmer::new(StemLanguage::English))
                .build(),
        }
    }

    /// The stemmed analyzer for a post language, if we stem it.
    pub(crate) fn stemmed_for(language: &str) -> Option<Analyzer> {
        match language {
            "nl" => Some(Analyzer::Dutch),
            "en" => Some(Analyzer::English),
            _ => None,
        }
    }
}

/// One analysed token: its term text, its position and where it came from in the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Term {
    /// The term as indexed.
    pub text: String,
    /// Position (words and bigrams count one each).
    pub position: usize,
    /// Byte range in the analysed text.
    pub range: Range<usize>,
}

/// Analyses `text` with `analyzer` into terms.
pub(crate) fn analyze(analyzer: &mut TextAnalyzer, text: &str) -> Vec<Term> {
    let mut out = Vec::new();
    let mut stream = analyzer.token_stream(text);
    while let Some(t) = stream.next() {
        out.push(Term {
            text: t.text.clone(),
            position: t.position,
            range: t.offset_from..t.offset_to,
        });
    }
    out
}

/// The folded form of a single word as the plain analyzer would index it, or `None` when
/// it is not exactly one token (punctuation only, several words, CJK, too long). Used for
/// muted words and tests.
pub fn fold_word(word: &str) -> Option<String> {
    let mut tokenizer = WordTokenizer::default();
    let mut stream = tokenizer.token_stream(word);
    let first = stream.next()?.text.clone();
    if stream.next().is_some() {
        None
    } else {
        Some(first)
    }
}

/// What a character does to tokenization.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    /// Part of a word.
    Word,
    /// Part of a run cut into bigrams.
    Cjk,
    /// A combining mark: continues whatever run is open.
    Mark,
    /// Invisible: skipped inside a run, a separator outside one.
    Ignorable,
    /// Separates tokens.
    Other,
}

fn classify(c: char) -> Class {
    if c.is_ascii() {
        return if c.is_ascii_alphanumeric() {
            Class::Word
        } else {
            Class::Other
        };
    }
    if is_ignorable(c) {
        Class::Ignorable
    } else if is_combining_mark(c) || is_halfwidth_voicing_mark(c) {
        Class::Mark
    } else if is_bigram_script(c) && c.is_alphanumeric() {
        Class::Cjk
    } else if c.is_alphanumeric() {
        Class::Word
    } else {
        Class::Other
    }
}

/// Half-width katakana voicing marks are letters, not combining marks, but belong to the
/// character before them (NFKC merges `ｶﾞ` into `ガ`).
fn is_halfwidth_voicing_mark(c: char) -> bool {
    matches!(c, '\u{FF9E}' | '\u{FF9F}')
}

/// Scripts written without spaces between words.
fn is_bigram_script(c: char) -> bool {
    matches!(u32::from(c),
        0x0E00..=0x0EFF      // Thai, Lao
        | 0x1000..=0x109F    // Myanmar
        | 0x1100..=0x11FF    // Hangul Jamo
        | 0x1780..=0x17FF    // Khmer
        | 0x2E80..=0x2FDF    // CJK radicals, Kangxi radicals
        | 0x3005..=0x3007    // 々 〆 〇
        | 0x3021..=0x3029    // Hangzhou numerals
        | 0x3031..=0x3035    // kana repeat marks
        | 0x3040..=0x30FF    // Hiragana, Katakana
        | 0x3100..=0x31BF    // Bopomofo, Hangul compatibility Jamo, Kanbun
        | 0x31F0..=0x31FF    // Katakana phonetic extensions
        | 0x3400..=0x4DBF    // CJK extension A
        | 0x4E00..=0x9FFF    // CJK unified ideographs
        | 0xA960..=0xA97F    // Hangul Jamo extended A
        | 0xAC00..=0xD7FF    // Hangul syllables, Jamo extended B
        | 0xF900..=0xFAFF    // CJK compatibility ideographs
        | 0xFF66..=0xFFDC    // half-width katakana and Hangul
        | 0x1B000..=0x1B16F  // kana supplement and extended
        | 0x20000..=0x3FFFF // CJK extensions B..H
    )
}

/// Unicode `Default_Ignorable_Code_Point` (the same list as watercooler-text's keys).
fn is_ignorable(c: char) -> bool {
    matches!(u32::from(c),
        0x00AD | 0x034F | 0x061C | 0x115F..=0x1160 | 0x17B4..=0x17B5 | 0x180B..=0x180F
        | 0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x206F | 0x3164 | 0xFE00..=0xFE0F
        | 0xFEFF | 0xFFA0 | 0xFFF0..=0xFFF8 | 0x1BCA0..=0x1BCA3 | 0x1D173..=0x1D17A
        | 0xE0000..=0xE0FFF
    )
}

/// How people type the Latin letters that are two letters written as one but have no
/// compatibility decomposition, so NFKD leaves them whole (it already splits `ĳ` → `ij`,
/// `ﬁ` → `fi`, `ﬆ` → `st`, and case folding turns `ß` into `ss`). Nobody types `œuvre` on
/// a keyboard without `œ`, and `oeuvre` must find it. Takes case-folded letters only.
fn ligature(c: char) -> Option<&'static str> {
    Some(match c {
        'æ' => "ae",
        'œ' => "oe",
        'ꜳ' => "aa",
        'ꜵ' => "ao",
        'ꜷ' => "au",
        'ꜹ' | 'ꜻ' => "av",
        'ꜽ' => "ay",
        'ꜩ' => "tz",
        'ꝏ' => "oo",
        'ᵫ' => "ue",
        'ꭣ' => "uo",
        'ȸ' => "db",
        'ȹ' => "qp",
        _ => return None,
    })
}

/// Appends the folded form of `c` (NFKD, case folded, marks dropped, ligatures spelled
/// out) to `out`.
fn fold_char_into(c: char, out: &mut String) {
    if c.is_ascii() {
        out.push(c.to_ascii_lowercase());
        return;
    }
    decompose_compatible(c, |d| {
        if canonical_combining_class(d) != 0 || is_ignorable(d) {
            return;
        }
        for f in std::iter::once(d).default_case_fold() {
            if f.is_ascii() {
                out.push(f);
            } else {
                // Folding can produce decomposable letters again (`İ` → `i` + U+0307).
                decompose_compatible(f, |g| {
                    if canonical_combining_class(g) != 0 || is_ignorable(g) {
                        return;
                    }
                    match ligature(g) {
                        Some(spelled) => out.push_str(spelled),
                        None => out.push(g),
                    }
                });
            }
        }
    });
}

/// Splits text into folded words and CJK bigrams. Register it (alone or followed by a
/// stemmer) as a tantivy tokenizer; see the module docs.
#[derive(Debug, Clone, Default)]
pub(crate) struct WordTokenizer {
    token: Token,
    /// Reused between texts: the characters of the current CJK run.
    units: Vec<Unit>,
}

/// One character (with its marks) of a CJK run.
#[derive(Debug, Clone)]
struct Unit {
    range: Range<usize>,
    /// Byte range of the folded form in `WordStream::unit_text`.
    folded: Range<usize>,
}

impl Tokenizer for WordTokenizer {
    type TokenStream<'a> = WordStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> WordStream<'a> {
        self.token.reset();
        self.units.clear();
        WordStream {
            text,
            pos: 0,
            next_position: 0,
            token: &mut self.token,
            units: &mut self.units,
            unit_text: String::new(),
            next_bigram: 0,
        }
    }
}

/// The token stream of [`WordTokenizer`].
#[derive(Debug)]
pub(crate) struct WordStream<'a> {
    text: &'a str,
    /// Where scanning continues (byte offset).
    pos: usize,
    /// Position of the next token.
    next_position: usize,
    token: &'a mut Token,
    /// The current CJK run, and the index of the next bigram to emit from it.
    units: &'a mut Vec<Unit>,
    unit_text: String,
    next_bigram: usize,
}

impl WordStream<'_> {
    fn emit(&mut self, range: Range<usize>) {
        self.token.offset_from = range.start;
        self.token.offset_to = range.end;
        self.token.position = self.next_position;
        self.token.position_length = 1;
        self.next_position += 1;
    }

    /// Emits the next token of the pending CJK run, if any.
    fn next_from_run(&mut self) -> bool {
        let n = self.units.len();
        loop {
            // A run of one character is one token; a longer run gives n - 1 bigrams.
            let (first, second) = match n {
                0 => return false,
                1 if self.next_bigram == 0 => (0, None),
                1 => return false,
                _ if self.next_bigram + 1 < n => (self.next_bigram, Some(self.next_bigram + 1)),
                _ => return false,
            };
            self.next_bigram += 1;
            let a = self.units[first].clone();
            self.token.text.clear();
            self.token.text.push_str(&self.unit_text[a.folded.clone()]);
            let mut range = a.range.clone();
            if let Some(second) = second {
                let b = self.units[second].clone();
                self.token.text.push_str(&self.unit_text[b.folded.clone()]);
                range.end = b.range.end;
            }
            if self.token.text.is_empty() || self.token.text.len() > MAX_TOKEN_BYTES {
                // Still counts as a position, so phrases do not jump over it.
                self.next_position += 1;
                continue;
            }
            self.emit(range);
            return true;
        }
    }

    /// Reads a word starting at `start`; leaves `self.pos` after it. Returns whether a
    /// token was produced.
    fn read_word(&mut self, start: usize) -> bool {
        self.token.text.clear();
        let mut too_long = false;
        let mut end = start;
        for (i, c) in self.text[start..].char_indices() {
            let class = classify(c);
            if !matches!(class, Class::Word | Class::Mark | Class::Ignorable) {
                break;
            }
            end = start + i + c.len_utf8();
            if !too_long && class != Class::Ignorable {
                fold_char_into(c, &mut self.token.text);
                too_long = self.token.text.len() > MAX_TOKEN_BYTES;
            }
        }
        // A trailing ignorable is not part of the word's visible range.
        let visible_end = self.text[start..end]
            .char_indices()
            .rev()
            .find(|&(_, c)| !is_ignorable(c))
            .map_or(start, |(i, c)| start + i + c.len_utf8());
        self.pos = end;
        if too_long {
            self.next_position += 1;
            return false;
        }
        if self.token.text.is_empty() {
            return false;
        }
        self.emit(start..visible_end);
        true
    }

    /// Reads a CJK run starting at `start` into `units`; leaves `self.pos` after it.
    fn read_run(&mut self, start: usize) {
        self.units.clear();
        self.unit_text.clear();
        self.next_bigram = 0;
        let mut raw = String::new();
        let mut current: Option<Range<usize>> = None;
        let mut end = start;
        for (i, c) in self.text[start..].char_indices() {
            let at = start + i;
            match classify(c) {
                Class::Cjk => {
                    if let Some(r) = current.take() {
                        self.push_unit(r, &mut raw);
                    }
                    current = Some(at..at + c.len_utf8());
                    raw.clear();
                    raw.push(c);
                }
                Class::Mark => {
                    if let Some(r) = current.as_mut() {
                        // Bounded: marks beyond a few are noise (and 10,000 combining
                        // marks on one character must stay linear).
                        if raw.chars().count() < MAX_UNIT_CHARS {
                            raw.push(c);
                        }
                        r.end = at + c.len_utf8();
                    }
                }
                Class::Ignorable => {}
                Class::Word | Class::Other => break,
            }
            end = at + c.len_utf8();
        }
        if let Some(r) = current.take() {
            self.push_unit(r, &mut raw);
        }
        self.pos = end;
    }

    fn push_unit(&mut self, range: Range<usize>, raw: &mut String) {
        let from = self.unit_text.len();
        for c in raw.nfkc().default_case_fold() {
            if !is_ignorable(c) {
                self.unit_text.push(c);
            }
        }
        let to = self.unit_text.len();
        raw.clear();
        self.units.push(Unit {
            range,
            folded: from..to,
        });
    }
}

impl TokenStream for WordStream<'_> {
    fn advance(&mut self) -> bool {
        loop {
            if self.next_from_run() {
                return true;
            }
            self.units.clear();
            // Find the start of the next word or run.
            let rest = &self.text[self.pos..];
            let Some((i, class)) = rest
                .char_indices()
                .map(|(i, c)| (i, classify(c)))
                .find(|(_, class)| matches!(class, Class::Word | Class::Cjk | Class::Mark))
            else {
                self.pos = self.text.len();
                return false;
            };
            let start = self.pos + i;
            match class {
                Class::Cjk => self.read_run(start),
                _ => {
                    if self.read_word(start) {
                        return true;
                    }
                }
            }
        }
    }

    fn token(&self) -> &Token {
        self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        self.token
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(analyzer: Analyzer, text: &str) -> Vec<String> {
        analyze(&mut analyzer.build(), text)
            .into_iter()
            .map(|t| t.text)
            .collect()
    }

    #[test]
    fn words_are_folded_for_case_and_accents() {
        assert_eq!(
            terms(Analyzer::Plain, "Café CAFE\u{301} ｃａｆｅ"),
            ["cafe", "cafe", "cafe"]
        );
        assert_eq!(
            terms(Analyzer::Plain, "Straße İstanbul"),
            ["strasse", "istanbul"]
        );
        assert_eq!(terms(Analyzer::Plain, "ca\u{200B}fé!"), ["cafe"]);
    }

    #[test]
    fn ligatures_are_spelled_out() {
        // Kept whole by NFKD: spelled out here.
        for (typed, folded) in [
            ("œuvre", "oeuvre"),
            ("Œuvre", "oeuvre"),
            ("ŒUVRE", "oeuvre"),
            ("Cæsar", "caesar"),
            ("ÆSIR", "aesir"),
            ("Ǽ", "ae"),
            ("ꜳ", "aa"),
            ("Ꜳ", "aa"),
            ("ꝏ", "oo"),
            ("ȸ", "db"),
        ] {
            assert_eq!(fold_word(typed).as_deref(), Some(folded), "{typed}");
        }
        // Split by NFKD or case folding already; checked so a change of tables shows.
        for (typed, folded) in [
            ("ĳs", "ijs"),
            ("ĲSSELMEER", "ijsselmeer"),
            ("ﬀ", "ff"),
            ("ﬁets", "fiets"),
            ("ﬂ", "fl"),
            ("ﬃ", "ffi"),
            ("ﬄ", "ffl"),
            ("ﬅ", "st"),
            ("ﬆ", "st"),
            ("Straße", "strasse"),
            ("STRAẞE", "strasse"),
        ] {
            assert_eq!(fold_word(typed).as_deref(), Some(folded), "{typed}");
        }
        // Every analyzer sees the same spelling, and offsets still cover the word as typed.
        for analyzer in [Analyzer::Plain, Analyzer::Dutch, Analyzer::English] {
            assert_eq!(terms(analyzer, "Œuvre"), terms(analyzer, "oeuvre"));
            assert_eq!(terms(analyzer, "ĳs"), terms(analyzer, "ijs"));
        }
        let text = "Het œuvre, ĳs";
        let t = analyze(&mut Analyzer::Plain.build(), text);
        let shown: Vec<&str> = t.iter().map(|t| &text[t.range.clone()]).collect();
        assert_eq!(shown, ["Het", "œuvre", "ĳs"]);
        // Not ligatures: letters with a stroke keep their own letter.
        assert_eq!(fold_word("ø").as_deref(), Some("ø"));
    }

    #[test]
    fn punctuation_splits_and_sigils_vanish() {
        assert_eq!(
            terms(
                Analyzer::Plain,
                "#Koffie @jan.de_vries e-mail https://x.nl/a?b=1"
            ),
            [
                "koffie", "jan", "de", "vries", "e", "mail", "https", "x", "nl", "a", "b", "1"
            ]
        );
    }

    #[test]
    fn offsets_point_into_the_original_text() {
        let text = "Ik drink café, jij?";
        let t = analyze(&mut Analyzer::Plain.build(), text);
        let shown: Vec<&str> = t.iter().map(|t| &text[t.range.clone()]).collect();
        assert_eq!(shown, ["Ik", "drink", "café", "jij"]);
        assert_eq!(
            t.iter().map(|t| t.position).collect::<Vec<_>>(),
            [0, 1, 2, 3]
        );
    }

    #[test]
    fn dutch_and_english_stem() {
        assert_eq!(
            terms(Analyzer::Dutch, "vergaderingen"),
            terms(Analyzer::Dutch, "vergadering")
        );
        assert_eq!(
            terms(Analyzer::English, "meetings"),
            terms(Analyzer::English, "meeting")
        );
        assert_ne!(
            terms(Analyzer::Plain, "meetings"),
            terms(Analyzer::Plain, "meeting")
        );
    }

    #[test]
    fn cjk_runs_become_bigrams() {
        assert_eq!(terms(Analyzer::Plain, "会議室で"), ["会議", "議室", "室で"]);
        let t = analyze(&mut Analyzer::Plain.build(), "東京abc駅");
        let texts: Vec<&str> = t.iter().map(|t| t.text.as_str()).collect();
        assert_eq!(texts, ["東京", "abc", "駅"]);
        assert_eq!(t.iter().map(|t| t.position).collect::<Vec<_>>(), [0, 1, 2]);
        // Half-width katakana with a voicing mark meet the full-width form.
        assert_eq!(terms(Analyzer::Plain, "ｶﾞｽ"), terms(Analyzer::Plain, "ガス"));
        assert_ne!(
            terms(Analyzer::Plain, "ガス"),
            terms(Analyzer::Plain, "カス")
        );
    }

    #[test]
    fn long_and_strange_inputs_stay_linear_and_safe() {
        let long = "a".repeat(100_000);
        assert!(terms(Analyzer::Plain, &long).is_empty());
        let marks = format!("e{} x", "\u{301}".repeat(10_000));
        assert_eq!(terms(Analyzer::Plain, &marks), ["e", "x"]);
        let cjk_marks = format!("東{}京", "\u{3099}".repeat(10_000));
        assert_eq!(terms(Analyzer::Plain, &cjk_marks).len(), 1);
        assert!(terms(Analyzer::Plain, "\u{301}\u{200B}\u{0}\u{FDFA}").len() <= 1);
        assert!(terms(Analyzer::Plain, "").is_empty());
    }

    #[test]
    fn fold_word_is_one_token_or_none() {
        assert_eq!(fold_word("Café").as_deref(), Some("cafe"));
        assert_eq!(fold_word("two words"), None);
        assert_eq!(fold_word("!!"), None);
    }
}

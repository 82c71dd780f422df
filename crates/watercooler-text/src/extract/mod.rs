//! Extraction of hashtags, mentions, URLs and cashtags, with byte ranges.
//!
//! [`Extractor`] scans a post in one pass, handing each trigger byte (`#`, `@`, `$`, `.`, the
//! lead byte of `＃`/`＠`) to a hand-written, non-backtracking scanner per kind: time is linear in the length of the text for every input (no regex engine, no
//! re-scanning from each `@`, `#` or `.`, TLDs looked up through a trie in time proportional
//! to the label). Entities come back in text order, never overlapping, as byte ranges into the
//! text; [`crate::convert_ranges`] turns a batch of them into code-point or UTF-16 offsets.
//!
//! # Profiles
//!
//! * [`Extractor::twitter_compatible`] follows twitter-text (the reference implementations and
//!   its conformance suite, all 238 extraction cases of which it passes).
//! * [`Extractor::default`] is the **intranet** profile. It is the same except for handles,
//!   which are directory user names:
//!
//!   | | twitter-compatible | intranet (default) |
//!   |---|---|---|
//!   | handle characters | `[A-Za-z0-9_]` | letters and marks of space-separated scripts, decimal digits, `_`, and single `.` or `-` between them |
//!   | trailing `.` / `-` | ends the handle (not a handle character) | ends the handle: `Dank je @jan.devries.` → `jan.devries` |
//!   | maximum length | 20, a longer name is cut at 20 (`@` + 25 letters → 20 letters) | 64 characters, a longer name is no mention at all |
//!   | `@` right after a letter, digit, mark, `_`, `.`, `-`, `+` | a mention if the letter is not ASCII (`josé@example.com` → `@example`) | never a mention (`jan@example.com`, `josé@example.com`) |
//!   | `@` after a Han, kana or Hangul character | a mention (`の@user`) | a mention (`の@user`); such characters also end a handle (`@janさん` → `jan`) |
//!   | `RT@user` | a mention | not a mention (`T` is a letter) |
//!   | followed by an accented Latin letter | dropped (`@aliceìnheiro`) | part of the handle (`@aliceìnheiro`) |
//!   | followed by `@`, `＠` or `://` | dropped | dropped |
//!   | list slug longer than 25 | cut at 25 | no list (the mention stays) |
//!
//!   Hashtags, URLs and cashtags follow twitter-text in both profiles.
//!
//! [`ExtractorBuilder`] sets each knob separately (handle syntax, maximum handle length, kinds,
//! lists, cashtags, URLs without a scheme).
//!
//! # Where twitter-compatible output differs from twitter-text
//!
//! None of these occurs in the conformance suite; each is a regex artefact we chose not to copy.
//!
//! * **A text that starts with a non-ASCII letter followed by a scheme-less domain**: the
//!   regex ports consume the first character as the "preceding character" and return the URL
//!   from the second (`Ünited.com` → `nited.com`); we return `Ünited.com`. Elsewhere in a text
//!   the two agree.
//! * **A scheme-less match whose last ASCII domain does not reach the end of the host**
//!   (`example.com日本.みんな/path` is one match to the regex): twitter-text stretches the last
//!   ASCII domain's indices over the non-ASCII host up to the end of the path; we return the
//!   ASCII domain alone.
//! * **`xn--` labels**: twitter-text's JavaScript port only rejects a host whose *first* label
//!   is an `xn--` label holding non-ASCII; we reject any such label (IDNA forbids them all).
//! * **URL length**: counted in UTF-16 units with the host punycode-encoded, as the JavaScript
//!   port does; ASCII control characters are not domain characters here (they are in JS).
//! * **Mentions inside URLs**: twitter-text's standalone `extractMentions` returns them; our
//!   [`Extractor::extract_mentions`] is [`Extractor::extract`] filtered by kind, so a mention
//!   inside a URL is dropped (as in twitter-text's `extractEntitiesWithIndices`).
//!
//! # Unicode classes
//!
//! Hashtag bodies use twitter-text's `\p{L}\p{M}\p{Nd}` classes. Rust's std has no general
//! categories (`char::is_alphabetic` adds letter numbers and "other alphabetic" characters and
//! misses many marks), so `unicode_tables.rs` holds the ranges, generated from Python's
//! `unicodedata` by `tools/gen_unicode_tables.py`; ASCII and the big CJK and Hangul blocks take
//! a fast path, everything else a binary search over ~1000 ranges.

mod cashtag;
mod chars;
mod hashtag;
mod mention;
mod punycode;
mod search;
mod tld;
mod unicode_tables;
mod url;

pub(crate) use hashtag::{is_key_char, is_tag_alpha, whole_body};

use crate::{Entity, EntityKind};

/// Which characters make up a handle after `@`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HandleSyntax {
    /// twitter-text's screen names: `[A-Za-z0-9_]`, cut at the maximum length.
    Twitter,
    /// Directory user names: letters, marks and digits, `_`, and single `.` or `-` inside;
    /// never taken from an e-mail address. See the
    /// [module docs](crate::extract) for every difference.
    Intranet,
}

/// Default maximum handle length of [`HandleSyntax::Twitter`].
const TWITTER_MAX_HANDLE: usize = 20;
/// Default maximum handle length of [`HandleSyntax::Intranet`].
const INTRANET_MAX_HANDLE: usize = 64;

/// Everything an [`Extractor`] is configured with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Config {
    mentions: mention::Rules,
    hashtags: bool,
    mention_kind: bool,
    urls: bool,
    urls_without_scheme: bool,
    cashtags: bool,
}

/// Finds hashtags, mentions (with lists), URLs and cashtags in a post.
///
/// An extractor is a small immutable value: build it once, share it between threads, call it
/// for every post.
///
/// ```
/// use watercooler_text::{EntityKind, Extractor};
///
/// let text = "Dank je @jan.devries. Zie #Q3 op https://intranet.example.com/plan";
/// let entities = Extractor::default().extract(text);
/// let found: Vec<(EntityKind, &str)> =
///     entities.iter().map(|e| (e.kind(), e.as_str(text))).collect();
/// assert_eq!(
///     found,
///     [
///         (EntityKind::Mention, "@jan.devries"),
///         (EntityKind::Hashtag, "#Q3"),
///         (EntityKind::Url, "https://intranet.example.com/plan"),
///     ]
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extractor {
    cfg: Config,
    /// Bytes that start (or anchor, for `.`) an entity of an enabled kind; `None` when no kind
    /// is enabled. Boxed to keep the extractor small to move.
    triggers: Option<Box<search::Triggers>>,
}

impl Default for Extractor {
    /// The intranet profile: every entity kind, intranet handles of up to 64 characters.
    fn default() -> Self {
        ExtractorBuilder::new().build()
    }
}

impl Extractor {
    /// The twitter-text profile: every entity kind, twitter-text's rules throughout. Passes
    /// every case of twitter-text's extraction conformance suite.
    pub fn twitter_compatible() -> Self {
        ExtractorBuilder::twitter_compatible().build()
    }

    /// A builder starting from the intranet profile ([`Extractor::default`]).
    pub fn builder() -> ExtractorBuilder {
        ExtractorBuilder::new()
    }

    /// All enabled entities of `text`, in text order, never overlapping.
    pub fn extract(&self, text: &str) -> Vec<Entity> {
        let mut out = Vec::new();
        self.extract_into(text, &mut out);
        out
    }

    /// Like [`Extractor::extract`], into a buffer the caller reuses: `out` is cleared first,
    /// and nothing else is allocated.
    pub fn extract_into(&self, text: &str, out: &mut Vec<Entity>) {
        out.clear();
        let b = text.as_bytes();
        let cfg = &self.cfg;
        // One pass: jump to the next byte that can start (or, for `.`, anchor) an entity of an
        // enabled kind and hand it to that kind's scanner.
        let Some(triggers) = &self.triggers else {
            return;
        };
        let mut hashtags = hashtag::Hashtags::default();
        let mut mentions = mention::Mentions::default();
        let mut cashtags = cashtag::Cashtags::default();
        let mut urls = url::Urls::default();
        let mut i = 0;
        while let Some(j) = search::find_any(b, i, triggers) {
            match b.get(j) {
                Some(b'#') => hashtags.at(b, j, out),
                Some(b'@') => mentions.at(b, j, &cfg.mentions, out),
                Some(b'$') => cashtags.at(b, j, out),
                Some(b'.') => urls.at_dot(text, j, cfg.urls_without_scheme, out),
                _ => {
                    if cfg.hashtags {
                        hashtags.at(b, j, out);
                    }
                    if cfg.mention_kind {
                        mentions.at(b, j, &cfg.mentions, out);
                    }
                }
            }
            i = j + 1;
        }
        remove_overlaps(out);
    }

    /// The hashtags of `text` (entities of [`Extractor::extract`] of that kind).
    pub fn extract_hashtags(&self, text: &str) -> Vec<Entity> {
        self.extract_kind(text, EntityKind::Hashtag)
    }

    /// The mentions of `text`, lists included (see [`Entity::list_range`]).
    pub fn extract_mentions(&self, text: &str) -> Vec<Entity> {
        self.extract_kind(text, EntityKind::Mention)
    }

    /// The URLs of `text`.
    pub fn extract_urls(&self, text: &str) -> Vec<Entity> {
        self.extract_kind(text, EntityKind::Url)
    }

    /// The cashtags of `text`.
    pub fn extract_cashtags(&self, text: &str) -> Vec<Entity> {
        self.extract_kind(text, EntityKind::Cashtag)
    }

    /// The reply-to mention: a handle right at the start of `text`, after nothing but spaces
    /// (twitter-text's `replies` rules, with this extractor's handle syntax). Its range covers
    /// the at sign and the handle; lists are not considered.
    pub fn extract_reply(&self, text: &str) -> Option<Entity> {
        mention::reply(text.as_bytes(), &self.cfg.mentions)
    }

    fn extract_kind(&self, text: &str, kind: EntityKind) -> Vec<Entity> {
        let mut out = self.extract(text);
        out.retain(|e| e.kind() == kind);
        out
    }
}

/// Sorts by start and drops every entity that overlaps the last one kept, like twitter-text's
/// `removeOverlappingEntities`. Entities arrive almost sorted (a URL is found at its `.`, after
/// entities that start inside it); sorting is unstable (no allocation), starts are unique
/// across kinds (each kind starts with its own sigil), and the kind breaks any tie as
/// twitter-text's concatenation order (URLs, mentions, hashtags, cashtags) would.
fn remove_overlaps(out: &mut Vec<Entity>) {
    let rank = |k: EntityKind| match k {
        EntityKind::Url => 0u8,
        EntityKind::Mention => 1,
        EntityKind::Hashtag => 2,
        _ => 3,
    };
    if !out.is_sorted_by_key(|e| (e.range().start, rank(e.kind()))) {
        out.sort_unstable_by_key(|e| (e.range().start, rank(e.kind())));
    }
    let mut last_end = None;
    out.retain(|e| {
        let r = e.range();
        if last_end.is_some_and(|end| r.start < end) {
            return false;
        }
        last_end = Some(r.end);
        true
    });
}

/// Configures an [`Extractor`].
///
/// ```
/// use watercooler_text::{Extractor, HandleSyntax};
///
/// // Only hashtags and mentions, twitter-style handles of up to 15 characters.
/// let extractor = Extractor::builder()
///     .handle_syntax(HandleSyntax::Twitter)
///     .max_handle_len(15)
///     .urls(false)
///     .cashtags(false)
///     .build();
/// assert_eq!(extractor.extract("#a @b $C x.com").len(), 2);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtractorBuilder {
    cfg: Config,
    max_len_set: bool,
}

impl Default for ExtractorBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl ExtractorBuilder {
    /// The intranet profile ([`Extractor::default`]).
    pub fn new() -> Self {
        ExtractorBuilder {
            cfg: Config {
                mentions: mention::Rules {
                    syntax: HandleSyntax::Intranet,
                    max_len: INTRANET_MAX_HANDLE,
                    lists: true,
                },
                hashtags: true,
                mention_kind: true,
                urls: true,
                urls_without_scheme: true,
                cashtags: true,
            },
            max_len_set: false,
        }
    }

    /// The twitter-text profile ([`Extractor::twitter_compatible`]).
    pub fn twitter_compatible() -> Self {
        let mut b = Self::new();
        b.cfg.mentions.syntax = HandleSyntax::Twitter;
        b.cfg.mentions.max_len = TWITTER_MAX_HANDLE;
        b
    }

    /// Which characters make up a handle. Unless [`ExtractorBuilder::max_handle_len`] was
    /// called, this also sets the syntax's usual maximum (20 for Twitter, 64 for Intranet).
    pub fn handle_syntax(mut self, syntax: HandleSyntax) -> Self {
        self.cfg.mentions.syntax = syntax;
        if !self.max_len_set {
            self.cfg.mentions.max_len = match syntax {
                HandleSyntax::Twitter => TWITTER_MAX_HANDLE,
                HandleSyntax::Intranet => INTRANET_MAX_HANDLE,
            };
        }
        self
    }

    /// Maximum handle length in characters (values below 1 count as 1). Twitter syntax cuts a
    /// longer name at this length, as twitter-text does; Intranet syntax ignores the mention.
    pub fn max_handle_len(mut self, max: usize) -> Self {
        self.cfg.mentions.max_len = max.max(1);
        self.max_len_set = true;
        self
    }

    /// Whether to extract hashtags.
    pub fn hashtags(mut self, on: bool) -> Self {
        self.cfg.hashtags = on;
        self
    }

    /// Whether to extract mentions.
    pub fn mentions(mut self, on: bool) -> Self {
        self.cfg.mention_kind = on;
        self
    }

    /// Whether `@user/list` yields a list slug ([`Entity::list_range`]); when off, it is the
    /// mention `@user` followed by text.
    pub fn lists(mut self, on: bool) -> Self {
        self.cfg.mentions.lists = on;
        self
    }

    /// Whether to extract URLs. URLs also hide the hashtags, mentions and cashtags inside them
    /// (`https://example.com/#top` has no hashtag), so with URLs off those come back.
    pub fn urls(mut self, on: bool) -> Self {
        self.cfg.urls = on;
        self
    }

    /// Whether a URL needs no scheme (`example.com/path`, ASCII domains only, as in
    /// twitter-text); when off, only `http://` and `https://` URLs are extracted.
    pub fn urls_without_scheme(mut self, on: bool) -> Self {
        self.cfg.urls_without_scheme = on;
        self
    }

    /// Whether to extract cashtags (`$ACME`).
    pub fn cashtags(mut self, on: bool) -> Self {
        self.cfg.cashtags = on;
        self
    }

    /// The configured extractor.
    pub fn build(self) -> Extractor {
        let c = &self.cfg;
        let mut bytes = Vec::new();
        for (on, byte) in [
            (c.hashtags, b'#'),
            (c.mention_kind, b'@'),
            (c.cashtags, b'$'),
            (c.urls, b'.'),
            (c.hashtags || c.mention_kind, 0xEF), // lead byte of `＃` and `＠`
        ] {
            if on {
                bytes.push(byte);
            }
        }
        let triggers = (!bytes.is_empty()).then(|| Box::new(search::triggers(&bytes)));
        Extractor {
            cfg: self.cfg,
            triggers,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unicode_table_version_is_recorded() {
        assert!(!unicode_tables::UNICODE_VERSION.is_empty());
    }

    #[test]
    fn overlap_removal_keeps_the_earlier_entity() {
        let mut v = vec![
            Entity::new(EntityKind::Hashtag, 5..9, 6..9, None),
            Entity::new(EntityKind::Url, 0..12, 0..12, None),
            Entity::new(EntityKind::Mention, 12..15, 13..15, None),
        ];
        remove_overlaps(&mut v);
        assert_eq!(
            v.iter().map(Entity::kind).collect::<Vec<_>>(),
            [EntityKind::Url, EntityKind::Mention]
        );
    }
}

#[cfg(test)]
mod profile_tests;

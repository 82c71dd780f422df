//! Property tests: keys, rendering and highlighting on arbitrary input.

use std::ops::Range;

use proptest::prelude::*;
use unicode_normalization::UnicodeNormalization;
use watercooler_text::{
    Entity, EntityKind, Extractor, HighlightTag, KeyOptions, NoLinks, PathLinks, handle_key,
    hashtag_key, hashtag_key_with, highlight_html, highlight_markup, render_html,
};

/// Pieces that make parsers and renderers stumble, to build texts from.
const PIECES: &[&str] = &[
    "#",
    "@",
    "＃",
    "＠",
    "$",
    "a",
    "Z",
    "k9",
    "_",
    "é",
    "e\u{301}",
    "ß",
    "ẞ",
    "İ",
    "ı",
    "Σ",
    "ς",
    "Ꭰ",
    "ꭰ",
    "東京",
    "р",
    "ﬁ",
    "Ａ",
    "\u{FDFA}",
    " ",
    "  ",
    "\n",
    "\r\n",
    "\t",
    ".",
    ",",
    "/",
    ":",
    "!",
    "?",
    "(",
    ")",
    "<",
    ">",
    "&",
    "&amp;",
    "\"",
    "'",
    "=",
    "http://",
    "https://",
    "example.nl",
    "www.",
    ".com",
    "/pad?q=1",
    "\u{202A}",
    "\u{202B}",
    "\u{202C}",
    "\u{202D}",
    "\u{202E}",
    "\u{2066}",
    "\u{2067}",
    "\u{2068}",
    "\u{2069}",
    "\u{200E}",
    "\u{200F}",
    "\u{200B}",
    "\u{200C}",
    "\u{200D}",
    "\u{FE0F}",
    "\u{E0100}",
    "\u{AD}",
    "\u{3164}",
    "👩",
    "💻",
    "🏳",
    "\u{1F3FB}",
    "\u{301}",
    "\u{345}",
    "ᾳ",
    "ǰ",
    "\u{2028}",
    "\u{A0}",
    "\u{3000}",
    "0",
    "123",
    "koffie",
    "Café",
];

/// The same, plus characters validation refuses (NUL, other controls, lone CR).
const HOSTILE: &[&str] = &["\0", "\r", "\u{1}", "\u{7F}", "\u{85}", "\u{9B}"];

fn post_text() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(PIECES), 0..40).prop_map(|v| v.concat())
}

fn hostile_text() -> impl Strategy<Value = String> {
    let pieces: Vec<&'static str> = PIECES.iter().chain(HOSTILE).copied().collect();
    prop_oneof![
        prop::collection::vec(prop::sample::select(pieces), 0..40).prop_map(|v| v.concat()),
        any::<String>(),
    ]
}

fn kind(i: u8) -> EntityKind {
    match i % 4 {
        0 => EntityKind::Hashtag,
        1 => EntityKind::Mention,
        2 => EntityKind::Url,
        _ => EntityKind::Cashtag,
    }
}

/// Entities with arbitrary, mostly bogus ranges: out of range, inside characters, reversed,
/// overlapping, unsorted. (Value and list lie within the range where `Entity::new` asserts it.)
fn bogus_entities(len: usize) -> impl Strategy<Value = Vec<Entity>> {
    let n = len + 8;
    prop::collection::vec(
        (
            any::<u8>(),
            prop::array::uniform4(0..n),
            any::<bool>(),
            any::<bool>(),
        ),
        0..12,
    )
    .prop_map(|specs| {
        specs
            .into_iter()
            .map(|(k, mut p, reversed, list)| {
                if reversed {
                    let (a, b) = (p[0].max(p[1]), p[0].min(p[1]));
                    return Entity::new(kind(k), a..b, a..b, None);
                }
                p.sort_unstable();
                let list = list.then_some(p[2]..p[3]);
                Entity::new(kind(k), p[0]..p[3], p[1]..p[2], list)
            })
            .collect()
    })
}

fn text_and_entities() -> impl Strategy<Value = (String, Vec<Entity>)> {
    hostile_text().prop_flat_map(|t| {
        let len = t.len();
        (Just(t), bogus_entities(len))
    })
}

/// The tags our renderer and highlighter may write.
fn is_our_tag(tag: &str) -> bool {
    const FIXED: &[&str] = &["<bdi>", "</bdi>", "</a>", "<br>", "<em>", "</em>"];
    if FIXED.contains(&tag) {
        return true;
    }
    let Some(rest) = tag.strip_prefix("<a href=\"") else {
        return false;
    };
    let Some((href, rest)) = rest.split_once('"') else {
        return false;
    };
    let attrs_ok = [
        " class=\"wc-hashtag\">",
        " class=\"wc-mention\">",
        " class=\"wc-cashtag\">",
        " class=\"wc-url\" rel=\"nofollow ugc noopener noreferrer\">",
    ]
    .contains(&rest);
    attrs_ok && !href.contains(['<', '>', '\'']) && !href.is_empty()
}

/// A tiny HTML reader: checks that every `<` starts one of our tags, that `>` only ends tags,
/// that `&` only starts our five escapes and that elements nest; returns the text content.
fn plain_form(html: &str) -> Result<String, String> {
    let mut out = String::new();
    let mut open: Vec<&str> = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find(['<', '>', '&']) {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        if rest.starts_with('>') {
            return Err(format!("raw '>' at {:?}", &rest[..rest.len().min(20)]));
        }
        if rest.starts_with('&') {
            let (esc, ch) = [
                ("&amp;", '&'),
                ("&lt;", '<'),
                ("&gt;", '>'),
                ("&quot;", '"'),
                ("&#39;", '\''),
            ]
            .into_iter()
            .find(|(e, _)| rest.starts_with(e))
            .ok_or_else(|| format!("unknown escape at {:?}", &rest[..rest.len().min(12)]))?;
            out.push(ch);
            rest = &rest[esc.len()..];
            continue;
        }
        let end = rest.find('>').ok_or("unclosed tag")?;
        let tag = &rest[..=end];
        if !is_our_tag(tag) {
            return Err(format!("foreign tag {tag:?}"));
        }
        match tag {
            "<br>" => {}
            "<bdi>" => open.push("bdi"),
            "<em>" => open.push("em"),
            t if t.starts_with("<a ") => open.push("a"),
            t => {
                let name = &t[2..t.len() - 1];
                if open.pop() != Some(name) {
                    return Err(format!("misnested {t}"));
                }
            }
        }
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    if !open.is_empty() {
        return Err(format!("unclosed {open:?}"));
    }
    Ok(out)
}

/// Undoes what rendering may change in the text: NUL becomes U+FFFD, and an FSI is inserted
/// before each unmatched PDI (so FSI+PDI pairs are folded to PDI, on both sides).
fn fixups_folded(s: &str) -> String {
    s.replace('\0', "\u{FFFD}")
        .replace("\u{2068}\u{2069}", "\u{2069}")
}

/// Whether `plain`, the text content of a rendering, is `original` up to the fixups.
fn same_modulo_render_fixups(plain: &str, original: &str) -> bool {
    fixups_folded(plain) == fixups_folded(original)
}

/// Entities without their ranges (and values up to the fixups), for texts whose rendering
/// inserted FSIs.
fn kinds_and_values(text: &str, entities: &[Entity]) -> Vec<(EntityKind, String, Option<String>)> {
    entities
        .iter()
        .map(|e| {
            (
                e.kind(),
                fixups_folded(e.value(text)),
                e.list(text).map(fixups_folded),
            )
        })
        .collect()
}

fn hits(len: usize) -> impl Strategy<Value = Vec<Range<usize>>> {
    prop::collection::vec((0..len + 4, 0..len + 4), 0..8)
        .prop_map(|v| v.into_iter().map(|(a, b)| a..b).collect())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn keys_are_idempotent(s in hostile_text()) {
        let k = hashtag_key(&s);
        prop_assert_eq!(hashtag_key(k.as_str()), k.clone());
        let fold = KeyOptions::new().with_fold_accents(true);
        let kf = hashtag_key_with(&s, &fold);
        prop_assert_eq!(hashtag_key_with(kf.as_str(), &fold), kf.clone());
        // An accent-folded key is also a fixed point of the default recipe (so a stored one
        // survives being deserialised, which normalises with the defaults).
        let again = hashtag_key(kf.as_str());
        prop_assert_eq!(again.as_str(), kf.as_str());
        let h = handle_key(&s);
        prop_assert_eq!(handle_key(h.as_str()), h);
    }

    #[test]
    fn key_of_nfd_is_key_of_nfc(s in hostile_text()) {
        let nfc: String = s.nfc().collect();
        let nfd: String = s.nfd().collect();
        prop_assert_eq!(hashtag_key(&nfd), hashtag_key(&nfc));
        prop_assert_eq!(hashtag_key(&nfd), hashtag_key(&s));
        prop_assert_eq!(handle_key(&nfd), handle_key(&nfc));
    }

    #[test]
    fn keys_never_start_with_the_sigil_or_hold_ignorables(s in hostile_text()) {
        let k = hashtag_key(&s);
        prop_assert!(!k.as_str().starts_with('#'));
        let invisible = ['\u{200B}', '\u{200D}', '\u{202E}', '\u{2069}', '\u{FE0F}', '\u{AD}'];
        prop_assert!(!k.as_str().contains(invisible), "{:?}", k);
    }

    #[test]
    fn render_is_well_formed_for_any_text_and_entities((text, entities) in text_and_entities()) {
        for html in [
            render_html(&text, &entities, &PathLinks::new("/tags/", "/people/")),
            render_html(&text, &entities, &NoLinks),
        ] {
            let plain = plain_form(&html).map_err(|e| TestCaseError::fail(format!("{e} in {html:?}")))?;
            prop_assert!(same_modulo_render_fixups(&plain, &text), "plain {:?} vs {:?}", plain, text);
        }
    }

    #[test]
    fn re_extraction_gives_the_same_entities(text in post_text()) {
        for extractor in [Extractor::default(), Extractor::twitter_compatible()] {
            let entities = extractor.extract(&text);
            let html = render_html(&text, &entities, &PathLinks::new("/tags/", "/people/"));
            let plain = plain_form(&html).map_err(|e| TestCaseError::fail(format!("{e} in {html:?}")))?;
            let again = extractor.extract(&plain);
            if plain == text {
                prop_assert_eq!(again, entities);
            } else {
                // Only FSIs before unmatched PDIs were added: ranges moved, entities did not.
                prop_assert!(same_modulo_render_fixups(&plain, &text));
                prop_assert_eq!(kinds_and_values(&plain, &again), kinds_and_values(&text, &entities));
            }
        }
    }

    #[test]
    fn every_extracted_entity_is_rendered(text in post_text()) {
        let entities = Extractor::default().extract(&text);
        let html = render_html(&text, &entities, &NoLinks);
        // One <bdi> per entity at least (plain pieces with bidi controls add more).
        prop_assert!(html.matches("<bdi>").count() >= entities.len());
    }

    #[test]
    fn highlight_html_is_well_formed((text, hits) in hostile_text().prop_flat_map(|t| { let n = t.len(); (Just(t), hits(n)) })) {
        let html = highlight_html(&text, &hits, &HighlightTag::default());
        let plain = plain_form(&html).map_err(|e| TestCaseError::fail(format!("{e} in {html:?}")))?;
        prop_assert!(same_modulo_render_fixups(&plain, &text));
    }

    #[test]
    fn highlight_markup_only_adds_highlight_tags(text in post_text(), hits in hits(60)) {
        let entities = Extractor::default().extract(&text);
        let html = render_html(&text, &entities, &PathLinks::new("/tags/", "/people/"));
        let highlighted = highlight_markup(&html, &hits, &HighlightTag::default());
        prop_assert_eq!(highlighted.replace("<em>", "").replace("</em>", ""), html);
        prop_assert_eq!(highlighted.matches("<em>").count(), highlighted.matches("</em>").count());
    }
}

//! Property tests of extraction: no panic on any input, and structural invariants of the
//! result (ranges on character boundaries, in order, non-overlapping, sigils where they
//! belong, values inside ranges), for both profiles and a few builder variants; plus the
//! agreement of the offset conversions with a naive count.

use proptest::prelude::*;
use watercooler_text::{
    Entity, EntityKind, Extractor, HandleSyntax, OffsetUnit, byte_to_offset, convert_ranges,
    offset_to_byte,
};

/// Pieces that exercise every branch of the scanners when glued together at random.
const FRAGMENTS: &[&str] = &[
    "#",
    "@",
    "$",
    ".",
    ":",
    "/",
    "_",
    "-",
    "+",
    "&",
    "!",
    "'",
    "(",
    ")",
    "?",
    "=",
    "~",
    "＃",
    "＠",
    "\u{301}",
    "\u{200D}",
    "\u{200C}",
    "\u{202E}",
    "\u{2066}",
    "\u{FE0F}",
    "\u{20E3}",
    "\u{FEFF}",
    "\u{3000}",
    " ",
    "\n",
    "\u{A0}",
    "1",
    "42",
    "a",
    "Z",
    "é",
    "ì",
    "ß",
    "İ",
    "ж",
    "中",
    "の",
    "み",
    "한",
    "🙂",
    "👨\u{200D}👩",
    "http://",
    "https://",
    "HTTP://",
    "www.",
    "com",
    "co",
    "jp",
    "t.co/",
    "xn--",
    "みんな",
    "rt",
    "RT",
    "jan.devries",
    "ACME",
    "ab.cd",
    "\u{16F51}",
    "٤",
    "\u{0}",
    "\"",
];

fn fragments() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(FRAGMENTS), 0..48).prop_map(|v| v.concat())
}

fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![any::<String>(), fragments(), "[#@$.:/_a-z0-9 ＃＠-]{0,64}"]
}

fn extractors() -> Vec<Extractor> {
    vec![
        Extractor::default(),
        Extractor::twitter_compatible(),
        Extractor::builder().urls(false).build(),
        Extractor::builder()
            .handle_syntax(HandleSyntax::Twitter)
            .max_handle_len(3)
            .urls_without_scheme(false)
            .lists(false)
            .build(),
    ]
}

fn sigils(kind: EntityKind) -> &'static [&'static str] {
    match kind {
        EntityKind::Hashtag => &["#", "＃"],
        EntityKind::Mention => &["@", "＠"],
        EntityKind::Cashtag => &["$"],
        _ => &[""],
    }
}

/// Checks every structural invariant of one extraction result.
fn check_entities(text: &str, entities: &[Entity]) -> Result<(), TestCaseError> {
    let mut prev_end = 0;
    for e in entities {
        let r = e.range();
        let v = e.value_range();
        prop_assert!(
            r.start < r.end && r.end <= text.len(),
            "{r:?} in {}",
            text.len()
        );
        prop_assert!(
            r.start >= prev_end,
            "ordered, non-overlapping: {r:?} after {prev_end}"
        );
        prev_end = r.end;
        for p in [r.start, r.end, v.start, v.end] {
            prop_assert!(text.is_char_boundary(p), "boundary {p}");
        }
        prop_assert!(r.start <= v.start && v.end <= r.end && v.start < v.end);
        let s = e.as_str(text);
        match e.kind() {
            EntityKind::Url => prop_assert_eq!(&v, &r),
            kind => {
                let sigil = sigils(kind).iter().find(|g| s.starts_with(**g));
                prop_assert!(sigil.is_some(), "{kind:?} {s:?} starts with its sigil");
                prop_assert_eq!(v.start, r.start + sigil.map_or(0, |g| g.len()));
            }
        }
        match e.list_range() {
            Some(l) => {
                prop_assert_eq!(e.kind(), EntityKind::Mention);
                prop_assert!(v.end + 1 == l.start && l.end == r.end && l.start < l.end);
                prop_assert_eq!(text.get(v.end..l.start), Some("/"));
            }
            None if e.kind() != EntityKind::Url => prop_assert_eq!(v.end, r.end),
            None => {}
        }
    }
    Ok(())
}

/// Naive conversions: count characters / UTF-16 units of the prefix.
fn naive(text: &str, byte: usize, unit: OffsetUnit) -> usize {
    let prefix = &text[..byte];
    match unit {
        OffsetUnit::CodePoint => prefix.chars().count(),
        OffsetUnit::Utf16 => prefix.encode_utf16().count(),
        _ => byte,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn extraction_invariants_hold(text in any_text()) {
        for x in extractors() {
            let entities = x.extract(&text);
            check_entities(&text, &entities)?;
            let mut buf = vec![Entity::new(EntityKind::Url, 0..1, 0..1, None)];
            x.extract_into(&text, &mut buf);
            prop_assert_eq!(&buf, &entities);
            for (kind, got) in [
                (EntityKind::Hashtag, x.extract_hashtags(&text)),
                (EntityKind::Mention, x.extract_mentions(&text)),
                (EntityKind::Url, x.extract_urls(&text)),
                (EntityKind::Cashtag, x.extract_cashtags(&text)),
            ] {
                let want: Vec<Entity> =
                    entities.iter().filter(|e| e.kind() == kind).cloned().collect();
                prop_assert_eq!(got, want);
            }
            if let Some(reply) = x.extract_reply(&text) {
                check_entities(&text, std::slice::from_ref(&reply))?;
                prop_assert!(text[..reply.range().start].chars().all(char::is_whitespace));
            }
        }
    }

    #[test]
    fn offsets_agree_with_naive_counts(text in any_text()) {
        let entities = Extractor::default().extract(&text);
        let ranges: Vec<_> = entities.iter().map(Entity::range).collect();
        for unit in [OffsetUnit::Byte, OffsetUnit::CodePoint, OffsetUnit::Utf16] {
            let converted = convert_ranges(&text, &ranges, unit).expect("entity ranges convert");
            for (r, c) in ranges.iter().zip(&converted) {
                prop_assert_eq!(c.start, naive(&text, r.start, unit));
                prop_assert_eq!(c.end, naive(&text, r.end, unit));
                prop_assert_eq!(offset_to_byte(&text, c.start, unit), Ok(r.start));
            }
        }
        // Every character boundary converts and round-trips.
        for (i, _) in text.char_indices().chain([(text.len(), ' ')]) {
            for unit in [OffsetUnit::CodePoint, OffsetUnit::Utf16] {
                let o = byte_to_offset(&text, i, unit);
                prop_assert_eq!(o.clone(), Ok(naive(&text, i, unit)));
                prop_assert_eq!(offset_to_byte(&text, o.unwrap_or(0), unit), Ok(i));
            }
        }
        // A byte offset inside a character is an error, not a panic.
        if let Some((i, c)) = text.char_indices().find(|(_, c)| c.len_utf8() > 1) {
            prop_assert!(byte_to_offset(&text, i + 1, OffsetUnit::Utf16).is_err());
            prop_assert!(convert_ranges(&text, std::slice::from_ref(&(i..i + c.len_utf8() - 1)), OffsetUnit::CodePoint).is_err());
        }
    }
}

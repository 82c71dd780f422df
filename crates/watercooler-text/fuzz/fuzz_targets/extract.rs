//! Fuzz target: both extraction profiles on arbitrary UTF-8, checking the invariants that
//! `tests/extract_props.rs` checks (no panic, ranges on character boundaries, in order and
//! non-overlapping, sigils in place, values inside ranges, `extract` = `extract_into`, and
//! offset conversion agreeing with a naive count).
//!
//! Run with `cargo +nightly fuzz run extract` from `crates/watercooler-text`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use watercooler_text::{convert_ranges, Entity, EntityKind, Extractor, OffsetUnit};

fn check(text: &str, entities: &[Entity]) {
    let mut prev_end = 0;
    for e in entities {
        let (r, v) = (e.range(), e.value_range());
        assert!(r.start < r.end && r.end <= text.len());
        assert!(r.start >= prev_end, "entities overlap or are out of order");
        prev_end = r.end;
        for p in [r.start, r.end, v.start, v.end] {
            assert!(text.is_char_boundary(p));
        }
        assert!(r.start <= v.start && v.end <= r.end && v.start < v.end);
        let s = e.as_str(text);
        let sigil_ok = match e.kind() {
            EntityKind::Hashtag => s.starts_with('#') || s.starts_with('＃'),
            EntityKind::Mention => s.starts_with('@') || s.starts_with('＠'),
            EntityKind::Cashtag => s.starts_with('$'),
            _ => v == r,
        };
        assert!(sigil_ok, "{:?} {s:?}", e.kind());
        if let Some(l) = e.list_range() {
            assert!(v.end + 1 == l.start && l.end == r.end);
        }
    }
    let ranges: Vec<_> = entities.iter().map(Entity::range).collect();
    let cps = convert_ranges(text, &ranges, OffsetUnit::CodePoint).expect("ranges convert");
    let units = convert_ranges(text, &ranges, OffsetUnit::Utf16).expect("ranges convert");
    for ((r, c), u) in ranges.iter().zip(cps).zip(units) {
        assert_eq!(c.start, text[..r.start].chars().count());
        assert_eq!(u.end, text[..r.end].encode_utf16().count());
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    for x in [Extractor::default(), Extractor::twitter_compatible()] {
        let entities = x.extract(text);
        check(text, &entities);
        let mut buf = Vec::new();
        x.extract_into(text, &mut buf);
        assert_eq!(buf, entities);
        if let Some(reply) = x.extract_reply(text) {
            check(text, std::slice::from_ref(&reply));
        }
    }
});

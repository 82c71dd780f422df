//! Validation and limits, with the parser-breaking inputs of the background notes.
//! Entities are built by hand so these tests do not depend on the extractor.

use watercooler_text::{Entity, EntityKind, Limits, MAX_KEY_BYTES, TextError};

fn hashtag_at(text: &str, start: usize) -> Entity {
    let end = text[start..].find(' ').map_or(text.len(), |i| start + i);
    Entity::new(EntityKind::Hashtag, start..end, start + 1..end, None)
}

fn entity(kind: EntityKind, text: &str, needle: &str) -> Entity {
    let start = text.find(needle).expect("needle in text");
    let end = start + needle.len();
    let value_start = if kind == EntityKind::Url {
        start
    } else {
        start + 1
    };
    Entity::new(kind, start..end, value_start..end, None)
}

#[test]
fn ordinary_posts_pass() {
    let limits = Limits::default();
    let text = "Goedemorgen @anna! Koffie om 10:00? #koffie #Café https://intranet.example.nl/agenda\n👩\u{200D}💻";
    let entities = [
        entity(EntityKind::Mention, text, "@anna"),
        entity(EntityKind::Hashtag, text, "#koffie"),
        entity(EntityKind::Hashtag, text, "#Café"),
        entity(EntityKind::Url, text, "https://intranet.example.nl/agenda"),
    ];
    assert_eq!(limits.check(text, &entities), Ok(()));
    assert_eq!(limits.check("Tab\tand CRLF\r\nare fine", &[]), Ok(()));
}

#[test]
fn defaults_are_documented_values() {
    let l = Limits::default();
    assert_eq!(
        (l.max_graphemes, l.max_bytes, l.max_normalized_bytes),
        (5_000, 32_768, 65_536)
    );
    assert_eq!(
        (l.max_hashtags, l.max_mentions, l.max_urls, l.max_cashtags),
        (30, 50, 20, 20)
    );
    assert_eq!(
        (
            l.max_hashtag_graphemes,
            l.max_handle_graphemes,
            l.max_url_graphemes,
            l.max_cashtag_graphemes
        ),
        (100, 64, 2_000, 16)
    );
}

#[test]
fn empty_and_blank_text() {
    let limits = Limits::default();
    for text in [
        "",
        "   ",
        "\n\n\t",
        "\u{200B}\u{200B}",
        "\u{3164}",
        "\u{2800}\u{2800}",
        "\u{FE0F}",
    ] {
        assert_eq!(limits.check(text, &[]), Err(TextError::Empty), "{text:?}");
    }
}

#[test]
fn nul_and_other_controls() {
    let limits = Limits::default();
    assert_eq!(
        limits.check("a\0b", &[]),
        Err(TextError::ControlCharacter { at: 1, ch: '\0' })
    );
    assert_eq!(
        limits.check("ok\u{1B}[2J", &[]),
        Err(TextError::ControlCharacter {
            at: 2,
            ch: '\u{1B}'
        })
    );
    assert_eq!(
        limits.check("é\u{85}", &[]),
        Err(TextError::ControlCharacter {
            at: 2,
            ch: '\u{85}'
        })
    );
    assert_eq!(
        limits.check("x\u{7F}", &[]),
        Err(TextError::ControlCharacter {
            at: 1,
            ch: '\u{7F}'
        })
    );
    assert_eq!(
        limits.check("line\rover", &[]),
        Err(TextError::ControlCharacter { at: 4, ch: '\r' })
    );
    // NUL alone is a control character, not an empty text.
    assert_eq!(
        limits.check("\0", &[]),
        Err(TextError::ControlCharacter { at: 0, ch: '\0' })
    );
    // Format characters are allowed: bidi controls, ZWJ, LRM.
    assert_eq!(limits.check("\u{202E}abc\u{202C} \u{200F}x", &[]), Ok(()));
}

#[test]
fn too_long_in_graphemes() {
    let limits = Limits::default();
    let ok = "a".repeat(5_000);
    assert_eq!(limits.check(&ok, &[]), Ok(()));
    let long = "a".repeat(5_001);
    assert_eq!(
        limits.check(&long, &[]),
        Err(TextError::TooLong {
            graphemes: 5_001,
            max: 5_000
        })
    );
    // Graphemes, not code points: 5,000 woman-technologist emoji are 15,000 code points.
    let emoji = "👩\u{200D}💻".repeat(1_000);
    assert_eq!(limits.check(&emoji, &[]), Ok(()));
}

#[test]
fn ten_thousand_combining_marks_are_one_grapheme_but_many_bytes() {
    let mut limits = Limits::default();
    let text = format!("e{}", "\u{301}".repeat(10_000));
    // 20,001 bytes: within 32 KiB and one grapheme. Its NFKC is about the same size.
    assert_eq!(limits.check(&text, &[]), Ok(()));
    let text = format!("e{}", "\u{301}".repeat(20_000));
    assert_eq!(
        limits.check(&text, &[]),
        Err(TextError::TooManyBytes {
            bytes: 40_001,
            max: 32_768
        })
    );
    limits.max_bytes = 1_000_000;
    limits.max_normalized_bytes = 1_000_000;
    assert_eq!(limits.check(&text, &[]), Ok(()));
}

#[test]
fn u_fdfa_is_checked_after_normalising() {
    let limits = Limits::default();
    // 3,000 × U+FDFA: 9,000 bytes and 3,000 graphemes, but 99,000 bytes of NFKC.
    let text = "\u{FDFA}".repeat(3_000);
    match limits.check(&text, &[]) {
        Err(TextError::ExpandsTooMuch { at, max: 65_536 }) => {
            // 65,536 / 33 = 1,985.9: the limit is passed inside the 1,986th character (at
            // byte 5,955); the normaliser may already have read the next one.
            assert!((1_985 * 3..=1_986 * 3).contains(&at), "at {at}");
        }
        other => panic!("expected ExpandsTooMuch, got {other:?}"),
    }
    assert_eq!(limits.check(&"\u{FDFA}".repeat(1_985), &[]), Ok(()));
}

#[test]
fn huge_input_is_refused_before_scanning() {
    let limits = Limits::default();
    let text = format!("#{}", "a".repeat(100_000));
    assert_eq!(
        limits.check(&text, &[hashtag_at(&text, 0)]),
        Err(TextError::TooManyBytes {
            bytes: 100_001,
            max: 32_768
        })
    );
}

#[test]
fn entity_counts() {
    let limits = Limits::default();
    let tags: Vec<String> = (0..31).map(|i| format!("#t{i}")).collect();
    let text = tags.join(" ");
    let entities: Vec<Entity> = text
        .match_indices('#')
        .map(|(i, _)| hashtag_at(&text, i))
        .collect();
    assert_eq!(
        limits.check(&text, &entities),
        Err(TextError::TooManyEntities {
            kind: EntityKind::Hashtag,
            count: 31,
            max: 30
        })
    );
    assert_eq!(limits.check(&text, &entities[..30]), Ok(()));

    let mut few = Limits::default();
    few.max_urls = 1;
    let text = "a.nl b.nl";
    let urls = [
        entity(EntityKind::Url, text, "a.nl"),
        entity(EntityKind::Url, text, "b.nl"),
    ];
    assert_eq!(
        few.check(text, &urls),
        Err(TextError::TooManyEntities {
            kind: EntityKind::Url,
            count: 2,
            max: 1
        })
    );
}

#[test]
fn one_entity_too_long() {
    let limits = Limits::default();
    let text = format!("kijk #{} hier", "x".repeat(101));
    let tag = hashtag_at(&text, 5);
    assert_eq!(
        limits.check(&text, &[tag]),
        Err(TextError::EntityTooLong {
            kind: EntityKind::Hashtag,
            at: 5,
            len: 101,
            max: 100
        })
    );
    let text = format!("@{} hoi", "a".repeat(65));
    let mention = Entity::new(EntityKind::Mention, 0..66, 1..66, None);
    assert_eq!(
        limits.check(&text, &[mention]),
        Err(TextError::EntityTooLong {
            kind: EntityKind::Mention,
            at: 0,
            len: 65,
            max: 64
        })
    );
    // The list slug of @user/list is held to the handle limit too.
    let text = format!("@anna/{}", "l".repeat(65));
    let list = Entity::new(
        EntityKind::Mention,
        0..text.len(),
        1..5,
        Some(6..text.len()),
    );
    assert_eq!(
        limits.check(&text, &[list]),
        Err(TextError::EntityTooLong {
            kind: EntityKind::Mention,
            at: 0,
            len: 65,
            max: 64
        })
    );
}

#[test]
fn hashtag_of_few_graphemes_with_a_huge_key() {
    // Three graphemes, each with 200 combining marks: 1,200 bytes of key, over MAX_KEY_BYTES.
    let text = format!("#{}", format!("a{}", "\u{301}".repeat(200)).repeat(3));
    let tag = hashtag_at(&text, 0);
    assert_eq!(
        Limits::default().check(&text, &[tag]),
        Err(TextError::KeyTooLong {
            kind: EntityKind::Hashtag,
            at: 0,
            max: MAX_KEY_BYTES
        })
    );
}

#[test]
#[allow(clippy::reversed_empty_ranges)] // a reversed list range is the point
fn bogus_entities_do_not_panic() {
    let limits = Limits::default();
    let text = "héllo #x";
    let bogus = [
        Entity::new(EntityKind::Hashtag, 100..200, 101..200, None),
        Entity::new(EntityKind::Hashtag, 1..2, 2..2, None), // not on a char boundary
        Entity::new(EntityKind::Mention, 0..8, 1..8, None),
        Entity::new(EntityKind::Mention, 0..8, 1..8, None), // overlaps: counted, not measured
        Entity::new(EntityKind::Url, 7..9, 7..9, Some(3..2)),
    ];
    assert_eq!(limits.check(text, &bogus), Ok(()));
}

#[test]
fn errors_say_what_and_where() {
    let e = TextError::ControlCharacter { at: 3, ch: '\0' };
    assert_eq!(e.to_string(), "control character U+0000 at byte 3");
    let e = TextError::EntityTooLong {
        kind: EntityKind::Hashtag,
        at: 5,
        len: 101,
        max: 100,
    };
    assert_eq!(
        e.to_string(),
        "Hashtag at byte 5 is 101 characters long, more than the 100 allowed"
    );
    let e = TextError::ExpandsTooMuch { at: 9, max: 10 };
    assert_eq!(
        e.to_string(),
        "the normalised text would exceed 10 bytes (at byte 9)"
    );
}

/// Only built with `--features serde`.
#[cfg(feature = "serde")]
#[test]
fn limits_deserialise_with_defaults_for_missing_fields() {
    let limits: Limits = serde_json::from_str(r#"{"max_graphemes": 280}"#).unwrap();
    let mut expected = Limits::default();
    expected.max_graphemes = 280;
    assert_eq!(limits, expected);
}

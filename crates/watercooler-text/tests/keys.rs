//! Normalised keys: one key for every way of typing the same tag, and the inputs that break
//! parsers (background notes, "Text").

use std::collections::HashMap;

use watercooler_text::{
    EntityKind, KEY_VERSION, KeyOptions, MAX_KEY_BYTES, TagKey, TextError, handle_key,
    handle_key_with, hashtag_key, hashtag_key_with, try_handle_key, try_hashtag_key,
};

fn key(s: &str) -> String {
    hashtag_key(s).into_string()
}

#[test]
fn cafe_every_way() {
    let expected = "café";
    for typed in [
        "#Café",
        "#CAFÉ",
        "#Cafe\u{301}",
        "#CAFE\u{301}",
        "Café",
        "＃Ｃａｆé",
        "#Ca\u{200B}fé",
        "#Caf\u{AD}é",
        "#\u{202E}Café\u{202C}",
        "#Café\u{FE0F}",
        "\u{200B}#café",
    ] {
        assert_eq!(key(typed), expected, "{typed:?}");
    }
}

#[test]
fn full_case_folding_not_lowercasing() {
    assert_eq!(key("#straße"), "strasse");
    assert_eq!(key("#STRASSE"), "strasse");
    assert_eq!(key("#STRAẞE"), "strasse");
    assert_eq!(key("#ΟΔΟΣ"), "οδοσ");
    assert_eq!(key("#οδος"), "οδοσ");
    assert_eq!(key("#οδοσ"), "οδοσ");
    // Rust's to_lowercase would keep ß and give final ς: the key must not.
    assert_ne!(key("#straße"), "straße".to_lowercase());
}

#[test]
fn turkish_dotted_and_dotless_i() {
    // Default (non-Turkic) folding: İ is i + combining dot; ı stays ı. Neither equals plain i.
    assert_eq!(key("#İstanbul"), "i\u{307}stanbul");
    assert_eq!(key("#İSTANBUL"), key("#i\u{307}stanbul"));
    assert_ne!(key("#İstanbul"), key("#istanbul"));
    assert_eq!(key("#ılık"), "ılık");
    assert_ne!(key("#ılık"), key("#ilik"));
    // Accent folding merges İstanbul and Istanbul (the dot is a diacritic on a Latin letter).
    let fold = KeyOptions::new().with_fold_accents(true);
    assert_eq!(
        hashtag_key_with("#İstanbul", &fold),
        hashtag_key_with("#Istanbul", &fold)
    );
}

#[test]
fn cherokee_folds_to_uppercase() {
    // Unicode folds Cherokee lowercase to uppercase (for stability); both typings meet.
    assert_eq!(key("#ᏣᎳᎩ"), key("#ꮳꮃꭹ"));
    assert_eq!(key("#ꮳꮃꭹ"), "ᏣᎳᎩ");
}

#[test]
fn full_width_and_compatibility_forms() {
    assert_eq!(key("＃ｗｅｒｋ"), "werk");
    assert_eq!(key("#ﬁets"), "fiets");
    assert_eq!(key("#Ⅻ"), "xii");
    assert_eq!(key("#㎒"), "mhz");
}

#[test]
fn u_fdfa_expands() {
    let k = key("#\u{FDFA}");
    assert_eq!(k, "صلى الله عليه وسلم");
    assert_eq!(k.len(), 33);
}

#[test]
fn no_accent_folding_by_default() {
    assert_ne!(key("#Zähler"), key("#Zahler"));
    let fold = KeyOptions::new().with_fold_accents(true);
    assert_eq!(hashtag_key_with("#Zähler", &fold), "zahler");
    assert_eq!(
        hashtag_key_with("#Zähler", &fold),
        hashtag_key_with("#ZAHLER", &fold)
    );
    assert_eq!(hashtag_key_with("#Ærøskøbing", &fold), "aeroskobing");
    // Only Latin: Cyrillic й keeps its breve.
    assert_eq!(hashtag_key_with("#Йога", &fold), "йога");
    assert_eq!(handle_key_with("@José", &fold), "jose");
}

#[test]
fn confusable_cyrillic_handles_stay_distinct() {
    // "раураl": Cyrillic р а у р а, Latin l.
    let spoof = "@\u{440}\u{430}\u{443}\u{440}\u{430}l";
    assert_ne!(handle_key(spoof), handle_key("@paypal"));
    assert_ne!(handle_key(spoof), handle_key("@PAYPAL"));
    let fold = KeyOptions::new().with_fold_accents(true);
    assert_ne!(
        handle_key_with(spoof, &fold),
        handle_key_with("@paypal", &fold)
    );
}

#[test]
fn sigils_are_excluded() {
    assert_eq!(key("#tag"), key("tag"));
    assert_eq!(key("##tag"), "tag");
    assert_eq!(key("#"), "");
    assert!(hashtag_key("#").is_empty());
    assert_eq!(handle_key("@Anna_B").as_str(), "anna_b");
    assert_eq!(handle_key("＠Anna"), handle_key("anna"));
    // The other sigil is content, not stripped.
    assert_eq!(handle_key("#anna").as_str(), "#anna");
    assert_eq!(key("@anna"), "@anna");
}

#[test]
fn zero_width_space_inside_a_tag() {
    assert_eq!(key("#team\u{200B}uitje"), key("#teamuitje"));
    assert_eq!(key("#team\u{2060}uitje"), "teamuitje");
}

#[test]
fn five_hundred_variation_selectors() {
    let tag = format!(
        "#koffie{}",
        "\u{FE0F}".repeat(250) + &"\u{E0100}".repeat(250)
    );
    assert_eq!(key(&tag), "koffie");
}

#[test]
fn emoji_zwj_sequences_lose_their_joiners() {
    // Documented: keys drop ZWJ and emoji variation selectors; the display keeps them.
    let woman_technologist = "#👩\u{200D}💻";
    assert_eq!(key(woman_technologist), "👩💻");
    let rainbow_flag = "#🏳\u{FE0F}\u{200D}🌈";
    assert_eq!(key(rainbow_flag), "🏳🌈");
    // Tag characters (subdivision flags) go as well.
    let scotland = "#🏴\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F}";
    assert_eq!(key(scotland), "🏴");
}

#[test]
fn bidi_controls_are_removed() {
    for c in [
        '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}', '\u{202E}', '\u{2066}', '\u{2067}',
        '\u{2068}', '\u{2069}', '\u{200E}', '\u{200F}',
    ] {
        assert_eq!(key(&format!("#a{c}b")), "ab", "U+{:04X}", u32::from(c));
    }
}

#[test]
fn ten_thousand_combining_marks() {
    let tag = format!("#e{}", "\u{301}".repeat(10_000));
    let k = hashtag_key(&tag);
    // NFKC composes the first mark; the rest stay.
    assert!(k.as_str().starts_with('é'));
    assert_eq!(k.as_str().chars().count(), 10_000);
    assert_eq!(hashtag_key(k.as_str()), k);
    assert!(matches!(
        try_hashtag_key(&tag),
        Err(TextError::KeyTooLong { .. })
    ));
}

#[test]
fn hundred_thousand_character_tags() {
    let ascii = format!("#{}", "a".repeat(100_000));
    assert_eq!(hashtag_key(&ascii).len(), 100_000);
    assert_eq!(
        try_hashtag_key(&ascii),
        Err(TextError::KeyTooLong {
            kind: EntityKind::Hashtag,
            at: 0,
            max: MAX_KEY_BYTES
        })
    );
    let greek = format!("#{}", "Σ".repeat(100_000));
    assert_eq!(hashtag_key(&greek).as_str().chars().count(), 100_000);
    assert!(try_hashtag_key(&greek).is_err());
    assert!(try_handle_key(&format!("@{}", "ß".repeat(600))).is_err());
}

#[test]
fn try_key_accepts_up_to_the_limit() {
    let at_limit = format!("#{}", "a".repeat(MAX_KEY_BYTES));
    assert_eq!(
        try_hashtag_key(&at_limit).map(|k| k.len()),
        Ok(MAX_KEY_BYTES)
    );
    // ß folds to two bytes "ss": 512 ß fit, 513 do not.
    assert!(try_hashtag_key(&"ẞ".repeat(MAX_KEY_BYTES / 2)).is_ok());
    assert!(try_hashtag_key(&"ẞ".repeat(MAX_KEY_BYTES / 2 + 1)).is_err());
    assert_eq!(
        try_handle_key("@Anna").map(String::from),
        Ok("anna".to_owned())
    );
}

#[test]
fn nul_and_controls_do_not_break_keys() {
    assert_eq!(key("#a\0b"), "a\0b");
    assert_eq!(key("#A\u{85}"), "a\u{85}");
}

#[test]
fn keys_are_idempotent() {
    for s in [
        "#Café",
        "#STRAẞE",
        "#ΟΔΟΣ",
        "#İstanbul",
        "#ǰ",
        "#ΐ",
        "#ᾳ",
        "#\u{FDFA}",
        "#👩\u{200D}💻",
        "#ㄱ\u{3164}ㅏ",
        "#a\u{34F}\u{301}",
        "#Ꭰꭰ",
        "#\u{A7CE}",
    ] {
        let k = hashtag_key(s);
        assert_eq!(hashtag_key(k.as_str()), k, "{s:?}");
        let fold = KeyOptions::new().with_fold_accents(true);
        let k = hashtag_key_with(s, &fold);
        assert_eq!(hashtag_key_with(k.as_str(), &fold), k, "{s:?} folded");
    }
}

#[test]
fn key_type_traits() {
    let k: TagKey = hashtag_key("#Koffie");
    assert_eq!(k.to_string(), "koffie");
    assert_eq!(format!("{k}"), "koffie");
    assert_eq!(k.as_ref(), "koffie");
    assert_eq!(k, "koffie");
    assert!(hashtag_key("#a") < hashtag_key("#b"));
    let mut counts: HashMap<TagKey, u32> = HashMap::new();
    for typed in ["#Koffie", "#KOFFIE", "koffie"] {
        *counts.entry(hashtag_key(typed)).or_default() += 1;
    }
    // Borrow<str> lets a map of keys be queried with a &str.
    assert_eq!(counts.get("koffie"), Some(&3));
    assert_eq!(KEY_VERSION, 1);
}

#[test]
fn nfc_and_nfd_posts_from_the_corpus_shape() {
    // The corpus holds #café, #Café, #CAFÉ and #Cafe + U+0301; they are one tag.
    let keys: std::collections::BTreeSet<String> = ["#café", "#Café", "#CAFÉ", "#Cafe\u{301}"]
        .iter()
        .map(|t| key(t))
        .collect();
    assert_eq!(keys.len(), 1);
}

/// Only built with `--features serde`.
#[cfg(feature = "serde")]
#[test]
fn serde_round_trips_and_normalises() {
    use watercooler_text::HandleKey;
    let k = hashtag_key("#Café");
    let json = serde_json::to_string(&k).unwrap();
    assert_eq!(json, "\"café\"");
    assert_eq!(serde_json::from_str::<TagKey>(&json).unwrap(), k);
    // A string that is not a key is normalised on the way in.
    assert_eq!(
        serde_json::from_str::<TagKey>("\"#CAFE\\u0301\"").unwrap(),
        k
    );
    // Accent-folded keys are fixed points of the default recipe, so they survive too.
    let folded = hashtag_key_with("#Zähler", &KeyOptions::new().with_fold_accents(true));
    let json = serde_json::to_string(&folded).unwrap();
    assert_eq!(serde_json::from_str::<TagKey>(&json).unwrap(), folded);
    let h: HandleKey = serde_json::from_str("\"@Anna\"").unwrap();
    assert_eq!(h, "anna");
}

//! Tests of the intranet profile's differences from twitter-text, of the builder's knobs and
//! of pathological inputs (results only: speed is measured by `benches/text_extract.rs`).

use super::*;

fn strs<'t>(text: &'t str, entities: &[Entity]) -> Vec<&'t str> {
    entities.iter().map(|e| e.as_str(text)).collect()
}

fn mentions(x: &Extractor, text: &str) -> Vec<String> {
    x.extract_mentions(text)
        .iter()
        .map(|e| e.value(text).to_owned())
        .collect()
}

fn intranet() -> Extractor {
    Extractor::default()
}

fn twitter() -> Extractor {
    Extractor::twitter_compatible()
}

// ---- One test per row of the profile table in the module docs. ----

#[test]
fn intranet_handles_take_dots_dashes_and_letters() {
    let t = "cc @jan.devries @anne-marie @zoë_2 @Ζωή";
    assert_eq!(
        mentions(&intranet(), t),
        ["jan.devries", "anne-marie", "zoë_2", "Ζωή"]
    );
    // twitter-text: ASCII only; `@zoë` is dropped because an accented letter follows `zo`.
    assert_eq!(mentions(&twitter(), t), ["jan", "anne"]);
}

#[test]
fn trailing_separators_end_an_intranet_handle() {
    assert_eq!(
        mentions(&intranet(), "Dank je @jan.devries."),
        ["jan.devries"]
    );
    assert_eq!(
        mentions(&intranet(), "@jan- en @piet.-x @a..b"),
        ["jan", "piet", "a"]
    );
    assert_eq!(mentions(&twitter(), "Dank je @jan.devries."), ["jan"]);
}

#[test]
fn long_handles_are_cut_by_twitter_and_ignored_by_intranet() {
    let long = format!("@{}", "a".repeat(25));
    assert_eq!(mentions(&twitter(), &long), ["a".repeat(20)]);
    assert!(mentions(&intranet(), &long).len() == 1, "25 < 64");
    let at_64 = format!("@{} hi", "é".repeat(64));
    assert_eq!(mentions(&intranet(), &at_64), ["é".repeat(64)]);
    let at_65 = format!("@{} hi", "é".repeat(65));
    assert!(mentions(&intranet(), &at_65).is_empty());
}

#[test]
fn email_addresses_are_never_intranet_mentions() {
    for t in [
        "jan@example.com",
        "josé@example.com",
        "jan.devries@example.com",
        "a+b@x.org",
    ] {
        assert!(mentions(&intranet(), t).is_empty(), "{t}");
    }
    // twitter-text only looks at ASCII before the at sign.
    assert_eq!(mentions(&twitter(), "josé@example.com"), ["example"]);
    assert!(mentions(&twitter(), "jan@example.com").is_empty());
}

#[test]
fn cjk_text_may_touch_a_handle() {
    for x in [intranet(), twitter()] {
        assert_eq!(mentions(&x, "の@usernameに到着"), ["username"]);
        assert_eq!(mentions(&x, "@janさん、ありがとう"), ["jan"]);
    }
}

#[test]
fn rt_prefix_is_twitter_only() {
    assert_eq!(mentions(&twitter(), "RT@jan"), ["jan"]);
    assert!(mentions(&intranet(), "RT@jan").is_empty());
    assert_eq!(mentions(&intranet(), "RT @jan"), ["jan"]);
}

#[test]
fn accented_letter_after_a_handle() {
    assert!(mentions(&twitter(), "@aliceìnheiro hi").is_empty());
    assert_eq!(mentions(&intranet(), "@aliceìnheiro hi"), ["aliceìnheiro"]);
}

#[test]
fn handle_followed_by_at_or_scheme_is_dropped_in_both() {
    for x in [intranet(), twitter()] {
        assert!(mentions(&x, "@jan@example.com").is_empty());
        assert!(mentions(&x, "@http://example.com").is_empty());
    }
}

#[test]
fn long_list_slugs() {
    let t = format!("@jan/{} x", "l".repeat(30));
    let tw = twitter().extract_mentions(&t);
    assert_eq!(tw[0].list(&t), Some("l".repeat(25).as_str()));
    let intra = intranet().extract_mentions(&t);
    assert_eq!((intra[0].value(&t), intra[0].list(&t)), ("jan", None));
    let ok = "@jan.devries/team-a!";
    let e = &intranet().extract_mentions(ok)[0];
    assert_eq!(
        (e.as_str(ok), e.value(ok), e.list(ok)),
        ("@jan.devries/team-a", "jan.devries", Some("team-a"))
    );
}

#[test]
fn replies_follow_the_handle_syntax() {
    let t = "  @jan.devries: klopt";
    assert_eq!(
        intranet().extract_reply(t).map(|e| e.value(t).to_owned()),
        Some("jan.devries".into())
    );
    assert_eq!(
        twitter().extract_reply(t).map(|e| e.as_str(t).to_owned()),
        Some("@jan".into())
    );
    assert!(intranet().extract_reply("hi @jan").is_none());
    assert!(intranet().extract_reply("@jan@example.com").is_none());
}

#[test]
fn other_kinds_match_twitter_text_in_both_profiles() {
    let t = "#café $ACME https://example.com/a?b=c x.co.uk #http://x @jan";
    let a = intranet().extract(t);
    let b = twitter().extract(t);
    let kinds = |v: &[Entity]| -> Vec<(EntityKind, std::ops::Range<usize>)> {
        v.iter()
            .filter(|e| e.kind() != EntityKind::Mention)
            .map(|e| (e.kind(), e.range()))
            .collect()
    };
    assert_eq!(kinds(&a), kinds(&b));
    assert_eq!(
        strs(t, &a),
        [
            "#café",
            "$ACME",
            "https://example.com/a?b=c",
            "x.co.uk",
            "@jan"
        ]
    );
}

// ---- Builder knobs. ----

#[test]
fn builder_kinds_can_be_switched_off() {
    let t = "#tag @jan $ACME https://example.com/#top example.org";
    let x = Extractor::builder().urls(false).cashtags(false).build();
    // Without URL detection the fragment is a hashtag again.
    assert_eq!(strs(t, &x.extract(t)), ["#tag", "@jan", "#top"]);
    let x = Extractor::builder().hashtags(false).mentions(false).build();
    assert_eq!(
        strs(t, &x.extract(t)),
        ["$ACME", "https://example.com/#top", "example.org"]
    );
    let x = Extractor::builder().urls_without_scheme(false).build();
    assert_eq!(strs(t, &x.extract_urls(t)), ["https://example.com/#top"]);
    let x = Extractor::builder().lists(false).build();
    let l = "@jan/team";
    assert_eq!(x.extract(l)[0].list_range(), None);
    assert_eq!(x.extract(l)[0].as_str(l), "@jan");
}

#[test]
fn builder_handle_syntax_and_length() {
    let x = Extractor::builder()
        .handle_syntax(HandleSyntax::Twitter)
        .build();
    assert_eq!(x, Extractor::twitter_compatible());
    let x = Extractor::builder().max_handle_len(3).build();
    assert_eq!(mentions(&x, "@abc @abcd"), ["abc"]);
    let x = Extractor::builder()
        .max_handle_len(3)
        .handle_syntax(HandleSyntax::Twitter)
        .build();
    assert_eq!(mentions(&x, "@abcd"), ["abc"]);
    let x = Extractor::builder().max_handle_len(0).build();
    assert_eq!(mentions(&x, "@a @ab"), ["a"]);
}

#[test]
fn extract_into_reuses_and_clears_the_buffer() {
    let x = intranet();
    let mut buf = Vec::with_capacity(16);
    x.extract_into("#a #b #c", &mut buf);
    assert_eq!(buf.len(), 3);
    let cap = buf.capacity();
    x.extract_into("#d", &mut buf);
    assert_eq!(buf.len(), 1);
    assert_eq!(buf.capacity(), cap);
}

#[test]
fn entities_hidden_inside_urls() {
    let t = "see http://example.com/@jan/#tag and $X";
    assert_eq!(
        strs(t, &twitter().extract(t)),
        ["http://example.com/@jan/#tag", "$X"]
    );
}

// ---- Pathological inputs: correct results (the benchmark measures their speed). ----

const BIG: usize = 100_000;

#[test]
fn pathological_a_dot() {
    let t = "a.".repeat(BIG / 2);
    for x in [intranet(), twitter()] {
        assert!(x.extract(&t).is_empty());
    }
}

#[test]
fn pathological_sigils() {
    for sigil in ["@", "#", "$", "＠", "＃", ".", ":", "/"] {
        let t = sigil.repeat(BIG / sigil.len());
        for x in [intranet(), twitter()] {
            assert!(x.extract(&t).is_empty(), "{sigil}");
        }
    }
}

#[test]
fn pathological_www() {
    let t = "www.".repeat(BIG / 4);
    assert!(intranet().extract(&t).is_empty());
    // With a TLD at the end it is one domain, too long for a URL (4096 limit).
    let t = format!("{t}com");
    assert!(twitter().extract(&t).is_empty());
    let t = format!("{}com", "www.".repeat(100));
    assert_eq!(twitter().extract_urls(&t).len(), 1);
}

#[test]
fn pathological_url_tails() {
    let dashes = "-".repeat(BIG);
    // Attached dashes belong to the path, which makes the URL longer than 4096: no URL.
    let t = format!("https://example.com/{dashes}");
    assert!(twitter().extract_urls(&t).is_empty());
    let t = format!("https://example.com {dashes}");
    assert_eq!(
        strs(&t, &twitter().extract_urls(&t)),
        ["https://example.com"]
    );
    let t = format!("https://example.com/path{}", ".".repeat(BIG));
    assert_eq!(
        strs(&t, &twitter().extract_urls(&t)),
        ["https://example.com/path"]
    );
    let t = format!("https://example.com/({}", "a".repeat(BIG));
    assert_eq!(
        strs(&t, &twitter().extract_urls(&t)),
        ["https://example.com/"]
    );
}

#[test]
fn pathological_long_tags_and_words() {
    let underscores = "_".repeat(BIG);
    assert!(intranet().extract(&format!("#{underscores}")).is_empty());
    let t = format!("#a{underscores}");
    assert_eq!(intranet().extract_hashtags(&t)[0].range(), 0..t.len());
    let word = "a".repeat(BIG);
    assert!(intranet().extract(&word).is_empty());
    let t = format!("#{word}");
    assert_eq!(twitter().extract(&t)[0].range(), 0..t.len());
    let t = format!("@{word}");
    assert_eq!(mentions(&twitter(), &t), ["a".repeat(20)]);
    assert!(mentions(&intranet(), &t).is_empty());
}

#[test]
fn pathological_combining_marks() {
    let marks = "\u{301}".repeat(10_000);
    let t = format!("#a{marks} x");
    assert_eq!(
        intranet().extract_hashtags(&t)[0].as_str(&t),
        format!("#a{marks}")
    );
    // A mark right after `@a` is an accented Latin letter for twitter-text: dropped.
    let t = format!("@a{marks}");
    assert!(mentions(&twitter(), &t).is_empty());
    assert!(
        mentions(&intranet(), &t).is_empty(),
        "10001 characters > 64"
    );
    assert!(intranet().extract(&marks).is_empty());
}

#[test]
fn pathological_repeated_domain_chains_stay_linear_and_correct() {
    // `a.com_b.com_b.com_…`: every `b` starts a regex match `b.com` (rejected, as in
    // twitter-text, because `_` precedes it), and a naive emulation re-walks the whole chain
    // of labels from every one of those starts.
    let t = format!("a{}", ".com_b".repeat(BIG / 6));
    assert_eq!(strs(&t, &twitter().extract_urls(&t)), ["a.com"]);
    // With a scheme, each `http://b.com` is a URL.
    let t = format!("a{}", ".com_http://b".repeat(BIG / 13));
    let urls = twitter().extract_urls(&t);
    assert_eq!(urls.len(), BIG / 13);
    assert_eq!(strs(&t, &urls[..2]), ["a.com", "http://b.com"]);
    // Unicode TLDs followed by letters: `x.みんなx.みんなx.…`.
    let t = "x.みんな".repeat(BIG / 12);
    assert_eq!(
        twitter().extract_urls(&t).len(),
        0,
        "scheme-less URLs need an ASCII domain"
    );
    let t = format!("http://{}", "x.みんな".repeat(3));
    assert_eq!(
        strs(&t, &twitter().extract_urls(&t)),
        ["http://x.みんなx.みんなx.みんな"]
    );
}

#[test]
fn pathological_mixed_noise() {
    let unit = "#@$.:/_-＃＠\u{200D}\u{202E}\u{301}1a ";
    let t = unit.repeat(BIG / unit.len());
    for x in [intranet(), twitter()] {
        let v = x.extract(&t);
        assert!(v.windows(2).all(|w| w[0].range().end <= w[1].range().start));
    }
}

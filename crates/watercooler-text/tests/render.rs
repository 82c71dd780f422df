//! Safe HTML rendering. Entities are built by hand so these tests do not depend on the
//! extractor (tests/render_props.rs checks rendering against it).

use watercooler_text::{
    Entity, EntityKind, HandleKey, LinkBuilder, NoLinks, PathLinks, TagKey, render_html,
    render_html_into,
};

fn links() -> PathLinks {
    PathLinks::new("/tags/", "/people/")
}

/// The entity of `kind` covering the first occurrence of `needle` (sigil included, except for
/// URLs).
fn at(kind: EntityKind, text: &str, needle: &str) -> Entity {
    let start = text.find(needle).expect("needle in text");
    let end = start + needle.len();
    let value_start = if kind == EntityKind::Url {
        start
    } else {
        start + needle.chars().next().unwrap().len_utf8()
    };
    Entity::new(kind, start..end, value_start..end, None)
}

#[test]
fn plain_text_is_escaped() {
    let html = render_html(r#"<script>alert("x") & 'y'</script>"#, &[], &links());
    assert_eq!(
        html,
        "&lt;script&gt;alert(&quot;x&quot;) &amp; &#39;y&#39;&lt;/script&gt;"
    );
}

#[test]
fn hashtags_mentions_urls_and_cashtags() {
    let text = "Hoi @Anna, zie #Café en intranet.example.nl/x?a=1&b=2 voor $ACME";
    let entities = [
        at(EntityKind::Mention, text, "@Anna"),
        at(EntityKind::Hashtag, text, "#Café"),
        at(EntityKind::Url, text, "intranet.example.nl/x?a=1&b=2"),
        at(EntityKind::Cashtag, text, "$ACME"),
    ];
    let html = render_html(text, &entities, &links());
    assert_eq!(
        html,
        "Hoi <a href=\"/people/anna\" class=\"wc-mention\"><bdi>@Anna</bdi></a>, zie \
         <a href=\"/tags/caf%C3%A9\" class=\"wc-hashtag\"><bdi>#Café</bdi></a> en \
         <a href=\"https://intranet.example.nl/x?a=1&amp;b=2\" class=\"wc-url\" rel=\"nofollow ugc noopener noreferrer\">\
         <bdi>intranet.example.nl/x?a=1&amp;b=2</bdi></a> voor <bdi>$ACME</bdi>"
    );
}

#[test]
fn scheme_is_added_to_the_href_only() {
    let text = "zie example.nl";
    let html = render_html(text, &[at(EntityKind::Url, text, "example.nl")], &links());
    assert!(html.contains("href=\"https://example.nl\""), "{html}");
    assert!(html.contains("<bdi>example.nl</bdi>"), "{html}");
    let text = "zie http://example.nl";
    let html = render_html(
        text,
        &[at(EntityKind::Url, text, "http://example.nl")],
        &links(),
    );
    assert!(html.contains("href=\"http://example.nl\""), "{html}");
}

#[test]
fn non_http_schemes_never_become_hrefs() {
    for url in [
        "javascript:alert(1)",
        "JAVASCRIPT:alert(1)",
        "data:text/html;base64,PHNjcmlwdD4=",
        "vbscript:x",
        "ftp://example.nl",
        "file:///etc/passwd",
    ] {
        let text = format!("klik {url}");
        let html = render_html(&text, &[at(EntityKind::Url, &text, url)], &links());
        assert!(!html.contains("href"), "{url}: {html}");
        assert!(!html.contains("<a"), "{url}: {html}");
    }
}

/// A builder that tries everything a careless or hostile integration might.
struct Hostile;

impl LinkBuilder for Hostile {
    fn hashtag(&self, tag: &str, _key: &TagKey) -> Option<String> {
        Some(match tag {
            "js" => "javascript:alert(1)".to_owned(),
            "tab" => "java\tscript:alert(1)".to_owned(),
            "space" => " javascript:alert(1)".to_owned(),
            "quote" => "/t/\"onmouseover=\"alert(1)".to_owned(),
            "angle" => "/t/<script>".to_owned(),
            "backslash" => "/\\evil.example".to_owned(),
            _ => "data:text/html,x".to_owned(),
        })
    }

    fn mention(&self, handle: &str, _key: &HandleKey, _list: Option<&str>) -> Option<String> {
        Some(format!("https://example.nl/{handle}'x"))
    }

    fn url(&self, _url: &str, _href: &str) -> Option<String> {
        Some("JaVaScRiPt:alert(1)".to_owned())
    }
}

#[test]
fn builder_hrefs_are_checked_and_escaped() {
    for (tag, linked) in [
        ("js", false),
        ("tab", false),
        ("space", false),
        ("backslash", false),
        ("data", false),
    ] {
        let text = format!("#{tag}");
        let html = render_html(&text, &[at(EntityKind::Hashtag, &text, &text)], &Hostile);
        assert_eq!(html.contains("<a"), linked, "{tag}: {html}");
        assert_eq!(html, format!("<bdi>#{tag}</bdi>"));
    }
    let text = "#quote #angle @x example.nl";
    let entities = [
        at(EntityKind::Hashtag, text, "#quote"),
        at(EntityKind::Hashtag, text, "#angle"),
        at(EntityKind::Mention, text, "@x"),
        at(EntityKind::Url, text, "example.nl"),
    ];
    let html = render_html(text, &entities, &Hostile);
    assert_eq!(
        html,
        "<a href=\"/t/&quot;onmouseover=&quot;alert(1)\" class=\"wc-hashtag\"><bdi>#quote</bdi></a> \
         <a href=\"/t/&lt;script&gt;\" class=\"wc-hashtag\"><bdi>#angle</bdi></a> \
         <a href=\"https://example.nl/x&#39;x\" class=\"wc-mention\"><bdi>@x</bdi></a> \
         <bdi>example.nl</bdi>"
    );
}

#[test]
fn no_links_still_isolates_entities() {
    let text = "#a @b c.nl";
    let entities = [
        at(EntityKind::Hashtag, text, "#a"),
        at(EntityKind::Mention, text, "@b"),
        at(EntityKind::Url, text, "c.nl"),
    ];
    assert_eq!(
        render_html(text, &entities, &NoLinks),
        "<bdi>#a</bdi> <bdi>@b</bdi> <bdi>c.nl</bdi>"
    );
}

#[test]
fn list_mentions_link_to_the_person() {
    let text = "@anna/Team-A!";
    let mention = Entity::new(EntityKind::Mention, 0..12, 1..5, Some(6..12));
    assert_eq!(
        render_html(text, &[mention], &links()),
        "<a href=\"/people/anna\" class=\"wc-mention\"><bdi>@anna/Team-A</bdi></a>!"
    );
}

#[test]
fn trojan_source_bidi_override_in_a_name() {
    // A hashtag holding an RLO cannot flip what follows it: it is isolated.
    let text = "#abc\u{202E}def zegt: betaal 100";
    let tag = Entity::new(EntityKind::Hashtag, 0..10, 1..10, None);
    let html = render_html(text, &[tag], &NoLinks);
    assert_eq!(html, "<bdi>#abc\u{202E}def</bdi> zegt: betaal 100");
}

#[test]
fn trojan_source_override_in_plain_text_is_contained() {
    // The RLO opens in the plain text before the mention; that piece is isolated, so the
    // override ends before the mention, and the text after it is not in the override.
    let text = "let op \u{202E}gnirts @anna daarna";
    let html = render_html(text, &[at(EntityKind::Mention, text, "@anna")], &links());
    assert_eq!(
        html,
        "<bdi>let op \u{202E}gnirts </bdi><a href=\"/people/anna\" class=\"wc-mention\"><bdi>@anna</bdi></a> daarna"
    );
}

#[test]
fn bidi_is_contained_per_line() {
    let html = render_html("a\u{2067}b\nc\u{202B}d\ne", &[], &NoLinks);
    assert_eq!(
        html,
        "<bdi>a\u{2067}b</bdi><br>\n<bdi>c\u{202B}d</bdi><br>\ne"
    );
}

#[test]
fn unmatched_pdi_cannot_close_the_isolate() {
    // An unmatched PDI would close our <bdi> (and the page's isolates); an FSI pairs with it.
    let html = render_html("x\u{2069}\u{202E}y", &[], &NoLinks);
    assert_eq!(html, "<bdi>x\u{2068}\u{2069}\u{202E}y</bdi>");
    // Matched pairs are left as typed.
    let html = render_html("\u{2067}שלום\u{2069} ok", &[], &NoLinks);
    assert_eq!(html, "<bdi>\u{2067}שלום\u{2069} ok</bdi>");
    // Inside an entity too.
    let text = "#a\u{2069}b";
    let tag = Entity::new(EntityKind::Hashtag, 0..text.len(), 1..text.len(), None);
    assert_eq!(
        render_html(text, &[tag], &NoLinks),
        "<bdi>#a\u{2068}\u{2069}b</bdi>"
    );
}

#[test]
fn marks_and_plain_rtl_text_are_untouched() {
    let text = "שלום \u{200F}עולם مرحبا";
    assert_eq!(render_html(text, &[], &NoLinks), text);
}

#[test]
fn line_breaks_become_br() {
    assert_eq!(
        render_html("een\ntwee\r\ndrie", &[], &NoLinks),
        "een<br>\ntwee<br>\r\ndrie"
    );
}

#[test]
fn nul_becomes_replacement_character() {
    assert_eq!(render_html("a\0b", &[], &NoLinks), "a\u{FFFD}b");
}

#[test]
fn bad_entities_are_skipped_never_panic() {
    let text = "héllo #wereld @anna";
    let good_tag = at(EntityKind::Hashtag, text, "#wereld");
    let good_mention = at(EntityKind::Mention, text, "@anna");
    let cases: Vec<(&str, Vec<Entity>)> = vec![
        (
            "out of range",
            vec![Entity::new(EntityKind::Hashtag, 50..60, 51..60, None)],
        ),
        (
            "past the end",
            vec![Entity::new(EntityKind::Hashtag, 15..30, 16..30, None)],
        ),
        (
            "inside é",
            vec![Entity::new(EntityKind::Hashtag, 2..5, 3..5, None)],
        ),
        (
            "empty",
            vec![Entity::new(EntityKind::Hashtag, 7..7, 7..7, None)],
        ),
        (
            "list outside",
            vec![Entity::new(EntityKind::Mention, 15..20, 16..20, Some(0..3))],
        ),
        #[allow(clippy::reversed_empty_ranges)]
        (
            "reversed",
            vec![Entity::new(EntityKind::Hashtag, 10..5, 10..5, None)],
        ),
    ];
    let plain = "héllo #wereld @anna";
    for (what, entities) in cases {
        assert_eq!(render_html(text, &entities, &links()), plain, "{what}");
    }
    // Unsorted: the later-in-text entity comes first, so the earlier one is skipped.
    let html = render_html(text, &[good_mention.clone(), good_tag.clone()], &links());
    assert_eq!(
        html,
        "héllo #wereld <a href=\"/people/anna\" class=\"wc-mention\"><bdi>@anna</bdi></a>"
    );
    // Overlapping: the second is skipped.
    let overlapping = Entity::new(EntityKind::Mention, 10..19, 11..19, None);
    let html = render_html(text, &[good_tag, overlapping], &links());
    assert_eq!(
        html,
        "héllo <a href=\"/tags/wereld\" class=\"wc-hashtag\"><bdi>#wereld</bdi></a> @anna"
    );
}

#[test]
fn render_into_appends() {
    let mut out = String::from("<p>");
    render_html_into("a & b", &[], &NoLinks, &mut out);
    out.push_str("</p>");
    assert_eq!(out, "<p>a &amp; b</p>");
}

#[test]
fn huge_and_hostile_inputs_render() {
    // 100k-character tag, 10,000 combining marks, 500 variation selectors, U+FDFA.
    let tag = format!("#{}", "a".repeat(100_000));
    let html = render_html(
        &tag,
        &[Entity::new(
            EntityKind::Hashtag,
            0..tag.len(),
            1..tag.len(),
            None,
        )],
        &links(),
    );
    assert!(html.starts_with("<a href=\"/tags/aaaa"));
    assert_eq!(
        html.len(),
        "<a href=\"/tags/\" class=\"wc-hashtag\"><bdi></bdi></a>".len() + 200_001
    );
    let marks = format!("e{} {}", "\u{301}".repeat(10_000), "\u{FE0F}".repeat(500));
    assert_eq!(render_html(&marks, &[], &NoLinks), marks);
    assert_eq!(render_html("\u{FDFA}", &[], &NoLinks), "\u{FDFA}");
    let many_rlo = "\u{202E}".repeat(10_000) + &"\u{2069}".repeat(10_000);
    let html = render_html(&many_rlo, &[], &NoLinks);
    assert_eq!(html.matches('\u{2068}').count(), 10_000);
}

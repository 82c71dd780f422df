//! Which hrefs may be written, and the href of a URL entity.

/// Whether `href` may go into an `href` attribute: an absolute `http:`/`https:` URL or a
/// relative reference (path, query, fragment, or `//host` which inherits http(s)).
///
/// Browsers strip ASCII whitespace and C0 controls from URLs (`java\tscript:` *is*
/// `javascript:`) and read `\` as `/`, so hrefs holding any of those are refused outright,
/// as are `javascript:`, `data:`, `vbscript:` and every other scheme.
pub(crate) fn is_safe_href(href: &str) -> bool {
    if href.is_empty() || href.bytes().any(|b| b <= b' ' || b == 0x7F || b == b'\\') {
        return false;
    }
    match scheme(href) {
        Some(scheme) => scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https"),
        None => true,
    }
}

/// The scheme of a URL reference, if it has one: the text before the first `:` when that
/// comes before any `/`, `?` or `#` (as the URL standard parses it).
fn scheme(href: &str) -> Option<&str> {
    let end = href.find([':', '/', '?', '#'])?;
    (href.as_bytes()[end] == b':').then(|| &href[..end])
}

/// The href of a URL entity as typed: itself if it starts with `http://` or `https://`,
/// `https://` + itself if it has no scheme, `None` for any other scheme.
///
/// "No scheme" includes `host:port/...` (a digit after the colon), which the URL standard
/// would read as scheme `host`: the extractor finds such URLs without a scheme.
pub(crate) fn url_href(url: &str) -> Option<String> {
    let has_prefix = |p: &str| {
        url.get(..p.len())
            .is_some_and(|s| s.eq_ignore_ascii_case(p))
    };
    if has_prefix("http://") || has_prefix("https://") {
        return Some(url.to_owned());
    }
    if let Some(scheme) = scheme(url) {
        let after = url.as_bytes().get(scheme.len() + 1);
        let is_port = after.is_some_and(u8::is_ascii_digit);
        if !is_port {
            return None;
        }
    }
    Some(format!("https://{url}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn safe_hrefs() {
        for href in [
            "https://example.com/",
            "HTTP://example.com",
            "/tags/caf%C3%A9",
            "?q=1",
            "#top",
            "//example.com/x",
            "people/anna",
            "https://example.com/a?b=c&d=\"e\"",
        ] {
            assert!(is_safe_href(href), "{href}");
        }
    }

    #[test]
    fn unsafe_hrefs() {
        for href in [
            "",
            "javascript:alert(1)",
            "JavaScript:alert(1)",
            "java\tscript:alert(1)",
            " javascript:alert(1)",
            "\u{1}javascript:alert(1)",
            "data:text/html,<script>alert(1)</script>",
            "vbscript:msgbox",
            "mailto:a@example.com",
            "/\\evil.example",
            "https://example.com/a b",
            "ftp://example.com",
        ] {
            assert!(!is_safe_href(href), "{href:?}");
        }
    }

    #[test]
    fn url_entity_hrefs() {
        assert_eq!(
            url_href("https://x.nl/a").as_deref(),
            Some("https://x.nl/a")
        );
        assert_eq!(url_href("HTTP://x.nl").as_deref(), Some("HTTP://x.nl"));
        assert_eq!(url_href("x.nl/a").as_deref(), Some("https://x.nl/a"));
        assert_eq!(
            url_href("x.nl:8080/a").as_deref(),
            Some("https://x.nl:8080/a")
        );
        assert_eq!(url_href("javascript:alert(1)"), None);
        assert_eq!(url_href("data:text/html,hi"), None);
        assert_eq!(url_href("ftp://x.nl"), None);
    }
}

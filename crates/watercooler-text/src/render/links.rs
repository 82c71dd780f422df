//! Where entities link to: the [`LinkBuilder`] trait and two ready-made builders.

use std::fmt::Write as _;

use crate::{HandleKey, TagKey};

/// Decides the href of each entity [`render_html`](crate::render_html) links.
///
/// Return `None` to render the entity as plain (escaped, isolated) text. Whatever is
/// returned is checked again: an href that is not `http(s)` or relative, or that holds
/// whitespace, control characters or `\`, is dropped and the entity rendered as text.
/// Hrefs are attribute-escaped by the renderer; return them unescaped.
pub trait LinkBuilder {
    /// The href of a hashtag. `tag` is the tag as typed, without the sigil; `key` its key.
    fn hashtag(&self, tag: &str, key: &TagKey) -> Option<String> {
        let _ = (tag, key);
        None
    }

    /// The href of a mention. `handle` is the handle as typed, without the sigil; `key` its
    /// key; `list` the slug of a `@user/list` mention.
    fn mention(&self, handle: &str, key: &HandleKey, list: Option<&str>) -> Option<String> {
        let _ = (handle, key, list);
        None
    }

    /// The href of a URL. `url` is the URL as typed; `href` the URL to link to: `url` itself
    /// if it has an `http(s)://` scheme, else `https://` + `url`. URLs with any other scheme
    /// never reach this method. The default links to `href`.
    fn url(&self, url: &str, href: &str) -> Option<String> {
        let _ = url;
        Some(href.to_owned())
    }

    /// The href of a cashtag. `ticker` is the ticker as typed, without the `$`.
    fn cashtag(&self, ticker: &str) -> Option<String> {
        let _ = ticker;
        None
    }
}

/// Links nothing: every entity is rendered as isolated plain text.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoLinks;

impl LinkBuilder for NoLinks {
    fn url(&self, _url: &str, _href: &str) -> Option<String> {
        None
    }
}

/// Links hashtags and mentions to paths under a prefix (the key, percent-encoded), URLs to
/// themselves, and cashtags not at all.
///
/// ```
/// use watercooler_text::{PathLinks, LinkBuilder, hashtag_key};
/// let links = PathLinks::new("/tags/", "/people/");
/// assert_eq!(links.hashtag("Café", &hashtag_key("Café")).as_deref(), Some("/tags/caf%C3%A9"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathLinks {
    hashtag_prefix: String,
    mention_prefix: String,
}

impl PathLinks {
    /// Hashtags link to `hashtag_prefix` + key, mentions to `mention_prefix` + key.
    pub fn new(hashtag_prefix: impl Into<String>, mention_prefix: impl Into<String>) -> Self {
        PathLinks {
            hashtag_prefix: hashtag_prefix.into(),
            mention_prefix: mention_prefix.into(),
        }
    }
}

impl LinkBuilder for PathLinks {
    fn hashtag(&self, _tag: &str, key: &TagKey) -> Option<String> {
        (!key.is_empty()).then(|| join_encoded(&self.hashtag_prefix, key.as_str()))
    }

    /// Links to the person; the list slug of `@user/list` is not part of the link.
    fn mention(&self, _handle: &str, key: &HandleKey, _list: Option<&str>) -> Option<String> {
        (!key.is_empty()).then(|| join_encoded(&self.mention_prefix, key.as_str()))
    }
}

/// `prefix` followed by `segment` percent-encoded as one path segment (RFC 3986: everything
/// but unreserved characters is encoded, so `/`, `?`, `#` in a key cannot change the path).
fn join_encoded(prefix: &str, segment: &str) -> String {
    let mut out = String::with_capacity(prefix.len() + segment.len() * 3);
    out.push_str(prefix);
    for b in segment.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{handle_key, hashtag_key};

    #[test]
    fn path_links_encode_the_key() {
        let links = PathLinks::new("/t/", "/p/");
        assert_eq!(
            links.hashtag("A/B?c", &hashtag_key("A/B?c")).as_deref(),
            Some("/t/a%2Fb%3Fc")
        );
        assert_eq!(
            links
                .mention("Anna", &handle_key("Anna"), Some("x"))
                .as_deref(),
            Some("/p/anna")
        );
        assert_eq!(links.hashtag("", &hashtag_key("")), None);
        assert_eq!(links.cashtag("ACME"), None);
        assert_eq!(
            links.url("x.nl", "https://x.nl").as_deref(),
            Some("https://x.nl")
        );
    }

    #[test]
    fn no_links_links_nothing() {
        assert_eq!(NoLinks.hashtag("a", &hashtag_key("a")), None);
        assert_eq!(NoLinks.mention("a", &handle_key("a"), None), None);
        assert_eq!(NoLinks.url("x.nl", "https://x.nl"), None);
        assert_eq!(NoLinks.cashtag("A"), None);
    }
}

//! Safe HTML rendering of a post's text with its entities linked; see [`render_html`].

mod bidi;
mod escape;
mod href;
mod links;

pub(crate) use bidi::IsolateBalance;
pub(crate) use escape::write_text;
pub use links::{LinkBuilder, NoLinks, PathLinks};

use std::ops::Range;

use crate::{Entity, EntityKind, handle_key, hashtag_key};

/// Renders `text` as safe HTML with `entities` linked through `links`.
///
/// Every character of the text is escaped (`& < > " '`; NUL, which HTML cannot carry,
/// becomes U+FFFD), and entities become links whose hrefs come from a [`LinkBuilder`]:
///
/// ```text
/// <a href="/tags/caf%C3%A9" class="wc-hashtag"><bdi>#Café</bdi></a>
/// <a href="/people/anna" class="wc-mention"><bdi>@anna</bdi></a>
/// <a href="https://example.nl/x" class="wc-url" rel="nofollow ugc noopener noreferrer"><bdi>example.nl/x</bdi></a>
/// ```
///
/// * **Hrefs.** URLs without a scheme get `https://` in the href (never in the text). A URL
///   with any scheme but `http`/`https` (`javascript:`, `data:`, ...) is never linked, and
///   every href a builder returns is checked the same way (see [`LinkBuilder`]), then
///   attribute-escaped.
/// * **Bidi (Trojan Source, CVE-2021-42574).** Each entity's text is wrapped in `<bdi>`, so a
///   name cannot reorder the line around it. Plain text is cut into pieces at entities and
///   line breaks; a piece holding an explicit bidi control (U+202A..U+202E, U+2066..U+2069)
///   is wrapped in `<bdi>` too, which closes whatever it opens at its end. An unmatched PDI,
///   which would close that `<bdi>` early, gets an FSI inserted before it. The text is not
///   otherwise changed, so extracting from the rendered text gives the same entities.
///   Bidi marks (LRM, RLM, ALM) have no scope and are left alone.
/// * **Line breaks.** LF, CR LF, a lone CR, U+2028 and U+2029 become `<br>` followed by the
///   original characters (kept so the text content of the HTML is the post's text).
/// * **Bad entities.** Entities are taken in the order given. One that is out of range, not
///   on character boundaries, empty, has its value or list outside its range, or starts before
///   the end of the previous rendered entity (overlapping or unsorted) is skipped: its text is
///   rendered as plain text. Rendering never panics and is linear in the text plus entities.
///
/// Put the output in a block element, ideally with `dir="auto"`, so the post's own direction
/// follows its first strong character.
///
/// # Examples
///
/// ```
/// use watercooler_text::{render_html, Entity, EntityKind, PathLinks};
/// let text = "Koffie? #Café <3";
/// let tag = Entity::new(EntityKind::Hashtag, 8..14, 9..14, None);
/// let html = render_html(text, &[tag], &PathLinks::new("/tags/", "/people/"));
/// assert_eq!(
///     html,
///     "Koffie? <a href=\"/tags/caf%C3%A9\" class=\"wc-hashtag\"><bdi>#Café</bdi></a> &lt;3"
/// );
/// ```
pub fn render_html(text: &str, entities: &[Entity], links: &dyn LinkBuilder) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8 + 96 * entities.len().min(64));
    render_html_into(text, entities, links, &mut out);
    out
}

/// Like [`render_html`], appending to `out` (to reuse one buffer for many posts).
pub fn render_html_into(
    text: &str,
    entities: &[Entity],
    links: &dyn LinkBuilder,
    out: &mut String,
) {
    let mut pos = 0;
    for entity in entities {
        let Some(range) = usable_range(text, entity, pos) else {
            continue;
        };
        write_plain(out, &text[pos..range.start]);
        write_entity(out, text, entity, range.clone(), links);
        pos = range.end;
    }
    write_plain(out, &text[pos..]);
}

/// The entity's range if it can be rendered after position `pos` (see "Bad entities").
fn usable_range(text: &str, entity: &Entity, pos: usize) -> Option<Range<usize>> {
    let range = entity.range();
    if range.start < pos || range.start >= range.end {
        return None;
    }
    text.get(range.clone())?;
    let inside =
        |r: &Range<usize>| range.start <= r.start && r.start <= r.end && r.end <= range.end;
    let value = entity.value_range();
    if !inside(&value) || text.get(value).is_none() {
        return None;
    }
    if let Some(list) = entity.list_range()
        && (!inside(&list) || text.get(list).is_none())
    {
        return None;
    }
    Some(range)
}

/// Writes one entity: a link if the builder gives a safe href, else isolated plain text.
fn write_entity(
    out: &mut String,
    text: &str,
    entity: &Entity,
    range: Range<usize>,
    links: &dyn LinkBuilder,
) {
    let value = entity.value(text);
    let (class, href) = match entity.kind() {
        EntityKind::Hashtag => ("wc-hashtag", links.hashtag(value, &hashtag_key(value))),
        EntityKind::Mention => (
            "wc-mention",
            links.mention(value, &handle_key(value), entity.list(text)),
        ),
        EntityKind::Url => (
            "wc-url",
            href::url_href(value).and_then(|href| links.url(value, &href)),
        ),
        EntityKind::Cashtag => ("wc-cashtag", links.cashtag(value)),
    };
    let display = &text[range];
    match href.filter(|h| href::is_safe_href(h)) {
        Some(href) => {
            out.push_str("<a href=\"");
            escape::escape_into(out, &href);
            out.push_str("\" class=\"");
            out.push_str(class);
            if entity.kind() == EntityKind::Url {
                out.push_str("\" rel=\"nofollow ugc noopener noreferrer");
            }
            out.push_str("\">");
            write_isolated(out, display);
            out.push_str("</a>");
        }
        None => write_isolated(out, display),
    }
}

/// Writes plain text: pieces between line breaks, each isolated if it holds explicit bidi
/// controls, and `<br>` plus the break itself between them.
fn write_plain(out: &mut String, s: &str) {
    let mut rest = s;
    loop {
        let piece_start = out.len();
        let written = write_text(out, rest, &mut IsolateBalance::default(), true);
        if written.bidi {
            // Known only once the piece is written; inserting is linear in the piece.
            out.insert_str(piece_start, "<bdi>");
            out.push_str("</bdi>");
        }
        if written.line_break == 0 {
            return;
        }
        let end = written.consumed + written.line_break;
        out.push_str("<br>");
        out.push_str(&rest[written.consumed..end]);
        rest = &rest[end..];
    }
}

/// Writes an entity's text escaped and isolated (line breaks, which only a bogus entity can
/// hold, are written as they are).
fn write_isolated(out: &mut String, s: &str) {
    out.push_str("<bdi>");
    write_text(out, s, &mut IsolateBalance::default(), false);
    out.push_str("</bdi>");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(s: &str) -> String {
        let mut out = String::new();
        write_plain(&mut out, s);
        out
    }

    #[test]
    fn line_breaks() {
        assert_eq!(
            plain("a\nb\r\nc\rd\u{2028}e"),
            "a<br>\nb<br>\r\nc<br>\rd<br>\u{2028}e"
        );
        assert_eq!(plain("\n\n"), "<br>\n<br>\n");
    }

    #[test]
    fn pieces_with_bidi_controls_are_isolated_per_line() {
        assert_eq!(plain("a\u{202E}b\nc"), "<bdi>a\u{202E}b</bdi><br>\nc");
        assert_eq!(plain("x\u{2069}y"), "<bdi>x\u{2068}\u{2069}y</bdi>");
        assert_eq!(plain("\u{2067}x\u{2069}"), "<bdi>\u{2067}x\u{2069}</bdi>");
        assert_eq!(plain("\u{200F}rtl mark"), "\u{200F}rtl mark");
    }
}

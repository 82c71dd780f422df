//! HTML escaping, and the one-pass text writer shared by rendering and highlighting.

use super::bidi::{FSI, IsolateBalance};

/// Appends `s` to `out` with `& < > " '` escaped, safe for element content and for
/// double- or single-quoted attribute values alike.
pub(crate) fn escape_into(out: &mut String, s: &str) {
    let bytes = s.as_bytes();
    let mut copied = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let Some(replacement) = ascii_escape(b) else {
            continue;
        };
        // All escaped bytes are ASCII, so `i` is a char boundary.
        out.push_str(&s[copied..i]);
        out.push_str(replacement);
        copied = i + 1;
    }
    out.push_str(&s[copied..]);
}

/// The escape of an ASCII byte that needs one in HTML text. NUL, which HTML cannot carry
/// (parsers drop it from text or turn it into U+FFFD), becomes U+FFFD.
fn ascii_escape(b: u8) -> Option<&'static str> {
    Some(match b {
        b'&' => "&amp;",
        b'<' => "&lt;",
        b'>' => "&gt;",
        b'"' => "&quot;",
        b'\'' => "&#39;",
        0 => "\u{FFFD}",
        _ => return None,
    })
}

/// Bytes the writer must look at: the escaped ASCII bytes, line feed and carriage return,
/// and 0xE2, the lead byte of U+2028/U+2029 and of every explicit bidi control.
const INTERESTING: [bool; 256] = {
    let mut table = [false; 256];
    let bytes = [b'&', b'<', b'>', b'"', b'\'', 0, b'\n', b'\r', 0xE2];
    let mut i = 0;
    while i < bytes.len() {
        table[bytes[i] as usize] = true;
        i += 1;
    }
    table
};

/// What [`write_text`] stopped at.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Written {
    /// Bytes of the input consumed (written), up to the line break if one stopped it.
    pub(crate) consumed: usize,
    /// Length of the line break that stopped it (0 at the end of the input).
    pub(crate) line_break: usize,
    /// Whether the consumed text held an explicit bidi control.
    pub(crate) bidi: bool,
}

/// Writes `s` escaped to `out` in one pass, with an FSI before every PDI that `balance` says
/// closes nothing (see the `bidi` module). If `stop_at_line_breaks`, stops before the first
/// line break (LF, CR LF, lone CR, U+2028, U+2029) and reports its length; the caller writes it.
pub(crate) fn write_text(
    out: &mut String,
    s: &str,
    balance: &mut IsolateBalance,
    stop_at_line_breaks: bool,
) -> Written {
    let bytes = s.as_bytes();
    let mut written = Written::default();
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if !INTERESTING[usize::from(b)] {
            i += 1;
            continue;
        }
        if let Some(replacement) = ascii_escape(b) {
            out.push_str(&s[copied..i]);
            out.push_str(replacement);
            i += 1;
            copied = i;
            continue;
        }
        let line_break = match (b, bytes.get(i + 1), bytes.get(i + 2)) {
            (b'\r', Some(b'\n'), _) => 2,
            (b'\n' | b'\r', _, _) => 1,
            (0xE2, Some(0x80), Some(0xA8 | 0xA9)) => 3,
            _ => 0,
        };
        if line_break > 0 {
            if stop_at_line_breaks {
                out.push_str(&s[copied..i]);
                written.consumed = i;
                written.line_break = line_break;
                return written;
            }
            i += line_break;
            continue;
        }
        // 0xE2 lead byte: E2 80 AA..AE are LRE RLE PDF LRO RLO, E2 81 A6..A9 LRI RLI FSI PDI.
        match (bytes.get(i + 1), bytes.get(i + 2)) {
            (Some(0x80), Some(0xAA..=0xAE)) => written.bidi = true,
            (Some(0x81), Some(0xA6..=0xA8)) => {
                written.bidi = true;
                balance.open();
            }
            (Some(0x81), Some(0xA9)) => {
                written.bidi = true;
                if balance.close_needs_fsi() {
                    out.push_str(&s[copied..i]);
                    out.push(FSI);
                    copied = i;
                }
            }
            _ => {}
        }
        i += 3;
    }
    out.push_str(&s[copied..]);
    written.consumed = s.len();
    written
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str, stop: bool) -> (String, Written) {
        let mut out = String::new();
        let w = write_text(&mut out, s, &mut IsolateBalance::default(), stop);
        (out, w)
    }

    #[test]
    fn escapes_the_five() {
        let mut out = String::new();
        escape_into(&mut out, r#"a&b<c>d"e'f — é"#);
        assert_eq!(out, "a&amp;b&lt;c&gt;d&quot;e&#39;f — é");
        let (out, w) = text(r#"a&b<c>d"e'f — é"#, true);
        assert_eq!(out, "a&amp;b&lt;c&gt;d&quot;e&#39;f — é");
        assert_eq!(
            w,
            Written {
                consumed: 18,
                line_break: 0,
                bidi: false
            }
        );
    }

    #[test]
    fn nul_becomes_replacement_character() {
        assert_eq!(text("a\0<\0", false).0, "a\u{FFFD}&lt;\u{FFFD}");
    }

    #[test]
    fn stops_at_each_kind_of_line_break() {
        for (s, len) in [
            ("ab\ncd", 1),
            ("ab\r\ncd", 2),
            ("ab\rcd", 1),
            ("ab\u{2028}cd", 3),
            ("ab\u{2029}cd", 3),
        ] {
            let (out, w) = text(s, true);
            assert_eq!(
                (out.as_str(), w.consumed, w.line_break),
                ("ab", 2, len),
                "{s:?}"
            );
            // Without stopping, breaks are written as they are.
            assert_eq!(text(s, false).0, s);
        }
    }

    #[test]
    fn flags_bidi_and_pairs_unmatched_pdis() {
        let (out, w) = text("a\u{2069}b\u{2066}c\u{2069}", false);
        assert_eq!(out, "a\u{2068}\u{2069}b\u{2066}c\u{2069}");
        assert!(w.bidi);
        for c in [
            '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}', '\u{202E}', '\u{2066}', '\u{2067}',
            '\u{2068}',
        ] {
            assert!(
                text(&format!("x{c}"), false).1.bidi,
                "U+{:04X}",
                u32::from(c)
            );
        }
        // Other U+20xx punctuation and marks are not controls with scope.
        for c in [
            '\u{2014}', '\u{200E}', '\u{200F}', '\u{2060}', '\u{206A}', '\u{20AC}', '\u{2122}',
        ] {
            let (out, w) = text(&format!("x{c}"), false);
            assert!(!w.bidi, "U+{:04X}", u32::from(c));
            assert_eq!(out, format!("x{c}"));
        }
    }
}

//! URL scanner: twitter-text's `extractUrl` regex and `extractUrlsWithIndices` post-processing,
//! re-done as a linear scan.
//!
//! # How the regex is emulated without backtracking
//!
//! The regex is `(preceding)((https?://)?(domain)(:port)?(/path)?(?query)?)`, searched left to
//! right; a match (kept or later rejected) consumes its text. Port, path and query are optional
//! and greedy, so a match exists at a start exactly when a *domain* does, and the domain is
//! `subdomain* domainName tld`: labels separated by `.`, the last one before the TLD without
//! `_`, the TLD from the list (longest first, with its lookahead) or punycode.
//!
//! Every domain lies inside a *run* of domain characters, `-`, `_` and `.`. The scanner jumps
//! from `.` to `.`, walks back to the start of the run (never before the end of the previous
//! match) and tries the run's candidate starts in text order, as the regex would. For a start
//! in label `i`, the regex's greedy choice is the *last* label `j` such that labels `i+1..j`
//! are valid subdomains, label `j` is a valid domain name and a TLD follows it. Which labels
//! are valid does not depend on where the match started, so that "last `j`" is computed once
//! per chain of valid subdomain labels ([`Chain`]) and reused for every later start in the
//! chain. That cache is what keeps inputs like `a.com_b.com_b.com_…` linear: a naive
//! emulation re-walks the whole chain from every start.
//!
//! Paths are read once: the path ends after its last "ending" character or balanced
//! parenthesis group (exactly the regex's backtracking result), queries likewise.

use super::chars::{
    decode_at, decode_before, is_ascii_domain_char, is_domain_char, is_domain_run_char,
    is_path_char, is_path_end_char, is_query_byte, is_query_end_byte, is_valid_url_preceding,
    starts_with_ignore_case, utf16_len,
};
use super::punycode::{MAX_LABEL, encoded_len};
use super::tld::match_tld;
use crate::{Entity, EntityKind};

/// twitter-text's `MAX_URL_LENGTH` (in UTF-16 units, host counted in its punycode form).
const MAX_URL_LENGTH: usize = 4096;
/// twitter-text's `MAX_TCO_SLUG_LENGTH`.
const MAX_TCO_SLUG_LENGTH: usize = 40;

/// One label of a run: the text between two dots (or a dot and the run's edge).
#[derive(Debug, Clone, Copy)]
struct Label {
    start: usize,
    /// Position of the `.` after the label, or the end of the run.
    end: usize,
    /// Whether a `.` follows (otherwise the run ends at `end`).
    dot_after: bool,
    first_is_domain_char: bool,
    last_is_domain_char: bool,
    /// Position right after the last `_` of the label (`start` when there is none).
    after_last_underscore: usize,
}

impl Label {
    /// Valid as a subdomain: non-empty, starts and ends with a domain character.
    fn ok_sub(&self) -> bool {
        self.end > self.start && self.first_is_domain_char && self.last_is_domain_char
    }

    /// Valid as the domain name before the TLD: a subdomain without `_`.
    fn ok_name(&self) -> bool {
        self.ok_sub() && self.after_last_underscore == self.start
    }
}

fn read_label(b: &[u8], start: usize) -> Label {
    let mut j = start;
    let mut first = None;
    let mut last = false;
    let mut after_us = start;
    let mut dot_after = false;
    while let Some((c, len)) = decode_at(b, j) {
        if c == '.' {
            dot_after = true;
            break;
        }
        if !is_domain_run_char(c) {
            break;
        }
        let d = is_domain_char(c);
        first.get_or_insert(d);
        last = d;
        j += len;
        if c == '_' {
            after_us = j;
        }
    }
    Label {
        start,
        end: j,
        dot_after,
        first_is_domain_char: first.unwrap_or(false),
        last_is_domain_char: last,
        after_last_underscore: after_us,
    }
}

/// Cached analysis of a chain of consecutive valid-subdomain labels.
#[derive(Debug, Clone, Copy, Default)]
struct Chain {
    valid: bool,
    /// Start of the first label of the chain.
    first: usize,
    /// Start of the first label after the chain (not a valid subdomain), or past the run.
    stop: usize,
    /// The last label `j` of the chain that is a valid domain name followed by a TLD:
    /// `(start of j, end of the TLD)`.
    best: Option<(usize, usize)>,
}

impl Chain {
    fn compute(b: &[u8], from: usize) -> Chain {
        let mut chain = Chain {
            valid: true,
            first: from,
            stop: from,
            best: None,
        };
        let mut at = from;
        loop {
            let label = read_label(b, at);
            if !label.ok_sub() {
                chain.stop = label.start;
                return chain;
            }
            if label.dot_after
                && label.ok_name()
                && let Some(t) = match_tld(b, label.end + 1, b.len())
            {
                chain.best = Some((label.start, t));
            }
            if !label.dot_after {
                chain.stop = label.end + 1;
                return chain;
            }
            at = label.end + 1;
        }
    }
}

/// The greedy domain end for a match whose first label is `label` (or a suffix of it that is
/// still a valid subdomain), through a later label: `None` if no later label works.
fn greedy_after(b: &[u8], label: &Label, cache: &mut Chain) -> Option<usize> {
    if !label.dot_after {
        return None;
    }
    let next = label.end + 1;
    if !(cache.valid && cache.first <= next && next < cache.stop) {
        *cache = Chain::compute(b, next);
    }
    cache.best.filter(|&(j, _)| j >= next).map(|(_, t)| t)
}

/// A regex match's domain: where it starts and ends, and where the scheme starts if any.
#[derive(Debug, Clone, Copy)]
struct DomainMatch {
    scheme: Option<usize>,
    start: usize,
    end: usize,
}

/// First candidate start at or after `from` inside `label`: a domain character with a valid
/// preceding character (the label start qualifies when `start_ok`).
fn first_candidate(b: &[u8], label: &Label, from: usize, start_ok: bool) -> Option<usize> {
    let mut j = label.start;
    let mut prev_ok = start_ok;
    while j < label.end {
        let (c, len) = decode_at(b, j)?;
        if j >= from && prev_ok && is_domain_char(c) {
            return Some(j);
        }
        prev_ok = is_valid_url_preceding(c);
        j += len;
    }
    None
}

/// Finds the first regex match in the run starting at `rs`. `rs_ok` tells whether a match may
/// start at `rs` itself; `scheme` is the start of an `http(s)://` right before `rs`, if a match
/// may start there. Returns the match, or the end of the run.
fn match_in_run(
    b: &[u8],
    rs: usize,
    rs_ok: bool,
    scheme: Option<usize>,
    cache: &mut Chain,
) -> Result<DomainMatch, usize> {
    if let Some(ps) = scheme {
        let first = read_label(b, rs);
        if first.ok_sub() {
            let end = greedy_after(b, &first, cache).or_else(|| {
                (first.ok_name() && first.dot_after)
                    .then(|| match_tld(b, first.end + 1, b.len()))
                    .flatten()
            });
            if let Some(end) = end {
                return Ok(DomainMatch {
                    scheme: Some(ps),
                    start: rs,
                    end,
                });
            }
        }
    }
    let mut at = rs;
    let mut start_ok = rs_ok;
    loop {
        let label = read_label(b, at);
        if label.last_is_domain_char && label.end > label.start {
            if let Some(end) = greedy_after(b, &label, cache) {
                if let Some(s) = first_candidate(b, &label, label.start, start_ok) {
                    return Ok(DomainMatch {
                        scheme: None,
                        start: s,
                        end,
                    });
                }
            } else if label.dot_after
                && let Some(end) = match_tld(b, label.end + 1, b.len())
            {
                // The domain-name label may not contain `_`: start after the last one.
                let from = label.after_last_underscore;
                if let Some(s) = first_candidate(b, &label, from, start_ok) {
                    return Ok(DomainMatch {
                        scheme: None,
                        start: s,
                        end,
                    });
                }
            }
        }
        if !label.dot_after {
            return Err(label.end);
        }
        at = label.end + 1;
        start_ok = true;
    }
}

/// `(\(G+\)|\(G*\(G+\)G*\))` at `i` (which holds `(`): end of the group.
fn balanced_parens(b: &[u8], i: usize) -> Option<usize> {
    let run = |mut j: usize| {
        let from = j;
        while let Some((c, len)) = decode_at(b, j) {
            if !is_path_char(c) {
                break;
            }
            j += len;
        }
        (j, j - from)
    };
    let (j, n) = run(i + 1);
    match b.get(j)? {
        b')' if n > 0 => Some(j + 1),
        b'(' => {
            let (k, inner) = run(j + 1);
            if inner == 0 || b.get(k) != Some(&b')') {
                return None;
            }
            let (m, _) = run(k + 1);
            (b.get(m) == Some(&b')')).then_some(m + 1)
        }
        _ => None,
    }
}

/// End of the path whose first character (after `/`) is at `from`.
fn path_end(b: &[u8], from: usize) -> usize {
    let mut j = from;
    let mut end = from;
    while let Some((c, len)) = decode_at(b, j) {
        if c == '(' {
            match balanced_parens(b, j) {
                Some(e) => {
                    j = e;
                    end = e;
                    continue;
                }
                None => break,
            }
        }
        if !is_path_char(c) {
            break;
        }
        j += len;
        if is_path_end_char(c) {
            end = j;
        }
    }
    end
}

/// End of the query whose first character (after `?`) is at `from`, within `limit`.
fn query_end(b: &[u8], from: usize, limit: usize) -> Option<usize> {
    let mut j = from;
    let mut end = None;
    while j < limit {
        let Some(&x) = b.get(j) else { break };
        if !is_query_byte(x) {
            break;
        }
        j += 1;
        if is_query_end_byte(x) {
            end = Some(j);
        }
    }
    end
}

/// twitter-text's `isValidUrl`: every host label at most 63 characters once punycode-encoded
/// (and no `xn--` label holding non-ASCII, which IDNA forbids), and the whole URL, with its
/// host encoded and a scheme (`https://` if absent) counted, at most 4096 UTF-16 units.
fn valid_url(text: &str, url: (usize, usize), domain: (usize, usize), scheme_len: usize) -> bool {
    let Some(host) = text.get(domain.0..domain.1) else {
        return false;
    };
    let mut encoded = 0usize;
    for label in host.split('.') {
        let len = if label.is_ascii() {
            label.len()
        } else if starts_with_ignore_case(label.as_bytes(), 0, b"xn--") {
            return false;
        } else {
            match encoded_len(label) {
                Some(n) => n,
                None => return false,
            }
        };
        if len == 0 || len > MAX_LABEL {
            return false;
        }
        encoded += len + 1;
    }
    let b = text.as_bytes();
    let url_len = b.get(url.0..url.1).map_or(0, utf16_len);
    let host_len = utf16_len(host.as_bytes()) + 1;
    scheme_len + url_len + encoded <= MAX_URL_LENGTH + host_len
}

/// twitter-text's `validAsciiDomain` searched inside a scheme-less match's domain: calls
/// `emit(start, end)` for each ASCII (plus Latin accents) domain, left to right.
fn ascii_domains(b: &[u8], start: usize, end: usize, mut emit: impl FnMut(usize, usize)) {
    let mut p = start;
    while p < end {
        let Some((c, len)) = decode_at(b, p) else {
            return;
        };
        if !is_ascii_domain_char(c) {
            p += len;
            continue;
        }
        // A chain `label.label.…` of ASCII labels from p; the TLD is tried after every dot
        // and the last success wins (the regex's greedy `+`). A failed chain cannot succeed
        // from a later start inside it, so scanning resumes where the chain broke.
        let mut q = p;
        let mut best = None;
        loop {
            let mut r = q;
            while r < end {
                match decode_at(b, r) {
                    Some((c, l)) if is_ascii_domain_char(c) => r += l,
                    _ => break,
                }
            }
            if r == q {
                break;
            }
            if r < end && b.get(r) == Some(&b'.') {
                if let Some(t) = match_tld(b, r + 1, end) {
                    best = Some(t);
                }
                q = r + 1;
            } else {
                q = r;
                break;
            }
        }
        match best {
            Some(t) => {
                emit(p, t);
                p = t;
            }
            None => p = q.max(p + len),
        }
    }
}

/// Finishes a regex match: reads port, path and query, applies twitter-text's checks and
/// appends the URL entities. Returns the end of the match (where the search resumes).
fn finish(text: &str, m: DomainMatch, without_scheme: bool, out: &mut Vec<Entity>) -> usize {
    let b = text.as_bytes();
    let mut end = m.end;
    if b.get(end) == Some(&b':') && b.get(end + 1).is_some_and(u8::is_ascii_digit) {
        end += 1;
        while b.get(end).is_some_and(u8::is_ascii_digit) {
            end += 1;
        }
    }
    let has_path = b.get(end) == Some(&b'/');
    if has_path {
        end = path_end(b, end + 1);
    }
    if b.get(end) == Some(&b'?')
        && let Some(q) = query_end(b, end + 1, b.len())
    {
        end = q;
    }
    let url_start = m.scheme.unwrap_or(m.start);
    let scheme_len = m.start - url_start;
    let counted_scheme = if scheme_len == 0 {
        "https://".len()
    } else {
        scheme_len
    };
    if !valid_url(text, (url_start, end), (m.start, m.end), counted_scheme) {
        return end;
    }
    if m.scheme.is_none() {
        if !without_scheme {
            return end;
        }
        if decode_before(b, m.start).is_some_and(|(p, _)| matches!(p, '-' | '_' | '.' | '/')) {
            return end;
        }
        let first = out.len();
        ascii_domains(b, m.start, m.end, |s, e| {
            out.push(Entity::new(EntityKind::Url, s..e, s..e, None));
        });
        // The last ASCII domain takes the port, path and query along, if there is a path and
        // the domain reaches the end of the host (see the module docs of `extract`).
        if has_path
            && out.len() > first
            && let Some(last) = out.last_mut()
        {
            let r = last.range();
            if r.end == m.end {
                *last = Entity::new(EntityKind::Url, r.start..end, r.start..end, None);
            }
        }
        return end;
    }
    // t.co links: only the slug (and a query) belong to the URL; a slug over 40 is no link.
    let mut url_end = end;
    let host_is_tco = b
        .get(m.start..m.end)
        .is_some_and(|h| h.eq_ignore_ascii_case(b"t.co"));
    if host_is_tco && has_path && b.get(m.end) == Some(&b'/') {
        let slug = m.end + 1;
        let mut k = slug;
        while k < end && b.get(k).is_some_and(u8::is_ascii_alphanumeric) {
            k += 1;
        }
        if k > slug {
            if k - slug > MAX_TCO_SLUG_LENGTH {
                return end;
            }
            url_end = k;
            if k < end
                && b.get(k) == Some(&b'?')
                && let Some(q) = query_end(b, k + 1, end)
            {
                url_end = q;
            }
        }
    }
    out.push(Entity::new(
        EntityKind::Url,
        url_start..url_end,
        url_start..url_end,
        None,
    ));
    end
}

/// Start of an `http://` or `https://` (any case) that ends right at `rs`, if a match may
/// start there: at the text start or after a valid preceding character not yet consumed.
fn scheme_before(b: &[u8], rs: usize, consumed: usize) -> Option<usize> {
    let slashes = rs.checked_sub(3)?;
    if b.get(slashes..rs) != Some(&b"://"[..]) {
        return None;
    }
    let ps = if slashes >= 5 && starts_with_ignore_case(b, slashes - 5, b"https") {
        slashes - 5
    } else if slashes >= 4 && starts_with_ignore_case(b, slashes - 4, b"http") {
        slashes - 4
    } else {
        return None;
    };
    if ps < consumed {
        return None;
    }
    match decode_before(b, ps) {
        None => Some(ps),
        Some((p, plen)) => (ps - plen >= consumed && is_valid_url_preceding(p)).then_some(ps),
    }
}

/// URL scanning state.
#[derive(Debug, Default)]
pub(super) struct Urls {
    /// End of the last regex match (kept or rejected): nothing before it can start a match.
    consumed: usize,
    /// Text before `pos` has been read.
    pos: usize,
    cache: Chain,
}

impl Urls {
    /// Handles the `.` at `dot`, appending the URLs of the match around it (if any) to `out`.
    /// Calls come in increasing `dot`.
    pub(super) fn at_dot(
        &mut self,
        text: &str,
        dot: usize,
        without_scheme: bool,
        out: &mut Vec<Entity>,
    ) {
        let b = text.as_bytes();
        if dot < self.pos || b.get(dot) != Some(&b'.') {
            return;
        }
        let consumed = self.consumed;
        // Walk back to the start of the run, never into consumed text.
        let mut rs = dot;
        while rs > consumed {
            match decode_before(b, rs) {
                Some((c, len)) if is_domain_run_char(c) && rs - len >= consumed => rs -= len,
                _ => break,
            }
        }
        let rs_ok = match decode_before(b, rs) {
            None => true,
            Some((p, plen)) => rs - plen >= consumed && is_valid_url_preceding(p),
        };
        let scheme = scheme_before(b, rs, consumed);
        match match_in_run(b, rs, rs_ok, scheme, &mut self.cache) {
            Ok(m) => {
                let end = finish(text, m, without_scheme, out);
                self.consumed = end;
                self.pos = end.max(dot + 1);
            }
            Err(run_end) => self.pos = run_end.max(dot + 1),
        }
    }
}

//! SQL shared by the queries: the visibility rule, written once.

use sqlx::QueryBuilder;
use sqlx::postgres::Postgres;
use watercooler_core::Access;

/// A query under construction.
pub(crate) type Qb = QueryBuilder<Postgres>;

/// Appends the visibility rule for posts aliased `p`, tenant included, as ` AND (...)`.
///
/// The same rule as [`Access::can_see_parts`]: same tenant, and the viewer wrote it, or it
/// is for the whole organisation, or it is in a group the viewer is a member of, or the
/// viewer is one of its direct recipients.
pub(crate) fn push_visible(qb: &mut Qb, access: &Access) {
    let me = access.person().as_str().to_owned();
    qb.push(" AND p.tenant = ")
        .push_bind(access.tenant().as_str().to_owned());
    qb.push(" AND (p.author = ")
        .push_bind(me.clone())
        .push(" OR p.vis_kind = 0");
    if !access.groups().is_empty() {
        let groups: Vec<String> = access
            .groups()
            .iter()
            .map(|g| g.as_str().to_owned())
            .collect();
        qb.push(" OR (p.vis_kind = 1 AND p.vis_group = ANY(")
            .push_bind(groups)
            .push("))");
    }
    qb.push(" OR (p.vis_kind = 2 AND ")
        .push_bind(me)
        .push(" = ANY(p.recipients)))");
}

/// The smallest string greater than every string starting with `prefix` (byte-wise, as
/// `COLLATE "C"` compares), or `None` when there is none (empty prefix, or only
/// `char::MAX`s). Turns a prefix match into an index range.
pub(crate) fn prefix_upper_bound(prefix: &str) -> Option<String> {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        // UTF-8 byte order is code point order, so the next code point is the bound.
        let mut next = u32::from(last) + 1;
        if (0xD800..=0xDFFF).contains(&next) {
            next = 0xE000;
        }
        if let Some(c) = char::from_u32(next) {
            chars.push(c);
            return Some(chars.into_iter().collect());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_bounds_cover_exactly_the_prefixed_strings() {
        assert_eq!(prefix_upper_bound(""), None);
        assert_eq!(prefix_upper_bound("ab").as_deref(), Some("ac"));
        assert_eq!(
            prefix_upper_bound("a\u{D7FF}").as_deref(),
            Some("a\u{E000}")
        );
        assert_eq!(prefix_upper_bound("a\u{10FFFF}").as_deref(), Some("b"));
        assert_eq!(prefix_upper_bound("\u{10FFFF}"), None);
        let upper = prefix_upper_bound("caf").unwrap();
        for inside in ["caf", "café", "caf\u{10FFFF}\u{10FFFF}"] {
            assert!(inside >= "caf" && inside < upper.as_str(), "{inside}");
        }
        for outside in ["cae\u{10FFFF}", "cag", "cb"] {
            assert!(!(outside >= "caf" && outside < upper.as_str()), "{outside}");
        }
    }
}

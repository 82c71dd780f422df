//! THE visibility rule of [`watercooler_core::Access::can_see_parts`], as SQL: a post of the
//! viewer's tenant is visible to its author, to everyone for `org`, to members for `group`,
//! and to recipients for `direct`. Every visibility-filtered statement binds the viewer as
//! `?1` tenant, `?2` person, `?3` JSON array of the viewer's groups (see [`bind_access`]),
//! reads the post as `p`, and adds `p.tenant = ?1 AND` [`visible!`].

use sqlx::Sqlite;
use sqlx::query::Query;
use sqlx::sqlite::SqliteArguments;
use watercooler_core::{Access, GroupId};

use crate::codec::strings_json;

/// The visibility predicate over `posts AS p` (the tenant test is separate).
macro_rules! visible {
    () => {
        "(p.author = ?2 OR p.vis = 'org' \
         OR (p.vis = 'group' AND p.group_id IN (SELECT value FROM json_each(?3))) \
         OR (p.vis = 'direct' AND EXISTS (SELECT 1 FROM direct_recipients AS r \
             WHERE r.tenant = p.tenant AND r.post = p.id AND r.person = ?2)))"
    };
}
pub(crate) use visible;

/// Binds `?1`, `?2`, `?3` of [`visible!`]. Must be the first binds of the statement.
pub(crate) fn bind_access<'q>(
    q: Query<'q, Sqlite, SqliteArguments>,
    access: &Access,
) -> Query<'q, Sqlite, SqliteArguments> {
    q.bind(access.tenant().as_str().to_owned())
        .bind(access.person().as_str().to_owned())
        .bind(strings_json(access.groups().iter().map(GroupId::as_str)))
}

//! Embedded migrations, applied on connect, and the row-level-security switch.
//!
//! A small runner of our own rather than sqlx's `Migrator`: that one takes a session-level
//! advisory lock per *database* (so unrelated schemas wait on each other, and a failed run
//! can leave the lock held on a pooled connection) and commits each migration separately.
//! Here the whole upgrade is one transaction under a transaction-level lock per *schema*:
//! it applies completely or not at all, and concurrent connects of several servers are
//! harmless (the second finds the work done).

use sqlx::postgres::PgConnection;
use sqlx::{AssertSqlSafe, Row};
use watercooler_core::Result;

use crate::error::{PgError, db};
use crate::session::lock_key;

/// The embedded migrations: (version, description, SQL). Never edit one that shipped;
/// add the next.
const MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "init", include_str!("migrations/0001_init.sql")),
    (
        2,
        "request keys",
        include_str!("migrations/0002_request_keys.sql"),
    ),
    (
        3,
        "notification subject",
        include_str!("migrations/0003_notification_subject.sql"),
    ),
];

/// The schema version this build creates and understands.
pub const SCHEMA_VERSION: i64 = 3;

/// Every table of the schema (all carry a `tenant` column and a `tenant_isolation` policy).
pub(crate) const TABLES: &[&str] = &[
    "posts",
    "post_tags",
    "post_mentions",
    "revisions",
    "reactions",
    "interactions",
    "follows",
    "mutes",
    "notifications",
    "seen_posts",
    "change_log",
    "request_keys",
];

/// A checksum of a migration's text (FNV-1a), to notice a database migrated by a build whose
/// migration of the same number differs.
fn checksum(sql: &str) -> i64 {
    lock_key(&[sql])
}

/// Creates or upgrades `schema` and enables row-level security if asked to. Fails with
/// [`PgError::SchemaTooNew`] if the schema was migrated by a newer build, and with
/// [`PgError::RowLevelSecurityMismatch`] if RLS is on in the database but not asked for.
pub(crate) async fn run(conn: &mut PgConnection, schema: &str, rls: bool) -> Result<()> {
    let mut tx = sqlx::Connection::begin(&mut *conn).await.map_err(db)?;
    match upgrade(&mut tx, schema, rls).await {
        Ok(()) => tx.commit().await.map_err(db),
        Err(e) => {
            // Roll back now: a dropped transaction only rolls back on the connection's next
            // use, and until then it would hold its locks (a DROP SCHEMA would wait on it).
            let _ = tx.rollback().await;
            Err(e)
        }
    }
}

/// The body of [`run`], inside its transaction.
async fn upgrade(tx: &mut PgConnection, schema: &str, rls: bool) -> Result<()> {
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(lock_key(&["watercooler.migrate", schema]))
        .execute(&mut *tx)
        .await
        .map_err(db)?;
    // A DBA may create the schema for a role that may not create schemas (needed for
    // row-level security, which superusers bypass): create it only when missing, since
    // even `CREATE SCHEMA IF NOT EXISTS` needs the database-level privilege.
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)")
            .bind(schema)
            .fetch_one(&mut *tx)
            .await
            .map_err(db)?;
    if !exists {
        // The schema name was validated (plain lowercase identifier): safe to splice.
        sqlx::raw_sql(AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
            .execute(&mut *tx)
            .await
            .map_err(db)?;
    }
    sqlx::raw_sql(AssertSqlSafe(format!(
        "CREATE TABLE IF NOT EXISTS {schema}.schema_version (
             version    bigint PRIMARY KEY,
             description text NOT NULL,
             checksum   bigint NOT NULL,
             applied_at timestamptz NOT NULL DEFAULT now()
         );"
    )))
    .execute(&mut *tx)
    .await
    .map_err(db)?;
    // Unqualified names in the migrations resolve to the schema (this transaction only; the
    // pool's connections have it on their search_path already).
    sqlx::query("SELECT set_config('search_path', $1, true)")
        .bind(schema)
        .execute(&mut *tx)
        .await
        .map_err(db)?;

    let applied: Vec<(i64, i64)> =
        sqlx::query_as("SELECT version, checksum FROM schema_version ORDER BY version")
            .fetch_all(&mut *tx)
            .await
            .map_err(db)?;
    if let Some(&(found, _)) = applied.last()
        && found > SCHEMA_VERSION
    {
        return Err(PgError::SchemaTooNew {
            schema: schema.to_owned(),
            found,
            supported: SCHEMA_VERSION,
        }
        .into());
    }
    for &(version, description, sql) in MIGRATIONS {
        match applied.iter().find(|(v, _)| *v == version) {
            Some(&(_, sum)) if sum == checksum(sql) => {}
            Some(_) => {
                return Err(PgError::SchemaModified {
                    schema: schema.to_owned(),
                    version,
                }
                .into());
            }
            None => {
                sqlx::raw_sql(sql).execute(&mut *tx).await.map_err(db)?;
                sqlx::query(
                    "INSERT INTO schema_version (version, description, checksum) VALUES ($1, $2, $3)",
                )
                .bind(version)
                .bind(description)
                .bind(checksum(sql))
                .execute(&mut *tx)
                .await
                .map_err(db)?;
            }
        }
    }
    row_level_security(&mut *tx, schema, rls).await
}

/// Makes the tables' row-level security match `rls`: enables and forces it when asked
/// (forcing makes it apply to the tables' owner, which the store's role usually is), and
/// refuses to run without it on a schema that has it (every query would see nothing).
async fn row_level_security(conn: &mut PgConnection, schema: &str, rls: bool) -> Result<()> {
    let rows = sqlx::query(
        "SELECT c.relname::text, c.relrowsecurity, c.relforcerowsecurity \
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = $1 AND c.relkind = 'r' AND c.relname = ANY($2)",
    )
    .bind(schema)
    .bind(TABLES)
    .fetch_all(&mut *conn)
    .await
    .map_err(db)?;
    for row in rows {
        let table: String = row.try_get(0).map_err(db)?;
        let enabled: bool = row.try_get(1).map_err(db)?;
        let forced: bool = row.try_get(2).map_err(db)?;
        if rls && !(enabled && forced) {
            // `table` is one of TABLES (checked by the query): safe to splice.
            sqlx::raw_sql(AssertSqlSafe(format!(
                "ALTER TABLE {schema}.{table} ENABLE ROW LEVEL SECURITY;
                 ALTER TABLE {schema}.{table} FORCE ROW LEVEL SECURITY;"
            )))
            .execute(&mut *conn)
            .await
            .map_err(db)?;
        } else if !rls && enabled {
            return Err(PgError::RowLevelSecurityMismatch {
                schema: schema.to_owned(),
            }
            .into());
        }
    }
    if rls {
        // Superusers and BYPASSRLS roles ignore every policy, even forced ones: RLS would
        // silently protect nothing.
        let bypass: bool = sqlx::query_scalar(
            "SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user",
        )
        .fetch_one(&mut *conn)
        .await
        .map_err(db)?;
        if bypass {
            return Err(PgError::RowLevelSecurityBypassed.into());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_numbered_in_order_up_to_the_schema_version() {
        for (i, (v, _, _)) in MIGRATIONS.iter().enumerate() {
            assert_eq!(*v, i as i64 + 1);
        }
        assert_eq!(MIGRATIONS.last().map(|m| m.0), Some(SCHEMA_VERSION));
    }

    #[test]
    fn every_table_has_a_tenant_policy() {
        let sql = MIGRATIONS.iter().map(|m| m.2).collect::<String>();
        for t in TABLES {
            assert!(sql.contains(&format!("CREATE TABLE {t} (")), "{t}");
            assert!(
                sql.contains(&format!("CREATE POLICY tenant_isolation ON {t}\n")),
                "{t}"
            );
        }
    }
}

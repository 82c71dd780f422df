//! The schema and its migrator. Migrations are SQL strings compiled into the library and
//! applied in order when a store is opened; `PRAGMA user_version` records how far a file
//! got and `PRAGMA application_id` marks the file as ours. A file with a newer version is
//! refused, never downgraded.
//!
//! Conventions: the tenant comes first in every primary key and index; post ids are 16-byte
//! big-endian BLOBs (they sort like [`watercooler_core::PostId`]); times are INTEGER
//! nanoseconds since the Unix epoch (UTC); enums are their stable lowercase names, except
//! reaction, follow and mute kinds, which are small integers so that lists sort like the
//! model's `Ord` (reactions: the index in `ReactionKind::ALL`).

use sqlx::SqliteConnection;

use crate::error::{SqliteError, map};

/// `PRAGMA application_id` of a watercooler database ("WCSQ").
pub(crate) const APPLICATION_ID: i64 = 0x5743_5351;

/// The migrations, in order: `MIGRATIONS[i]` takes the schema from version `i` to `i + 1`.
/// Never edit a released migration; add a new one.
const MIGRATIONS: &[&str] = &[V1, V2, V3];

/// The schema version this library writes and understands.
pub(crate) const LATEST: i64 = MIGRATIONS.len() as i64;

/// Version 1: the whole initial schema.
const V1: &str = r#"
CREATE TABLE posts (
    tenant         TEXT    NOT NULL,
    id             BLOB    NOT NULL CHECK (length(id) = 16),
    author         TEXT    NOT NULL,
    text           TEXT    NOT NULL,
    language       TEXT    NOT NULL,
    created_at     INTEGER NOT NULL,
    edited_at      INTEGER,
    vis            TEXT    NOT NULL CHECK (vis IN ('org', 'group', 'direct')),
    group_id       TEXT    CHECK ((vis = 'group') = (group_id IS NOT NULL)),
    -- JSON array of the recipients of a direct post (NULL otherwise); the rows in
    -- direct_recipients are what visibility checks use.
    recipients     TEXT    CHECK ((vis = 'direct') = (recipients IS NOT NULL)),
    reply_to       BLOB,
    thread_root    BLOB,
    announcement   INTEGER NOT NULL,
    pinned_until   INTEGER,
    -- JSON: {"h":[[key,display,start,end]],"m":[[person,handle,start,end]],"u":[[url,start,end]]}
    -- post_hashtags and post_mentions are derived from it by the triggers below.
    entities       TEXT    NOT NULL,
    PRIMARY KEY (tenant, id)
) WITHOUT ROWID;
CREATE INDEX posts_by_author  ON posts (tenant, author, id);
CREATE INDEX posts_by_group   ON posts (tenant, group_id, id) WHERE group_id IS NOT NULL;
CREATE INDEX posts_by_thread  ON posts (tenant, thread_root, id) WHERE thread_root IS NOT NULL;
CREATE INDEX posts_pinned     ON posts (tenant, pinned_until) WHERE pinned_until IS NOT NULL;

-- Counters of a post, one row per post (written by the insert trigger). Narrow rows, so
-- the counter updates of a bulk import dirty few pages; `org_root` and `created_at` let
-- the popular-posts scan of a feed read this table alone.
CREATE TABLE post_stats (
    tenant         TEXT    NOT NULL,
    post           BLOB    NOT NULL,
    org_root       INTEGER NOT NULL DEFAULT 0,
    created_at     INTEGER NOT NULL DEFAULT 0,
    r_like         INTEGER NOT NULL DEFAULT 0,
    r_celebrate    INTEGER NOT NULL DEFAULT 0,
    r_support      INTEGER NOT NULL DEFAULT 0,
    r_insightful   INTEGER NOT NULL DEFAULT 0,
    r_funny        INTEGER NOT NULL DEFAULT 0,
    replies        INTEGER NOT NULL DEFAULT 0,
    last_activity  INTEGER,
    PRIMARY KEY (tenant, post),
    FOREIGN KEY (tenant, post) REFERENCES posts (tenant, id) ON DELETE CASCADE
) WITHOUT ROWID;
-- The organisation roots with some engagement, with what ranks them: the popular source
-- of a feed reads this (small) index alone.
CREATE INDEX post_stats_engaged ON post_stats
    (tenant, post, created_at, r_like, r_celebrate, r_support, r_insightful, r_funny, replies)
    WHERE org_root AND r_like + r_celebrate + r_support + r_insightful + r_funny + 2 * replies > 0;

-- Derived from posts.entities by triggers (no foreign key: the triggers delete them by key).
CREATE TABLE post_hashtags (
    tenant   TEXT    NOT NULL,
    key      TEXT    NOT NULL,
    post     BLOB    NOT NULL,
    display  TEXT    NOT NULL,
    PRIMARY KEY (tenant, key, post)
) WITHOUT ROWID;

CREATE TABLE post_mentions (
    tenant   TEXT NOT NULL,
    person   TEXT NOT NULL,
    post     BLOB NOT NULL,
    PRIMARY KEY (tenant, person, post)
) WITHOUT ROWID;

CREATE TABLE direct_recipients (
    tenant   TEXT NOT NULL,
    post     BLOB NOT NULL,
    person   TEXT NOT NULL,
    PRIMARY KEY (tenant, post, person),
    FOREIGN KEY (tenant, post) REFERENCES posts (tenant, id) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE INDEX direct_recipients_by_person ON direct_recipients (tenant, person, post);

CREATE TABLE revisions (
    tenant       TEXT    NOT NULL,
    post         BLOB    NOT NULL,
    number       INTEGER NOT NULL,
    text         TEXT    NOT NULL,
    replaced_at  INTEGER NOT NULL,
    PRIMARY KEY (tenant, post, number),
    FOREIGN KEY (tenant, post) REFERENCES posts (tenant, id) ON DELETE CASCADE
) WITHOUT ROWID;

-- kind: the index in watercooler_core::ReactionKind::ALL.
CREATE TABLE reactions (
    tenant   TEXT    NOT NULL,
    post     BLOB    NOT NULL,
    person   TEXT    NOT NULL,
    kind     INTEGER NOT NULL CHECK (kind BETWEEN 0 AND 4),
    at       INTEGER NOT NULL,
    PRIMARY KEY (tenant, post, person, kind),
    FOREIGN KEY (tenant, post) REFERENCES posts (tenant, id) ON DELETE CASCADE
) WITHOUT ROWID;
-- Newest first, then person and kind: the order of a reaction list, so pages are index
-- ranges.
CREATE INDEX reactions_by_time   ON reactions (tenant, post, at DESC, person, kind);
CREATE INDEX reactions_by_person ON reactions (tenant, person);

CREATE TABLE interactions (
    tenant   TEXT    NOT NULL,
    person   TEXT    NOT NULL,
    author   TEXT    NOT NULL,
    n        INTEGER NOT NULL,
    PRIMARY KEY (tenant, person, author)
) WITHOUT ROWID;
CREATE INDEX interactions_by_author ON interactions (tenant, author);

-- kind: 0 person, 1 hashtag, 2 group (the order of watercooler_core::FollowTarget).
CREATE TABLE follows (
    tenant   TEXT    NOT NULL,
    person   TEXT    NOT NULL,
    kind     INTEGER NOT NULL CHECK (kind IN (0, 1, 2)),
    target   TEXT    NOT NULL,
    PRIMARY KEY (tenant, person, kind, target)
) WITHOUT ROWID;
CREATE INDEX follows_by_target ON follows (tenant, kind, target);

-- kind: 0 person, 1 word, 2 hashtag (the order of watercooler_core::MuteTarget).
CREATE TABLE mutes (
    tenant   TEXT    NOT NULL,
    person   TEXT    NOT NULL,
    kind     INTEGER NOT NULL CHECK (kind IN (0, 1, 2)),
    target   TEXT    NOT NULL,
    PRIMARY KEY (tenant, person, kind, target)
) WITHOUT ROWID;
CREATE INDEX mutes_by_target ON mutes (tenant, kind, target);

CREATE TABLE notifications (
    tenant      TEXT    NOT NULL,
    recipient   TEXT    NOT NULL,
    kind        TEXT    NOT NULL,
    post        BLOB    NOT NULL,
    seq         INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    seen        INTEGER NOT NULL,
    PRIMARY KEY (tenant, recipient, kind, post),
    FOREIGN KEY (tenant, post) REFERENCES posts (tenant, id) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE UNIQUE INDEX notifications_by_seq ON notifications (tenant, recipient, seq);
CREATE INDEX notifications_by_post ON notifications (tenant, post);

-- ord: the notification sequence number when the actor last acted (most recent first).
CREATE TABLE notification_actors (
    tenant      TEXT    NOT NULL,
    recipient   TEXT    NOT NULL,
    kind        TEXT    NOT NULL,
    post        BLOB    NOT NULL,
    actor       TEXT    NOT NULL,
    ord         INTEGER NOT NULL,
    PRIMARY KEY (tenant, recipient, kind, post, actor),
    FOREIGN KEY (tenant, recipient, kind, post)
        REFERENCES notifications (tenant, recipient, kind, post) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE INDEX notification_actors_by_actor ON notification_actors (tenant, actor);

-- No foreign key: what a person has seen is theirs (exported, erased with them), also
-- after the post is gone.
CREATE TABLE seen_posts (
    tenant   TEXT NOT NULL,
    person   TEXT NOT NULL,
    post     BLOB NOT NULL,
    PRIMARY KEY (tenant, person, post)
) WITHOUT ROWID;

-- Global and strictly increasing: AUTOINCREMENT never reuses a number, even after the
-- newest rows are deleted.
CREATE TABLE change_log (
    seq      INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant   TEXT    NOT NULL,
    post     BLOB    NOT NULL,
    kind     TEXT    NOT NULL,
    at       INTEGER NOT NULL
);

-- Counters that are not a table's key: 'notification_seq'.
CREATE TABLE counters (
    name   TEXT    PRIMARY KEY,
    value  INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO counters (name, value) VALUES ('notification_seq', 0);

-- Notification events are inserted into this view; its trigger folds each into the
-- notifications: the event takes the next value of the store-wide counter; a new
-- notification starts with it, an existing one moves to it (to the top), takes the actor
-- first (its `ord`) and becomes unseen. Events about a post that does not exist are
-- dropped (the counter still moves, as in the in-memory reference).
CREATE VIEW notification_events (tenant, recipient, kind, post, actor, at) AS
    SELECT tenant, recipient, kind, post, actor, ord FROM notification_actors WHERE 0;

CREATE TRIGGER notification_event INSTEAD OF INSERT ON notification_events BEGIN
    UPDATE counters SET value = value + 1 WHERE name = 'notification_seq';
    INSERT INTO notifications (tenant, recipient, kind, post, seq, updated_at, seen)
        SELECT NEW.tenant, NEW.recipient, NEW.kind, NEW.post,
            (SELECT value FROM counters WHERE name = 'notification_seq'), NEW.at, 0
        WHERE EXISTS (SELECT 1 FROM posts WHERE tenant = NEW.tenant AND id = NEW.post)
        ON CONFLICT (tenant, recipient, kind, post) DO UPDATE SET seq = excluded.seq,
            updated_at = max(updated_at, excluded.updated_at), seen = 0;
    INSERT INTO notification_actors (tenant, recipient, kind, post, actor, ord)
        SELECT NEW.tenant, NEW.recipient, NEW.kind, NEW.post, NEW.actor,
            (SELECT value FROM counters WHERE name = 'notification_seq')
        WHERE EXISTS (SELECT 1 FROM posts WHERE tenant = NEW.tenant AND id = NEW.post)
        ON CONFLICT (tenant, recipient, kind, post, actor) DO UPDATE SET ord = excluded.ord;
END;

-- The triggers keep what is derived from a row in the same statement as the row itself:
-- no write path can store a post without its tags, mentions, recipients, thread counters
-- and `created` log entry, or a reaction without its counter.

-- A new post: its counter row, the side rows from its entities, and its `created` log
-- entry.
CREATE TRIGGER post_inserted AFTER INSERT ON posts BEGIN
    INSERT INTO post_stats (tenant, post, org_root, created_at)
        VALUES (NEW.tenant, NEW.id, NEW.vis = 'org' AND NEW.thread_root IS NULL, NEW.created_at);
    INSERT INTO post_hashtags (tenant, key, post, display)
        SELECT NEW.tenant, value ->> 0, NEW.id, value ->> 1 FROM json_each(NEW.entities, '$.h')
        WHERE true
        ON CONFLICT (tenant, key, post) DO UPDATE SET display = excluded.display;
    INSERT OR IGNORE INTO post_mentions (tenant, person, post)
        SELECT NEW.tenant, value ->> 0, NEW.id FROM json_each(NEW.entities, '$.m');
    INSERT INTO change_log (tenant, post, kind, at)
        VALUES (NEW.tenant, NEW.id, 'created', NEW.created_at);
END;

CREATE TRIGGER direct_post_inserted AFTER INSERT ON posts WHEN NEW.vis = 'direct' BEGIN
    INSERT OR IGNORE INTO direct_recipients (tenant, post, person)
        SELECT NEW.tenant, NEW.id, value FROM json_each(NEW.recipients);
END;

-- A new reply needs its thread root (stored before it), counts on its root and on its
-- parent (if that is another post and exists), and as an interaction with the parent's
-- author.
CREATE TRIGGER reply_inserted AFTER INSERT ON posts WHEN NEW.thread_root IS NOT NULL BEGIN
    SELECT RAISE(ABORT, 'watercooler: thread root not found')
    WHERE NOT EXISTS (SELECT 1 FROM posts WHERE tenant = NEW.tenant AND id = NEW.thread_root);
    INSERT INTO post_stats (tenant, post, replies, last_activity)
        VALUES (NEW.tenant, NEW.thread_root, 1, NEW.created_at)
        ON CONFLICT (tenant, post) DO UPDATE SET replies = replies + 1,
            last_activity = max(coalesce(last_activity, excluded.last_activity), excluded.last_activity);
    INSERT INTO post_stats (tenant, post, replies, last_activity)
        SELECT NEW.tenant, NEW.reply_to, 1, NEW.created_at
        WHERE NEW.reply_to IS NOT NULL AND NEW.reply_to <> NEW.thread_root
            AND EXISTS (SELECT 1 FROM posts WHERE tenant = NEW.tenant AND id = NEW.reply_to)
        ON CONFLICT (tenant, post) DO UPDATE SET replies = replies + 1,
            last_activity = max(coalesce(last_activity, excluded.last_activity), excluded.last_activity);
    INSERT INTO interactions (tenant, person, author, n)
        SELECT NEW.tenant, NEW.author, par.author, 1 FROM posts AS par
        WHERE par.tenant = NEW.tenant AND par.id = coalesce(NEW.reply_to, NEW.thread_root)
            AND par.author <> NEW.author
        ON CONFLICT (tenant, person, author) DO UPDATE SET n = n + 1;
END;

-- New text: the tags and mentions follow the entities.
CREATE TRIGGER post_entities_updated AFTER UPDATE OF entities ON posts BEGIN
    DELETE FROM post_hashtags WHERE tenant = OLD.tenant AND post = OLD.id
        AND key IN (SELECT value ->> 0 FROM json_each(OLD.entities, '$.h'));
    DELETE FROM post_mentions WHERE tenant = OLD.tenant AND post = OLD.id
        AND person IN (SELECT value ->> 0 FROM json_each(OLD.entities, '$.m'));
    INSERT INTO post_hashtags (tenant, key, post, display)
        SELECT NEW.tenant, value ->> 0, NEW.id, value ->> 1 FROM json_each(NEW.entities, '$.h')
        WHERE true
        ON CONFLICT (tenant, key, post) DO UPDATE SET display = excluded.display;
    INSERT OR IGNORE INTO post_mentions (tenant, person, post)
        SELECT NEW.tenant, value ->> 0, NEW.id FROM json_each(NEW.entities, '$.m');
END;

-- A deleted post: its tags and mentions go (the other side rows by cascade), and a reply
-- is uncounted on its root and parent.
CREATE TRIGGER post_deleted AFTER DELETE ON posts BEGIN
    DELETE FROM post_hashtags WHERE tenant = OLD.tenant AND post = OLD.id
        AND key IN (SELECT value ->> 0 FROM json_each(OLD.entities, '$.h'));
    DELETE FROM post_mentions WHERE tenant = OLD.tenant AND post = OLD.id
        AND person IN (SELECT value ->> 0 FROM json_each(OLD.entities, '$.m'));
    UPDATE post_stats SET replies = max(replies - 1, 0)
        WHERE OLD.thread_root IS NOT NULL AND tenant = OLD.tenant
        AND (post = OLD.thread_root OR (post = OLD.reply_to AND OLD.reply_to <> OLD.thread_root));
END;

-- A reaction counts on its post and as an interaction with the post's author.
CREATE TRIGGER reaction_inserted AFTER INSERT ON reactions BEGIN
    INSERT INTO post_stats (tenant, post, r_like, r_celebrate, r_support, r_insightful, r_funny,
            last_activity)
        VALUES (NEW.tenant, NEW.post, NEW.kind = 0, NEW.kind = 1, NEW.kind = 2, NEW.kind = 3,
            NEW.kind = 4, NEW.at)
        ON CONFLICT (tenant, post) DO UPDATE SET r_like = r_like + excluded.r_like,
            r_celebrate = r_celebrate + excluded.r_celebrate,
            r_support = r_support + excluded.r_support,
            r_insightful = r_insightful + excluded.r_insightful,
            r_funny = r_funny + excluded.r_funny,
            last_activity = max(coalesce(last_activity, excluded.last_activity), excluded.last_activity);
    INSERT INTO interactions (tenant, person, author, n)
        SELECT NEW.tenant, NEW.person, p.author, 1 FROM posts AS p
        WHERE p.tenant = NEW.tenant AND p.id = NEW.post AND p.author <> NEW.person
        ON CONFLICT (tenant, person, author) DO UPDATE SET n = n + 1;
END;

-- A removed reaction is uncounted (the last activity stays).
CREATE TRIGGER reaction_deleted AFTER DELETE ON reactions BEGIN
    UPDATE post_stats SET r_like = max(r_like - (OLD.kind = 0), 0),
        r_celebrate = max(r_celebrate - (OLD.kind = 1), 0),
        r_support = max(r_support - (OLD.kind = 2), 0),
        r_insightful = max(r_insightful - (OLD.kind = 3), 0),
        r_funny = max(r_funny - (OLD.kind = 4), 0)
    WHERE tenant = OLD.tenant AND post = OLD.post;
END;
"#;

/// Version 2: request keys of idempotent writes (`Store::insert_post_once`), kept as long
/// as the post they made.
const V2: &str = r#"
CREATE TABLE request_keys (
    tenant       TEXT    NOT NULL,
    person       TEXT    NOT NULL,
    key          TEXT    NOT NULL,
    fingerprint  INTEGER NOT NULL,
    post         BLOB    NOT NULL,
    at           INTEGER NOT NULL,
    PRIMARY KEY (tenant, person, key),
    -- Deferred: the key is written before its post, so a repeated key fails first.
    FOREIGN KEY (tenant, post) REFERENCES posts (tenant, id) ON DELETE CASCADE
        DEFERRABLE INITIALLY DEFERRED
) WITHOUT ROWID;
CREATE INDEX request_keys_by_post ON request_keys (tenant, post);
"#;

/// Version 3: a notification's subject (the newest reply of a reply notification), so a
/// client can link to it. The event view and its folding trigger are recreated with it.
const V3: &str = r#"
ALTER TABLE notifications ADD COLUMN subject BLOB CHECK (subject IS NULL OR length(subject) = 16);
DROP TRIGGER notification_event;
DROP VIEW notification_events;
CREATE VIEW notification_events (tenant, recipient, kind, post, actor, at, subject) AS
    SELECT tenant, recipient, kind, post, actor, ord, NULL FROM notification_actors WHERE 0;
CREATE TRIGGER notification_event INSTEAD OF INSERT ON notification_events BEGIN
    UPDATE counters SET value = value + 1 WHERE name = 'notification_seq';
    INSERT INTO notifications (tenant, recipient, kind, post, seq, updated_at, seen, subject)
        SELECT NEW.tenant, NEW.recipient, NEW.kind, NEW.post,
            (SELECT value FROM counters WHERE name = 'notification_seq'), NEW.at, 0, NEW.subject
        WHERE EXISTS (SELECT 1 FROM posts WHERE tenant = NEW.tenant AND id = NEW.post)
        ON CONFLICT (tenant, recipient, kind, post) DO UPDATE SET seq = excluded.seq,
            updated_at = max(updated_at, excluded.updated_at), seen = 0,
            subject = coalesce(excluded.subject, subject);
    INSERT INTO notification_actors (tenant, recipient, kind, post, actor, ord)
        SELECT NEW.tenant, NEW.recipient, NEW.kind, NEW.post, NEW.actor,
            (SELECT value FROM counters WHERE name = 'notification_seq')
        WHERE EXISTS (SELECT 1 FROM posts WHERE tenant = NEW.tenant AND id = NEW.post)
        ON CONFLICT (tenant, recipient, kind, post, actor) DO UPDATE SET ord = excluded.ord;
END;
"#;

/// The schema version and application id of an open database.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Header {
    pub version: i64,
    pub application_id: i64,
    /// Whether the file holds any table (a fresh file holds none).
    pub has_tables: bool,
}

/// Reads the header fields that decide what to do with a file.
pub(crate) async fn read_header(conn: &mut SqliteConnection) -> watercooler_core::Result<Header> {
    let version: i64 = sqlx::query_scalar("PRAGMA user_version")
        .fetch_one(&mut *conn)
        .await
        .map_err(map)?;
    let application_id: i64 = sqlx::query_scalar("PRAGMA application_id")
        .fetch_one(&mut *conn)
        .await
        .map_err(map)?;
    let tables: i64 = sqlx::query_scalar("SELECT count(*) FROM sqlite_schema")
        .fetch_one(&mut *conn)
        .await
        .map_err(map)?;
    Ok(Header {
        version,
        application_id,
        has_tables: tables > 0,
    })
}

/// Refuses files that are not ours or too new.
pub(crate) fn check(header: Header) -> watercooler_core::Result<()> {
    if header.application_id != APPLICATION_ID && (header.application_id != 0 || header.has_tables)
    {
        return Err(SqliteError::ForeignDatabase {
            detail: format!(
                "application id {:#x}, version {}, {} tables",
                header.application_id,
                header.version,
                if header.has_tables { "with" } else { "no" }
            ),
        }
        .into());
    }
    if header.version > LATEST {
        return Err(SqliteError::NewerSchema {
            found: header.version,
            supported: LATEST,
        }
        .into());
    }
    Ok(())
}

/// Brings the schema to [`LATEST`], one migration per transaction. Each transaction takes
/// the write lock first and reads the version again, so two processes opening the same
/// new file do not both migrate it.
pub(crate) async fn migrate(conn: &mut SqliteConnection) -> watercooler_core::Result<()> {
    loop {
        sqlx::query("BEGIN IMMEDIATE")
            .execute(&mut *conn)
            .await
            .map_err(map)?;
        let step = migrate_one(conn).await;
        match step {
            Ok(true) => {
                sqlx::query("COMMIT")
                    .execute(&mut *conn)
                    .await
                    .map_err(map)?;
            }
            Ok(false) => {
                sqlx::query("COMMIT")
                    .execute(&mut *conn)
                    .await
                    .map_err(map)?;
                return Ok(());
            }
            Err(e) => {
                // The migration's own error is the one worth reporting.
                let _ = sqlx::query("ROLLBACK").execute(&mut *conn).await;
                return Err(e);
            }
        }
    }
}

/// Applies the next migration inside the caller's transaction; `false` when up to date.
async fn migrate_one(conn: &mut SqliteConnection) -> watercooler_core::Result<bool> {
    let header = read_header(conn).await?;
    check(header)?;
    let Ok(current) = usize::try_from(header.version) else {
        return Err(SqliteError::ForeignDatabase {
            detail: format!("negative schema version {}", header.version),
        }
        .into());
    };
    let Some(sql) = MIGRATIONS.get(current) else {
        return Ok(false);
    };
    sqlx::raw_sql(*sql).execute(&mut *conn).await.map_err(map)?;
    // PRAGMA takes no bound parameters; both values are integers we produce.
    let set = format!(
        "PRAGMA application_id = {APPLICATION_ID}; PRAGMA user_version = {}",
        current + 1
    );
    sqlx::raw_sql(sqlx::AssertSqlSafe(set))
        .execute(&mut *conn)
        .await
        .map_err(map)?;
    Ok(true)
}

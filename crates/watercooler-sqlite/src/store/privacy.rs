//! GDPR: erasing a person (one transaction) and exporting what is stored about them (one
//! read snapshot).

use chrono::{DateTime, Utc};
use sqlx::{Connection, Row, SqliteConnection};
use watercooler_core::store::{ErasureReport, PersonData};
use watercooler_core::{
    ChangeKind, FollowTarget, MuteTarget, PersonId, PostId, Reaction, Result, Revision, TenantId,
};

use super::changes::append;
use super::notify::read_notifications;
use super::social::Target;
use super::write::delete_thread;
use super::{SqliteStore, begin_write};
use crate::codec::{
    entities, entities_json, post_cols, post_from_row, post_id, reaction_kind, time, ts,
};
use crate::error::map;

/// Runs a statement binding `?1` tenant and `?2` person; returns the rows changed.
async fn run(
    conn: &mut SqliteConnection,
    sql: &'static str,
    tenant: &str,
    person: &str,
) -> Result<usize> {
    let done = sqlx::query(sql)
        .bind(tenant)
        .bind(person)
        .execute(&mut *conn)
        .await
        .map_err(map)?;
    Ok(usize::try_from(done.rows_affected()).unwrap_or(usize::MAX))
}

impl SqliteStore {
    pub(super) async fn erase_person_impl(
        &self,
        tenant: &TenantId,
        person: &PersonId,
        at: DateTime<Utc>,
    ) -> Result<ErasureReport> {
        ts(at)?;
        let (t, p) = (tenant.as_str(), person.as_str());
        let mut report = ErasureReport::default();
        let mut last = None;
        let mut w = self.writer().await?;
        let mut tx = begin_write(&mut w).await?;

        // Their posts and replies. Replies first, so each of theirs is logged `Erased`
        // before a root of theirs takes the rest of its thread along (logged `Deleted`).
        let own: Vec<Vec<u8>> = sqlx::query_scalar(
            "SELECT id FROM posts INDEXED BY posts_by_author WHERE tenant = ?1 AND author = ?2 \
             ORDER BY thread_root IS NULL, id",
        )
        .bind(t)
        .bind(p)
        .fetch_all(&mut *tx)
        .await
        .map_err(map)?;
        for id in own {
            let id = post_id(&id)?;
            if let Some(seq) = delete_thread(
                &mut tx,
                tenant,
                id,
                ChangeKind::Erased,
                ChangeKind::Deleted,
                at,
            )
            .await?
            {
                report.posts += 1;
                last = Some(seq);
            }
        }

        // Their reactions (the delete trigger uncounts them).
        report.reactions = run(
            &mut tx,
            "DELETE FROM reactions WHERE tenant = ?1 AND person = ?2",
            t,
            p,
        )
        .await?;

        // Their follows and mutes, and others' of them.
        for sql in [
            "DELETE FROM follows WHERE tenant = ?1 AND person = ?2",
            "DELETE FROM mutes WHERE tenant = ?1 AND person = ?2",
            "DELETE FROM follows WHERE tenant = ?1 AND kind = 0 AND target = ?2",
            "DELETE FROM mutes WHERE tenant = ?1 AND kind = 0 AND target = ?2",
        ] {
            report.follows_and_mutes += run(&mut tx, sql, t, p).await?;
        }

        // Notifications to them; them as an actor in others' (a notification left without
        // actors goes).
        report.notifications += run(
            &mut tx,
            "DELETE FROM notifications WHERE tenant = ?1 AND recipient = ?2",
            t,
            p,
        )
        .await?;
        report.notifications += run(
            &mut tx,
            "DELETE FROM notifications AS n WHERE n.tenant = ?1 \
             AND (n.recipient, n.kind, n.post) IN (SELECT recipient, kind, post \
                 FROM notification_actors WHERE tenant = ?1 AND actor = ?2) \
             AND NOT EXISTS (SELECT 1 FROM notification_actors AS a WHERE a.tenant = n.tenant \
                 AND a.recipient = n.recipient AND a.kind = n.kind AND a.post = n.post \
                 AND a.actor <> ?2)",
            t,
            p,
        )
        .await?;
        run(
            &mut tx,
            "DELETE FROM notification_actors WHERE tenant = ?1 AND actor = ?2",
            t,
            p,
        )
        .await?;

        // Their resolved mentions in others' posts: the text stays, the link goes (the
        // update trigger drops the mention rows).
        let mentioned: Vec<(Vec<u8>, String)> = sqlx::query_as(
            "SELECT p.id, p.entities FROM post_mentions AS m CROSS JOIN posts AS p \
             ON p.tenant = m.tenant AND p.id = m.post \
             WHERE m.tenant = ?1 AND m.person = ?2 ORDER BY p.id",
        )
        .bind(t)
        .bind(p)
        .fetch_all(&mut *tx)
        .await
        .map_err(map)?;
        for (id, json) in mentioned {
            let (h, mut m, u) = entities(&json)?;
            m.retain(|x| &x.person != person);
            sqlx::query("UPDATE posts SET entities = ?3 WHERE tenant = ?1 AND id = ?2")
                .bind(t)
                .bind(&id[..])
                .bind(entities_json(&h, &m, &u))
                .execute(&mut *tx)
                .await
                .map_err(map)?;
            report.mentions += 1;
            last = Some(append(&mut tx, tenant, post_id(&id)?, ChangeKind::Edited, at).await?);
        }

        // Seen state and interactions, both ways.
        run(
            &mut tx,
            "DELETE FROM seen_posts WHERE tenant = ?1 AND person = ?2",
            t,
            p,
        )
        .await?;
        run(
            &mut tx,
            "DELETE FROM interactions WHERE tenant = ?1 AND (person = ?2 OR author = ?2)",
            t,
            p,
        )
        .await?;

        tx.commit().await.map_err(map)?;
        report.last_seq = last;
        Ok(report)
    }

    pub(super) async fn export_person_impl(
        &self,
        tenant: &TenantId,
        person: &PersonId,
    ) -> Result<PersonData> {
        let (t, p) = (tenant.as_str(), person.as_str());
        let mut r = self.read().await?;
        let mut tx = r.begin().await.map_err(map)?;
        let posts = sqlx::query(concat!(
            "SELECT ",
            post_cols!(),
            " FROM posts AS p INDEXED BY posts_by_author ",
            "LEFT JOIN post_stats AS s ON s.tenant = p.tenant AND s.post = p.id ",
            "WHERE p.tenant = ?1 AND p.author = ?2 ORDER BY p.id"
        ))
        .bind(t)
        .bind(p)
        .fetch_all(&mut *tx)
        .await
        .map_err(map)?
        .iter()
        .map(|r| post_from_row(r, 0))
        .collect::<Result<Vec<_>>>()?;

        let revisions = sqlx::query(
            "SELECT r.post, r.number, r.text, r.replaced_at FROM posts AS p INDEXED BY posts_by_author \
             CROSS JOIN revisions AS r ON r.tenant = p.tenant AND r.post = p.id \
             WHERE p.tenant = ?1 AND p.author = ?2 \
             ORDER BY r.post, r.number",
        )
        .bind(t)
        .bind(p)
        .fetch_all(&mut *tx)
        .await
        .map_err(map)?
        .iter()
        .map(|r| {
            let post: Vec<u8> = r.try_get(0).map_err(map)?;
            let number: i64 = r.try_get(1).map_err(map)?;
            let replaced_at: i64 = r.try_get(3).map_err(map)?;
            Ok(Revision {
                post: post_id(&post)?,
                number: u32::try_from(number).unwrap_or(u32::MAX),
                text: r.try_get(2).map_err(map)?,
                replaced_at: time(replaced_at),
            })
        })
        .collect::<Result<Vec<_>>>()?;

        let reactions = sqlx::query(
            "SELECT post, kind, at FROM reactions WHERE tenant = ?1 AND person = ?2 \
             ORDER BY post, kind",
        )
        .bind(t)
        .bind(p)
        .fetch_all(&mut *tx)
        .await
        .map_err(map)?
        .iter()
        .map(|r| {
            let post: Vec<u8> = r.try_get(0).map_err(map)?;
            let kind: i64 = r.try_get(1).map_err(map)?;
            let at: i64 = r.try_get(2).map_err(map)?;
            Ok(Reaction {
                post: post_id(&post)?,
                person: person.clone(),
                kind: reaction_kind(kind)?,
                at: time(at),
            })
        })
        .collect::<Result<Vec<_>>>()?;

        let follows = sqlx::query(
            "SELECT kind, target FROM follows WHERE tenant = ?1 AND person = ?2 ORDER BY kind, target",
        )
        .bind(t)
        .bind(p)
        .fetch_all(&mut *tx)
        .await
        .map_err(map)?
        .iter()
        .map(FollowTarget::from_row)
        .collect::<Result<Vec<_>>>()?;
        let mutes = sqlx::query(
            "SELECT kind, target FROM mutes WHERE tenant = ?1 AND person = ?2 ORDER BY kind, target",
        )
        .bind(t)
        .bind(p)
        .fetch_all(&mut *tx)
        .await
        .map_err(map)?
        .iter()
        .map(MuteTarget::from_row)
        .collect::<Result<Vec<_>>>()?;

        let notifications = read_notifications(&mut tx, tenant, person, i64::MAX, i64::MAX).await?;

        let seen: Vec<Vec<u8>> = sqlx::query_scalar(
            "SELECT post FROM seen_posts WHERE tenant = ?1 AND person = ?2 ORDER BY post",
        )
        .bind(t)
        .bind(p)
        .fetch_all(&mut *tx)
        .await
        .map_err(map)?;
        let seen = seen
            .iter()
            .map(|b| post_id(b))
            .collect::<Result<Vec<PostId>>>()?;
        tx.commit().await.map_err(map)?;
        Ok(PersonData {
            posts,
            revisions,
            reactions,
            follows,
            mutes,
            notifications,
            seen,
        })
    }
}

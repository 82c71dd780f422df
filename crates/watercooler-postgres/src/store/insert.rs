//! Inserting posts: one or a batch of one tenant, as multi-row statements (arrays unnested
//! server-side), with the index rows, counters and interactions they imply.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Utc};
use sqlx::postgres::PgConnection;
use uuid::Uuid;
use watercooler_core::{Error, Post, PostId, Result, TenantId};

use crate::codec::{self, uuid, uuids};
use crate::error::db;

/// Inserts posts of one tenant: checks reply roots, writes the posts and their tag and
/// mention rows, counts replies on their roots and parents, and counts the repliers'
/// interactions. Multi-row statements (arrays unnested server-side), so a batch of
/// thousands costs a handful of round trips.
pub(super) async fn insert_run(
    conn: &mut PgConnection,
    tenant: &TenantId,
    posts: &[Post],
) -> Result<()> {
    check_roots(conn, tenant, posts).await?;

    let n = posts.len();
    let mut id = Vec::with_capacity(n);
    let mut author = Vec::with_capacity(n);
    let mut body = Vec::with_capacity(n);
    let mut language = Vec::with_capacity(n);
    let mut created_at = Vec::with_capacity(n);
    let mut edited_at = Vec::with_capacity(n);
    let mut vis_kind = Vec::with_capacity(n);
    let mut vis_group = Vec::with_capacity(n);
    let mut recipients: Vec<Option<String>> = Vec::with_capacity(n);
    let mut reply_to = Vec::with_capacity(n);
    let mut thread_root = Vec::with_capacity(n);
    let mut announcement = Vec::with_capacity(n);
    let mut pinned_until = Vec::with_capacity(n);
    let mut hashtags = Vec::with_capacity(n);
    let mut mentions = Vec::with_capacity(n);
    let mut urls = Vec::with_capacity(n);
    for p in posts {
        let (kind, group, direct) = codec::visibility_parts(&p.visibility);
        id.push(uuid(p.id));
        author.push(p.author.as_str());
        body.push(p.text.as_str());
        language.push(p.language.as_str());
        created_at.push(p.created_at);
        edited_at.push(p.edited_at);
        vis_kind.push(kind);
        vis_group.push(group);
        recipients.push(if kind == 2 {
            Some(serde_json::to_string(&direct).map_err(|e| Error::backend(e.to_string()))?)
        } else {
            None
        });
        reply_to.push(p.reply_to.map(uuid));
        thread_root.push(p.thread_root.map(uuid));
        announcement.push(p.announcement);
        pinned_until.push(p.pinned_until);
        hashtags.push(codec::encode_hashtags(&p.hashtags)?);
        mentions.push(codec::encode_mentions(&p.mentions)?);
        urls.push(codec::encode_urls(&p.urls)?);
    }
    sqlx::query(
        "INSERT INTO posts (tenant, id, author, body, language, created_at, edited_at, vis_kind, \
             vis_group, recipients, reply_to, thread_root, announcement, pinned_until, hashtags, \
             mentions, urls) \
         SELECT $1, u.id, u.author, u.body, u.language, u.created_at, u.edited_at, u.vis_kind, \
             u.vis_group, \
             CASE WHEN u.recipients IS NULL THEN '{}'::text[] ELSE ARRAY( \
                 SELECT e FROM jsonb_array_elements_text(u.recipients::jsonb) WITH ORDINALITY AS r(e, o) \
                 ORDER BY o) END, \
             u.reply_to, u.thread_root, u.announcement, u.pinned_until, u.hashtags::jsonb, \
             u.mentions::jsonb, u.urls::jsonb \
         FROM unnest($2::uuid[], $3::text[], $4::text[], $5::text[], $6::timestamptz[], \
                     $7::timestamptz[], $8::int2[], $9::text[], $10::text[], $11::uuid[], \
                     $12::uuid[], $13::bool[], $14::timestamptz[], $15::text[], $16::text[], \
                     $17::text[]) \
             AS u(id, author, body, language, created_at, edited_at, vis_kind, vis_group, \
                  recipients, reply_to, thread_root, announcement, pinned_until, hashtags, \
                  mentions, urls)",
    )
    .bind(tenant.as_str())
    .bind(id)
    .bind(author)
    .bind(body)
    .bind(language)
    .bind(created_at)
    .bind(edited_at)
    .bind(vis_kind)
    .bind(vis_group)
    .bind(recipients)
    .bind(reply_to)
    .bind(thread_root)
    .bind(announcement)
    .bind(pinned_until)
    .bind(hashtags)
    .bind(mentions)
    .bind(urls)
    .execute(&mut *conn)
    .await
    .map_err(db)?;

    let mut tags = TagRows::default();
    let mut mentions = MentionRows::default();
    for p in posts {
        tags.add(p.id, &p.hashtags, p.created_at);
        mentions.add(p.id, &p.mentions);
    }
    tags.insert(conn, tenant).await?;
    mentions.insert(conn, tenant).await?;
    count_replies(conn, tenant, posts).await
}

/// Checks that every reply's thread root exists, earlier in the batch or in the store, and
/// takes a share lock on the stored ones so a concurrent delete cannot orphan the replies.
async fn check_roots(conn: &mut PgConnection, tenant: &TenantId, posts: &[Post]) -> Result<()> {
    let mut earlier: HashSet<PostId> = HashSet::with_capacity(posts.len());
    let mut stored: Vec<PostId> = Vec::new();
    for p in posts {
        if let Some(root) = p.thread_root
            && !earlier.contains(&root)
        {
            stored.push(root);
        }
        earlier.insert(p.id);
    }
    if stored.is_empty() {
        return Ok(());
    }
    stored.sort_unstable();
    stored.dedup();
    let found: Vec<Uuid> = sqlx::query_scalar(
        "SELECT id FROM posts WHERE tenant = $1 AND id = ANY($2) ORDER BY id FOR KEY SHARE",
    )
    .bind(tenant.as_str())
    .bind(uuids(&stored))
    .fetch_all(&mut *conn)
    .await
    .map_err(db)?;
    if found.len() == stored.len() {
        Ok(())
    } else {
        Err(Error::not_found("thread root"))
    }
}

/// `post_tags` rows to write, column by column: one per distinct key of a post, with its
/// first and last spelling there.
#[derive(Default)]
pub(super) struct TagRows<'a> {
    key: Vec<&'a str>,
    post: Vec<Uuid>,
    first: Vec<&'a str>,
    last: Vec<&'a str>,
    at: Vec<DateTime<Utc>>,
}

impl<'a> TagRows<'a> {
    pub(super) fn add(
        &mut self,
        post: PostId,
        tags: &'a [watercooler_core::HashtagRef],
        at: DateTime<Utc>,
    ) {
        for (key, first, last) in codec::distinct_tags(tags) {
            self.key.push(key);
            self.post.push(uuid(post));
            self.first.push(first);
            self.last.push(last);
            self.at.push(at);
        }
    }

    pub(super) async fn insert(self, conn: &mut PgConnection, tenant: &TenantId) -> Result<()> {
        if self.key.is_empty() {
            return Ok(());
        }
        sqlx::query(
            "INSERT INTO post_tags (tenant, key, post, display_first, display_last, created_at) \
             SELECT $1, u.k, u.p, u.f, u.l, u.c \
             FROM unnest($2::text[], $3::uuid[], $4::text[], $5::text[], $6::timestamptz[]) \
                 AS u(k, p, f, l, c)",
        )
        .bind(tenant.as_str())
        .bind(self.key)
        .bind(self.post)
        .bind(self.first)
        .bind(self.last)
        .bind(self.at)
        .execute(conn)
        .await
        .map_err(db)?;
        Ok(())
    }
}

/// `post_mentions` rows to write: one per distinct person a post mentions.
#[derive(Default)]
pub(super) struct MentionRows<'a> {
    person: Vec<&'a str>,
    post: Vec<Uuid>,
}

impl<'a> MentionRows<'a> {
    pub(super) fn add(&mut self, post: PostId, mentions: &'a [watercooler_core::MentionRef]) {
        for person in codec::distinct_mentions(mentions) {
            self.person.push(person);
            self.post.push(uuid(post));
        }
    }

    pub(super) async fn insert(self, conn: &mut PgConnection, tenant: &TenantId) -> Result<()> {
        if self.post.is_empty() {
            return Ok(());
        }
        sqlx::query(
            "INSERT INTO post_mentions (tenant, person, post) \
             SELECT $1, u.m, u.p FROM unnest($2::text[], $3::uuid[]) AS u(m, p)",
        )
        .bind(tenant.as_str())
        .bind(self.person)
        .bind(self.post)
        .execute(conn)
        .await
        .map_err(db)?;
        Ok(())
    }
}

/// Counts each reply on its thread root and (if different) its parent, bumping their last
/// activity, and counts an interaction of the replier with the parent's author.
async fn count_replies(conn: &mut PgConnection, tenant: &TenantId, posts: &[Post]) -> Result<()> {
    let mut bumps: BTreeMap<PostId, (i32, DateTime<Utc>)> = BTreeMap::new();
    let mut replier = Vec::new();
    let mut parent_of = Vec::new();
    for p in posts {
        let Some(root) = p.thread_root else { continue };
        let parent = p.reply_to.unwrap_or(root);
        let mut bump = |target: PostId| {
            let e = bumps.entry(target).or_insert((0, p.created_at));
            e.0 += 1;
            e.1 = e.1.max(p.created_at);
        };
        bump(root);
        if parent != root {
            bump(parent);
        }
        replier.push(p.author.as_str());
        parent_of.push(uuid(parent));
    }
    if bumps.is_empty() {
        return Ok(());
    }
    // Ids sorted (BTreeMap): concurrent writers lock shared rows in the same order.
    sqlx::query(
        "UPDATE posts p SET replies = p.replies + u.n, \
                            last_activity = GREATEST(p.last_activity, u.at) \
         FROM unnest($2::uuid[], $3::int4[], $4::timestamptz[]) AS u(id, n, at) \
         WHERE p.tenant = $1 AND p.id = u.id",
    )
    .bind(tenant.as_str())
    .bind(uuids(bumps.keys()))
    .bind(bumps.values().map(|v| v.0).collect::<Vec<i32>>())
    .bind(bumps.values().map(|v| v.1).collect::<Vec<DateTime<Utc>>>())
    .execute(&mut *conn)
    .await
    .map_err(db)?;
    sqlx::query(
        "INSERT INTO interactions (tenant, person, author, count) \
         SELECT $1, u.person, p.author, count(*)::int \
         FROM unnest($2::text[], $3::uuid[]) AS u(person, parent) \
         JOIN posts p ON p.tenant = $1 AND p.id = u.parent \
         WHERE p.author <> u.person \
         GROUP BY u.person, p.author \
         ORDER BY u.person, p.author \
         ON CONFLICT (tenant, person, author) \
         DO UPDATE SET count = interactions.count + EXCLUDED.count",
    )
    .bind(tenant.as_str())
    .bind(replier)
    .bind(parent_of)
    .execute(&mut *conn)
    .await
    .map_err(db)?;
    Ok(())
}

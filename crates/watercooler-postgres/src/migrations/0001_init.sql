-- watercooler-postgres schema, version 1.
--
-- Every table is keyed by tenant first (primary keys and indexes alike); the one exception
-- is the change log, a single store-wide sequence read by followers across tenants.
-- Text ids and keys use COLLATE "C": ORDER BY then sorts byte-wise, exactly like Rust's
-- `String` ordering, which is the order the reference (memory) store pages in.

-- Global order of the change log. Values are taken while holding the change-log lock (see
-- `session.rs`), so they commit in increasing order.
CREATE SEQUENCE change_seq AS bigint;
-- Orders notifications; a notification takes a new value whenever it gets a new actor.
CREATE SEQUENCE notification_seq AS bigint;

CREATE TABLE posts (
    tenant        text COLLATE "C" NOT NULL,
    id            uuid NOT NULL,
    author        text COLLATE "C" NOT NULL,
    body          text NOT NULL,
    language      text NOT NULL,
    created_at    timestamptz NOT NULL,
    edited_at     timestamptz,
    -- 0 organization, 1 group (vis_group), 2 direct (recipients, sorted)
    vis_kind      smallint NOT NULL CHECK (vis_kind IN (0, 1, 2)),
    vis_group     text COLLATE "C",
    recipients    text[] NOT NULL DEFAULT '{}',
    reply_to      uuid,
    thread_root   uuid,
    announcement  boolean NOT NULL DEFAULT false,
    pinned_until  timestamptz,
    -- Entities with their byte ranges, as compact JSON arrays (see rows.rs). Searched
    -- through post_tags and post_mentions, never inside the JSON.
    hashtags      jsonb NOT NULL DEFAULT '[]',
    mentions      jsonb NOT NULL DEFAULT '[]',
    urls          jsonb NOT NULL DEFAULT '[]',
    -- Counters (PostStats): reactions per ReactionKind::index (1-based here), replies.
    reactions     integer[] NOT NULL DEFAULT '{0,0,0,0,0}',
    replies       integer NOT NULL DEFAULT 0,
    last_activity timestamptz,
    PRIMARY KEY (tenant, id),
    CHECK ((vis_kind = 1) = (vis_group IS NOT NULL))
)
-- Room on each page for the counters' updates to stay HOT (no index touched): reactions
-- and replies rewrite a post's row far more often than anything else does.
WITH (fillfactor = 90);
CREATE INDEX posts_author ON posts (tenant, author, id);
CREATE INDEX posts_group ON posts (tenant, vis_group, id) WHERE vis_kind = 1;
CREATE INDEX posts_roots ON posts (tenant, id) WHERE thread_root IS NULL;
CREATE INDEX posts_thread ON posts (tenant, thread_root, id) WHERE thread_root IS NOT NULL;
CREATE INDEX posts_org_roots ON posts (tenant, id)
    WHERE vis_kind = 0 AND thread_root IS NULL;
CREATE INDEX posts_pinned ON posts (tenant, pinned_until) WHERE pinned_until IS NOT NULL;

-- One row per (post, tag key): the hashtag index of lists, candidates, trends, suggestions.
CREATE TABLE post_tags (
    tenant     text COLLATE "C" NOT NULL,
    key        text COLLATE "C" NOT NULL,
    post       uuid NOT NULL,
    -- The tag as typed: its first and last spelling in the post (suggestions show the
    -- first, trends the last, as the reference store does).
    display_first text NOT NULL,
    display_last  text NOT NULL,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (tenant, key, post)
);
CREATE INDEX post_tags_post ON post_tags (tenant, post);
CREATE INDEX post_tags_created ON post_tags (tenant, created_at);

-- One row per (post, resolved mention).
CREATE TABLE post_mentions (
    tenant text COLLATE "C" NOT NULL,
    person text COLLATE "C" NOT NULL,
    post   uuid NOT NULL,
    PRIMARY KEY (tenant, person, post)
);
CREATE INDEX post_mentions_post ON post_mentions (tenant, post);

CREATE TABLE revisions (
    tenant      text COLLATE "C" NOT NULL,
    post        uuid NOT NULL,
    number      integer NOT NULL,
    body        text NOT NULL,
    replaced_at timestamptz NOT NULL,
    PRIMARY KEY (tenant, post, number)
);

-- kind: ReactionKind::index.
CREATE TABLE reactions (
    tenant text COLLATE "C" NOT NULL,
    post   uuid NOT NULL,
    person text COLLATE "C" NOT NULL,
    kind   smallint NOT NULL CHECK (kind BETWEEN 0 AND 4),
    at     timestamptz NOT NULL,
    PRIMARY KEY (tenant, post, person, kind)
);
-- Newest first, the list's own order (time, then person, then kind).
CREATE INDEX reactions_list ON reactions (tenant, post, at DESC, person, kind);
CREATE INDEX reactions_person ON reactions (tenant, person);

-- How often `person` reacted to or replied to `author`.
CREATE TABLE interactions (
    tenant text COLLATE "C" NOT NULL,
    person text COLLATE "C" NOT NULL,
    author text COLLATE "C" NOT NULL,
    count  integer NOT NULL,
    PRIMARY KEY (tenant, person, author)
);
CREATE INDEX interactions_author ON interactions (tenant, author);

-- kind: 0 person, 1 hashtag (by key), 2 group: FollowTarget's variant order.
CREATE TABLE follows (
    tenant text COLLATE "C" NOT NULL,
    person text COLLATE "C" NOT NULL,
    kind   smallint NOT NULL CHECK (kind BETWEEN 0 AND 2),
    target text COLLATE "C" NOT NULL,
    PRIMARY KEY (tenant, person, kind, target)
);
CREATE INDEX follows_target ON follows (tenant, kind, target);

-- kind: 0 person, 1 word, 2 hashtag: MuteTarget's variant order.
CREATE TABLE mutes (
    tenant text COLLATE "C" NOT NULL,
    person text COLLATE "C" NOT NULL,
    kind   smallint NOT NULL CHECK (kind BETWEEN 0 AND 2),
    target text COLLATE "C" NOT NULL,
    PRIMARY KEY (tenant, person, kind, target)
);
CREATE INDEX mutes_target ON mutes (tenant, kind, target);

-- Aggregated per (recipient, kind, post). actors: distinct, most recent first.
-- kind: 0 mention, 1 reply, 2 reaction.
CREATE TABLE notifications (
    tenant     text COLLATE "C" NOT NULL,
    recipient  text COLLATE "C" NOT NULL,
    kind       smallint NOT NULL CHECK (kind BETWEEN 0 AND 2),
    post       uuid NOT NULL,
    seq        bigint NOT NULL,
    actors     text[] NOT NULL,
    updated_at timestamptz NOT NULL,
    seen       boolean NOT NULL DEFAULT false,
    PRIMARY KEY (tenant, recipient, kind, post)
);
CREATE UNIQUE INDEX notifications_order ON notifications (tenant, recipient, seq);
CREATE INDEX notifications_post ON notifications (tenant, post);

CREATE TABLE seen_posts (
    tenant text COLLATE "C" NOT NULL,
    person text COLLATE "C" NOT NULL,
    post   uuid NOT NULL,
    PRIMARY KEY (tenant, person, post)
);

-- The change log: names posts, never holds text. kind: 0 created, 1 edited, 2 deleted,
-- 3 erased. Keyed by seq alone: followers read it across tenants in seq order.
CREATE TABLE change_log (
    seq    bigint PRIMARY KEY,
    tenant text COLLATE "C" NOT NULL,
    post   uuid NOT NULL,
    kind   smallint NOT NULL CHECK (kind BETWEEN 0 AND 3),
    at     timestamptz NOT NULL
);

-- Row-level security policies. They exist in every schema but only bite once RLS is
-- enabled and forced on the tables, which `PgOptions::row_level_security` does on connect.
-- The tenant comes from `set_config('watercooler.tenant', $1, true)`: transaction-local,
-- so it never leaks to the next user of a pooled connection. With no tenant set, nothing
-- matches. `watercooler.all_tenants` opens only the two tables read across tenants
-- (`scan_posts`, `changes`, `last_seq`) for reading; writes always need the tenant.
CREATE POLICY tenant_isolation ON posts
    USING (tenant = current_setting('watercooler.tenant', true)
           OR current_setting('watercooler.all_tenants', true) = 'on')
    WITH CHECK (tenant = current_setting('watercooler.tenant', true));
CREATE POLICY tenant_isolation ON change_log
    USING (tenant = current_setting('watercooler.tenant', true)
           OR current_setting('watercooler.all_tenants', true) = 'on')
    WITH CHECK (tenant = current_setting('watercooler.tenant', true));
CREATE POLICY tenant_isolation ON post_tags
    USING (tenant = current_setting('watercooler.tenant', true));
CREATE POLICY tenant_isolation ON post_mentions
    USING (tenant = current_setting('watercooler.tenant', true));
CREATE POLICY tenant_isolation ON revisions
    USING (tenant = current_setting('watercooler.tenant', true));
CREATE POLICY tenant_isolation ON reactions
    USING (tenant = current_setting('watercooler.tenant', true));
CREATE POLICY tenant_isolation ON interactions
    USING (tenant = current_setting('watercooler.tenant', true));
CREATE POLICY tenant_isolation ON follows
    USING (tenant = current_setting('watercooler.tenant', true));
CREATE POLICY tenant_isolation ON mutes
    USING (tenant = current_setting('watercooler.tenant', true));
CREATE POLICY tenant_isolation ON notifications
    USING (tenant = current_setting('watercooler.tenant', true));
CREATE POLICY tenant_isolation ON seen_posts
    USING (tenant = current_setting('watercooler.tenant', true));

-- Request keys of idempotent writes (Store::insert_post_once): who sent which key, a
-- fingerprint of the request, and the post it made. Deleted with the post (see
-- store/write.rs, which deletes a post's rows from every table).
CREATE TABLE request_keys (
    tenant      text COLLATE "C" NOT NULL,
    person      text COLLATE "C" NOT NULL,
    key         text COLLATE "C" NOT NULL,
    fingerprint bigint NOT NULL,
    post        uuid NOT NULL,
    at          timestamptz NOT NULL,
    PRIMARY KEY (tenant, person, key)
);
CREATE INDEX request_keys_post ON request_keys (tenant, post);
CREATE POLICY tenant_isolation ON request_keys
    USING (tenant = current_setting('watercooler.tenant', true));

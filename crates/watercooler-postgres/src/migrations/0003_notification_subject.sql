-- A notification's subject: the post that caused its latest event when that is not `post`
-- (the newest reply of a reply notification), so a client can link to it.
ALTER TABLE notifications ADD COLUMN subject uuid;

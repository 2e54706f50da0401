-- Tags, custom contact fields and notes through the API.

-- The v2 id a tag create answers with (`{"id", "rev", "uuid"}`); '' for rows made before it.
ALTER TABLE tags ADD COLUMN uuid TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX tags_uuid ON tags (uuid) WHERE uuid <> '';

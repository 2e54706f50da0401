-- v2 contact channels: the values a contact is reached by (phones, emails, other integrations).
-- A contact's `phone` and `email` columns keep the values of its primary phone and email
-- channels (the service keeps both in step in the same transaction); v1 reads, listing and
-- filter use the columns.

CREATE TABLE contact_channels (
    id TEXT PRIMARY KEY,
    team_id BIGINT NOT NULL REFERENCES teams (id),
    contact_id BIGINT NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    channel_type TEXT NOT NULL,
    channel_id TEXT NOT NULL,
    -- what is unique in a team for a type: phone digits, an email in ASCII lower case, else
    -- channel_id as given
    channel_key TEXT NOT NULL,
    channel_handle TEXT NOT NULL DEFAULT '',
    info_channel TEXT NOT NULL DEFAULT '',
    is_primary BOOLEAN NOT NULL DEFAULT FALSE,
    created_us BIGINT NOT NULL,
    updated_us BIGINT NOT NULL
);
CREATE UNIQUE INDEX contact_channels_key ON contact_channels (team_id, channel_type, channel_key);
CREATE UNIQUE INDEX contact_channels_primary ON contact_channels (contact_id, channel_type)
    WHERE is_primary;
CREATE INDEX contact_channels_contact ON contact_channels (contact_id);

-- Every existing phone and email becomes its contact's primary channel. Phones are unique in a
-- team already; of contacts sharing an email the oldest gets the channel. Emails are lower-cased
-- in ASCII only, as SQLite's lower() and the service do.
INSERT INTO contact_channels (
    id, team_id, contact_id, channel_type, channel_id, channel_key, is_primary, created_us,
    updated_us
)
SELECT gen_random_uuid()::text, team_id, id, 'phone', phone, phone, TRUE, created_us, updated_us
FROM contacts WHERE phone <> '';

INSERT INTO contact_channels (
    id, team_id, contact_id, channel_type, channel_id, channel_key, is_primary, created_us,
    updated_us
)
SELECT
    gen_random_uuid()::text, team_id, id, 'email', email,
    translate(email, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz'), TRUE,
    created_us, updated_us
FROM contacts WHERE email <> '' ORDER BY id
ON CONFLICT DO NOTHING;

-- v2 contact channels: the values a contact is reached by (phones, emails, other integrations).
-- A contact's `phone` and `email` columns keep the values of its primary phone and email
-- channels (the service keeps both in step in the same transaction); v1 reads, listing and
-- filter use the columns.

CREATE TABLE contact_channels (
    id TEXT PRIMARY KEY,
    team_id INTEGER NOT NULL REFERENCES teams (id),
    contact_id INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    channel_type TEXT NOT NULL,
    channel_id TEXT NOT NULL,
    -- what is unique in a team for a type: phone digits, an email in ASCII lower case, else
    -- channel_id as given
    channel_key TEXT NOT NULL,
    channel_handle TEXT NOT NULL DEFAULT '',
    info_channel TEXT NOT NULL DEFAULT '',
    is_primary INTEGER NOT NULL DEFAULT 0,
    created_us INTEGER NOT NULL,
    updated_us INTEGER NOT NULL
);
CREATE UNIQUE INDEX contact_channels_key ON contact_channels (team_id, channel_type, channel_key);
CREATE UNIQUE INDEX contact_channels_primary ON contact_channels (contact_id, channel_type)
    WHERE is_primary <> 0;
CREATE INDEX contact_channels_contact ON contact_channels (contact_id);

-- Every existing phone and email becomes its contact's primary channel. Phones are unique in a
-- team already; of contacts sharing an email the oldest gets the channel.
INSERT INTO contact_channels (
    id, team_id, contact_id, channel_type, channel_id, channel_key, is_primary, created_us,
    updated_us
)
SELECT
    lower(
        hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2)
        || '-' || substr('89AB', 1 + abs(random()) % 4, 1) || substr(hex(randomblob(2)), 2)
        || '-' || hex(randomblob(6))
    ),
    team_id, id, 'phone', phone, phone, 1, created_us, updated_us
FROM contacts WHERE phone <> '';

INSERT OR IGNORE INTO contact_channels (
    id, team_id, contact_id, channel_type, channel_id, channel_key, is_primary, created_us,
    updated_us
)
SELECT
    lower(
        hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2)
        || '-' || substr('89AB', 1 + abs(random()) % 4, 1) || substr(hex(randomblob(2)), 2)
        || '-' || hex(randomblob(6))
    ),
    team_id, id, 'email', email, lower(email), 1, created_us, updated_us
FROM contacts WHERE email <> '' ORDER BY id;

-- The foundation: teams, users, inboxes, API secrets, contacts with their tags and notes.
-- Timestamps are integer microseconds since the Unix epoch.

CREATE TABLE teams (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    -- the last `updated` stamp handed to a write of this team's contacts
    clock_us INTEGER NOT NULL DEFAULT 0,
    created_us INTEGER NOT NULL
);

CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    team_id INTEGER NOT NULL REFERENCES teams (id),
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL DEFAULT '',
    email TEXT NOT NULL DEFAULT '',
    phone TEXT NOT NULL DEFAULT '',
    role_id INTEGER NOT NULL,
    created_us INTEGER NOT NULL,
    updated_us INTEGER NOT NULL
);
CREATE INDEX users_team ON users (team_id);

CREATE TABLE inboxes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    team_id INTEGER NOT NULL REFERENCES teams (id),
    name TEXT NOT NULL,
    phone TEXT NOT NULL DEFAULT '',
    created_us INTEGER NOT NULL
);
CREATE INDEX inboxes_team ON inboxes (team_id);

CREATE TABLE api_secrets (
    secret_id TEXT PRIMARY KEY,
    team_id INTEGER NOT NULL REFERENCES teams (id),
    user_id INTEGER NOT NULL REFERENCES users (id),
    nonce BLOB NOT NULL,
    key_ciphertext BLOB NOT NULL,
    created_us INTEGER NOT NULL,
    revoked_us INTEGER
);
CREATE INDEX api_secrets_team ON api_secrets (team_id);

CREATE TABLE contacts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    uuid TEXT NOT NULL UNIQUE,
    team_id INTEGER NOT NULL REFERENCES teams (id),
    creator_id INTEGER NOT NULL DEFAULT 0,
    parent_id INTEGER NOT NULL DEFAULT 0,
    phone TEXT NOT NULL DEFAULT '',
    first TEXT NOT NULL DEFAULT '',
    last TEXT NOT NULL DEFAULT '',
    display_name TEXT NOT NULL DEFAULT '',
    email TEXT NOT NULL DEFAULT '',
    avatar TEXT NOT NULL DEFAULT '',
    external_id TEXT NOT NULL DEFAULT '',
    external_ref TEXT NOT NULL DEFAULT '',
    inbox_id INTEGER NOT NULL DEFAULT 0,
    assigned_user_id INTEGER NOT NULL DEFAULT 0,
    custom TEXT NOT NULL DEFAULT '{}',
    is_opted_out INTEGER NOT NULL DEFAULT 0,
    is_blocked INTEGER NOT NULL DEFAULT 0,
    op TEXT NOT NULL,
    rev INTEGER NOT NULL,
    created_us INTEGER NOT NULL,
    updated_us INTEGER NOT NULL
);
CREATE UNIQUE INDEX contacts_team_phone ON contacts (team_id, phone) WHERE phone <> '';
CREATE UNIQUE INDEX contacts_team_updated ON contacts (team_id, updated_us);
CREATE UNIQUE INDEX contacts_team_created ON contacts (team_id, created_us);

CREATE TABLE contact_fields (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    team_id INTEGER NOT NULL REFERENCES teams (id),
    title TEXT NOT NULL,
    created_us INTEGER NOT NULL,
    UNIQUE (team_id, title)
);

CREATE TABLE tags (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    team_id INTEGER NOT NULL REFERENCES teams (id),
    tag TEXT NOT NULL,
    color TEXT NOT NULL DEFAULT '',
    rev INTEGER NOT NULL DEFAULT 1,
    created_us INTEGER NOT NULL,
    updated_us INTEGER NOT NULL,
    UNIQUE (team_id, tag)
);

CREATE TABLE contact_tags (
    contact_id INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    tag_id INTEGER NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    PRIMARY KEY (contact_id, tag_id)
);
CREATE INDEX contact_tags_tag ON contact_tags (tag_id);

CREATE TABLE notes (
    id TEXT PRIMARY KEY,
    contact_id INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL DEFAULT 0,
    name TEXT NOT NULL DEFAULT '',
    text TEXT NOT NULL,
    created_us INTEGER NOT NULL
);
CREATE INDEX notes_contact ON notes (contact_id, created_us);

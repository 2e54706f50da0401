-- The rest of v1: the legacy team key, contact search, inbox details and members.

-- SHA-256 (hex) of the team's legacy API key; the key itself is shown once and never stored.
ALTER TABLE teams ADD COLUMN api_key_hash TEXT;
CREATE UNIQUE INDEX teams_api_key_hash ON teams (api_key_hash) WHERE api_key_hash IS NOT NULL;

-- Names, phone and email, case-folded and joined by newlines: what `filter` searches.
ALTER TABLE contacts ADD COLUMN search_text TEXT NOT NULL DEFAULT '';
UPDATE contacts SET search_text = lower(
    first || char(10) || last || char(10) || display_name || char(10) || phone || char(10) || email
);
CREATE INDEX contacts_team_assigned ON contacts (team_id, assigned_user_id, updated_us);

ALTER TABLE inboxes ADD COLUMN auto_assignable INTEGER NOT NULL DEFAULT 0;
ALTER TABLE inboxes ADD COLUMN forward_number TEXT NOT NULL DEFAULT '';
ALTER TABLE inboxes ADD COLUMN allowed_domains TEXT NOT NULL DEFAULT '[]';

CREATE TABLE inbox_members (
    inbox_id INTEGER NOT NULL REFERENCES inboxes (id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (inbox_id, user_id)
);

CREATE INDEX tags_team_updated ON tags (team_id, updated_us);
CREATE INDEX users_team_email ON users (team_id, email);
CREATE INDEX users_team_phone ON users (team_id, phone);

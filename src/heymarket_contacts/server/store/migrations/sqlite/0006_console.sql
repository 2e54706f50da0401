-- The web console: its users (a login of one team), their sessions and failed logins.
-- No foreign keys: these rows are not part of the emulator's data set, which a snapshot
-- restore replaces whole; a console user of a team that is gone sees nothing.

CREATE TABLE console_users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    team_id INTEGER NOT NULL,
    -- the login as given, and in lower case: one login per address on the whole server
    email TEXT NOT NULL,
    email_key TEXT NOT NULL UNIQUE,
    -- an argon2id hash in its PHC string form
    password_hash TEXT NOT NULL,
    created_us INTEGER NOT NULL
);
CREATE INDEX console_users_team ON console_users (team_id);

-- Only the SHA-256 (hex) of a session's cookie value is stored.
CREATE TABLE console_sessions (
    token_hash TEXT PRIMARY KEY,
    console_user_id INTEGER NOT NULL,
    csrf_token TEXT NOT NULL,
    created_us INTEGER NOT NULL,
    seen_us INTEGER NOT NULL
);
CREATE INDEX console_sessions_user ON console_sessions (console_user_id);

CREATE TABLE console_login_failures (
    email_key TEXT NOT NULL,
    at_us INTEGER NOT NULL
);
CREATE INDEX console_login_failures_key ON console_login_failures (email_key, at_us);

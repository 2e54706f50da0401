-- Webhooks (spec section 10): subscriptions, and an outbox of deliveries written in the
-- transaction of the change that causes them. No foreign keys: a delivery outlives the contact
-- it tells of (a delete), and snapshots restore teams without touching webhook rows.

CREATE TABLE webhook_subscriptions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    team_id INTEGER NOT NULL,
    url TEXT NOT NULL,
    -- the event names, space separated
    events TEXT NOT NULL,
    token TEXT NOT NULL,
    created_us INTEGER NOT NULL
);
CREATE INDEX webhook_subscriptions_team ON webhook_subscriptions (team_id);

CREATE TABLE webhook_deliveries (
    -- the order events happened in
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    -- X-Heymarket-Delivery, the same on every try
    id TEXT NOT NULL UNIQUE,
    subscription_id INTEGER NOT NULL,
    team_id INTEGER NOT NULL,
    contact_id INTEGER NOT NULL,
    event TEXT NOT NULL,
    body TEXT NOT NULL,
    -- pending, delivered or failed
    state TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL,
    next_attempt_us INTEGER NOT NULL,
    -- a process sending it holds it until then (wall-clock microseconds)
    claimed_until_us INTEGER NOT NULL DEFAULT 0,
    claim TEXT NOT NULL DEFAULT '',
    last_status INTEGER NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT '',
    last_attempt_us INTEGER NOT NULL DEFAULT 0,
    created_us INTEGER NOT NULL
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_us) WHERE state = 'pending';
CREATE INDEX webhook_deliveries_contact ON webhook_deliveries (subscription_id, contact_id, seq)
    WHERE state = 'pending';
CREATE INDEX webhook_deliveries_subscription ON webhook_deliveries (subscription_id, seq);
CREATE INDEX webhook_deliveries_team ON webhook_deliveries (team_id);

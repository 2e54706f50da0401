-- An event of a team with subscriptions is written in the transaction of its change: one row,
-- its event_data encoded once. After the commit the delivery worker turns it into one delivery
-- per subscription that asked for it, and deletes it, in one transaction. The seq is only the
-- order events happened in among those still here: a plain rowid, reused once the table empties.
CREATE TABLE webhook_events (
    seq INTEGER PRIMARY KEY,
    team_id INTEGER NOT NULL,
    contact_id INTEGER NOT NULL,
    event TEXT NOT NULL,
    data TEXT NOT NULL,
    -- the tries of each delivery made of it (the writing server's --webhook-tries)
    max_attempts INTEGER NOT NULL,
    created_us INTEGER NOT NULL
);

-- A claim takes each subscription's due deliveries in (next_attempt_us, seq) order, LIMIT n,
-- from the head of this index, and shares the tries out between subscriptions: it never sorts
-- every pending delivery, and one subscription's backlog never holds every try.
CREATE INDEX webhook_deliveries_subscription_due
    ON webhook_deliveries (subscription_id, next_attempt_us, seq) WHERE state = 'pending';

-- The claim of due deliveries reads them in (next_attempt_us, seq) order, LIMIT n: with seq
-- in the partial index it stops after n rows instead of sorting every pending delivery.
-- (SQLite's index has it already: every index ends with the rowid, which seq is.)
CREATE INDEX webhook_deliveries_due_order ON webhook_deliveries (next_attempt_us, seq)
    WHERE state = 'pending';
DROP INDEX webhook_deliveries_due;

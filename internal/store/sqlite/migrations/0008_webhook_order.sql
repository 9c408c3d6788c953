-- The outbox's indexes in the order its queries read them, as PostgreSQL's
-- 0008. ClaimWebhooks takes the most overdue events first, ties by id, and
-- ListWebhooks the newest first: with id (compared bytewise, SQLite's
-- BINARY collation, as the queries compare it) in the index, the LIMIT
-- stops after the rows it hands out instead of sorting every due event (a
-- receiver down for a day leaves thousands) or the client's whole delivery
-- log on every call.

DROP INDEX webhooks_due;
CREATE INDEX webhooks_due ON webhooks (next_attempt_at, id) WHERE delivered_at = 0;

DROP INDEX webhooks_client_id_created_at;
CREATE INDEX webhooks_client_id_created_at ON webhooks (client_id, created_at, id);

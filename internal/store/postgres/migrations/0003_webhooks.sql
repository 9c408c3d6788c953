-- The webhook outbox (DESIGN §8), as in the SQLite backend's 0003: events
-- owed to clients, stored before the first attempt so that a restart or
-- another replica delivers them, and kept afterwards as the client's
-- delivery log. Conventions as in 0001: next_attempt_at is NOT NULL (the
-- zero time is "at once" and sorts first); locked_until and delivered_at are
-- NULL until a deliverer leases or delivers the event.

-- A deleted client is owed nothing, and its log goes with it.
CREATE TABLE webhooks (
	id              TEXT PRIMARY KEY,
	client_id       TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
	event           TEXT NOT NULL,
	url             TEXT NOT NULL,
	content_type    TEXT NOT NULL,
	body            BYTEA NOT NULL,
	attempts        INTEGER NOT NULL,
	next_attempt_at TIMESTAMPTZ NOT NULL,
	locked_until    TIMESTAMPTZ,
	delivered_at    TIMESTAMPTZ,
	last_error      TEXT NOT NULL,
	last_status     INTEGER NOT NULL,
	created_at      TIMESTAMPTZ NOT NULL,
	expires_at      TIMESTAMPTZ NOT NULL
);

-- The deliverers look for due events among the undelivered ones only, so
-- the index stays as small as the backlog.
CREATE INDEX webhooks_due ON webhooks (next_attempt_at) WHERE delivered_at IS NULL;
-- The delivery log, newest first, and the client cascade.
CREATE INDEX webhooks_client_id_created_at ON webhooks (client_id, created_at);
-- The cleanup sweeps by expiry and by delivery.
CREATE INDEX webhooks_expires_at ON webhooks (expires_at);
CREATE INDEX webhooks_delivered_at ON webhooks (delivered_at) WHERE delivered_at IS NOT NULL;

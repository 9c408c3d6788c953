-- The webhook outbox (DESIGN §8): events owed to clients, stored before the
-- first attempt so that a restart or another replica delivers them, and kept
-- afterwards as the client's delivery log. Same conventions as 0001: times
-- are INTEGER unix microseconds (0 for the zero time).

-- A deleted client is owed nothing, and its log goes with it.
CREATE TABLE webhooks (
	id              TEXT PRIMARY KEY,
	client_id       TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
	event           TEXT NOT NULL,
	url             TEXT NOT NULL,
	content_type    TEXT NOT NULL,
	body            BLOB NOT NULL,
	attempts        INTEGER NOT NULL,
	next_attempt_at INTEGER NOT NULL,
	locked_until    INTEGER NOT NULL,
	delivered_at    INTEGER NOT NULL,
	last_error      TEXT NOT NULL,
	last_status     INTEGER NOT NULL,
	created_at      INTEGER NOT NULL,
	expires_at      INTEGER NOT NULL
) STRICT;

-- The deliverers look for due events among the undelivered ones only, so
-- the index stays as small as the backlog.
CREATE INDEX webhooks_due ON webhooks (next_attempt_at) WHERE delivered_at = 0;
-- The delivery log, newest first, and the client cascade.
CREATE INDEX webhooks_client_id_created_at ON webhooks (client_id, created_at);
-- The cleanup sweeps by expiry and by delivery.
CREATE INDEX webhooks_expires_at ON webhooks (expires_at);
CREATE INDEX webhooks_delivered_at ON webhooks (delivered_at) WHERE delivered_at != 0;

-- The integration debugger's events (store.Event), as PostgreSQL's 0012:
-- each step of a login a client made, with its outcome and an explanation.
-- Same conventions as 0001: at is INTEGER unix microseconds; params is a
-- JSON object of strings. A deleted client's events go with it.

CREATE TABLE events (
	id          TEXT PRIMARY KEY,
	client_id   TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
	at          INTEGER NOT NULL,
	flow        TEXT NOT NULL,
	step        TEXT NOT NULL,
	outcome     TEXT NOT NULL,
	error_code  TEXT NOT NULL,
	explanation TEXT NOT NULL,
	params      TEXT NOT NULL
) STRICT;

-- A client's events newest first (ids sort by time), the cursor's
-- id < ?, the per-client bound and the client cascade.
CREATE INDEX events_client_id_id ON events (client_id, id);
-- The retention sweep.
CREATE INDEX events_at ON events (at);

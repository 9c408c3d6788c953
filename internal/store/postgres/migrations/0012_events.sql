-- The integration debugger's events (store.Event), as SQLite's 0012: each
-- step of a login a client made, with its outcome and an explanation.
-- params is a JSON object of strings, kept as text: it is read and written
-- whole. A deleted client's events go with it.

CREATE TABLE events (
	id          TEXT COLLATE "C" PRIMARY KEY,
	client_id   TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
	at          TIMESTAMPTZ NOT NULL,
	flow        TEXT NOT NULL,
	step        TEXT NOT NULL,
	outcome     TEXT NOT NULL,
	error_code  TEXT NOT NULL,
	explanation TEXT NOT NULL,
	params      TEXT NOT NULL
);

-- A client's events newest first (ids sort bytewise by time, hence
-- COLLATE "C" on id), the cursor's id < $n, the per-client bound and the
-- client cascade.
CREATE INDEX events_client_id_id ON events (client_id, id);
-- The retention sweep.
CREATE INDEX events_at ON events (at);

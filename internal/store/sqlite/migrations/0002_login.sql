-- Logins: pending login requests, remembered browsers, consents, codes,
-- access tokens and pairwise subjects. Same conventions as 0001: times are
-- INTEGER unix microseconds (0 for the zero time), lists JSON arrays in TEXT.

-- Login requests, codes and access tokens refer to no user or client: a
-- login request exists before its user is known (phone_number ''), and all
-- three are short-lived, so deleting a user or client leaves them to expire.
CREATE TABLE login_requests (
	id                    TEXT PRIMARY KEY,
	kind                  TEXT NOT NULL,
	browser_binding_hash  TEXT NOT NULL,
	client_id             TEXT NOT NULL,
	redirect_uri          TEXT NOT NULL,
	scopes                TEXT NOT NULL,
	state                 TEXT NOT NULL,
	nonce                 TEXT NOT NULL,
	code_challenge        TEXT NOT NULL,
	code_challenge_method TEXT NOT NULL,
	requested_flow        TEXT NOT NULL,
	app_callback_uri      TEXT NOT NULL,
	final_redirect_is_app INTEGER NOT NULL,
	mobile                INTEGER NOT NULL,
	locale                TEXT NOT NULL,
	acr                   TEXT NOT NULL,
	market                TEXT NOT NULL,
	login_hint            TEXT NOT NULL,
	force_login           INTEGER NOT NULL,
	max_auth_age          INTEGER NOT NULL,
	resume_secret_hash    TEXT NOT NULL,
	binding_message       TEXT NOT NULL,
	poll_interval         INTEGER NOT NULL,
	last_polled_at        INTEGER NOT NULL,
	phone_number          TEXT NOT NULL,
	remember              INTEGER NOT NULL,
	challenge             TEXT NOT NULL,
	challenge_options     TEXT NOT NULL,
	status                TEXT NOT NULL,
	error                 TEXT NOT NULL,
	error_description     TEXT NOT NULL,
	session_id            TEXT NOT NULL,
	auth_time             INTEGER NOT NULL,
	created_at            INTEGER NOT NULL,
	updated_at            INTEGER NOT NULL,
	expires_at            INTEGER NOT NULL
) STRICT;

-- The app asks for the requests waiting for its user; the cleanup sweeps by
-- expiry.
CREATE INDEX login_requests_phone_number_status ON login_requests (phone_number, status);
CREATE INDEX login_requests_expires_at ON login_requests (expires_at);

-- A user has at most one CIBA login waiting at a time (a second one is
-- answered 429); the database decides, so two replicas cannot both admit one.
CREATE UNIQUE INDEX login_requests_one_ciba_waiting ON login_requests (phone_number)
	WHERE kind = 'ciba' AND status = 'waiting';

-- A remembered browser is forgotten with its user.
CREATE TABLE browser_sessions (
	id           TEXT PRIMARY KEY,
	token_hash   TEXT NOT NULL UNIQUE,
	phone_number TEXT NOT NULL REFERENCES users (phone_number) ON DELETE CASCADE,
	description  TEXT NOT NULL,
	created_at   INTEGER NOT NULL,
	expires_at   INTEGER NOT NULL
) STRICT;

CREATE INDEX browser_sessions_phone_number ON browser_sessions (phone_number);
CREATE INDEX browser_sessions_expires_at ON browser_sessions (expires_at);

-- A consent is between a user and a client and goes with either.
CREATE TABLE consents (
	phone_number TEXT NOT NULL REFERENCES users (phone_number) ON DELETE CASCADE,
	client_id    TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
	scopes       TEXT NOT NULL,
	created_at   INTEGER NOT NULL,
	updated_at   INTEGER NOT NULL,
	PRIMARY KEY (phone_number, client_id)
) STRICT;

-- The primary key serves lookups by user; the client cascade needs its own.
CREATE INDEX consents_client_id ON consents (client_id);

CREATE TABLE auth_codes (
	hash                  TEXT PRIMARY KEY,
	client_id             TEXT NOT NULL,
	redirect_uri          TEXT NOT NULL,
	phone_number          TEXT NOT NULL,
	scopes                TEXT NOT NULL,
	nonce                 TEXT NOT NULL,
	code_challenge        TEXT NOT NULL,
	code_challenge_method TEXT NOT NULL,
	session_id            TEXT NOT NULL,
	acr                   TEXT NOT NULL,
	auth_req_id           TEXT NOT NULL,
	auth_time             INTEGER NOT NULL,
	requested_at          INTEGER NOT NULL,
	created_at            INTEGER NOT NULL,
	expires_at            INTEGER NOT NULL,
	used_at               INTEGER NOT NULL
) STRICT;

CREATE INDEX auth_codes_expires_at ON auth_codes (expires_at);

CREATE TABLE access_tokens (
	hash         TEXT PRIMARY KEY,
	client_id    TEXT NOT NULL,
	phone_number TEXT NOT NULL,
	scopes       TEXT NOT NULL,
	session_id   TEXT NOT NULL,
	code_hash    TEXT NOT NULL,
	created_at   INTEGER NOT NULL,
	expires_at   INTEGER NOT NULL,
	revoked_at   INTEGER NOT NULL
) STRICT;

-- A replayed code revokes the tokens issued for it.
CREATE INDEX access_tokens_code_hash ON access_tokens (code_hash);
CREATE INDEX access_tokens_expires_at ON access_tokens (expires_at);

-- The sub a client sees for a user: one per (user, client), never shared, and
-- gone with either, so that a deleted user who comes back is a new person to
-- every client.
CREATE TABLE pairwise_subjects (
	phone_number TEXT NOT NULL REFERENCES users (phone_number) ON DELETE CASCADE,
	client_id    TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
	subject      TEXT NOT NULL UNIQUE,
	PRIMARY KEY (phone_number, client_id)
) STRICT;

CREATE INDEX pairwise_subjects_client_id ON pairwise_subjects (client_id);

-- Logins: pending login requests, remembered browsers, consents, codes,
-- access tokens and pairwise subjects, as in the SQLite backend's 0002.
-- Conventions as in 0001.

-- Login requests, codes and access tokens refer to no user or client: a
-- login request exists before its user is known (phone_number ''), and all
-- three are short-lived, so deleting a user or client leaves them to expire.
CREATE TABLE login_requests (
	id                    TEXT PRIMARY KEY,
	kind                  TEXT NOT NULL,
	browser_binding_hash  TEXT NOT NULL,
	client_id             TEXT NOT NULL,
	redirect_uri          TEXT NOT NULL,
	scopes                JSONB NOT NULL,
	state                 TEXT NOT NULL,
	nonce                 TEXT NOT NULL,
	code_challenge        TEXT NOT NULL,
	code_challenge_method TEXT NOT NULL,
	requested_flow        TEXT NOT NULL,
	app_callback_uri      TEXT NOT NULL,
	final_redirect_is_app BOOLEAN NOT NULL,
	mobile                BOOLEAN NOT NULL,
	locale                TEXT NOT NULL,
	acr                   TEXT NOT NULL,
	market                TEXT NOT NULL,
	login_hint            TEXT NOT NULL,
	force_login           BOOLEAN NOT NULL,
	max_auth_age          BIGINT NOT NULL,
	resume_secret_hash    TEXT NOT NULL,
	binding_message       TEXT NOT NULL,
	poll_interval         BIGINT NOT NULL,
	last_polled_at        TIMESTAMPTZ,
	phone_number          TEXT NOT NULL,
	remember              BOOLEAN NOT NULL,
	challenge             TEXT NOT NULL,
	challenge_options     JSONB NOT NULL,
	status                TEXT NOT NULL,
	error                 TEXT NOT NULL,
	error_description     TEXT NOT NULL,
	session_id            TEXT NOT NULL,
	auth_time             TIMESTAMPTZ,
	created_at            TIMESTAMPTZ NOT NULL,
	updated_at            TIMESTAMPTZ NOT NULL,
	expires_at            TIMESTAMPTZ NOT NULL
);

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
	created_at   TIMESTAMPTZ NOT NULL,
	expires_at   TIMESTAMPTZ NOT NULL
);

CREATE INDEX browser_sessions_phone_number ON browser_sessions (phone_number);
CREATE INDEX browser_sessions_expires_at ON browser_sessions (expires_at);

-- A consent is between a user and a client and goes with either.
CREATE TABLE consents (
	phone_number TEXT NOT NULL REFERENCES users (phone_number) ON DELETE CASCADE,
	client_id    TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
	scopes       JSONB NOT NULL,
	created_at   TIMESTAMPTZ NOT NULL,
	updated_at   TIMESTAMPTZ NOT NULL,
	PRIMARY KEY (phone_number, client_id)
);

-- The primary key serves lookups by user; the client cascade needs its own.
CREATE INDEX consents_client_id ON consents (client_id);

CREATE TABLE auth_codes (
	hash                  TEXT PRIMARY KEY,
	client_id             TEXT NOT NULL,
	redirect_uri          TEXT NOT NULL,
	phone_number          TEXT NOT NULL,
	scopes                JSONB NOT NULL,
	nonce                 TEXT NOT NULL,
	code_challenge        TEXT NOT NULL,
	code_challenge_method TEXT NOT NULL,
	session_id            TEXT NOT NULL,
	acr                   TEXT NOT NULL,
	auth_req_id           TEXT NOT NULL,
	auth_time             TIMESTAMPTZ NOT NULL,
	requested_at          TIMESTAMPTZ NOT NULL,
	created_at            TIMESTAMPTZ NOT NULL,
	expires_at            TIMESTAMPTZ NOT NULL,
	used_at               TIMESTAMPTZ
);

CREATE INDEX auth_codes_expires_at ON auth_codes (expires_at);

CREATE TABLE access_tokens (
	hash         TEXT PRIMARY KEY,
	client_id    TEXT NOT NULL,
	phone_number TEXT NOT NULL,
	scopes       JSONB NOT NULL,
	session_id   TEXT NOT NULL,
	code_hash    TEXT NOT NULL,
	created_at   TIMESTAMPTZ NOT NULL,
	expires_at   TIMESTAMPTZ NOT NULL,
	revoked_at   TIMESTAMPTZ
);

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
);

CREATE INDEX pairwise_subjects_client_id ON pairwise_subjects (client_id);

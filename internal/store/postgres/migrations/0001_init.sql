-- The first schema: clients, users, signing keys and app sessions, as in the
-- SQLite backend's 0001. Conventions of every migration here:
--
--   - Times are timestamptz (microseconds). A time that marks something that
--     may not have happened yet (used, revoked, delivered, locked) is NULL
--     until it has; every other time is NOT NULL, and Go's zero time is
--     stored as it is (0001-01-01 00:00:00 UTC), which sorts before every
--     real time just as SQLite's 0 does.
--   - Lists are jsonb arrays, read and written whole, never queried into.
--   - Durations are bigint microseconds.
--   - Nothing PostgreSQL-only where a portable form exists, so the schema
--     also runs on PostgreSQL-wire databases such as CockroachDB.

CREATE TABLE clients (
	id                         TEXT PRIMARY KEY,
	secret_hash                TEXT NOT NULL,
	name                       TEXT NOT NULL,
	redirect_uris              JSONB NOT NULL,
	app_callback_uris          JSONB NOT NULL,
	post_logout_redirect_uris  JSONB NOT NULL,
	token_endpoint_auth_method TEXT NOT NULL,
	flows                      JSONB NOT NULL,
	scopes                     JSONB NOT NULL,
	qr_webhook_url             TEXT NOT NULL,
	ciba_ping_url              TEXT NOT NULL,
	consent_webhook_url        TEXT NOT NULL,
	created_at                 TIMESTAMPTZ NOT NULL,
	updated_at                 TIMESTAMPTZ NOT NULL
);

CREATE TABLE users (
	phone_number        TEXT PRIMARY KEY,
	pin_hash            TEXT NOT NULL,
	given_name          TEXT NOT NULL,
	family_name         TEXT NOT NULL,
	birthdate           TEXT NOT NULL,
	email               TEXT NOT NULL,
	email_verified      BOOLEAN NOT NULL,
	nin                 TEXT NOT NULL,
	addresses           JSONB NOT NULL,
	accounts            JSONB NOT NULL,
	app_version         TEXT NOT NULL,
	failed_pin_attempts INTEGER NOT NULL,
	locked_until        TIMESTAMPTZ,
	created_at          TIMESTAMPTZ NOT NULL,
	updated_at          TIMESTAMPTZ NOT NULL
);

-- private_jwk is what internal/keys stores: encrypted with the
-- key-encryption key, never plain JSON.
CREATE TABLE signing_keys (
	id          TEXT PRIMARY KEY,
	algorithm   TEXT NOT NULL,
	private_jwk BYTEA NOT NULL,
	created_at  TIMESTAMPTZ NOT NULL
);

-- Deleting a user deletes their app sessions: a signed-in phone must not
-- outlive the account it signed in to.
CREATE TABLE app_sessions (
	token_hash   TEXT PRIMARY KEY,
	phone_number TEXT NOT NULL REFERENCES users (phone_number) ON DELETE CASCADE,
	created_at   TIMESTAMPTZ NOT NULL,
	expires_at   TIMESTAMPTZ NOT NULL
);

-- The cascade looks sessions up by user, the cleanup by expiry.
CREATE INDEX app_sessions_phone_number ON app_sessions (phone_number);
CREATE INDEX app_sessions_expires_at ON app_sessions (expires_at);

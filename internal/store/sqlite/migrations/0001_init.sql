-- The first schema: clients, users, signing keys and app sessions.
-- Times are INTEGER unix microseconds (0 for the zero time), lists are JSON
-- arrays in TEXT columns. STRICT makes SQLite refuse a value of the wrong type
-- instead of silently storing it.

CREATE TABLE clients (
	id                         TEXT PRIMARY KEY,
	secret_hash                TEXT NOT NULL,
	name                       TEXT NOT NULL,
	redirect_uris              TEXT NOT NULL,
	app_callback_uris          TEXT NOT NULL,
	post_logout_redirect_uris  TEXT NOT NULL,
	token_endpoint_auth_method TEXT NOT NULL,
	flows                      TEXT NOT NULL,
	scopes                     TEXT NOT NULL,
	qr_webhook_url             TEXT NOT NULL,
	ciba_ping_url              TEXT NOT NULL,
	consent_webhook_url        TEXT NOT NULL,
	created_at                 INTEGER NOT NULL,
	updated_at                 INTEGER NOT NULL
) STRICT;

CREATE TABLE users (
	phone_number        TEXT PRIMARY KEY,
	pin_hash            TEXT NOT NULL,
	given_name          TEXT NOT NULL,
	family_name         TEXT NOT NULL,
	birthdate           TEXT NOT NULL,
	email               TEXT NOT NULL,
	email_verified      INTEGER NOT NULL,
	nin                 TEXT NOT NULL,
	addresses           TEXT NOT NULL,
	accounts            TEXT NOT NULL,
	app_version         TEXT NOT NULL,
	failed_pin_attempts INTEGER NOT NULL,
	locked_until        INTEGER NOT NULL,
	created_at          INTEGER NOT NULL,
	updated_at          INTEGER NOT NULL
) STRICT;

CREATE TABLE signing_keys (
	id          TEXT PRIMARY KEY,
	algorithm   TEXT NOT NULL,
	private_jwk BLOB NOT NULL,
	created_at  INTEGER NOT NULL
) STRICT;

-- Deleting a user deletes their app sessions: a signed-in phone must not
-- outlive the account it signed in to.
CREATE TABLE app_sessions (
	token_hash   TEXT PRIMARY KEY,
	phone_number TEXT NOT NULL REFERENCES users (phone_number) ON DELETE CASCADE,
	created_at   INTEGER NOT NULL,
	expires_at   INTEGER NOT NULL
) STRICT;

-- The cascade looks sessions up by user, the cleanup by expiry.
CREATE INDEX app_sessions_phone_number ON app_sessions (phone_number);
CREATE INDEX app_sessions_expires_at ON app_sessions (expires_at);

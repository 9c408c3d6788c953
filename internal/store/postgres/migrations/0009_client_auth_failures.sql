-- Failed client authentications at the token endpoint and their lock
-- (store.ClientAuthFailures), as in the SQLite backend's 0009. They are
-- columns of the client rather than a table of their own, so that an
-- unknown client_id can never add a row, and they go when the client goes.
-- Conventions as in 0001: auth_locked_until is NULL until a lock is set.

ALTER TABLE clients ADD COLUMN auth_failures INTEGER NOT NULL DEFAULT 0;
ALTER TABLE clients ADD COLUMN auth_locked_until TIMESTAMPTZ;

-- Failed client authentications at the token endpoint and their lock
-- (store.ClientAuthFailures), as PostgreSQL's 0009. They are columns of
-- the client rather than a table of their own, so that an unknown
-- client_id can never add a row, and they go when the client goes. Same
-- conventions as 0001: auth_locked_until is INTEGER unix microseconds, 0
-- for never locked.

ALTER TABLE clients ADD COLUMN auth_failures INTEGER NOT NULL DEFAULT 0;
ALTER TABLE clients ADD COLUMN auth_locked_until INTEGER NOT NULL DEFAULT 0;

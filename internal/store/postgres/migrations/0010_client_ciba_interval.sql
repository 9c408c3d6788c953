-- A client's CIBA poll interval (store.Client.CIBAInterval), as in the
-- SQLite backend's 0010: a vippslogin extension so that a merchant's CI
-- need not wait Vipps' 5 seconds per poll. Conventions as in 0001: a
-- duration is bigint microseconds. 0 is "not set", Vipps' 5 seconds
-- (store.DefaultCIBAInterval), which every client had before.

ALTER TABLE clients ADD COLUMN ciba_interval BIGINT NOT NULL DEFAULT 0;

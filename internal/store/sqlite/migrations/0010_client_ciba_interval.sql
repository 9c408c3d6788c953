-- A client's CIBA poll interval (store.Client.CIBAInterval), as
-- PostgreSQL's 0010: a vippslogin extension so that a merchant's CI need
-- not wait Vipps' 5 seconds per poll. Same conventions as 0001: a duration
-- is INTEGER microseconds. 0 is "not set", Vipps' 5 seconds
-- (store.DefaultCIBAInterval), which every client had before.

ALTER TABLE clients ADD COLUMN ciba_interval INTEGER NOT NULL DEFAULT 0;

-- The first signing key of each algorithm is marked, and only one may be:
-- replicas that start together on an empty database then make one key
-- between them instead of one each.

ALTER TABLE signing_keys ADD COLUMN initial INTEGER NOT NULL DEFAULT 0;

CREATE UNIQUE INDEX signing_keys_one_initial ON signing_keys (algorithm) WHERE initial;

-- The row CheckWrite writes to learn whether the database takes a write
-- (the readiness check): one row, whose counter each check bumps, so the
-- table never grows. As SQLite's 0013.

CREATE TABLE health (
	id     INTEGER PRIMARY KEY CHECK (id = 1),
	checks BIGINT NOT NULL
);

INSERT INTO health (id, checks) VALUES (1, 0);

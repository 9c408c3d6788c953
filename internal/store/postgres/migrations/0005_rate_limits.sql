-- Rate limits shared by every replica, as in the SQLite backend's 0005: one
-- row per key and fixed window, counting its hits (CountHit). Conventions
-- as in 0001.

CREATE TABLE rate_limits (
	key          TEXT NOT NULL,
	window_start TIMESTAMPTZ NOT NULL,
	hits         INTEGER NOT NULL,
	PRIMARY KEY (key, window_start)
);

-- The sweep of old windows (DeleteExpired).
CREATE INDEX rate_limits_window_start ON rate_limits (window_start);

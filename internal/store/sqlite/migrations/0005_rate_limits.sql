-- Rate limits shared by every process on the file: one row per key and
-- fixed window, counting its hits (CountHit). Same conventions as 0001:
-- window_start is INTEGER unix microseconds.

CREATE TABLE rate_limits (
	key          TEXT NOT NULL,
	window_start INTEGER NOT NULL,
	hits         INTEGER NOT NULL,
	PRIMARY KEY (key, window_start)
) STRICT;

-- The sweep of old windows (DeleteExpired).
CREATE INDEX rate_limits_window_start ON rate_limits (window_start);

package sqlite

import (
	"context"
	"time"
)

// CountHit records one hit on key in the window starting at windowStart and
// returns the window's hits so far, this one included. The upsert is one
// statement in a write transaction, which holds the write lock before it
// reads, so concurrent hits from any process on the file are counted one
// after another.
func (s *Store) CountHit(ctx context.Context, key string, windowStart time.Time) (int, error) {
	var hits int
	err := s.write(ctx, func(tx *wtx) error {
		return tx.queryRow(`INSERT INTO rate_limits (key, window_start, hits) VALUES (?, ?, 1)
			ON CONFLICT (key, window_start) DO UPDATE SET hits = rate_limits.hits + 1
			RETURNING hits`, key, micros(windowStart)).Scan(&hits)
	})
	if err != nil {
		return 0, errorf("sqlite: count hit on %q: %w", key, err)
	}
	return hits, nil
}

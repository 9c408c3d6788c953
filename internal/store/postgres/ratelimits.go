package postgres

import (
	"context"
	"fmt"
	"time"
)

// CountHit records one hit on key in the window starting at windowStart and
// returns the window's hits so far, this one included. Of concurrent hits
// on a new window one INSERT wins and the others wait for it and then
// update, so no hit is lost whichever replica makes it.
func (s *Store) CountHit(ctx context.Context, key string, windowStart time.Time) (int, error) {
	var hits int
	err := s.pool.QueryRow(ctx, `INSERT INTO rate_limits (key, window_start, hits) VALUES ($1, $2, 1)
		ON CONFLICT (key, window_start) DO UPDATE SET hits = rate_limits.hits + 1
		RETURNING hits`, key, ts(windowStart)).Scan(&hits)
	if err != nil {
		return 0, fmt.Errorf("postgres: count hit on %q: %w", key, mapErr(err))
	}
	return hits, nil
}

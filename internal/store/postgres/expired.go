package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/vippslogin/vippslogin/internal/store"
)

// sweep is one table DeleteExpired sweeps: the rows where matches, the
// cutoff being $1, go, found by key through the index that serves where.
type sweep struct {
	table, key, where string
	cutoff            func(store.Cutoffs) time.Time
}

var sweeps = []sweep{
	// An undelivered webhook is still owed until it expires; a delivered
	// one is only the delivery log.
	{"webhooks", "id", `expires_at < $1 OR delivered_at < $1`, func(c store.Cutoffs) time.Time { return c.Webhooks }},
	{"app_sessions", "token_hash", `expires_at < $1`, func(c store.Cutoffs) time.Time { return c.AppSessions }},
	{"browser_sessions", "id", `expires_at < $1`, func(c store.Cutoffs) time.Time { return c.BrowserSessions }},
	{"login_requests", "id", `expires_at < $1`, func(c store.Cutoffs) time.Time { return c.LoginRequests }},
	{"auth_codes", "hash", `expires_at < $1`, func(c store.Cutoffs) time.Time { return c.Codes }},
	{"access_tokens", "hash", `expires_at < $1`, func(c store.Cutoffs) time.Time { return c.AccessTokens }},
	{"rate_limits", "key, window_start", `window_start < $1`, func(c store.Cutoffs) time.Time { return c.RateLimits }},
}

// DeleteExpired removes the expired records in rounds: each round is one
// round trip, a batch of one DELETE per table of at most batch rows each,
// which the database runs as one implicit transaction (as CreateUsers),
// and rounds go on while some table had more. A round's transaction stays
// small, so it neither holds back vacuum's horizon nor writes a burst of
// WAL; PostgreSQL's autovacuum then makes the deleted rows' space
// reusable (docs/operations.md). Every replica's janitor may run it at
// once: a row two of them both delete is counted by one.
func (s *Store) DeleteExpired(ctx context.Context, before store.Cutoffs, batch int) (int, error) {
	if batch <= 0 {
		return 0, fmt.Errorf("postgres: delete expired: batch %d", batch)
	}
	total, more := 0, true
	for more {
		more = false
		b := &pgx.Batch{}
		for _, sw := range sweeps {
			// PostgreSQL's DELETE has no LIMIT: the keys come from a
			// limited SELECT.
			b.Queue(`DELETE FROM `+sw.table+` WHERE (`+sw.key+`) IN (SELECT `+sw.key+` FROM `+sw.table+` WHERE `+sw.where+` LIMIT $2)`,
				ts(sw.cutoff(before)), batch).Exec(func(tag pgconn.CommandTag) error {
				n := int(tag.RowsAffected())
				total += n
				more = more || n == batch
				return nil
			})
		}
		if err := s.pool.SendBatch(ctx, b).Close(); err != nil {
			return total, fmt.Errorf("postgres: delete expired: %w", mapErr(err))
		}
	}
	return total, nil
}

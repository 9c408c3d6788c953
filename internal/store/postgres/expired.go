package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// expiringTables are the tables DeleteExpired sweeps, each with an
// expires_at column and an index on it.
var expiringTables = []string{"app_sessions", "browser_sessions", "login_requests", "auth_codes", "access_tokens"}

// DeleteExpired removes, in one transaction, the app and browser sessions,
// login requests, codes and access tokens that expired before the given
// time, the webhooks that expired or were delivered before it, and the rate
// limit windows that started before it, and reports how many records it
// removed. A record expiring exactly then is kept. Every replica's janitor
// may run it at once: a row two of them both delete is counted by one. The
// DELETEs go as one batch, one round trip, which the database runs as one
// implicit transaction (as CreateUsers).
func (s *Store) DeleteExpired(ctx context.Context, before time.Time) (int, error) {
	total := 0
	count := func(tag pgconn.CommandTag) error {
		total += int(tag.RowsAffected())
		return nil
	}
	b := &pgx.Batch{}
	// An undelivered webhook is still owed until it expires; a delivered
	// one is only the delivery log, kept as long as the other records'
	// grace.
	b.Queue(`DELETE FROM webhooks WHERE expires_at < $1 OR delivered_at < $1`, ts(before)).Exec(count)
	for _, table := range expiringTables {
		b.Queue(`DELETE FROM `+table+` WHERE expires_at < $1`, ts(before)).Exec(count)
	}
	b.Queue(`DELETE FROM rate_limits WHERE window_start < $1`, ts(before)).Exec(count)
	if err := s.pool.SendBatch(ctx, b).Close(); err != nil {
		return 0, fmt.Errorf("postgres: delete expired: %w", mapErr(err))
	}
	return total, nil
}

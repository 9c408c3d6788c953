package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// expiringTables are the tables DeleteExpired sweeps, each with an
// expires_at column and an index on it.
var expiringTables = []string{"app_sessions", "browser_sessions", "login_requests", "auth_codes", "access_tokens"}

// DeleteExpired removes, in one transaction, the app and browser sessions,
// login requests, codes and access tokens that expired before the given
// time, the webhooks that expired or were delivered before it, and the rate
// limit windows that started before it, and reports how many records it
// removed. A record expiring exactly then is kept. Every replica's janitor
// may run it at once: a row two of them both delete is counted by one.
func (s *Store) DeleteExpired(ctx context.Context, before time.Time) (int, error) {
	total := 0
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		total = 0
		// An undelivered webhook is still owed until it expires; a delivered
		// one is only the delivery log, kept as long as the other records'
		// grace.
		tag, err := tx.Exec(ctx, `DELETE FROM webhooks
			WHERE expires_at < $1 OR delivered_at < $1`, ts(before))
		if err != nil {
			return fmt.Errorf("webhooks: %w", err)
		}
		total += int(tag.RowsAffected())
		for _, table := range expiringTables {
			tag, err := tx.Exec(ctx, `DELETE FROM `+table+` WHERE expires_at < $1`, ts(before))
			if err != nil {
				return fmt.Errorf("%s: %w", table, err)
			}
			total += int(tag.RowsAffected())
		}
		tag, err = tx.Exec(ctx, `DELETE FROM rate_limits WHERE window_start < $1`, ts(before))
		if err != nil {
			return fmt.Errorf("rate_limits: %w", err)
		}
		total += int(tag.RowsAffected())
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("postgres: delete expired: %w", mapErr(err))
	}
	return total, nil
}

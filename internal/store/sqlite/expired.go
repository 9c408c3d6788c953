package sqlite

import (
	"context"
	"fmt"
	"time"
)

// expiringTables are the tables DeleteExpired sweeps, each with an
// expires_at column and an index on it.
var expiringTables = []string{"app_sessions", "browser_sessions", "login_requests", "auth_codes", "access_tokens"}

// DeleteExpired removes, in one transaction, the app and browser sessions,
// login requests, codes and access tokens that expired before the given
// time, the webhooks that expired or were delivered before it, and the rate
// limit windows that started before it, and reports how many records it
// removed. A record expiring exactly then is kept.
func (s *Store) DeleteExpired(ctx context.Context, before time.Time) (int, error) {
	total := 0
	err := s.write(ctx, func(tx *wtx) error {
		sweep := func(table, where string, args ...any) error {
			res, err := tx.exec(`DELETE FROM `+table+` WHERE `+where, args...)
			if err != nil {
				return fmt.Errorf("%s: %w", table, err)
			}
			n, err := res.RowsAffected()
			if err != nil {
				return fmt.Errorf("%s: %w", table, err)
			}
			total += int(n)
			return nil
		}
		// An undelivered webhook is still owed until it expires; a delivered
		// one is only the delivery log, kept as long as the other records'
		// grace.
		if err := sweep("webhooks", `expires_at < ? OR (delivered_at != 0 AND delivered_at < ?)`, micros(before), micros(before)); err != nil {
			return err
		}
		for _, table := range expiringTables {
			if err := sweep(table, `expires_at < ?`, micros(before)); err != nil {
				return err
			}
		}
		return sweep("rate_limits", `window_start < ?`, micros(before))
	})
	if err != nil {
		return 0, errorf("sqlite: delete expired: %w", err)
	}
	return total, nil
}

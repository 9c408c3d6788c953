package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/vippslogin/vippslogin/internal/store"
)

// Backlog counts the pending logins by kind and the undelivered webhooks,
// along the login_requests_expires_at and webhooks_due indexes.
func (s *Store) Backlog(ctx context.Context, now time.Time) (store.Backlog, error) {
	b := store.Backlog{PendingLogins: map[string]int{}}
	rows, err := s.pool.Query(ctx, `SELECT kind, count(*) FROM login_requests
		WHERE status IN ($1, $2, $3) AND expires_at > $4 GROUP BY kind`,
		store.LoginCreated, store.LoginWaiting, store.LoginApproved, ts(now))
	if err != nil {
		return b, fmt.Errorf("postgres: count pending logins: %w", mapErr(err))
	}
	defer rows.Close()
	for rows.Next() {
		var kind string
		var n int
		if err := rows.Scan(&kind, &n); err != nil {
			return b, fmt.Errorf("postgres: count pending logins: %w", mapErr(err))
		}
		b.PendingLogins[kind] = n
	}
	if err := rows.Err(); err != nil {
		return b, fmt.Errorf("postgres: count pending logins: %w", mapErr(err))
	}
	err = s.pool.QueryRow(ctx, `SELECT count(*) FROM webhooks WHERE delivered_at IS NULL AND expires_at > $1`, ts(now)).Scan(&b.Webhooks)
	if err != nil {
		return b, fmt.Errorf("postgres: count undelivered webhooks: %w", mapErr(err))
	}
	return b, nil
}

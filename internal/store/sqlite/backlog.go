package sqlite

import (
	"context"
	"time"

	"github.com/vippslogin/vippslogin/internal/store"
)

// Backlog counts the pending logins by kind and the undelivered webhooks,
// along the login_requests_expires_at and webhooks_due indexes.
func (s *Store) Backlog(ctx context.Context, now time.Time) (store.Backlog, error) {
	b := store.Backlog{PendingLogins: map[string]int{}}
	q := s.read(ctx)
	rows, err := q.query(`SELECT kind, count(*) FROM login_requests
		WHERE status IN (?, ?, ?) AND expires_at > ? GROUP BY kind`,
		store.LoginCreated, store.LoginWaiting, store.LoginApproved, micros(now))
	if err != nil {
		return b, errorf("sqlite: count pending logins: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var kind string
		var n int
		if err := rows.Scan(&kind, &n); err != nil {
			return b, errorf("sqlite: count pending logins: %w", err)
		}
		b.PendingLogins[kind] = n
	}
	if err := rows.Err(); err != nil {
		return b, errorf("sqlite: count pending logins: %w", err)
	}
	err = q.queryRow(`SELECT count(*) FROM webhooks WHERE delivered_at = 0 AND expires_at > ?`, micros(now)).Scan(&b.Webhooks)
	if err != nil {
		return b, errorf("sqlite: count undelivered webhooks: %w", err)
	}
	return b, nil
}

package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vippslogin/vippslogin/internal/store"
)

// ListPendingLoginRequests returns the user's requests that have not ended
// (created, waiting or approved) and expire after now, oldest first;
// requests made in the same microsecond are ordered by id. The
// (phone_number, status) index finds them.
func (s *Store) ListPendingLoginRequests(ctx context.Context, phoneNumber string, now time.Time) ([]store.LoginRequest, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+loginRequestColumns+` FROM login_requests
		WHERE phone_number = $1 AND status IN ($2, $3, $4) AND expires_at > $5
		ORDER BY created_at, id COLLATE "C"`, phoneNumber, store.LoginCreated, store.LoginWaiting, store.LoginApproved, ts(now))
	if err != nil {
		return nil, fmt.Errorf("postgres: list pending login requests for %q: %w", phoneNumber, mapErr(err))
	}
	rs, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.LoginRequest, error) { return scanLoginRequest(row) })
	if err != nil {
		return nil, fmt.Errorf("postgres: list pending login requests for %q: %w", phoneNumber, mapErr(err))
	}
	return orEmpty(rs), nil
}

package sqlite

import (
	"context"
	"time"

	"github.com/vippslogin/vippslogin/internal/store"
)

// ListPendingLoginRequests returns the user's requests that have not ended
// (created, waiting or approved) and expire after now, oldest first;
// requests made in the same microsecond are ordered by id. The
// (phone_number, status) index finds them.
func (s *Store) ListPendingLoginRequests(ctx context.Context, phoneNumber string, now time.Time) ([]store.LoginRequest, error) {
	rs, err := list(s.read(ctx), scanLoginRequest, `SELECT `+loginRequestColumns+` FROM login_requests
		WHERE phone_number = ? AND status IN (?, ?, ?) AND expires_at > ?
		ORDER BY created_at, id`, phoneNumber, store.LoginCreated, store.LoginWaiting, store.LoginApproved, micros(now))
	if err != nil {
		return nil, errorf("sqlite: list pending login requests for %q: %w", phoneNumber, err)
	}
	return rs, nil
}

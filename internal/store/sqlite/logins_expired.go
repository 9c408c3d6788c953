package sqlite

import (
	"context"
	"time"

	"github.com/vippslogin/vippslogin/internal/store"
)

// expiredDescription is the error_description of a request that
// FailExpiredLoginRequests ended.
const expiredDescription = "The user did not answer in the Vipps app before the request expired."

// FailExpiredLoginRequests ends the user's waiting requests of kind that
// expired at now, in one statement, so that a new CIBA request is not
// blocked by the one-waiting-per-user index on a request nobody can answer
// any more. The (phone_number, status) index finds them.
func (s *Store) FailExpiredLoginRequests(ctx context.Context, phoneNumber, kind string, now time.Time) (int, error) {
	n, err := s.exec(ctx, `UPDATE login_requests
		SET status = ?, error = 'expired_token', error_description = ?, updated_at = ?
		WHERE phone_number = ? AND status = ? AND kind = ? AND expires_at <= ?`,
		store.LoginFailed, expiredDescription, micros(now),
		phoneNumber, store.LoginWaiting, kind, micros(now))
	if err != nil {
		return 0, errorf("sqlite: fail expired login requests of %q: %w", phoneNumber, err)
	}
	return int(n), nil
}

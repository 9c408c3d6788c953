package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/vippslogin/vippslogin/internal/store"
)

// expiredDescription is the error_description of a request that
// FailExpiredLoginRequests ended; the SQLite backend's words.
const expiredDescription = "The user did not answer in the Vipps app before the request expired."

// FailExpiredLoginRequests ends the user's waiting requests of kind that
// expired at now, in one statement, so that a new CIBA request is not
// blocked by the one-waiting-per-user index on a request nobody can answer
// any more. The (phone_number, status) index finds them.
func (s *Store) FailExpiredLoginRequests(ctx context.Context, phoneNumber, kind string, now time.Time) (int, error) {
	tag, err := s.pool.Exec(ctx, `UPDATE login_requests
		SET status = $1, error = 'expired_token', error_description = $2, updated_at = $3
		WHERE phone_number = $4 AND status = $5 AND kind = $6 AND expires_at <= $3`,
		store.LoginFailed, expiredDescription, ts(now),
		phoneNumber, store.LoginWaiting, kind)
	if err != nil {
		return 0, fmt.Errorf("postgres: fail expired login requests of %q: %w", phoneNumber, mapErr(err))
	}
	return int(tag.RowsAffected()), nil
}

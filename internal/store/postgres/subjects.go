package postgres

import (
	"context"
	"fmt"
)

// PairwiseSubject returns the user's sub at the client: candidate is stored
// the first time, and the stored one is returned every time after. Of two
// racing callers, PostgreSQL makes the second INSERT wait for the first and
// then do nothing, and the read after it, a statement of its own, sees the
// first one's subject. A candidate that is another pair's subject is
// store.ErrExists. The user and the client must exist.
func (s *Store) PairwiseSubject(ctx context.Context, phoneNumber, clientID, candidate string) (string, error) {
	_, err := s.pool.Exec(ctx, `INSERT INTO pairwise_subjects (phone_number, client_id, subject)
		VALUES ($1, $2, $3) ON CONFLICT (phone_number, client_id) DO NOTHING`,
		phoneNumber, clientID, candidate)
	var subject string
	if err == nil {
		err = s.pool.QueryRow(ctx, `SELECT subject FROM pairwise_subjects
			WHERE phone_number = $1 AND client_id = $2`, phoneNumber, clientID).Scan(&subject)
	}
	if err != nil {
		return "", fmt.Errorf("postgres: pairwise subject of %q at %q: %w", phoneNumber, clientID, mapErr(err))
	}
	return subject, nil
}

package sqlite

import (
	"context"
	"database/sql"
)

// PairwiseSubject returns the user's sub at the client: candidate is stored
// the first time, and the stored one is returned every time after. The
// insert that finds the pair taken does nothing, and the read after it runs
// in the same transaction, so of two racing callers the second reads the
// first one's subject. A candidate that is another pair's subject is
// store.ErrExists. The user and the client must exist.
func (s *Store) PairwiseSubject(ctx context.Context, phoneNumber, clientID, candidate string) (string, error) {
	var subject string
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO pairwise_subjects (phone_number, client_id, subject)
			VALUES (?, ?, ?) ON CONFLICT (phone_number, client_id) DO NOTHING`,
			phoneNumber, clientID, candidate)
		if err != nil {
			return created(err)
		}
		return tx.QueryRowContext(ctx, `SELECT subject FROM pairwise_subjects
			WHERE phone_number = ? AND client_id = ?`, phoneNumber, clientID).Scan(&subject)
	})
	if err != nil {
		return "", errorf("sqlite: pairwise subject of %q at %q: %w", phoneNumber, clientID, err)
	}
	return subject, nil
}

package sqlite

import (
	"context"
	"errors"

	"github.com/vippslogin/vippslogin/internal/store"
)

// PairwiseSubject returns the user's sub at the client: candidate is stored
// the first time, and the stored one is returned every time after. Every
// token and userinfo call asks, and all but a user's first login at a
// client find the pair stored, so the subject is read first on a reader;
// only when it is missing does a write job insert it. The insert that finds
// the pair taken (a racing first login won) does nothing, and the read after
// it runs in the same job, so of two racing callers the second reads the
// first one's subject. A candidate that is another pair's subject is
// store.ErrExists. The user and the client must exist.
func (s *Store) PairwiseSubject(ctx context.Context, phoneNumber, clientID, candidate string) (string, error) {
	subject, err := pairwiseSubject(s.read(ctx), phoneNumber, clientID)
	if errors.Is(err, store.ErrNotFound) {
		err = s.write(ctx, func(tx *wtx) error {
			_, err := tx.exec(`INSERT INTO pairwise_subjects (phone_number, client_id, subject)
				VALUES (?, ?, ?) ON CONFLICT (phone_number, client_id) DO NOTHING`,
				phoneNumber, clientID, candidate)
			if err != nil {
				return created(err)
			}
			subject, err = pairwiseSubject(tx, phoneNumber, clientID)
			return err
		})
	}
	if err != nil {
		return "", errorf("sqlite: pairwise subject of %q at %q: %w", phoneNumber, clientID, err)
	}
	return subject, nil
}

// pairwiseSubject is the stored subject of the pair, or store.ErrNotFound.
func pairwiseSubject(q querier, phoneNumber, clientID string) (string, error) {
	var subject string
	err := q.queryRow(`SELECT subject FROM pairwise_subjects
		WHERE phone_number = ? AND client_id = ?`, phoneNumber, clientID).Scan(&subject)
	return subject, notFound(err)
}

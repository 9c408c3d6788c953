package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// PairwiseSubject returns the user's sub at the client: candidate is stored
// the first time, and the stored one is returned every time after. Every
// token and userinfo request asks, and all but a user's first at a client
// find it stored, so a plain read on the pool comes first and only a miss
// writes. Of two racing first callers, PostgreSQL makes the second INSERT
// wait for the first and then do nothing (no row RETURNed), and the read
// after it, a statement of its own, sees the first one's subject. A
// candidate that is another pair's subject is store.ErrExists. The user
// and the client must exist.
func (s *Store) PairwiseSubject(ctx context.Context, phoneNumber, clientID, candidate string) (string, error) {
	subject, err := s.storedSubject(ctx, phoneNumber, clientID)
	if errors.Is(err, pgx.ErrNoRows) {
		err = s.pool.QueryRow(ctx, `INSERT INTO pairwise_subjects (phone_number, client_id, subject)
			VALUES ($1, $2, $3) ON CONFLICT (phone_number, client_id) DO NOTHING
			RETURNING subject`, phoneNumber, clientID, candidate).Scan(&subject)
		if errors.Is(err, pgx.ErrNoRows) { // another caller stored one first
			subject, err = s.storedSubject(ctx, phoneNumber, clientID)
		}
	}
	if err != nil {
		return "", fmt.Errorf("postgres: pairwise subject of %q at %q: %w", phoneNumber, clientID, mapErr(err))
	}
	return subject, nil
}

// storedSubject reads the user's sub at the client, or pgx.ErrNoRows.
func (s *Store) storedSubject(ctx context.Context, phoneNumber, clientID string) (string, error) {
	var subject string
	err := s.pool.QueryRow(ctx, `SELECT subject FROM pairwise_subjects
		WHERE phone_number = $1 AND client_id = $2`, phoneNumber, clientID).Scan(&subject)
	return subject, err
}

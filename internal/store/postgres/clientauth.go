package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/vippslogin/vippslogin/internal/store"
)

// getClientAuthFailuresSQL reads one client's failed authentications.
const getClientAuthFailuresSQL = `SELECT auth_failures, auth_locked_until FROM clients WHERE id = $1`

// GetClientAuthFailures returns the client's failed authentications, or
// store.ErrNotFound for an unknown client.
func (s *Store) GetClientAuthFailures(ctx context.Context, clientID string) (store.ClientAuthFailures, error) {
	f, err := scanClientAuthFailures(s.pool.QueryRow(ctx, getClientAuthFailuresSQL, clientID))
	if err != nil {
		return store.ClientAuthFailures{}, fmt.Errorf("postgres: get client auth failures of %q: %w", clientID, mapErr(err))
	}
	return f, nil
}

// UpdateClientAuthFailures reads the client's failed authentications,
// hands them to update and stores the result, in one transaction that
// holds the client's row lock (FOR UPDATE) from the read on, so failures
// counted at once on any replicas are all counted. Nothing is written when
// update changes nothing.
func (s *Store) UpdateClientAuthFailures(ctx context.Context, clientID string, update func(store.ClientAuthFailures) (store.ClientAuthFailures, error)) (store.ClientAuthFailures, error) {
	var (
		old, stored store.ClientAuthFailures
		updateErr   error
	)
	err := s.readModifyWrite(ctx, getClientAuthFailuresSQL+` FOR UPDATE`, clientID,
		func(row pgx.Row) (err error) {
			old, err = scanClientAuthFailures(row)
			return err
		},
		func(b *pgx.Batch) error {
			f, err := update(old)
			if err != nil {
				updateErr = err
				return err
			}
			if !f.LockedUntil.IsZero() {
				f.LockedUntil = ts(f.LockedUntil) // as it reads back
			}
			stored = f
			if f.Failures == old.Failures && f.LockedUntil.Equal(old.LockedUntil) {
				return nil
			}
			b.Queue(`UPDATE clients SET auth_failures = $2, auth_locked_until = $3 WHERE id = $1`, clientID, f.Failures, nullTS(f.LockedUntil))
			return nil
		})
	switch {
	case updateErr != nil:
		return store.ClientAuthFailures{}, updateErr
	case err != nil:
		return store.ClientAuthFailures{}, fmt.Errorf("postgres: update client auth failures of %q: %w", clientID, mapErr(err))
	}
	return stored, nil
}

// scanClientAuthFailures reads one row of getClientAuthFailuresSQL.
func scanClientAuthFailures(row pgx.Row) (store.ClientAuthFailures, error) {
	var (
		f     store.ClientAuthFailures
		until pgtype.Timestamptz
	)
	if err := row.Scan(&f.Failures, &until); err != nil {
		return store.ClientAuthFailures{}, err
	}
	f.LockedUntil = fromNullTS(until)
	return f, nil
}

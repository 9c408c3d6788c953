package sqlite

import (
	"context"

	"github.com/vippslogin/vippslogin/internal/store"
)

// GetClientAuthFailures returns the client's failed authentications, or
// store.ErrNotFound for an unknown client.
func (s *Store) GetClientAuthFailures(ctx context.Context, clientID string) (store.ClientAuthFailures, error) {
	f, err := getClientAuthFailures(s.read(ctx), clientID)
	if err != nil {
		return store.ClientAuthFailures{}, errorf("sqlite: get client auth failures of %q: %w", clientID, err)
	}
	return f, nil
}

// UpdateClientAuthFailures reads the client's failed authentications,
// hands them to update and stores the result, on the writer, so two
// requests failing at once both count. Nothing is written when update
// changes nothing.
func (s *Store) UpdateClientAuthFailures(ctx context.Context, clientID string, update func(store.ClientAuthFailures) (store.ClientAuthFailures, error)) (store.ClientAuthFailures, error) {
	var (
		stored    store.ClientAuthFailures
		updateErr error
	)
	err := s.write(ctx, func(tx *wtx) error {
		old, err := getClientAuthFailures(tx, clientID)
		if err != nil {
			return err
		}
		f, err := update(old)
		if err != nil {
			updateErr = err
			return err
		}
		f.LockedUntil = storedTime(f.LockedUntil)
		stored = f
		if f.Failures == old.Failures && f.LockedUntil.Equal(old.LockedUntil) {
			return nil
		}
		_, err = tx.exec(`UPDATE clients SET auth_failures = ?, auth_locked_until = ? WHERE id = ?`,
			f.Failures, micros(f.LockedUntil), clientID)
		return err
	})
	switch {
	case updateErr != nil:
		return store.ClientAuthFailures{}, updateErr
	case err != nil:
		return store.ClientAuthFailures{}, errorf("sqlite: update client auth failures of %q: %w", clientID, err)
	}
	return stored, nil
}

func getClientAuthFailures(q querier, clientID string) (store.ClientAuthFailures, error) {
	var (
		f     store.ClientAuthFailures
		until int64
	)
	err := q.queryRow(`SELECT auth_failures, auth_locked_until FROM clients WHERE id = ?`, clientID).Scan(&f.Failures, &until)
	if err != nil {
		return store.ClientAuthFailures{}, notFound(err)
	}
	f.LockedUntil = fromMicros(until)
	return f, nil
}

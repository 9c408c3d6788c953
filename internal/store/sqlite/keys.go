package sqlite

import (
	"context"

	"github.com/vippslogin/vippslogin/internal/store"
)

// CreateSigningKey stores a new key; store.ErrExists if the kid is taken.
func (s *Store) CreateSigningKey(ctx context.Context, k store.SigningKey) error {
	_, err := s.exec(ctx, `INSERT INTO signing_keys (id, algorithm, private_jwk, initial, created_at)
		VALUES (?, ?, ?, ?, ?)`, k.ID, k.Algorithm, k.PrivateJWK, k.Initial, micros(k.CreatedAt))
	if err != nil {
		return errorf("sqlite: create signing key %q: %w", k.ID, created(err))
	}
	return nil
}

// ResealSigningKey replaces the key's stored private part, or returns
// store.ErrNotFound.
func (s *Store) ResealSigningKey(ctx context.Context, id string, privateJWK []byte) error {
	err := found(s.exec(ctx, `UPDATE signing_keys SET private_jwk = ? WHERE id = ?`, privateJWK, id))
	if err != nil {
		return errorf("sqlite: reseal signing key %q: %w", id, err)
	}
	return nil
}

// ListSigningKeys returns every key, oldest first; keys made in the same
// microsecond are ordered by id so that the order never depends on the
// database's mood.
func (s *Store) ListSigningKeys(ctx context.Context) ([]store.SigningKey, error) {
	ks, err := list(s.read(ctx), scanSigningKey, `SELECT id, algorithm, private_jwk, initial, created_at
		FROM signing_keys ORDER BY created_at, id`)
	if err != nil {
		return nil, errorf("sqlite: list signing keys: %w", err)
	}
	return ks, nil
}

// scanSigningKey reads one row of a signing key.
func scanSigningKey(row scanner) (store.SigningKey, error) {
	var (
		k         store.SigningKey
		createdAt int64
	)
	if err := row.Scan(&k.ID, &k.Algorithm, &k.PrivateJWK, &k.Initial, &createdAt); err != nil {
		return store.SigningKey{}, err
	}
	k.CreatedAt = fromMicros(createdAt)
	return k, nil
}

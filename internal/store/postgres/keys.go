package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/vippslogin/vippslogin/internal/store"
)

// CreateSigningKey stores a new key; store.ErrExists if the kid is taken.
func (s *Store) CreateSigningKey(ctx context.Context, k store.SigningKey) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO signing_keys (id, algorithm, private_jwk, initial, created_at)
		VALUES ($1, $2, $3, $4, $5)`, k.ID, k.Algorithm, orEmpty(k.PrivateJWK), k.Initial, ts(k.CreatedAt))
	if err != nil {
		return fmt.Errorf("postgres: create signing key %q: %w", k.ID, mapErr(err))
	}
	return nil
}

// ResealSigningKey replaces the key's stored private part, or returns
// store.ErrNotFound.
func (s *Store) ResealSigningKey(ctx context.Context, id string, privateJWK []byte) error {
	err := deleted(s.pool.Exec(ctx, `UPDATE signing_keys SET private_jwk = $2 WHERE id = $1`, id, orEmpty(privateJWK)))
	if err != nil {
		return fmt.Errorf("postgres: reseal signing key %q: %w", id, mapErr(err))
	}
	return nil
}

// ListSigningKeys returns every key, oldest first; keys made in the same
// microsecond are ordered by id so that the order never depends on the
// database's mood (or its collation).
func (s *Store) ListSigningKeys(ctx context.Context) ([]store.SigningKey, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, algorithm, private_jwk, initial, created_at
		FROM signing_keys ORDER BY created_at, id COLLATE "C"`)
	if err != nil {
		return nil, fmt.Errorf("postgres: list signing keys: %w", mapErr(err))
	}
	ks, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.SigningKey, error) {
		var k store.SigningKey
		err := row.Scan(&k.ID, &k.Algorithm, &k.PrivateJWK, &k.Initial, &k.CreatedAt)
		k.CreatedAt = fromTS(k.CreatedAt)
		return k, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: list signing keys: %w", mapErr(err))
	}
	return orEmpty(ks), nil
}

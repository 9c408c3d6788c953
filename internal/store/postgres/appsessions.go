package postgres

import (
	"context"
	"fmt"

	"github.com/vippslogin/vippslogin/internal/store"
)

// CreateAppSession stores a new app session; store.ErrExists if the token
// hash is taken. The user must exist.
func (s *Store) CreateAppSession(ctx context.Context, as store.AppSession) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO app_sessions (token_hash, phone_number, created_at, expires_at)
		VALUES ($1, $2, $3, $4)`, as.TokenHash, as.PhoneNumber, ts(as.CreatedAt), ts(as.ExpiresAt))
	if err != nil {
		return fmt.Errorf("postgres: create app session for %q: %w", as.PhoneNumber, mapErr(err))
	}
	return nil
}

// GetAppSession returns the session with the given token hash, expired or
// not, or store.ErrNotFound. The hash is not put in errors: it is as good as
// the token for finding the session.
func (s *Store) GetAppSession(ctx context.Context, tokenHash string) (store.AppSession, error) {
	var as store.AppSession
	err := s.pool.QueryRow(ctx, `SELECT token_hash, phone_number, created_at, expires_at
		FROM app_sessions WHERE token_hash = $1`, tokenHash).
		Scan(&as.TokenHash, &as.PhoneNumber, &as.CreatedAt, &as.ExpiresAt)
	if err != nil {
		return store.AppSession{}, fmt.Errorf("postgres: get app session: %w", mapErr(err))
	}
	as.CreatedAt, as.ExpiresAt = fromTS(as.CreatedAt), fromTS(as.ExpiresAt)
	return as, nil
}

// DeleteAppSession removes the session, or returns store.ErrNotFound.
func (s *Store) DeleteAppSession(ctx context.Context, tokenHash string) error {
	if err := deleted(s.pool.Exec(ctx, `DELETE FROM app_sessions WHERE token_hash = $1`, tokenHash)); err != nil {
		return fmt.Errorf("postgres: delete app session: %w", mapErr(err))
	}
	return nil
}

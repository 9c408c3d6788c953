package sqlite

import (
	"context"

	"github.com/vippslogin/vippslogin/internal/store"
)

// CreateAppSession stores a new app session; store.ErrExists if the token
// hash is taken. The user must exist.
func (s *Store) CreateAppSession(ctx context.Context, as store.AppSession) error {
	_, err := s.exec(ctx, `INSERT INTO app_sessions (token_hash, phone_number, created_at, expires_at)
		VALUES (?, ?, ?, ?)`, as.TokenHash, as.PhoneNumber, micros(as.CreatedAt), micros(as.ExpiresAt))
	if err != nil {
		return errorf("sqlite: create app session for %q: %w", as.PhoneNumber, created(err))
	}
	return nil
}

// GetAppSession returns the session with the given token hash, expired or
// not, or store.ErrNotFound. The hash is not put in errors: it is as good as
// the token for finding the session.
func (s *Store) GetAppSession(ctx context.Context, tokenHash string) (store.AppSession, error) {
	var (
		as                   store.AppSession
		createdAt, expiresAt int64
	)
	err := s.read(ctx).queryRow(`SELECT token_hash, phone_number, created_at, expires_at
		FROM app_sessions WHERE token_hash = ?`, tokenHash).
		Scan(&as.TokenHash, &as.PhoneNumber, &createdAt, &expiresAt)
	if err != nil {
		return store.AppSession{}, errorf("sqlite: get app session: %w", notFound(err))
	}
	as.CreatedAt, as.ExpiresAt = fromMicros(createdAt), fromMicros(expiresAt)
	return as, nil
}

// DeleteAppSession removes the session, or returns store.ErrNotFound.
func (s *Store) DeleteAppSession(ctx context.Context, tokenHash string) error {
	if err := found(s.exec(ctx, `DELETE FROM app_sessions WHERE token_hash = ?`, tokenHash)); err != nil {
		return errorf("sqlite: delete app session: %w", err)
	}
	return nil
}

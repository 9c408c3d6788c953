package sqlite

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/vippslogin/vippslogin/internal/store"
)

const accessTokenColumns = `hash, client_id, phone_number, scopes, session_id, code_hash,
	created_at, expires_at, revoked_at`

// CreateAccessToken stores a new token; store.ErrExists if the hash is
// taken. Hashes are not put in errors: tokens are looked up by them.
func (s *Store) CreateAccessToken(ctx context.Context, t store.AccessToken) error {
	if err := s.write(ctx, func(tx *wtx) error { return insertAccessToken(tx, t) }); err != nil {
		return errorf("sqlite: %w", err)
	}
	return nil
}

// insertAccessToken stores t in tx, also as part of a larger write.
func insertAccessToken(tx *wtx, t store.AccessToken) error {
	scopes, err := listJSON(t.Scopes)
	if err == nil {
		_, err = tx.exec(`INSERT INTO access_tokens (`+accessTokenColumns+`)
			VALUES (`+placeholders(accessTokenColumns)+`)`,
			t.Hash, t.ClientID, t.PhoneNumber, scopes, t.SessionID, t.CodeHash,
			micros(t.CreatedAt), micros(t.ExpiresAt), micros(t.RevokedAt))
	}
	if err != nil {
		return fmt.Errorf("create access token for %q: %w", t.ClientID, created(err))
	}
	return nil
}

// GetAccessToken returns the token with the given hash, expired or revoked
// or not, or store.ErrNotFound.
func (s *Store) GetAccessToken(ctx context.Context, hash string) (store.AccessToken, error) {
	t, err := scanAccessToken(s.read(ctx).queryRow(`SELECT `+accessTokenColumns+`
		FROM access_tokens WHERE hash = ?`, hash))
	if err != nil {
		return store.AccessToken{}, errorf("sqlite: get access token: %w", notFound(err))
	}
	return t, nil
}

// RevokeAccessToken sets the token's RevokedAt to now unless it is already
// set, so revoking twice keeps the first time; store.ErrNotFound if unknown.
func (s *Store) RevokeAccessToken(ctx context.Context, hash string, now time.Time) error {
	if now.IsZero() {
		return errors.New("sqlite: revoke access token: now is the zero time")
	}
	// The CASE rather than a WHERE on revoked_at keeps a revoked token a
	// matched row, so that only an unknown one is ErrNotFound.
	err := found(s.exec(ctx, `UPDATE access_tokens
		SET revoked_at = CASE revoked_at WHEN 0 THEN ? ELSE revoked_at END
		WHERE hash = ?`, micros(now), hash))
	if err != nil {
		return errorf("sqlite: revoke access token: %w", err)
	}
	return nil
}

// RevokeAccessTokensByCode revokes the tokens issued for the code that are
// not revoked yet and reports how many. An empty codeHash revokes nothing:
// tokens not issued for a code have that one.
func (s *Store) RevokeAccessTokensByCode(ctx context.Context, codeHash string, now time.Time) (int, error) {
	if now.IsZero() {
		return 0, errors.New("sqlite: revoke access tokens by code: now is the zero time")
	}
	if codeHash == "" {
		return 0, nil
	}
	n, err := s.exec(ctx, `UPDATE access_tokens SET revoked_at = ?
		WHERE code_hash = ? AND revoked_at = 0`, micros(now), codeHash)
	if err != nil {
		return 0, errorf("sqlite: revoke access tokens by code: %w", err)
	}
	return int(n), nil
}

// scanAccessToken reads one row of accessTokenColumns.
func scanAccessToken(row scanner) (store.AccessToken, error) {
	var (
		t                               store.AccessToken
		scopes                          string
		createdAt, expiresAt, revokedAt int64
	)
	err := row.Scan(&t.Hash, &t.ClientID, &t.PhoneNumber, &scopes, &t.SessionID, &t.CodeHash,
		&createdAt, &expiresAt, &revokedAt)
	if err != nil {
		return store.AccessToken{}, err
	}
	if t.Scopes, err = fromListJSON[string]("scopes", scopes); err != nil {
		return store.AccessToken{}, err
	}
	t.CreatedAt, t.ExpiresAt, t.RevokedAt = fromMicros(createdAt), fromMicros(expiresAt), fromMicros(revokedAt)
	return t, nil
}

package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/vippslogin/vippslogin/internal/store"
)

const accessTokenColumns = `hash, client_id, phone_number, scopes, session_id, code_hash,
	created_at, expires_at, revoked_at`

// CreateAccessToken stores a new token; store.ErrExists if the hash is
// taken. Hashes are not put in errors: tokens are looked up by them.
func (s *Store) CreateAccessToken(ctx context.Context, t store.AccessToken) error {
	args, err := accessTokenArgs(t)
	if err == nil {
		_, err = s.pool.Exec(ctx, insertAccessTokenSQL, args...)
	}
	if err != nil {
		return fmt.Errorf("postgres: create access token for %q: %w", t.ClientID, mapErr(err))
	}
	return nil
}

// insertAccessTokenSQL stores a token; accessTokenArgs gives its arguments.
const insertAccessTokenSQL = `INSERT INTO access_tokens (` + accessTokenColumns + `)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`

func accessTokenArgs(t store.AccessToken) ([]any, error) {
	scopes, err := listJSON(t.Scopes)
	if err != nil {
		return nil, err
	}
	return []any{t.Hash, t.ClientID, t.PhoneNumber, scopes, t.SessionID, t.CodeHash,
		ts(t.CreatedAt), ts(t.ExpiresAt), nullTS(t.RevokedAt)}, nil
}

// GetAccessToken returns the token with the given hash, expired or revoked
// or not, or store.ErrNotFound.
func (s *Store) GetAccessToken(ctx context.Context, hash string) (store.AccessToken, error) {
	t, err := scanAccessToken(s.pool.QueryRow(ctx, `SELECT `+accessTokenColumns+`
		FROM access_tokens WHERE hash = $1`, hash))
	if err != nil {
		return store.AccessToken{}, fmt.Errorf("postgres: get access token: %w", mapErr(err))
	}
	return t, nil
}

// RevokeAccessToken sets the token's RevokedAt to now unless it is already
// set, so revoking twice keeps the first time; store.ErrNotFound if unknown.
func (s *Store) RevokeAccessToken(ctx context.Context, hash string, now time.Time) error {
	if now.IsZero() {
		return errors.New("postgres: revoke access token: now is the zero time")
	}
	// COALESCE rather than a WHERE on revoked_at keeps a revoked token a
	// matched row, so that only an unknown one is ErrNotFound.
	err := deleted(s.pool.Exec(ctx, `UPDATE access_tokens
		SET revoked_at = COALESCE(revoked_at, $1) WHERE hash = $2`, ts(now), hash))
	if err != nil {
		return fmt.Errorf("postgres: revoke access token: %w", mapErr(err))
	}
	return nil
}

// RevokeAccessTokensByCode revokes the tokens issued for the code that are
// not revoked yet and reports how many. An empty codeHash revokes nothing:
// tokens not issued for a code have that one.
func (s *Store) RevokeAccessTokensByCode(ctx context.Context, codeHash string, now time.Time) (int, error) {
	if now.IsZero() {
		return 0, errors.New("postgres: revoke access tokens by code: now is the zero time")
	}
	if codeHash == "" {
		return 0, nil
	}
	tag, err := s.pool.Exec(ctx, `UPDATE access_tokens SET revoked_at = $1
		WHERE code_hash = $2 AND revoked_at IS NULL`, ts(now), codeHash)
	if err != nil {
		return 0, fmt.Errorf("postgres: revoke access tokens by code: %w", mapErr(err))
	}
	return int(tag.RowsAffected()), nil
}

// scanAccessToken reads one row of accessTokenColumns.
func scanAccessToken(row pgx.Row) (store.AccessToken, error) {
	var (
		t         store.AccessToken
		scopes    []byte
		revokedAt pgtype.Timestamptz
	)
	err := row.Scan(&t.Hash, &t.ClientID, &t.PhoneNumber, &scopes, &t.SessionID, &t.CodeHash,
		&t.CreatedAt, &t.ExpiresAt, &revokedAt)
	if err != nil {
		return store.AccessToken{}, err
	}
	if t.Scopes, err = fromListJSON[string]("scopes", scopes); err != nil {
		return store.AccessToken{}, err
	}
	t.CreatedAt, t.ExpiresAt, t.RevokedAt = fromTS(t.CreatedAt), fromTS(t.ExpiresAt), fromNullTS(revokedAt)
	return t, nil
}

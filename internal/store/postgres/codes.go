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

const authCodeColumns = `hash, client_id, redirect_uri, phone_number, scopes, nonce,
	code_challenge, code_challenge_method, session_id, acr, auth_req_id, qr_id, qr_description,
	auth_time, requested_at, created_at, expires_at, used_at`

// CreateAuthCode stores a new code; store.ErrExists if the hash is taken.
// The hash is not put in errors: codes are looked up by it.
func (s *Store) CreateAuthCode(ctx context.Context, c store.AuthCode) error {
	args, err := authCodeArgs(c)
	if err == nil {
		_, err = s.pool.Exec(ctx, insertAuthCodeSQL, args...)
	}
	if err != nil {
		return fmt.Errorf("postgres: create auth code for %q: %w", c.ClientID, mapErr(err))
	}
	return nil
}

// insertAuthCodeSQL stores a code; authCodeArgs gives its arguments.
const insertAuthCodeSQL = `INSERT INTO auth_codes (` + authCodeColumns + `)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)`

func authCodeArgs(c store.AuthCode) ([]any, error) {
	scopes, err := listJSON(c.Scopes)
	if err != nil {
		return nil, err
	}
	return []any{c.Hash, c.ClientID, c.RedirectURI, c.PhoneNumber, scopes, c.Nonce,
		c.CodeChallenge, c.CodeChallengeMethod, c.SessionID, c.ACR, c.AuthReqID, c.QRID, c.QRDescription,
		ts(c.AuthTime), ts(c.RequestedAt), ts(c.CreatedAt), ts(c.ExpiresAt), nullTS(c.UsedAt)}, nil
}

// GetAuthCode returns the code with the hash, used or not, or
// store.ErrNotFound.
func (s *Store) GetAuthCode(ctx context.Context, hash string) (store.AuthCode, error) {
	c, err := scanAuthCode(s.pool.QueryRow(ctx, getAuthCodeSQL, hash))
	if err != nil {
		return store.AuthCode{}, fmt.Errorf("postgres: get auth code: %w", mapErr(err))
	}
	return c, nil
}

const getAuthCodeSQL = `SELECT ` + authCodeColumns + ` FROM auth_codes WHERE hash = $1`

// RedeemAuthCode marks the code used at now and stores issue, in one
// statement and so one transaction and one round trip: the UPDATE that
// finds used_at still NULL wins, however many callers race on however many
// replicas (PostgreSQL makes the others wait for the winner's row lock and
// then re-check the condition, which no longer holds; DESIGN §8), and the
// token's INSERT reads the row it returned, so it runs for the winner only.
// Should the INSERT fail the whole statement does, and the code stays
// unused. A code already used comes back with an error wrapping
// store.ErrUsed, so the caller can revoke what it issued; the read that
// finds it runs after the failed UPDATE, so it sees the winner's mark.
func (s *Store) RedeemAuthCode(ctx context.Context, hash string, now time.Time, issue store.AccessToken) (store.AuthCode, error) {
	if now.IsZero() {
		// It would be stored as NULL, "unused", and the code redeemable again.
		return store.AuthCode{}, errors.New("postgres: redeem auth code: now is the zero time")
	}
	issue.CodeHash = hash
	tok, err := accessTokenArgs(issue)
	if err != nil {
		return store.AuthCode{}, fmt.Errorf("postgres: redeem auth code: %w", err)
	}
	c, err := scanAuthCode(s.pool.QueryRow(ctx, redeemAuthCodeSQL, append([]any{ts(now)}, tok...)...))
	if err == nil {
		return c, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return store.AuthCode{}, fmt.Errorf("postgres: redeem auth code: %w", mapErr(err))
	}
	// Either used or unknown.
	c, err = scanAuthCode(s.pool.QueryRow(ctx, getAuthCodeSQL, hash))
	if err != nil {
		return store.AuthCode{}, fmt.Errorf("postgres: redeem auth code: %w", mapErr(err))
	}
	return c, fmt.Errorf("postgres: redeem auth code: %w", store.ErrUsed)
}

// redeemAuthCodeSQL marks code $7 used at $1 and stores the token $2…$10
// (accessTokenArgs, whose code hash is $7) issued for it. The casts say
// the types that the INSERT … SELECT does not infer.
const redeemAuthCodeSQL = `WITH redeemed AS (
		UPDATE auth_codes SET used_at = $1 WHERE hash = $7 AND used_at IS NULL
		RETURNING ` + authCodeColumns + `
	), issued AS (
		INSERT INTO access_tokens (` + accessTokenColumns + `)
		SELECT $2::text, $3::text, $4::text, $5::jsonb, $6::text, $7::text,
			$8::timestamptz, $9::timestamptz, $10::timestamptz FROM redeemed
	)
	SELECT ` + authCodeColumns + ` FROM redeemed`

// scanAuthCode reads one row of authCodeColumns.
func scanAuthCode(row pgx.Row) (store.AuthCode, error) {
	var (
		c      store.AuthCode
		scopes []byte
		usedAt pgtype.Timestamptz
	)
	err := row.Scan(&c.Hash, &c.ClientID, &c.RedirectURI, &c.PhoneNumber, &scopes, &c.Nonce,
		&c.CodeChallenge, &c.CodeChallengeMethod, &c.SessionID, &c.ACR, &c.AuthReqID, &c.QRID, &c.QRDescription,
		&c.AuthTime, &c.RequestedAt, &c.CreatedAt, &c.ExpiresAt, &usedAt)
	if err != nil {
		return store.AuthCode{}, err
	}
	if c.Scopes, err = fromListJSON[string]("scopes", scopes); err != nil {
		return store.AuthCode{}, err
	}
	c.AuthTime, c.RequestedAt = fromTS(c.AuthTime), fromTS(c.RequestedAt)
	c.CreatedAt, c.ExpiresAt = fromTS(c.CreatedAt), fromTS(c.ExpiresAt)
	c.UsedAt = fromNullTS(usedAt)
	return c, nil
}

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
	scopes, err := listJSON(c.Scopes)
	if err == nil {
		_, err = s.pool.Exec(ctx, `INSERT INTO auth_codes (`+authCodeColumns+`)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)`,
			c.Hash, c.ClientID, c.RedirectURI, c.PhoneNumber, scopes, c.Nonce,
			c.CodeChallenge, c.CodeChallengeMethod, c.SessionID, c.ACR, c.AuthReqID, c.QRID, c.QRDescription,
			ts(c.AuthTime), ts(c.RequestedAt), ts(c.CreatedAt), ts(c.ExpiresAt), nullTS(c.UsedAt))
	}
	if err != nil {
		return fmt.Errorf("postgres: create auth code for %q: %w", c.ClientID, mapErr(err))
	}
	return nil
}

// RedeemAuthCode marks the code used at now and returns it. The one UPDATE
// that finds used_at still NULL wins, however many callers race on however
// many replicas: PostgreSQL makes the others wait for the winner's row lock
// and then re-check the condition, which no longer holds (DESIGN §8). A code
// already used comes back with an error wrapping store.ErrUsed, so the
// caller can revoke what it issued; the read that finds it runs after the
// failed UPDATE, so it sees the winner's mark.
func (s *Store) RedeemAuthCode(ctx context.Context, hash string, now time.Time) (store.AuthCode, error) {
	if now.IsZero() {
		// It would be stored as NULL, "unused", and the code redeemable again.
		return store.AuthCode{}, errors.New("postgres: redeem auth code: now is the zero time")
	}
	c, err := scanAuthCode(s.pool.QueryRow(ctx, `UPDATE auth_codes SET used_at = $1
		WHERE hash = $2 AND used_at IS NULL RETURNING `+authCodeColumns, ts(now), hash))
	if err == nil {
		return c, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return store.AuthCode{}, fmt.Errorf("postgres: redeem auth code: %w", mapErr(err))
	}
	// Either used or unknown.
	c, err = scanAuthCode(s.pool.QueryRow(ctx, `SELECT `+authCodeColumns+`
		FROM auth_codes WHERE hash = $1`, hash))
	if err != nil {
		return store.AuthCode{}, fmt.Errorf("postgres: redeem auth code: %w", mapErr(err))
	}
	return c, fmt.Errorf("postgres: redeem auth code: %w", store.ErrUsed)
}

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

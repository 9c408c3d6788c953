package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/vippslogin/vippslogin/internal/store"
)

const authCodeColumns = `hash, client_id, redirect_uri, phone_number, scopes, nonce,
	code_challenge, code_challenge_method, session_id, acr, auth_req_id, qr_id, qr_description,
	auth_time, requested_at, created_at, expires_at, used_at`

// CreateAuthCode stores a new code; store.ErrExists if the hash is taken.
// The hash is not put in errors: codes are looked up by it.
func (s *Store) CreateAuthCode(ctx context.Context, c store.AuthCode) error {
	if err := s.write(ctx, func(tx *wtx) error { return insertAuthCode(tx, c) }); err != nil {
		return errorf("sqlite: %w", err)
	}
	return nil
}

// insertAuthCode stores c in tx, also as part of a larger write.
func insertAuthCode(tx *wtx, c store.AuthCode) error {
	scopes, err := listJSON(c.Scopes)
	if err == nil {
		_, err = tx.exec(`INSERT INTO auth_codes (`+authCodeColumns+`)
			VALUES (`+placeholders(authCodeColumns)+`)`,
			c.Hash, c.ClientID, c.RedirectURI, c.PhoneNumber, scopes, c.Nonce,
			c.CodeChallenge, c.CodeChallengeMethod, c.SessionID, c.ACR, c.AuthReqID, c.QRID, c.QRDescription,
			micros(c.AuthTime), micros(c.RequestedAt), micros(c.CreatedAt), micros(c.ExpiresAt), micros(c.UsedAt))
	}
	if err != nil {
		return fmt.Errorf("create auth code for %q: %w", c.ClientID, created(err))
	}
	return nil
}

// GetAuthCode returns the code with the hash, used or not, or
// store.ErrNotFound, from a reader: checking a code takes no write lock.
func (s *Store) GetAuthCode(ctx context.Context, hash string) (store.AuthCode, error) {
	c, err := scanAuthCode(s.read(ctx).queryRow(getAuthCodeSQL, hash))
	if err != nil {
		return store.AuthCode{}, errorf("sqlite: get auth code: %w", notFound(err))
	}
	return c, nil
}

// RedeemAuthCode marks the code used at now and stores issue, in one write
// job. The one UPDATE that finds used_at still 0 wins, however many callers
// race, and only the database decides which (DESIGN §8); the token's INSERT
// follows in the same job, and should it fail the job's rollback leaves the
// code unused. A code already used comes back with an error wrapping
// store.ErrUsed, so the caller can revoke what it issued.
func (s *Store) RedeemAuthCode(ctx context.Context, hash string, now time.Time, issue store.AccessToken) (store.AuthCode, error) {
	if now.IsZero() {
		// It would be stored as 0, "unused", and the code redeemable again.
		return store.AuthCode{}, errors.New("sqlite: redeem auth code: now is the zero time")
	}
	issue.CodeHash = hash
	var (
		c    store.AuthCode
		used bool
	)
	err := s.write(ctx, func(tx *wtx) error {
		var err error
		c, err = scanAuthCode(tx.queryRow(redeemAuthCode, micros(now), hash))
		if err == nil {
			return insertAccessToken(tx, issue)
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		// Either used or unknown: a refusal, which the same job tells apart
		// so that no redemption can come between.
		c, err = scanAuthCode(tx.queryRow(getAuthCodeSQL, hash))
		used = err == nil
		return notFound(err)
	})
	switch {
	case err != nil:
		return store.AuthCode{}, errorf("sqlite: redeem auth code: %w", err)
	case used:
		return c, errorf("sqlite: redeem auth code: %w", store.ErrUsed)
	}
	return c, nil
}

const getAuthCodeSQL = `SELECT ` + authCodeColumns + ` FROM auth_codes WHERE hash = ?`

const redeemAuthCode = `UPDATE auth_codes SET used_at = ? WHERE hash = ? AND used_at = 0 RETURNING ` + authCodeColumns

// scanAuthCode reads one row of authCodeColumns.
func scanAuthCode(row scanner) (store.AuthCode, error) {
	var (
		c                                store.AuthCode
		scopes                           string
		authTime, requestedAt, createdAt int64
		expiresAt, usedAt                int64
	)
	err := row.Scan(&c.Hash, &c.ClientID, &c.RedirectURI, &c.PhoneNumber, &scopes, &c.Nonce,
		&c.CodeChallenge, &c.CodeChallengeMethod, &c.SessionID, &c.ACR, &c.AuthReqID, &c.QRID, &c.QRDescription,
		&authTime, &requestedAt, &createdAt, &expiresAt, &usedAt)
	if err != nil {
		return store.AuthCode{}, err
	}
	if c.Scopes, err = fromListJSON[string]("scopes", scopes); err != nil {
		return store.AuthCode{}, err
	}
	c.AuthTime, c.UsedAt = fromMicros(authTime), fromMicros(usedAt)
	c.RequestedAt = fromMicros(requestedAt)
	c.CreatedAt, c.ExpiresAt = fromMicros(createdAt), fromMicros(expiresAt)
	return c, nil
}

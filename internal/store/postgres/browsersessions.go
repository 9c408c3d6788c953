package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/vippslogin/vippslogin/internal/store"
)

const browserSessionColumns = `id, token_hash, phone_number, description, created_at, expires_at`

// CreateBrowserSession stores a new browser session; store.ErrExists if the
// id or the token hash is taken. The user must exist.
func (s *Store) CreateBrowserSession(ctx context.Context, bs store.BrowserSession) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO browser_sessions (`+browserSessionColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6)`, bs.ID, bs.TokenHash, bs.PhoneNumber, bs.Description,
		ts(bs.CreatedAt), ts(bs.ExpiresAt))
	if err != nil {
		return fmt.Errorf("postgres: create browser session %q for %q: %w", bs.ID, bs.PhoneNumber, mapErr(err))
	}
	return nil
}

// GetBrowserSessionByToken returns the session with the given token hash,
// expired or not, or store.ErrNotFound. The hash is not put in errors: it is
// as good as the cookie for finding the session.
func (s *Store) GetBrowserSessionByToken(ctx context.Context, tokenHash string) (store.BrowserSession, error) {
	bs, err := scanBrowserSession(s.pool.QueryRow(ctx, `SELECT `+browserSessionColumns+`
		FROM browser_sessions WHERE token_hash = $1`, tokenHash))
	if err != nil {
		return store.BrowserSession{}, fmt.Errorf("postgres: get browser session: %w", mapErr(err))
	}
	return bs, nil
}

// ListBrowserSessions returns the user's sessions, oldest first; sessions
// made in the same microsecond are ordered by id.
func (s *Store) ListBrowserSessions(ctx context.Context, phoneNumber string) ([]store.BrowserSession, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+browserSessionColumns+` FROM browser_sessions
		WHERE phone_number = $1 ORDER BY created_at, id COLLATE "C"`, phoneNumber)
	if err != nil {
		return nil, fmt.Errorf("postgres: list browser sessions of %q: %w", phoneNumber, mapErr(err))
	}
	bss, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.BrowserSession, error) { return scanBrowserSession(row) })
	if err != nil {
		return nil, fmt.Errorf("postgres: list browser sessions of %q: %w", phoneNumber, mapErr(err))
	}
	return orEmpty(bss), nil
}

// DeleteBrowserSession removes the user's session id, or returns
// store.ErrNotFound, also when the id is another user's: the app may only
// forget its own user's browsers.
func (s *Store) DeleteBrowserSession(ctx context.Context, phoneNumber, id string) error {
	err := deleted(s.pool.Exec(ctx, `DELETE FROM browser_sessions
		WHERE id = $1 AND phone_number = $2`, id, phoneNumber))
	if err != nil {
		return fmt.Errorf("postgres: delete browser session %q of %q: %w", id, phoneNumber, mapErr(err))
	}
	return nil
}

// EndBrowserSession removes the session id whoever it belongs to, or
// returns store.ErrNotFound.
func (s *Store) EndBrowserSession(ctx context.Context, id string) error {
	err := deleted(s.pool.Exec(ctx, `DELETE FROM browser_sessions WHERE id = $1`, id))
	if err != nil {
		return fmt.Errorf("postgres: end browser session %q: %w", id, mapErr(err))
	}
	return nil
}

// scanBrowserSession reads one row of browserSessionColumns.
func scanBrowserSession(row pgx.Row) (store.BrowserSession, error) {
	var bs store.BrowserSession
	err := row.Scan(&bs.ID, &bs.TokenHash, &bs.PhoneNumber, &bs.Description, &bs.CreatedAt, &bs.ExpiresAt)
	if err != nil {
		return store.BrowserSession{}, err
	}
	bs.CreatedAt, bs.ExpiresAt = fromTS(bs.CreatedAt), fromTS(bs.ExpiresAt)
	return bs, nil
}

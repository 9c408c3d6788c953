package sqlite

import (
	"context"

	"github.com/vippslogin/vippslogin/internal/store"
)

const browserSessionColumns = `id, token_hash, phone_number, description, created_at, expires_at`

// CreateBrowserSession stores a new browser session; store.ErrExists if the
// id or the token hash is taken. The user must exist.
func (s *Store) CreateBrowserSession(ctx context.Context, bs store.BrowserSession) error {
	_, err := s.exec(ctx, `INSERT INTO browser_sessions (`+browserSessionColumns+`)
		VALUES (?, ?, ?, ?, ?, ?)`, bs.ID, bs.TokenHash, bs.PhoneNumber, bs.Description,
		micros(bs.CreatedAt), micros(bs.ExpiresAt))
	if err != nil {
		return errorf("sqlite: create browser session %q for %q: %w", bs.ID, bs.PhoneNumber, created(err))
	}
	return nil
}

// GetBrowserSessionByToken returns the session with the given token hash,
// expired or not, or store.ErrNotFound. The hash is not put in errors: it is
// as good as the cookie for finding the session.
func (s *Store) GetBrowserSessionByToken(ctx context.Context, tokenHash string) (store.BrowserSession, error) {
	bs, err := scanBrowserSession(s.read(ctx).queryRow(`SELECT `+browserSessionColumns+`
		FROM browser_sessions WHERE token_hash = ?`, tokenHash))
	if err != nil {
		return store.BrowserSession{}, errorf("sqlite: get browser session: %w", notFound(err))
	}
	return bs, nil
}

// ListBrowserSessions returns the user's sessions, oldest first; sessions
// made in the same microsecond are ordered by id.
func (s *Store) ListBrowserSessions(ctx context.Context, phoneNumber string) ([]store.BrowserSession, error) {
	bss, err := list(s.read(ctx), scanBrowserSession, `SELECT `+browserSessionColumns+` FROM browser_sessions
		WHERE phone_number = ? ORDER BY created_at, id`, phoneNumber)
	if err != nil {
		return nil, errorf("sqlite: list browser sessions of %q: %w", phoneNumber, err)
	}
	return bss, nil
}

// DeleteBrowserSession removes the user's session id, or returns
// store.ErrNotFound, also when the id is another user's: the app may only
// forget its own user's browsers.
func (s *Store) DeleteBrowserSession(ctx context.Context, phoneNumber, id string) error {
	err := found(s.exec(ctx, `DELETE FROM browser_sessions
		WHERE id = ? AND phone_number = ?`, id, phoneNumber))
	if err != nil {
		return errorf("sqlite: delete browser session %q of %q: %w", id, phoneNumber, err)
	}
	return nil
}

// EndBrowserSession removes the session id whoever it belongs to, or
// returns store.ErrNotFound.
func (s *Store) EndBrowserSession(ctx context.Context, id string) error {
	err := found(s.exec(ctx, `DELETE FROM browser_sessions WHERE id = ?`, id))
	if err != nil {
		return errorf("sqlite: end browser session %q: %w", id, err)
	}
	return nil
}

// scanBrowserSession reads one row of browserSessionColumns.
func scanBrowserSession(row scanner) (store.BrowserSession, error) {
	var (
		bs                   store.BrowserSession
		createdAt, expiresAt int64
	)
	err := row.Scan(&bs.ID, &bs.TokenHash, &bs.PhoneNumber, &bs.Description, &createdAt, &expiresAt)
	if err != nil {
		return store.BrowserSession{}, err
	}
	bs.CreatedAt, bs.ExpiresAt = fromMicros(createdAt), fromMicros(expiresAt)
	return bs, nil
}

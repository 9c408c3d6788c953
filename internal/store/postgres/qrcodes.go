package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/vippslogin/vippslogin/internal/store"
)

const qrCodeColumns = `id, client_id, description, redirect_uri, created_at`

// CreateQRCode stores a new QR code; store.ErrExists if the id is taken.
// The client must exist (a foreign key), and deleting it deletes its codes.
func (s *Store) CreateQRCode(ctx context.Context, q store.QRCode) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO qr_codes (`+qrCodeColumns+`) VALUES ($1, $2, $3, $4, $5)`,
		q.ID, q.ClientID, q.Description, q.RedirectURI, ts(q.CreatedAt))
	if err != nil {
		return fmt.Errorf("postgres: create QR code %q: %w", q.ID, mapErr(err))
	}
	return nil
}

// GetQRCode returns the QR code with the id, or store.ErrNotFound.
func (s *Store) GetQRCode(ctx context.Context, id string) (store.QRCode, error) {
	q, err := scanQRCode(s.pool.QueryRow(ctx, `SELECT `+qrCodeColumns+` FROM qr_codes WHERE id = $1`, id))
	if err != nil {
		return store.QRCode{}, fmt.Errorf("postgres: get QR code %q: %w", id, mapErr(err))
	}
	return q, nil
}

// ListQRCodes returns the client's QR codes, oldest first; codes made in
// the same microsecond are ordered by id.
func (s *Store) ListQRCodes(ctx context.Context, clientID string) ([]store.QRCode, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+qrCodeColumns+` FROM qr_codes
		WHERE client_id = $1 ORDER BY created_at, id COLLATE "C"`, clientID)
	if err != nil {
		return nil, fmt.Errorf("postgres: list QR codes of %q: %w", clientID, mapErr(err))
	}
	qs, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.QRCode, error) { return scanQRCode(row) })
	if err != nil {
		return nil, fmt.Errorf("postgres: list QR codes of %q: %w", clientID, mapErr(err))
	}
	return orEmpty(qs), nil
}

// DeleteQRCode removes the client's QR code, or returns store.ErrNotFound;
// the client id in the WHERE leaves another client's code alone.
func (s *Store) DeleteQRCode(ctx context.Context, clientID, id string) error {
	err := deleted(s.pool.Exec(ctx, `DELETE FROM qr_codes WHERE client_id = $1 AND id = $2`, clientID, id))
	if err != nil {
		return fmt.Errorf("postgres: delete QR code %q of %q: %w", id, clientID, mapErr(err))
	}
	return nil
}

// scanQRCode reads one row of qrCodeColumns.
func scanQRCode(row pgx.Row) (store.QRCode, error) {
	var q store.QRCode
	if err := row.Scan(&q.ID, &q.ClientID, &q.Description, &q.RedirectURI, &q.CreatedAt); err != nil {
		return store.QRCode{}, err
	}
	q.CreatedAt = fromTS(q.CreatedAt)
	return q, nil
}

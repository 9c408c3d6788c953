package sqlite

import (
	"context"

	"github.com/vippslogin/vippslogin/internal/store"
)

const qrCodeColumns = `id, client_id, description, redirect_uri, created_at`

// CreateQRCode stores a new QR code; store.ErrExists if the id is taken.
// The client must exist (a foreign key), and deleting it deletes its codes.
func (s *Store) CreateQRCode(ctx context.Context, q store.QRCode) error {
	_, err := s.exec(ctx, `INSERT INTO qr_codes (`+qrCodeColumns+`) VALUES (?, ?, ?, ?, ?)`,
		q.ID, q.ClientID, q.Description, q.RedirectURI, micros(q.CreatedAt))
	if err != nil {
		return errorf("sqlite: create QR code %q: %w", q.ID, created(err))
	}
	return nil
}

// GetQRCode returns the QR code with the id, or store.ErrNotFound.
func (s *Store) GetQRCode(ctx context.Context, id string) (store.QRCode, error) {
	q, err := scanQRCode(s.read(ctx).queryRow(`SELECT `+qrCodeColumns+` FROM qr_codes WHERE id = ?`, id))
	if err != nil {
		return store.QRCode{}, errorf("sqlite: get QR code %q: %w", id, notFound(err))
	}
	return q, nil
}

// ListQRCodes returns the client's QR codes, oldest first; codes made in
// the same microsecond are ordered by id.
func (s *Store) ListQRCodes(ctx context.Context, clientID string) ([]store.QRCode, error) {
	qs, err := list(s.read(ctx), scanQRCode, `SELECT `+qrCodeColumns+` FROM qr_codes
		WHERE client_id = ? ORDER BY created_at, id`, clientID)
	if err != nil {
		return nil, errorf("sqlite: list QR codes of %q: %w", clientID, err)
	}
	return qs, nil
}

// DeleteQRCode removes the client's QR code, or returns store.ErrNotFound;
// the client id in the WHERE leaves another client's code alone.
func (s *Store) DeleteQRCode(ctx context.Context, clientID, id string) error {
	err := found(s.exec(ctx, `DELETE FROM qr_codes WHERE client_id = ? AND id = ?`, clientID, id))
	if err != nil {
		return errorf("sqlite: delete QR code %q of %q: %w", id, clientID, err)
	}
	return nil
}

// scanQRCode reads one row of qrCodeColumns.
func scanQRCode(row scanner) (store.QRCode, error) {
	var (
		q         store.QRCode
		createdAt int64
	)
	if err := row.Scan(&q.ID, &q.ClientID, &q.Description, &q.RedirectURI, &createdAt); err != nil {
		return store.QRCode{}, err
	}
	q.CreatedAt = fromMicros(createdAt)
	return q, nil
}

package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/vippslogin/vippslogin/internal/store"
)

const consentColumns = `phone_number, client_id, scopes, created_at, updated_at`

// SaveConsent creates the consent for (PhoneNumber, ClientID) or replaces
// its scopes and UpdatedAt; an existing consent keeps its CreatedAt. The
// user and the client must exist.
func (s *Store) SaveConsent(ctx context.Context, c store.Consent) error {
	if err := s.write(ctx, func(tx *wtx) error { return saveConsent(tx, c) }); err != nil {
		return errorf("sqlite: %w", err)
	}
	return nil
}

// saveConsent saves c in tx, also as part of a larger write.
func saveConsent(tx *wtx, c store.Consent) error {
	scopes, err := listJSON(c.Scopes)
	if err == nil {
		_, err = tx.exec(`INSERT INTO consents (`+consentColumns+`)
			VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (phone_number, client_id) DO UPDATE SET
				scopes = excluded.scopes, updated_at = excluded.updated_at`,
			c.PhoneNumber, c.ClientID, scopes, micros(c.CreatedAt), micros(c.UpdatedAt))
	}
	if err != nil {
		return fmt.Errorf("save consent of %q to %q: %w", c.PhoneNumber, c.ClientID, err)
	}
	return nil
}

// widenConsent adds c's scopes to the consent stored in tx
// (store.WidenScopes), or saves c when there is none. The single writer
// makes the read and the write one step.
func widenConsent(tx *wtx, c store.Consent) error {
	old, err := scanConsent(tx.queryRow(`SELECT `+consentColumns+` FROM consents
		WHERE phone_number = ? AND client_id = ?`, c.PhoneNumber, c.ClientID))
	switch {
	case err == nil:
		c.Scopes = store.WidenScopes(old.Scopes, c.Scopes)
	case !errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("widen consent of %q to %q: %w", c.PhoneNumber, c.ClientID, err)
	}
	return saveConsent(tx, c)
}

// GetConsent returns the user's consent to the client, or store.ErrNotFound.
func (s *Store) GetConsent(ctx context.Context, phoneNumber, clientID string) (store.Consent, error) {
	c, err := scanConsent(s.read(ctx).queryRow(`SELECT `+consentColumns+` FROM consents
		WHERE phone_number = ? AND client_id = ?`, phoneNumber, clientID))
	if err != nil {
		return store.Consent{}, errorf("sqlite: get consent of %q to %q: %w", phoneNumber, clientID, notFound(err))
	}
	return c, nil
}

// ListConsents returns the user's consents, ordered by client id.
func (s *Store) ListConsents(ctx context.Context, phoneNumber string) ([]store.Consent, error) {
	cs, err := list(s.read(ctx), scanConsent, `SELECT `+consentColumns+` FROM consents
		WHERE phone_number = ? ORDER BY client_id`, phoneNumber)
	if err != nil {
		return nil, errorf("sqlite: list consents of %q: %w", phoneNumber, err)
	}
	return cs, nil
}

// DeleteConsent removes the user's consent to the client, or returns
// store.ErrNotFound; notify, when not nil, is enqueued in the same
// transaction.
func (s *Store) DeleteConsent(ctx context.Context, phoneNumber, clientID string, notify *store.Webhook) error {
	err := s.write(ctx, func(tx *wtx) error {
		err := deleted(tx.exec(`DELETE FROM consents
			WHERE phone_number = ? AND client_id = ?`, phoneNumber, clientID))
		if err != nil || notify == nil {
			return err
		}
		return enqueueWebhook(tx, *notify)
	})
	if err != nil {
		return errorf("sqlite: delete consent of %q to %q: %w", phoneNumber, clientID, err)
	}
	return nil
}

// scanConsent reads one row of consentColumns.
func scanConsent(row scanner) (store.Consent, error) {
	var (
		c                    store.Consent
		scopes               string
		createdAt, updatedAt int64
	)
	err := row.Scan(&c.PhoneNumber, &c.ClientID, &scopes, &createdAt, &updatedAt)
	if err != nil {
		return store.Consent{}, err
	}
	if c.Scopes, err = fromListJSON[string]("scopes", scopes); err != nil {
		return store.Consent{}, err
	}
	c.CreatedAt, c.UpdatedAt = fromMicros(createdAt), fromMicros(updatedAt)
	return c, nil
}

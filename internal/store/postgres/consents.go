package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/vippslogin/vippslogin/internal/store"
)

const consentColumns = `phone_number, client_id, scopes, created_at, updated_at`

// SaveConsent creates the consent for (PhoneNumber, ClientID) or replaces
// its scopes and UpdatedAt; an existing consent keeps its CreatedAt. The
// user and the client must exist.
func (s *Store) SaveConsent(ctx context.Context, c store.Consent) error {
	args, err := consentArgs(c)
	if err == nil {
		_, err = s.pool.Exec(ctx, saveConsentSQL, args...)
	}
	if err != nil {
		return fmt.Errorf("postgres: save consent of %q to %q: %w", c.PhoneNumber, c.ClientID, mapErr(err))
	}
	return nil
}

// saveConsentSQL creates or replaces a consent; consentArgs gives its
// arguments.
const saveConsentSQL = `INSERT INTO consents (` + consentColumns + `)
	VALUES ($1, $2, $3, $4, $5)
	ON CONFLICT (phone_number, client_id) DO UPDATE SET
		scopes = excluded.scopes, updated_at = excluded.updated_at`

// widenConsentSQL adds a consent's scopes to the stored one, or creates it:
// store.WidenScopes in SQL, the added scopes then the stored ones not among
// them, under the row lock the upsert takes.
const widenConsentSQL = `INSERT INTO consents (` + consentColumns + `)
	VALUES ($1, $2, $3, $4, $5)
	ON CONFLICT (phone_number, client_id) DO UPDATE SET
		scopes = excluded.scopes || COALESCE((
			SELECT jsonb_agg(old.scope ORDER BY old.n)
			FROM jsonb_array_elements(consents.scopes) WITH ORDINALITY AS old (scope, n)
			WHERE NOT excluded.scopes @> jsonb_build_array(old.scope)), '[]'::jsonb),
		updated_at = excluded.updated_at`

func consentArgs(c store.Consent) ([]any, error) {
	scopes, err := listJSON(c.Scopes)
	if err != nil {
		return nil, err
	}
	return []any{c.PhoneNumber, c.ClientID, scopes, ts(c.CreatedAt), ts(c.UpdatedAt)}, nil
}

// GetConsent returns the user's consent to the client, or store.ErrNotFound.
func (s *Store) GetConsent(ctx context.Context, phoneNumber, clientID string) (store.Consent, error) {
	c, err := scanConsent(s.pool.QueryRow(ctx, `SELECT `+consentColumns+` FROM consents
		WHERE phone_number = $1 AND client_id = $2`, phoneNumber, clientID))
	if err != nil {
		return store.Consent{}, fmt.Errorf("postgres: get consent of %q to %q: %w", phoneNumber, clientID, mapErr(err))
	}
	return c, nil
}

// ListConsents returns the user's consents, ordered by client id.
func (s *Store) ListConsents(ctx context.Context, phoneNumber string) ([]store.Consent, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+consentColumns+` FROM consents
		WHERE phone_number = $1 ORDER BY client_id COLLATE "C"`, phoneNumber)
	if err != nil {
		return nil, fmt.Errorf("postgres: list consents of %q: %w", phoneNumber, mapErr(err))
	}
	cs, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.Consent, error) { return scanConsent(row) })
	if err != nil {
		return nil, fmt.Errorf("postgres: list consents of %q: %w", phoneNumber, mapErr(err))
	}
	return orEmpty(cs), nil
}

// DeleteConsent removes the user's consent to the client, or returns
// store.ErrNotFound; notify, when not nil, is enqueued in the same
// transaction. Without one the DELETE is a statement of its own, with no
// BEGIN and COMMIT around it.
func (s *Store) DeleteConsent(ctx context.Context, phoneNumber, clientID string, notify *store.Webhook) error {
	const deleteConsent = `DELETE FROM consents WHERE phone_number = $1 AND client_id = $2`
	var err error
	if notify == nil {
		err = deleted(s.pool.Exec(ctx, deleteConsent, phoneNumber, clientID))
	} else {
		err = s.inTx(ctx, func(tx pgx.Tx) error {
			if err := deleted(tx.Exec(ctx, deleteConsent, phoneNumber, clientID)); err != nil {
				return err
			}
			return enqueueWebhook(ctx, tx, *notify)
		})
	}
	if err != nil {
		return fmt.Errorf("postgres: delete consent of %q to %q: %w", phoneNumber, clientID, mapErr(err))
	}
	return nil
}

// scanConsent reads one row of consentColumns.
func scanConsent(row pgx.Row) (store.Consent, error) {
	var (
		c      store.Consent
		scopes []byte
	)
	err := row.Scan(&c.PhoneNumber, &c.ClientID, &scopes, &c.CreatedAt, &c.UpdatedAt)
	if err != nil {
		return store.Consent{}, err
	}
	if c.Scopes, err = fromListJSON[string]("scopes", scopes); err != nil {
		return store.Consent{}, err
	}
	c.CreatedAt, c.UpdatedAt = fromTS(c.CreatedAt), fromTS(c.UpdatedAt)
	return c, nil
}

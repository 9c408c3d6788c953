package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/vippslogin/vippslogin/internal/store"
)

const clientColumns = `id, secret_hash, name, redirect_uris, app_callback_uris, post_logout_redirect_uris,
	token_endpoint_auth_method, flows, scopes, qr_webhook_url, ciba_ping_url,
	consent_webhook_url, created_at, updated_at`

// CreateClient stores a new client; store.ErrExists if the id is taken.
func (s *Store) CreateClient(ctx context.Context, c store.Client) error {
	args, err := clientArgs(c)
	if err == nil {
		_, err = s.db.ExecContext(ctx, `INSERT INTO clients (`+clientColumns+`)
			VALUES (:id, :secret_hash, :name, :redirect_uris, :app_callback_uris, :post_logout_redirect_uris,
				:token_endpoint_auth_method, :flows, :scopes, :qr_webhook_url, :ciba_ping_url,
				:consent_webhook_url, :created_at, :updated_at)`, args...)
	}
	if err != nil {
		return errorf("sqlite: create client %q: %w", c.ID, created(err))
	}
	return nil
}

// GetClient returns the client with the given id, or store.ErrNotFound.
func (s *Store) GetClient(ctx context.Context, id string) (store.Client, error) {
	c, err := getClient(ctx, s.db, id)
	if err != nil {
		return store.Client{}, errorf("sqlite: get client %q: %w", id, err)
	}
	return c, nil
}

// ListClients returns every client, ordered by id.
func (s *Store) ListClients(ctx context.Context) ([]store.Client, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+clientColumns+` FROM clients ORDER BY id`)
	if err != nil {
		return nil, errorf("sqlite: list clients: %w", err)
	}
	defer rows.Close()
	cs := []store.Client{}
	for rows.Next() {
		c, err := scanClient(rows)
		if err != nil {
			return nil, errorf("sqlite: list clients: %w", err)
		}
		cs = append(cs, c)
	}
	if err := rows.Err(); err != nil {
		return nil, errorf("sqlite: list clients: %w", err)
	}
	return cs, nil
}

// UpdateClient reads the client, hands it to update and stores the result,
// all in one transaction, so two concurrent updates cannot lose each other's
// change. An error from update is returned as is and nothing is written.
func (s *Store) UpdateClient(ctx context.Context, id string, update func(store.Client) (store.Client, error)) (store.Client, error) {
	var (
		stored    store.Client
		updateErr error
	)
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		old, err := getClient(ctx, tx, id)
		if err != nil {
			return err
		}
		c, err := update(old)
		if err != nil {
			updateErr = err
			return err
		}
		if c.ID != id {
			return fmt.Errorf("the update changed the id to %q", c.ID)
		}
		args, err := clientArgs(c)
		if err == nil {
			_, err = tx.ExecContext(ctx, `UPDATE clients SET
				secret_hash = :secret_hash, name = :name, redirect_uris = :redirect_uris,
				app_callback_uris = :app_callback_uris,
				post_logout_redirect_uris = :post_logout_redirect_uris,
				token_endpoint_auth_method = :token_endpoint_auth_method, flows = :flows,
				scopes = :scopes, qr_webhook_url = :qr_webhook_url, ciba_ping_url = :ciba_ping_url,
				consent_webhook_url = :consent_webhook_url, created_at = :created_at,
				updated_at = :updated_at
				WHERE id = :id`, args...)
		}
		if err != nil {
			return err
		}
		// Read it back so the caller gets exactly what a later Get returns.
		stored, err = getClient(ctx, tx, id)
		return err
	})
	switch {
	case updateErr != nil:
		return store.Client{}, updateErr
	case err != nil:
		return store.Client{}, errorf("sqlite: update client %q: %w", id, err)
	}
	return stored, nil
}

// DeleteClient removes the client, or returns store.ErrNotFound. The
// users' consents to it and their pairwise subjects at it go with it (ON
// DELETE CASCADE); login requests, codes and tokens are left to expire.
func (s *Store) DeleteClient(ctx context.Context, id string) error {
	if err := deleted(s.db.ExecContext(ctx, `DELETE FROM clients WHERE id = ?`, id)); err != nil {
		return errorf("sqlite: delete client %q: %w", id, err)
	}
	return nil
}

func getClient(ctx context.Context, q queryer, id string) (store.Client, error) {
	c, err := scanClient(q.QueryRowContext(ctx, `SELECT `+clientColumns+` FROM clients WHERE id = ?`, id))
	return c, notFound(err)
}

// clientArgs is c as named arguments, one per column.
func clientArgs(c store.Client) ([]any, error) {
	redirectURIs, err1 := listJSON(c.RedirectURIs)
	appCallbacks, err2 := listJSON(c.AppCallbackURIs)
	flows, err3 := listJSON(c.Flows)
	scopes, err4 := listJSON(c.Scopes)
	postLogout, err5 := listJSON(c.PostLogoutRedirectURIs)
	if err := errors.Join(err1, err2, err3, err4, err5); err != nil {
		return nil, err
	}
	return []any{
		sql.Named("id", c.ID),
		sql.Named("secret_hash", c.SecretHash),
		sql.Named("name", c.Name),
		sql.Named("redirect_uris", redirectURIs),
		sql.Named("app_callback_uris", appCallbacks),
		sql.Named("post_logout_redirect_uris", postLogout),
		sql.Named("token_endpoint_auth_method", c.TokenEndpointAuthMethod),
		sql.Named("flows", flows),
		sql.Named("scopes", scopes),
		sql.Named("qr_webhook_url", c.QRWebhookURL),
		sql.Named("ciba_ping_url", c.CIBAPingURL),
		sql.Named("consent_webhook_url", c.ConsentWebhookURL),
		sql.Named("created_at", micros(c.CreatedAt)),
		sql.Named("updated_at", micros(c.UpdatedAt)),
	}, nil
}

// scanClient reads one row of clientColumns.
func scanClient(row scanner) (store.Client, error) {
	var (
		c                                         store.Client
		redirectURIs, appCallbacks, flows, scopes string
		postLogout                                string
		createdAt, updatedAt                      int64
	)
	err := row.Scan(&c.ID, &c.SecretHash, &c.Name, &redirectURIs, &appCallbacks, &postLogout,
		&c.TokenEndpointAuthMethod, &flows, &scopes, &c.QRWebhookURL, &c.CIBAPingURL,
		&c.ConsentWebhookURL, &createdAt, &updatedAt)
	if err != nil {
		return store.Client{}, err
	}
	var err1, err2, err3, err4, err5 error
	c.PostLogoutRedirectURIs, err5 = fromListJSON[string]("post_logout_redirect_uris", postLogout)
	c.RedirectURIs, err1 = fromListJSON[string]("redirect_uris", redirectURIs)
	c.AppCallbackURIs, err2 = fromListJSON[string]("app_callback_uris", appCallbacks)
	c.Flows, err3 = fromListJSON[string]("flows", flows)
	c.Scopes, err4 = fromListJSON[string]("scopes", scopes)
	if err := errors.Join(err1, err2, err3, err4, err5); err != nil {
		return store.Client{}, err
	}
	c.CreatedAt, c.UpdatedAt = fromMicros(createdAt), fromMicros(updatedAt)
	return c, nil
}

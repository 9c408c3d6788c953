package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/vippslogin/vippslogin/internal/store"
)

const clientColumns = `id, secret_hash, name, redirect_uris, app_callback_uris, post_logout_redirect_uris,
	token_endpoint_auth_method, flows, scopes, qr_webhook_url, ciba_ping_url,
	consent_webhook_url, ciba_interval, created_at, updated_at`

// CreateClient stores a new client; store.ErrExists if the id is taken.
func (s *Store) CreateClient(ctx context.Context, c store.Client) error {
	args, err := clientArgs(c)
	if err == nil {
		_, err = s.pool.Exec(ctx, insertClient.sql, insertClient.args(args)...)
	}
	if err != nil {
		return fmt.Errorf("postgres: create client %q: %w", c.ID, mapErr(err))
	}
	return nil
}

// GetClient returns the client with the given id, or store.ErrNotFound.
func (s *Store) GetClient(ctx context.Context, id string) (store.Client, error) {
	c, err := scanClient(s.pool.QueryRow(ctx, getClientSQL, id))
	if err != nil {
		return store.Client{}, fmt.Errorf("postgres: get client %q: %w", id, mapErr(err))
	}
	return c, nil
}

// ListClients returns every client, ordered by id (byte order, whatever
// the database's collation).
func (s *Store) ListClients(ctx context.Context) ([]store.Client, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+clientColumns+` FROM clients ORDER BY id COLLATE "C"`)
	if err != nil {
		return nil, fmt.Errorf("postgres: list clients: %w", mapErr(err))
	}
	cs, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.Client, error) { return scanClient(row) })
	if err != nil {
		return nil, fmt.Errorf("postgres: list clients: %w", mapErr(err))
	}
	return orEmpty(cs), nil
}

// UpdateClient reads the client, hands it to update and stores the result,
// all in one transaction that holds the row lock (FOR UPDATE) from the read
// on, so two concurrent updates, on any replicas, cannot lose each other's
// change. An error from update is returned as is and nothing is written.
func (s *Store) UpdateClient(ctx context.Context, id string, update func(store.Client) (store.Client, error)) (store.Client, error) {
	var (
		stored    store.Client
		updateErr error
	)
	var old store.Client
	err := s.readModifyWrite(ctx, getClientSQL+` FOR UPDATE`, id,
		func(row pgx.Row) (err error) {
			old, err = scanClient(row)
			return err
		},
		func(b *pgx.Batch) error {
			c, err := update(old)
			if err != nil {
				updateErr = err
				return err
			}
			if c.ID != id {
				return fmt.Errorf("the update changed the id to %q", c.ID)
			}
			args, err := clientArgs(c)
			if err != nil {
				return err
			}
			// RETURNING hands back exactly what a later Get returns.
			b.Queue(updateClient.sql, updateClient.args(args)...).QueryRow(func(row pgx.Row) (err error) {
				stored, err = scanClient(row)
				return err
			})
			return nil
		})
	switch {
	case updateErr != nil:
		return store.Client{}, updateErr
	case err != nil:
		return store.Client{}, fmt.Errorf("postgres: update client %q: %w", id, mapErr(err))
	}
	return stored, nil
}

// DeleteClient removes the client, or returns store.ErrNotFound. The
// users' consents to it, their pairwise subjects at it and its webhooks go
// with it (ON DELETE CASCADE); login requests, codes and tokens are left to
// expire.
func (s *Store) DeleteClient(ctx context.Context, id string) error {
	if err := deleted(s.pool.Exec(ctx, `DELETE FROM clients WHERE id = $1`, id)); err != nil {
		return fmt.Errorf("postgres: delete client %q: %w", id, mapErr(err))
	}
	return nil
}

// getClientSQL reads one client by id.
const getClientSQL = `SELECT ` + clientColumns + ` FROM clients WHERE id = $1`

// The statements that write every column, compiled once (see namedSQL).
var (
	insertClient = compileNamed(`INSERT INTO clients (`+clientColumns+`)
		VALUES (@id, @secret_hash, @name, @redirect_uris, @app_callback_uris, @post_logout_redirect_uris,
			@token_endpoint_auth_method, @flows, @scopes, @qr_webhook_url, @ciba_ping_url,
			@consent_webhook_url, @ciba_interval, @created_at, @updated_at)`, clientArgs)
	// updateClient returns what it stored.
	updateClient = compileNamed(`UPDATE clients SET
		secret_hash = @secret_hash, name = @name, redirect_uris = @redirect_uris,
		app_callback_uris = @app_callback_uris,
		post_logout_redirect_uris = @post_logout_redirect_uris,
		token_endpoint_auth_method = @token_endpoint_auth_method, flows = @flows,
		scopes = @scopes, qr_webhook_url = @qr_webhook_url, ciba_ping_url = @ciba_ping_url,
		consent_webhook_url = @consent_webhook_url, ciba_interval = @ciba_interval,
		created_at = @created_at,
		updated_at = @updated_at
		WHERE id = @id RETURNING `+clientColumns, clientArgs)
)

// clientArgs is c as named arguments, one per column.
func clientArgs(c store.Client) (pgx.NamedArgs, error) {
	redirectURIs, err1 := listJSON(c.RedirectURIs)
	appCallbacks, err2 := listJSON(c.AppCallbackURIs)
	flows, err3 := listJSON(c.Flows)
	scopes, err4 := listJSON(c.Scopes)
	postLogout, err5 := listJSON(c.PostLogoutRedirectURIs)
	if err := errors.Join(err1, err2, err3, err4, err5); err != nil {
		return nil, err
	}
	return pgx.NamedArgs{
		"id":                         c.ID,
		"secret_hash":                c.SecretHash,
		"name":                       c.Name,
		"redirect_uris":              redirectURIs,
		"app_callback_uris":          appCallbacks,
		"post_logout_redirect_uris":  postLogout,
		"token_endpoint_auth_method": c.TokenEndpointAuthMethod,
		"flows":                      flows,
		"scopes":                     scopes,
		"qr_webhook_url":             c.QRWebhookURL,
		"ciba_ping_url":              c.CIBAPingURL,
		"consent_webhook_url":        c.ConsentWebhookURL,
		"ciba_interval":              micros(c.CIBAInterval),
		"created_at":                 ts(c.CreatedAt),
		"updated_at":                 ts(c.UpdatedAt),
	}, nil
}

// scanClient reads one row of clientColumns.
func scanClient(row pgx.Row) (store.Client, error) {
	var (
		c                                         store.Client
		redirectURIs, appCallbacks, flows, scopes []byte
		postLogout                                []byte
		cibaInterval                              int64
	)
	err := row.Scan(&c.ID, &c.SecretHash, &c.Name, &redirectURIs, &appCallbacks, &postLogout,
		&c.TokenEndpointAuthMethod, &flows, &scopes, &c.QRWebhookURL, &c.CIBAPingURL,
		&c.ConsentWebhookURL, &cibaInterval, &c.CreatedAt, &c.UpdatedAt)
	if err != nil {
		return store.Client{}, err
	}
	var err1, err2, err3, err4, err5 error
	c.RedirectURIs, err1 = fromListJSON[string]("redirect_uris", redirectURIs)
	c.AppCallbackURIs, err2 = fromListJSON[string]("app_callback_uris", appCallbacks)
	c.PostLogoutRedirectURIs, err3 = fromListJSON[string]("post_logout_redirect_uris", postLogout)
	c.Flows, err4 = fromListJSON[string]("flows", flows)
	c.Scopes, err5 = fromListJSON[string]("scopes", scopes)
	if err := errors.Join(err1, err2, err3, err4, err5); err != nil {
		return store.Client{}, err
	}
	c.CIBAInterval = fromMicros(cibaInterval)
	c.CreatedAt, c.UpdatedAt = fromTS(c.CreatedAt), fromTS(c.UpdatedAt)
	return c, nil
}

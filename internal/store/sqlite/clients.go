package sqlite

import (
	"context"
	"errors"
	"fmt"

	"github.com/vippslogin/vippslogin/internal/store"
)

// clientColumns lists id last: one list of arguments (clientArgs) serves
// the INSERT and updateChanged, which needs the key last.
const clientColumns = `secret_hash, name, redirect_uris, app_callback_uris, post_logout_redirect_uris,
	token_endpoint_auth_method, flows, scopes, qr_webhook_url, ciba_ping_url,
	consent_webhook_url, ciba_interval, created_at, updated_at, id`

var clientColumnNames = columnNames(clientColumns)

// CreateClient stores a new client; store.ErrExists if the id is taken.
func (s *Store) CreateClient(ctx context.Context, c store.Client) error {
	args, _, err := clientArgs(c)
	if err == nil {
		_, err = s.exec(ctx, `INSERT INTO clients (`+clientColumns+`) VALUES (`+placeholders(clientColumns)+`)`, args...)
	}
	if err != nil {
		return errorf("sqlite: create client %q: %w", c.ID, created(err))
	}
	return nil
}

// GetClient returns the client with the given id, or store.ErrNotFound.
func (s *Store) GetClient(ctx context.Context, id string) (store.Client, error) {
	c, err := getClient(s.read(ctx), id)
	if err != nil {
		return store.Client{}, errorf("sqlite: get client %q: %w", id, err)
	}
	return c, nil
}

// ListClients returns every client, ordered by id.
func (s *Store) ListClients(ctx context.Context) ([]store.Client, error) {
	cs, err := list(s.read(ctx), scanClient, `SELECT `+clientColumns+` FROM clients ORDER BY id`)
	if err != nil {
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
	err := s.write(ctx, func(tx *wtx) error {
		old, err := getClient(tx, id)
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
		oldArgs, _, err := clientArgs(old)
		if err != nil {
			return err
		}
		var args []any
		if args, stored, err = clientArgs(c); err != nil {
			return err
		}
		return updateChanged(tx, "clients", clientColumnNames, oldArgs, args)
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
	if err := found(s.exec(ctx, `DELETE FROM clients WHERE id = ?`, id)); err != nil {
		return errorf("sqlite: delete client %q: %w", id, err)
	}
	return nil
}

func getClient(q querier, id string) (store.Client, error) {
	c, err := scanClient(q.queryRow(`SELECT `+clientColumns+` FROM clients WHERE id = ?`, id))
	return c, notFound(err)
}

// clientArgs is c as arguments, one per column of clientColumns, and c as
// it reads back from them.
func clientArgs(c store.Client) ([]any, store.Client, error) {
	redirectURIs, err1 := listJSON(c.RedirectURIs)
	appCallbacks, err2 := listJSON(c.AppCallbackURIs)
	flows, err3 := listJSON(c.Flows)
	scopes, err4 := listJSON(c.Scopes)
	postLogout, err5 := listJSON(c.PostLogoutRedirectURIs)
	if err := errors.Join(err1, err2, err3, err4, err5); err != nil {
		return nil, store.Client{}, err
	}
	args := []any{c.SecretHash, c.Name, redirectURIs, appCallbacks, postLogout,
		c.TokenEndpointAuthMethod, flows, scopes, c.QRWebhookURL, c.CIBAPingURL,
		c.ConsentWebhookURL, durationMicros(c.CIBAInterval), micros(c.CreatedAt), micros(c.UpdatedAt), c.ID}
	c, err := decodeClient(c, redirectURIs, appCallbacks, postLogout, flows, scopes)
	return args, c, err
}

// decodeClient sets c's lists from their stored JSON.
func decodeClient(c store.Client, redirectURIs, appCallbacks, postLogout, flows, scopes string) (store.Client, error) {
	var err1, err2, err3, err4, err5 error
	c.RedirectURIs, err1 = fromListJSON[string]("redirect_uris", redirectURIs)
	c.AppCallbackURIs, err2 = fromListJSON[string]("app_callback_uris", appCallbacks)
	c.PostLogoutRedirectURIs, err3 = fromListJSON[string]("post_logout_redirect_uris", postLogout)
	c.Flows, err4 = fromListJSON[string]("flows", flows)
	c.Scopes, err5 = fromListJSON[string]("scopes", scopes)
	if err := errors.Join(err1, err2, err3, err4, err5); err != nil {
		return store.Client{}, err
	}
	c.CIBAInterval = fromDurationMicros(durationMicros(c.CIBAInterval))
	c.CreatedAt, c.UpdatedAt = storedTime(c.CreatedAt), storedTime(c.UpdatedAt)
	return c, nil
}

// scanClient reads one row of clientColumns.
func scanClient(row scanner) (store.Client, error) {
	var (
		c                                         store.Client
		redirectURIs, appCallbacks, flows, scopes string
		postLogout                                string
		cibaInterval, createdAt, updatedAt        int64
	)
	err := row.Scan(&c.SecretHash, &c.Name, &redirectURIs, &appCallbacks, &postLogout,
		&c.TokenEndpointAuthMethod, &flows, &scopes, &c.QRWebhookURL, &c.CIBAPingURL,
		&c.ConsentWebhookURL, &cibaInterval, &createdAt, &updatedAt, &c.ID)
	if err != nil {
		return store.Client{}, err
	}
	c.CIBAInterval = fromDurationMicros(cibaInterval)
	c.CreatedAt, c.UpdatedAt = fromMicros(createdAt), fromMicros(updatedAt)
	return decodeClient(c, redirectURIs, appCallbacks, postLogout, flows, scopes)
}

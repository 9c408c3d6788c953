package admin

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/vippslogin/vippslogin/internal/jsonapi"
	"github.com/vippslogin/vippslogin/internal/keys"
)

// Client calls the admin API of a running server; the CLI and the portal sit
// on it. Every method mirrors one call. A problem answer comes back as a
// *jsonapi.Problem carrying the status and the server's detail, so callers
// can errors.As it and show the detail as it is.
type Client struct {
	// BaseURL is the server's base URL, such as http://localhost:8080.
	BaseURL string
	// Token is the admin bearer token.
	Token string
	// HTTP is the client requests go through; http.DefaultClient when nil.
	HTTP *http.Client
}

// CreateClient registers a client; the answer holds its secret, the only
// time it is shown unless it is rotated.
func (c *Client) CreateClient(ctx context.Context, req ClientRequest) (ClientResponse, error) {
	var out ClientResponse
	return out, c.do(ctx, http.MethodPost, "/admin/v1/clients", req, &out)
}

// ListClients returns every client, without secrets.
func (c *Client) ListClients(ctx context.Context) ([]ClientResponse, error) {
	var out ClientList
	err := c.do(ctx, http.MethodGet, "/admin/v1/clients", nil, &out)
	return out.Clients, err
}

// GetClient returns one client, without its secret.
func (c *Client) GetClient(ctx context.Context, id string) (ClientResponse, error) {
	var out ClientResponse
	return out, c.do(ctx, http.MethodGet, "/admin/v1/clients/"+url.PathEscape(id), nil, &out)
}

// UpdateClient replaces the fields the patch sets and returns the result.
func (c *Client) UpdateClient(ctx context.Context, id string, patch ClientPatch) (ClientResponse, error) {
	var out ClientResponse
	return out, c.do(ctx, http.MethodPatch, "/admin/v1/clients/"+url.PathEscape(id), patch, &out)
}

// DeleteClient removes a client.
func (c *Client) DeleteClient(ctx context.Context, id string) error {
	return c.do(ctx, http.MethodDelete, "/admin/v1/clients/"+url.PathEscape(id), nil, nil)
}

// RotateSecret gives the client a new generated secret; the old one stops
// working at once.
func (c *Client) RotateSecret(ctx context.Context, id string) (SecretResponse, error) {
	var out SecretResponse
	return out, c.do(ctx, http.MethodPost, "/admin/v1/clients/"+url.PathEscape(id)+"/secret", nil, &out)
}

// SetSecret gives the client the chosen secret; setting the one it has
// changes nothing.
func (c *Client) SetSecret(ctx context.Context, id, secret string) (ClientResponse, error) {
	var out ClientResponse
	return out, c.do(ctx, http.MethodPut, "/admin/v1/clients/"+url.PathEscape(id)+"/secret", SecretRequest{ClientSecret: secret}, &out)
}

// CreateUser adds a test user.
func (c *Client) CreateUser(ctx context.Context, req UserRequest) (UserResponse, error) {
	var out UserResponse
	return out, c.do(ctx, http.MethodPost, "/admin/v1/users", req, &out)
}

// CreateUsers adds a batch of at most MaxBatchUsers test users, all or none,
// and returns how many it created.
func (c *Client) CreateUsers(ctx context.Context, users []UserRequest) (int, error) {
	var out UserBatchResponse
	err := c.do(ctx, http.MethodPost, "/admin/v1/users/batch", UserBatch{Users: users}, &out)
	return out.Created, err
}

// ListUsers returns every user.
func (c *Client) ListUsers(ctx context.Context) ([]UserResponse, error) {
	var out UserList
	err := c.do(ctx, http.MethodGet, "/admin/v1/users", nil, &out)
	return out.Users, err
}

// SearchUsers returns the users whose phone number, name or e-mail
// address holds search; every user when search is empty.
func (c *Client) SearchUsers(ctx context.Context, search string) ([]UserResponse, error) {
	var out UserList
	err := c.do(ctx, http.MethodGet, "/admin/v1/users?search="+url.QueryEscape(search), nil, &out)
	return out.Users, err
}

// UnlockUser ends the lock that wrong PINs put on the user.
func (c *Client) UnlockUser(ctx context.Context, phone string) (UserResponse, error) {
	var out UserResponse
	return out, c.do(ctx, http.MethodPost, "/admin/v1/users/"+url.PathEscape(phone)+"/unlock", nil, &out)
}

// GetUser returns the user with the phone number (MSISDN digits).
func (c *Client) GetUser(ctx context.Context, phone string) (UserResponse, error) {
	var out UserResponse
	return out, c.do(ctx, http.MethodGet, "/admin/v1/users/"+url.PathEscape(phone), nil, &out)
}

// UpdateUser replaces the fields the patch sets and returns the result.
func (c *Client) UpdateUser(ctx context.Context, phone string, patch UserPatch) (UserResponse, error) {
	var out UserResponse
	return out, c.do(ctx, http.MethodPatch, "/admin/v1/users/"+url.PathEscape(phone), patch, &out)
}

// DeleteUser removes a user and everything that belongs to them.
func (c *Client) DeleteUser(ctx context.Context, phone string) error {
	return c.do(ctx, http.MethodDelete, "/admin/v1/users/"+url.PathEscape(phone), nil, nil)
}

// RotateKeys adds new signing keys and returns every published key.
func (c *Client) RotateKeys(ctx context.Context) ([]keys.Info, error) {
	var out KeyList
	err := c.do(ctx, http.MethodPost, "/admin/v1/keys/rotate", nil, &out)
	return out.Keys, err
}

// ListKeys returns every published key; the signing ones are active.
func (c *Client) ListKeys(ctx context.Context) ([]keys.Info, error) {
	var out KeyList
	err := c.do(ctx, http.MethodGet, "/admin/v1/keys", nil, &out)
	return out.Keys, err
}

// do calls the API through jsonapi.Call, shared with the app API's client,
// and adds a hint when the server did not answer at all.
func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	err := jsonapi.Call(ctx, c.HTTP, method, strings.TrimRight(c.BaseURL, "/")+path, c.Token, in, out)
	if urlErr := (*url.Error)(nil); errors.As(err, &urlErr) {
		return fmt.Errorf("admin API: %w (is the server at %s running?)", err, c.BaseURL)
	}
	return err
}

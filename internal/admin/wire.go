package admin

import (
	"time"

	"github.com/vippslogin/vippslogin/internal/keys"
	"github.com/vippslogin/vippslogin/internal/store"
)

// The wire format of the admin API (DESIGN §5). The handlers and the Go
// client both use these types, so the format is defined exactly once.

// ClientRequest is the body of POST /admin/v1/clients. Empty fields get the
// defaults: a generated UUID client_id and 256-bit client_secret,
// token_endpoint_auth_method client_secret_basic, flows DefaultFlows and
// scopes DefaultScopes.
//
// AppCallbackURIs is deprecated. An app_callback_uri is registered by
// listing it among the RedirectURIs, as the Vipps portal has merchants do
// (vipps-login-api-2.0: app_callback_uri_not_registered is "The app
// callback uri is not registered as a redirect uri"). A URI listed here is
// still accepted as an app_callback_uri, so that clients registered that
// way keep working, but not as a redirect_uri.
type ClientRequest struct {
	ClientID string `json:"client_id,omitempty"`
	// ClientSecret, when given, must be at least MinSecretLength characters.
	ClientSecret            string   `json:"client_secret,omitempty"`
	Name                    string   `json:"name"`
	RedirectURIs            []string `json:"redirect_uris"`
	AppCallbackURIs         []string `json:"app_callback_uris"`
	PostLogoutRedirectURIs  []string `json:"post_logout_redirect_uris"`
	TokenEndpointAuthMethod string   `json:"token_endpoint_auth_method,omitempty"`
	Flows                   []string `json:"flows,omitempty"`
	Scopes                  []string `json:"scopes,omitempty"`
	QRWebhookURL            string   `json:"qr_webhook_url,omitempty"`
	CIBAPingURL             string   `json:"ciba_ping_url,omitempty"`
	ConsentWebhookURL       string   `json:"consent_webhook_url,omitempty"`
	// CIBAInterval is the CIBA poll interval in seconds, MinCIBAInterval
	// to MaxCIBAInterval; absent means Vipps' 5 (store.DefaultCIBAInterval).
	// A vippslogin extension: Vipps has no such setting.
	CIBAInterval *int `json:"ciba_interval,omitempty"`
}

// ClientPatch is the body of PATCH /admin/v1/clients/{client_id}: a field
// that is present replaces the stored one, an absent (or null) one keeps it.
// The id and secret cannot be patched; the secret has its own rotate call.
// AppCallbackURIs is deprecated, as in ClientRequest.
type ClientPatch struct {
	Name                    *string   `json:"name,omitempty"`
	RedirectURIs            *[]string `json:"redirect_uris,omitempty"`
	AppCallbackURIs         *[]string `json:"app_callback_uris,omitempty"`
	PostLogoutRedirectURIs  *[]string `json:"post_logout_redirect_uris,omitempty"`
	TokenEndpointAuthMethod *string   `json:"token_endpoint_auth_method,omitempty"`
	Flows                   *[]string `json:"flows,omitempty"`
	Scopes                  *[]string `json:"scopes,omitempty"`
	QRWebhookURL            *string   `json:"qr_webhook_url,omitempty"`
	CIBAPingURL             *string   `json:"ciba_ping_url,omitempty"`
	ConsentWebhookURL       *string   `json:"consent_webhook_url,omitempty"`
	CIBAInterval            *int      `json:"ciba_interval,omitempty"`
}

// ClientResponse is a client as the API shows it. ClientSecret is only set
// in the answer to a create; no other answer carries the secret.
// CIBAInterval is in seconds: 5 unless the client set another.
type ClientResponse struct {
	ClientID                string    `json:"client_id"`
	ClientSecret            string    `json:"client_secret,omitempty"`
	Name                    string    `json:"name"`
	RedirectURIs            []string  `json:"redirect_uris"`
	AppCallbackURIs         []string  `json:"app_callback_uris"`
	PostLogoutRedirectURIs  []string  `json:"post_logout_redirect_uris"`
	TokenEndpointAuthMethod string    `json:"token_endpoint_auth_method"`
	Flows                   []string  `json:"flows"`
	Scopes                  []string  `json:"scopes"`
	QRWebhookURL            string    `json:"qr_webhook_url"`
	CIBAPingURL             string    `json:"ciba_ping_url"`
	ConsentWebhookURL       string    `json:"consent_webhook_url"`
	CIBAInterval            int       `json:"ciba_interval"`
	CreatedAt               time.Time `json:"created_at"`
	UpdatedAt               time.Time `json:"updated_at"`
}

// ClientList is the answer to GET /admin/v1/clients.
type ClientList struct {
	Clients []ClientResponse `json:"clients"`
}

// SecretResponse is the answer to POST /admin/v1/clients/{client_id}/secret:
// the new secret, shown this once.
type SecretResponse struct {
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
}

// SecretRequest is the body of PUT /admin/v1/clients/{client_id}/secret:
// a chosen secret of at least MinSecretLength characters, which replaces
// the client's. The answer is the client, without the secret.
type SecretRequest struct {
	ClientSecret string `json:"client_secret"`
}

// UserRequest is the body of POST /admin/v1/users. PIN is required; it is
// stored hashed and never shown again.
type UserRequest struct {
	PhoneNumber   string          `json:"phone_number"`
	PIN           string          `json:"pin"`
	GivenName     string          `json:"given_name"`
	FamilyName    string          `json:"family_name"`
	Birthdate     string          `json:"birthdate"`
	Email         string          `json:"email"`
	EmailVerified bool            `json:"email_verified"`
	NIN           string          `json:"nin"`
	Addresses     []store.Address `json:"addresses"`
	Accounts      []store.Account `json:"accounts"`
	AppVersion    string          `json:"app_version,omitempty"`
	// Active is whether the account is active; absent means true. A user
	// who is not active cannot sign in to the app nor log in, and login
	// from phone number answers error_code=invalid_user.
	Active *bool `json:"active,omitempty"`
}

// UserBatch is the body of POST /admin/v1/users/batch: 1 to MaxBatchUsers
// users, each as POST /admin/v1/users takes it, created all or none.
type UserBatch struct {
	Users []UserRequest `json:"users"`
}

// UserBatchResponse answers a batch: how many users it created, which is
// all of them.
type UserBatchResponse struct {
	Created int `json:"created"`
}

// UserPatch is the body of PATCH /admin/v1/users/{phone_number}: present
// fields replace the stored ones. A new PIN also unlocks a user locked out
// by wrong PINs. The phone number identifies the user and cannot change.
type UserPatch struct {
	PIN           *string          `json:"pin,omitempty"`
	GivenName     *string          `json:"given_name,omitempty"`
	FamilyName    *string          `json:"family_name,omitempty"`
	Birthdate     *string          `json:"birthdate,omitempty"`
	Email         *string          `json:"email,omitempty"`
	EmailVerified *bool            `json:"email_verified,omitempty"`
	NIN           *string          `json:"nin,omitempty"`
	Addresses     *[]store.Address `json:"addresses,omitempty"`
	Accounts      *[]store.Account `json:"accounts,omitempty"`
	AppVersion    *string          `json:"app_version,omitempty"`
	// Active false deactivates the user, which also signs them out of
	// their app and browsers; true activates them again.
	Active *bool `json:"active,omitempty"`
}

// UserResponse is a user as the API shows it: never the PIN or its hash.
// LockedUntil is set while wrong PINs keep the user locked out.
type UserResponse struct {
	PhoneNumber   string          `json:"phone_number"`
	GivenName     string          `json:"given_name"`
	FamilyName    string          `json:"family_name"`
	Birthdate     string          `json:"birthdate"`
	Email         string          `json:"email"`
	EmailVerified bool            `json:"email_verified"`
	NIN           string          `json:"nin"`
	Addresses     []store.Address `json:"addresses"`
	Accounts      []store.Account `json:"accounts"`
	AppVersion    string          `json:"app_version"`
	Active        bool            `json:"active"`
	CreatedAt     time.Time       `json:"created_at"`
	UpdatedAt     time.Time       `json:"updated_at"`
	LockedUntil   *time.Time      `json:"locked_until,omitempty"`
}

// UserList is the answer to GET /admin/v1/users.
type UserList struct {
	Users []UserResponse `json:"users"`
}

// KeyList is the answer to GET /admin/v1/keys and POST /admin/v1/keys/rotate:
// every published key, the signing ones marked active.
type KeyList struct {
	Keys []keys.Info `json:"keys"`
}

func clientResponse(c store.Client) ClientResponse {
	return ClientResponse{
		ClientID:                c.ID,
		Name:                    c.Name,
		RedirectURIs:            nonNil(c.RedirectURIs),
		AppCallbackURIs:         nonNil(c.AppCallbackURIs),
		PostLogoutRedirectURIs:  nonNil(c.PostLogoutRedirectURIs),
		TokenEndpointAuthMethod: c.TokenEndpointAuthMethod,
		Flows:                   nonNil(c.Flows),
		Scopes:                  nonNil(c.Scopes),
		QRWebhookURL:            c.QRWebhookURL,
		CIBAPingURL:             c.CIBAPingURL,
		ConsentWebhookURL:       c.ConsentWebhookURL,
		CIBAInterval:            int(c.CIBAPollInterval() / time.Second),
		CreatedAt:               c.CreatedAt,
		UpdatedAt:               c.UpdatedAt,
	}
}

func userResponse(u store.User, now time.Time) UserResponse {
	r := UserResponse{
		PhoneNumber:   u.PhoneNumber,
		GivenName:     u.GivenName,
		FamilyName:    u.FamilyName,
		Birthdate:     u.Birthdate,
		Email:         u.Email,
		EmailVerified: u.EmailVerified,
		NIN:           u.NIN,
		Addresses:     nonNil(u.Addresses),
		Accounts:      nonNil(u.Accounts),
		AppVersion:    u.AppVersion,
		Active:        !u.Inactive,
		CreatedAt:     u.CreatedAt,
		UpdatedAt:     u.UpdatedAt,
	}
	if u.LockedUntil.After(now) {
		r.LockedUntil = &u.LockedUntil
	}
	return r
}

// nonNil makes an absent list encode as [] rather than null, so that clients
// can iterate without a check.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// EventResponse is one entry of a client's integration debugger: a step of
// a login and how it went (store.Event).
type EventResponse struct {
	ID      string    `json:"id"`
	Time    time.Time `json:"time"`
	Flow    string    `json:"flow"`
	Step    string    `json:"step"`
	Outcome string    `json:"outcome"`
	// Error is the error code the client got; absent on success.
	Error       string `json:"error,omitempty"`
	Explanation string `json:"explanation"`
	// Params are the request's non-secret parameters (debugger.Params).
	Params map[string]string `json:"params"`
}

// EventList is the answer to GET /admin/v1/clients/{client_id}/events:
// a page of events, newest first. NextCursor, when set, is the cursor of
// the next (older) page.
type EventList struct {
	Events     []EventResponse `json:"events"`
	NextCursor string          `json:"next_cursor,omitempty"`
}

// EventQuery is what ListEvents asks for; the zero value is the newest
// DefaultEventLimit events.
type EventQuery struct {
	// Cursor is a previous page's NextCursor.
	Cursor string
	// Limit is the page size, 1 to MaxEventLimit; 0 is DefaultEventLimit.
	Limit int
	// Outcome (success, failure) and Flow (browser, ciba, qr, token,
	// consent), when set, filter the events.
	Outcome, Flow string
}

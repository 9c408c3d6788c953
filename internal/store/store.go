// Package store is the vocabulary of vippslogin and the one seam to its
// storage: plain value structs, sentinel errors and the Store interface that
// the SQLite and PostgreSQL backends implement. Everything that must survive a
// restart or be seen by a second replica goes through here (DESIGN §8).
package store

import (
	"context"
	"errors"
	"time"
)

// Sentinel errors every backend returns, so callers can map them to answers
// without knowing which database is underneath.
var (
	// ErrNotFound means no record has the given key.
	ErrNotFound = errors.New("not found")
	// ErrExists means a record with the same key already exists.
	ErrExists = errors.New("already exists")
)

// Flows a client may be allowed to use (DESIGN §4).
const (
	FlowBrowser = "browser"
	FlowCIBA    = "ciba"
	FlowQR      = "qr"
)

// Token endpoint authentication methods a client may be configured with.
const (
	AuthSecretBasic = "client_secret_basic"
	AuthSecretPost  = "client_secret_post"
)

// Client is a merchant's sale unit: an OAuth 2.0 client (DESIGN §5).
type Client struct {
	ID string
	// SecretHash is the client secret as secret.Hash stored it; the plain
	// secret is never kept.
	SecretHash              string
	Name                    string
	RedirectURIs            []string
	AppCallbackURIs         []string
	TokenEndpointAuthMethod string
	Flows                   []string
	// Scopes the client may request; nin and accountNumbers only when listed.
	Scopes            []string
	QRWebhookURL      string
	CIBAPingURL       string
	ConsentWebhookURL string
	CreatedAt         time.Time
	UpdatedAt         time.Time
}

// User is a Vipps user: the person who confirms logins in the app.
type User struct {
	// PhoneNumber is the MSISDN digits with country code, e.g. 4712345678.
	PhoneNumber   string
	PINHash       string
	GivenName     string
	FamilyName    string
	Birthdate     string // YYYY-MM-DD
	Email         string
	EmailVerified bool
	NIN           string
	Addresses     []Address
	Accounts      []Account
	// AppVersion is the version of the user's Vipps app; an outdated one
	// makes logins fail with outdated_app_version / old_app.
	AppVersion string
	// FailedPINAttempts counts wrong PINs since the last success;
	// LockedUntil is set when they reach the limit.
	FailedPINAttempts int
	LockedUntil       time.Time
	CreatedAt         time.Time
	UpdatedAt         time.Time
}

// Address is one of a user's addresses (home, work, other).
type Address struct {
	StreetAddress string `json:"street_address"`
	PostalCode    string `json:"postal_code"`
	Region        string `json:"region"`
	Country       string `json:"country"`
	AddressType   string `json:"address_type"`
	Default       bool   `json:"default"`
}

// Account is a user's bank account, shared under the accountNumbers scope.
type Account struct {
	AccountName   string `json:"account_name"`
	AccountNumber string `json:"account_number"`
	BankName      string `json:"bank_name"`
}

// SigningKey is one key pair used to sign tokens (DESIGN §3).
type SigningKey struct {
	// ID is the JWK kid, "public:<uuid>".
	ID string
	// Algorithm is RS256 or ES256.
	Algorithm string
	// PrivateJWK is the private key as a JSON Web Key.
	PrivateJWK []byte
	CreatedAt  time.Time
}

// AppSession is a signed-in companion app: the bearer token the phone
// presents on the app API (DESIGN §6).
type AppSession struct {
	// TokenHash is secret.Digest of the bearer token; the token itself is
	// only ever known to the phone.
	TokenHash   string
	PhoneNumber string
	CreatedAt   time.Time
	ExpiresAt   time.Time
}

// Store is the storage seam. Updates take a closure so that the backend owns
// the transaction: the closure sees the current record and returns the new
// one, or an error that aborts the update and is returned as is.
//
// Every backend keeps the same contract, which storetest checks: times come
// back in UTC truncated to microseconds (the zero time stays zero), slices
// are never nil, CreatedAt and UpdatedAt are stored as given, and errors
// wrap ErrNotFound and ErrExists.
type Store interface {
	// Ping reports whether the database answers.
	Ping(ctx context.Context) error
	Close() error

	CreateClient(ctx context.Context, c Client) error
	GetClient(ctx context.Context, id string) (Client, error)
	ListClients(ctx context.Context) ([]Client, error)
	UpdateClient(ctx context.Context, id string, update func(Client) (Client, error)) (Client, error)
	DeleteClient(ctx context.Context, id string) error

	CreateUser(ctx context.Context, u User) error
	GetUser(ctx context.Context, phoneNumber string) (User, error)
	ListUsers(ctx context.Context) ([]User, error)
	UpdateUser(ctx context.Context, phoneNumber string, update func(User) (User, error)) (User, error)
	// DeleteUser removes the user and everything that belongs to them
	// (app sessions now; consents and browser sessions as they arrive).
	DeleteUser(ctx context.Context, phoneNumber string) error

	CreateSigningKey(ctx context.Context, k SigningKey) error
	// ListSigningKeys returns every stored key, oldest first.
	ListSigningKeys(ctx context.Context) ([]SigningKey, error)

	CreateAppSession(ctx context.Context, s AppSession) error
	// GetAppSession returns the session with the given token hash; an expired
	// one is still returned, the caller decides.
	GetAppSession(ctx context.Context, tokenHash string) (AppSession, error)
	DeleteAppSession(ctx context.Context, tokenHash string) error
	// DeleteExpiredAppSessions removes sessions that expired before now and
	// reports how many.
	DeleteExpiredAppSessions(ctx context.Context, now time.Time) (int, error)
}

// Scopes are the scopes Vipps Login knows, in the order the spec lists them
// (vipps-login-api-2.0 "Scopes"). nin and accountNumbers are given only to
// clients granted them.
var Scopes = []string{"openid", "address", "birthDate", "email", "name", "phoneNumber", "nin", "accountNumbers", "api_version_2"}

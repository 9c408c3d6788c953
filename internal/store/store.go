// Package store is the vocabulary of vippslogin and the one seam to its
// storage: plain value structs, sentinel errors and the Store interface that
// the SQLite and PostgreSQL backends implement. Everything that must survive a
// restart or be seen by a second replica goes through here (DESIGN §8).
package store

import (
	"context"
	"errors"
	"slices"
	"time"
)

// Sentinel errors every backend returns, so callers can map them to answers
// without knowing which database is underneath.
var (
	// ErrNotFound means no record has the given key.
	ErrNotFound = errors.New("not found")
	// ErrExists means a record with the same key already exists.
	ErrExists = errors.New("already exists")
	// ErrUnavailable means the database could not be reached or dropped
	// the connection: nothing is wrong with the request, and the same one
	// may succeed in a moment. The servers answer it with 503.
	ErrUnavailable = errors.New("database unavailable")
)

// Flows a client may be allowed to use (DESIGN §4).
const (
	FlowBrowser = "browser"
	FlowCIBA    = "ciba"
	FlowQR      = "qr"
)

// Flows are the three flows, in the order the docs and the pages list
// them. Shared: a caller that keeps or changes a list clones it.
var Flows = []string{FlowBrowser, FlowCIBA, FlowQR}

// Token endpoint authentication methods a client may be configured with.
const (
	AuthSecretBasic = "client_secret_basic"
	AuthSecretPost  = "client_secret_post"
)

// AuthMethods are the token endpoint authentication methods there are, as
// discovery lists them. Shared: a caller that changes the list clones it.
var AuthMethods = []string{AuthSecretBasic, AuthSecretPost}

// Client is a merchant's sale unit: an OAuth 2.0 client (DESIGN §5).
type Client struct {
	ID string
	// SecretHash is the client secret as secret.Hash stored it; the plain
	// secret is never kept.
	SecretHash      string
	Name            string
	RedirectURIs    []string
	AppCallbackURIs []string
	// PostLogoutRedirectURIs are where end-session may send the browser.
	PostLogoutRedirectURIs  []string
	TokenEndpointAuthMethod string
	Flows                   []string
	// Scopes the client may request; nin and accountNumbers only when listed.
	Scopes            []string
	QRWebhookURL      string
	CIBAPingURL       string
	ConsentWebhookURL string
	// CIBAInterval is the poll interval of the client's logins from phone
	// number, the backchannel answer's "interval": a vippslogin extension
	// (DESIGN §5) so that a merchant's CI need not wait Vipps' 5 seconds
	// per poll. Zero is not set: DefaultCIBAInterval (CIBAPollInterval).
	CIBAInterval time.Duration
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// DefaultCIBAInterval is the poll interval Vipps answers a backchannel
// authentication request with (vipps-login-api "Call by call":
// "interval": 5), which a client has unless its CIBAInterval says another.
const DefaultCIBAInterval = 5 * time.Second

// CIBAPollInterval is the poll interval of c's logins from phone number:
// CIBAInterval, or DefaultCIBAInterval when that is not set.
func (c Client) CIBAPollInterval() time.Duration {
	if c.CIBAInterval == 0 {
		return DefaultCIBAInterval
	}
	return c.CIBAInterval
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
	// Inactive marks an account that is not active (vipps-login-api: "the
	// user's account is not active"): it cannot sign in to the app nor
	// log in, and login from phone number answers error_code=invalid_user.
	// The zero User is active, as the admin API's default (DESIGN §5).
	Inactive bool
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
	// Initial marks the first key of its algorithm, made on first start.
	// The database holds at most one per algorithm (a second is
	// ErrExists), so replicas starting together on an empty database make
	// one between them.
	Initial   bool
	CreatedAt time.Time
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

// Statuses of a login request: the life cycle every flow shares (DESIGN §4).
const (
	// LoginCreated: authorize accepted it; the browser is on the login pages.
	LoginCreated = "created"
	// LoginWaiting: the user's app has it and has not answered.
	LoginWaiting = "waiting"
	// LoginApproved: the app approved; the browser goes on to consent or code.
	LoginApproved = "approved"
	// LoginFailed: it ended with Error (rejected, wrong challenge, expired…);
	// the browser takes the error back to the client.
	LoginFailed = "failed"
	// LoginDone: a code or an error went back to the client. Final.
	LoginDone = "done"
)

// LoginRequest is one browser login from authorize to the redirect back.
// The browser pages and the app API meet here: a step on one replica is seen
// by the next step on any other.
type LoginRequest struct {
	// ID is random (256 bits) and appears in the login pages' URLs as tabId
	// and in the app's deeplink; for CIBA and QR it is the auth_req_id.
	ID string
	// Kind is what the user confirms: KindLogin (a browser login), KindCIBA
	// or KindQR.
	Kind string
	// BrowserBindingHash is secret.Digest of the login cookie set when the
	// login started: only that browser may continue it.
	BrowserBindingHash string

	ClientID            string
	RedirectURI         string
	Scopes              []string
	State               string
	Nonce               string
	CodeChallenge       string
	CodeChallengeMethod string
	// RequestedFlow is "" or a Vipps special flow (no_dialog, app_to_app, …).
	RequestedFlow      string
	AppCallbackURI     string
	FinalRedirectIsApp bool
	// Mobile is true when the browser is a phone's: no phone page, a deeplink.
	Mobile bool
	// Locale is the language the pages speak: "nb" or "en".
	Locale string
	ACR    string
	// Market themes the pages: NO, DK, FI or SE.
	Market string
	// LoginHint is the phone number from login_hint, pre-filled on the
	// phone page.
	LoginHint string
	// ForceLogin (prompt=login, max_age=0) skips a remembered browser, so
	// the user confirms in the app again.
	ForceLogin bool
	// MaxAuthAge (max_age) skips a remembered browser whose authentication
	// is older; zero means no limit.
	MaxAuthAge time.Duration
	// ResumeSecretHash is secret.Digest of the one-time secret in the URL the
	// app opens after an automatic_return_from_vipps_app approval: it lets
	// another browser finish the login, once.
	ResumeSecretHash string

	// BindingMessage is CIBA's binding_message, shown in the app.
	BindingMessage string
	// NotificationToken is CIBA's client_notification_token, sent by a
	// client registered for ping (CIBAPingURL) and kept until the user
	// answers: the ping carries it as its bearer token. '' for the others.
	NotificationToken string
	// PollInterval is the CIBA poll interval; slow_down raises it by 5 s.
	PollInterval time.Duration
	// LastPolledAt is when the client last polled the token endpoint.
	LastPolledAt time.Time

	// QRID and QRDescription are the scanned QR code's ID and description
	// (KindQR only), copied at the scan so that the ID token's qr_id and
	// qr_description say what the user scanned even if the code is deleted
	// or changed afterwards. For a QR request, RedirectURI is the code's
	// redirect URI: empty for the webhook variant.
	QRID          string
	QRDescription string

	// PhoneNumber is the user: typed on the phone page, or set by the app
	// that answers a mobile login.
	PhoneNumber string
	// Remember is the user's choice to have this browser remembered.
	Remember bool
	// Challenge is shown in the browser; the app offers ChallengeOptions,
	// the challenge among decoys.
	Challenge        string
	ChallengeOptions []string

	Status           string
	Error            string
	ErrorDescription string
	// SessionID is the sid of the authentication once approved.
	SessionID string
	AuthTime  time.Time

	CreatedAt time.Time
	UpdatedAt time.Time
	ExpiresAt time.Time
}

// Kinds of login request.
const (
	KindLogin = "login"
	KindCIBA  = "ciba"
	// KindQR is a login from QR code: the user's app scanned a QRCode.
	KindQR = "qr"
)

// FlowOf is the flow (FlowBrowser, FlowCIBA, FlowQR) a login request of
// kind belongs to: the flow label of the metrics and the flow of the
// debugger's events. A kind this version does not know (one a newer
// replica wrote, during an upgrade) is "other" rather than passed off as
// one of the three.
func FlowOf(kind string) string {
	switch kind {
	case KindLogin:
		return FlowBrowser
	case KindCIBA:
		return FlowCIBA
	case KindQR:
		return FlowQR
	}
	return "other"
}

// LoginEnded reports whether a login request in status has its outcome:
// it failed (LoginFailed: its Error is set, though the browser may still
// have to take the error back to the client) or is done (LoginDone). No
// later step changes the outcome of either. An approved request
// (LoginApproved) has not ended: its client has not had the code or the
// tokens yet, and may never have them.
func LoginEnded(status string) bool {
	return status == LoginFailed || status == LoginDone
}

// BrowserSession is a browser that remembers its user: a long-lived cookie
// whose digest is TokenHash. The user can list and forget them in the app.
type BrowserSession struct {
	// ID is public: the app lists and forgets sessions by it, and it is the
	// sid of logins made through it.
	ID          string
	TokenHash   string
	PhoneNumber string
	// Description says which browser it is, from its User-Agent.
	Description string
	CreatedAt   time.Time
	ExpiresAt   time.Time
}

// Consent is what a user allowed a client to see, all or nothing per
// request, remembered per (user, client).
type Consent struct {
	PhoneNumber string
	ClientID    string
	Scopes      []string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// WidenScopes is the one rule for adding to a consent: the added scopes,
// then those of old that are not among them. A consent only ever widens
// this way; revoking it is DeleteConsent. The PostgreSQL store states the
// same rule in SQL (widenConsentSQL), and storetest holds both to it.
func WidenScopes(old, added []string) []string {
	all := slices.Clip(slices.Clone(added))
	for _, s := range old {
		if !slices.Contains(all, s) {
			all = append(all, s)
		}
	}
	return all
}

// AuthCode is an authorization code (RFC 6749 §4.1.2), stored by digest.
type AuthCode struct {
	// Hash is secret.Digest of the code.
	Hash                string
	ClientID            string
	RedirectURI         string
	PhoneNumber         string
	Scopes              []string
	Nonce               string
	CodeChallenge       string
	CodeChallengeMethod string
	SessionID           string
	ACR                 string
	// AuthReqID is set on codes of CIBA's login_to_webpage variant and of
	// QR codes with a redirect URI: the ciba-redirect and qr-redirect
	// grants' ID tokens carry it. Empty for browser codes.
	AuthReqID string
	// QRID and QRDescription are set on codes of a QR login (the
	// qr-redirect grant), copied from its LoginRequest; empty otherwise,
	// which is how the grants tell a CIBA code from a QR one.
	QRID          string
	QRDescription string
	AuthTime      time.Time
	// RequestedAt is when the login was requested (the ID token's rat).
	RequestedAt time.Time
	CreatedAt   time.Time
	ExpiresAt   time.Time
	// UsedAt is set by the one redemption that succeeds.
	UsedAt time.Time
}

// AccessToken is an opaque bearer token, stored by digest.
type AccessToken struct {
	Hash        string
	ClientID    string
	PhoneNumber string
	Scopes      []string
	SessionID   string
	// CodeHash is the code it was issued for, so that a replayed code can
	// revoke what it issued (RFC 6749 §4.1.2).
	CodeHash  string
	CreatedAt time.Time
	ExpiresAt time.Time
	RevokedAt time.Time
}

// Effects are the records one step of a login writes together with the
// LoginRequest it changes (Store.UpdateLoginRequestWith): the event owed to
// the client, the consent the user gave, the code or the access token the
// step issues. Each one that is not nil is written as its own method would
// (EnqueueWebhook, CreateAuthCode, CreateAccessToken), in the same
// transaction, so a crash can neither end a login without its code nor
// issue a code for a login that did not end. The Consent is not saved as
// SaveConsent replaces: its scopes are added to the consent stored at that
// moment (WidenScopes), read in the same transaction, so two logins that
// each widen a consent cannot lose the other's scopes. The zero Effects
// writes nothing more than the update.
type Effects struct {
	Webhook     *Webhook
	Consent     *Consent
	AuthCode    *AuthCode
	AccessToken *AccessToken
}

// ErrUsed means a single-use record (a code) was already used.
var ErrUsed = errors.New("already used")

// Webhook events the outbox carries.
const (
	// EventConsentRevoked tells a client that a user revoked their consent
	// to it (vipps-login-webhooks "Revoke").
	EventConsentRevoked = "CONSENT_REVOKED"
	// EventQRLogin tells a client that a user approved a login from one of
	// its QR codes (the webhook variant): the body is the signed JWS whose
	// auth_req_id the qr grant redeems.
	EventQRLogin = "QR_LOGIN"
	// EventCIBAPing tells a client registered for CIBA ping that the user
	// answered a login from phone number (CIBA Core §10.2): the body is
	// {"auth_req_id": …}, which the client then redeems at the token
	// endpoint.
	EventCIBAPing = "CIBA_PING"
)

// QRCode is a QR code that starts a login from QR code at its client
// (DESIGN §4, vipps-login-api "Integrating with Vipps Login from QR
// code"): the code encodes the URL B/qr/<ID>, which the user's app scans.
// It never expires; deleting it (or its client) ends it.
type QRCode struct {
	// ID is 8 letters and digits, Vipps' qr_id. It is public: it is in the
	// URL printed on the code.
	ID       string
	ClientID string
	// Description says which code it is (say, "Entrance, store 12"); the
	// app shows it and the ID token carries it as qr_description.
	Description string
	// RedirectURI, when set, is one of the client's redirect URIs: an
	// approval sends the phone's browser there with a code for the
	// qr-redirect grant. Empty means the webhook variant: the client's
	// QRWebhookURL gets a JWS for the qr grant.
	RedirectURI string
	CreatedAt   time.Time
}

// Webhook is one event in the durable outbox (DESIGN §8): an HTTP POST to a
// client's URL that the server owes it. It is stored before anyone tries to
// send it, so a restart or a second replica picks it up; delivery is
// at-least-once, and the receiver tells repeats apart by ID.
type Webhook struct {
	// ID is random and sent as the Webhook-Id header.
	ID       string
	ClientID string
	// Event is EventConsentRevoked, or one of the QR and CIBA events.
	Event       string
	URL         string
	ContentType string
	// Authorization, when not empty, is sent as the Authorization header
	// (a CIBA ping's "Bearer <client_notification_token>"). It is a
	// credential of the client's: never logged nor shown.
	Authorization string
	Body          []byte
	// Attempts counts the deliveries tried so far, the successful one too.
	Attempts int
	// NextAttemptAt is when the event is due (the zero time: at once).
	NextAttemptAt time.Time
	// LockedUntil is the lease of the deliverer that claimed it: nobody else
	// tries it until then.
	LockedUntil time.Time
	// DeliveredAt is set by the attempt the receiver accepted.
	DeliveredAt time.Time
	// LastError and LastStatus are the last attempt's outcome: the error
	// text ("" on success) and the HTTP status (0 when none came back).
	LastError  string
	LastStatus int
	CreatedAt  time.Time
	// ExpiresAt is when the outbox gives up: no attempt starts after it,
	// and an undelivered event stays in the log as failed.
	ExpiresAt time.Time
}

// Cutoffs are DeleteExpired's times, one per kind of record it sweeps: how
// long each kind is kept past its expiry is the caller's choice (the
// janitor's retention). A record expiring exactly at its cutoff is kept.
type Cutoffs struct {
	// AppSessions, BrowserSessions, LoginRequests, Codes and AccessTokens
	// are the records whose ExpiresAt is before them.
	AppSessions, BrowserSessions, LoginRequests, Codes, AccessTokens time.Time
	// Webhooks are the events that expired, or were delivered, before it.
	Webhooks time.Time
	// RateLimits are the windows that started before it.
	RateLimits time.Time
}

// CutoffsAt is Cutoffs with one time for every kind of record.
func CutoffsAt(t time.Time) Cutoffs {
	return Cutoffs{AppSessions: t, BrowserSessions: t, LoginRequests: t, Codes: t, AccessTokens: t, Webhooks: t, RateLimits: t}
}

// Swept is what one DeleteExpired removed.
type Swept struct {
	// Rows counts the records removed, of every kind.
	Rows int
	// Abandoned counts, by flow (FlowOf their Kind), the login requests
	// removed that had not ended (LoginEnded): logins that expired before
	// anyone finished them. Nothing else ever counts them: no step reaches
	// them any more. Each is counted by the statement that deleted it, so
	// once, however many sweeps run at once. Never nil.
	Abandoned map[string]int
}

// WebhookAttempt is the outcome of one delivery attempt.
type WebhookAttempt struct {
	At     time.Time
	Status int
	Error  string
	// Delivered means the receiver accepted it (a 2xx).
	Delivered bool
	// NextAttemptAt is when to try again after a failure.
	NextAttemptAt time.Time
}

// Store is the storage seam. Updates take a closure so that the backend owns
// the transaction: the closure sees the current record and returns the new
// one, or an error that aborts the update and is returned as is. A closure
// runs while the backend holds its write (SQLite: on the one writer, which
// every other write waits for), so it must be quick and must never call the
// Store: hash, sign and read what it needs before the update.
//
// Every backend keeps the same contract, which storetest checks: times come
// back in UTC truncated to microseconds (the zero time stays zero), slices
// are never nil, CreatedAt and UpdatedAt are stored as given, and errors
// wrap ErrNotFound, ErrExists and ErrUsed, and ErrUnavailable when the
// database cannot be reached.
type Store interface {
	// Ping reports whether the database answers.
	Ping(ctx context.Context) error
	// CheckWrite reports whether the database takes a write (the
	// readiness check): it writes one health row, which never grows. A
	// database that cannot be written, read-only or full, is
	// ErrUnavailable, and the backend drops the connections that found it
	// so, so that writes work again once the fault is mended.
	CheckWrite(ctx context.Context) error
	Close() error

	CreateClient(ctx context.Context, c Client) error
	GetClient(ctx context.Context, id string) (Client, error)
	ListClients(ctx context.Context) ([]Client, error)
	UpdateClient(ctx context.Context, id string, update func(Client) (Client, error)) (Client, error)
	// DeleteClient removes the client and the users' consents to it,
	// pairwise subjects at it, its webhooks, its QR codes and its events.
	DeleteClient(ctx context.Context, id string) error

	CreateUser(ctx context.Context, u User) error
	// CreateUsers stores several new users in one transaction: all of them
	// or, when any phone number is taken or repeated, none (ErrExists). It
	// is how a load test or a CI seed makes thousands of users at once.
	CreateUsers(ctx context.Context, users []User) error
	GetUser(ctx context.Context, phoneNumber string) (User, error)
	ListUsers(ctx context.Context) ([]User, error)
	// UpdateUser stores what update makes of the user. An update that
	// makes the user Inactive also ends their app and browser sessions, in
	// the same transaction: an account that is not active is signed in
	// nowhere, as one deleted is not.
	UpdateUser(ctx context.Context, phoneNumber string, update func(User) (User, error)) (User, error)
	// DeleteUser removes the user and everything that belongs to them: app
	// and browser sessions, consents, pairwise subjects.
	DeleteUser(ctx context.Context, phoneNumber string) error

	CreateSigningKey(ctx context.Context, k SigningKey) error
	// ListSigningKeys returns every stored key, oldest first.
	ListSigningKeys(ctx context.Context) ([]SigningKey, error)
	// ResealSigningKey replaces the stored PrivateJWK of key id, and
	// nothing else of it, as a new key-encryption key re-encrypts the keys
	// (keys.Manager.Reseal); ErrNotFound if there is no such key.
	ResealSigningKey(ctx context.Context, id string, privateJWK []byte) error

	CreateAppSession(ctx context.Context, s AppSession) error
	// GetAppSession returns the session with the given token hash; an expired
	// one is still returned, the caller decides.
	GetAppSession(ctx context.Context, tokenHash string) (AppSession, error)
	DeleteAppSession(ctx context.Context, tokenHash string) error
	// DeleteExpired removes the records each of before's times names
	// (see Cutoffs), at most batch rows of one table per transaction, so
	// that writes waiting meanwhile wait for one small transaction at a
	// time, and reports what it removed. On an error, it reports what the
	// transactions before it removed.
	DeleteExpired(ctx context.Context, before Cutoffs, batch int) (Swept, error)

	CreateLoginRequest(ctx context.Context, r LoginRequest) error
	GetLoginRequest(ctx context.Context, id string) (LoginRequest, error)
	UpdateLoginRequest(ctx context.Context, id string, update func(LoginRequest) (LoginRequest, error)) (LoginRequest, error)
	// UpdateLoginRequestWith is UpdateLoginRequest whose update may also
	// return Effects: records written in the same transaction as the
	// update, so that one step of a login is one write, all or nothing
	// (DESIGN §8). A failed effect fails the whole update and leaves the
	// request as it was.
	UpdateLoginRequestWith(ctx context.Context, id string, update func(LoginRequest) (LoginRequest, Effects, error)) (LoginRequest, error)
	// ListWaitingLoginRequests returns the user's requests in status
	// LoginWaiting that expire after now, oldest first.
	ListWaitingLoginRequests(ctx context.Context, phoneNumber string, now time.Time) ([]LoginRequest, error)
	// ListPendingLoginRequests returns the user's requests that have not
	// ended (LoginCreated, LoginWaiting or LoginApproved, as Backlog counts
	// them) and expire after now, oldest first: what an operator's
	// cancel-logins ends.
	ListPendingLoginRequests(ctx context.Context, phoneNumber string, now time.Time) ([]LoginRequest, error)
	// FailExpiredLoginRequests ends the user's requests of the given kind
	// that are still LoginWaiting but expired at now (ExpiresAt not after
	// now): status LoginFailed, Error "expired_token", UpdatedAt now. It
	// reports how many it ended. A new CIBA request calls it first, since
	// only one CIBA request per user may be waiting.
	FailExpiredLoginRequests(ctx context.Context, phoneNumber, kind string, now time.Time) (int, error)

	CreateBrowserSession(ctx context.Context, s BrowserSession) error
	GetBrowserSessionByToken(ctx context.Context, tokenHash string) (BrowserSession, error)
	// ListBrowserSessions returns the user's sessions, oldest first.
	ListBrowserSessions(ctx context.Context, phoneNumber string) ([]BrowserSession, error)
	// DeleteBrowserSession deletes the user's session id; another user's
	// session is ErrNotFound.
	DeleteBrowserSession(ctx context.Context, phoneNumber, id string) error
	// EndBrowserSession deletes the session id whoever it belongs to: the
	// end-session endpoint knows the sid from a verified ID token, not the
	// user. ErrNotFound if there is none.
	EndBrowserSession(ctx context.Context, id string) error

	// SaveConsent creates or replaces the consent for (PhoneNumber, ClientID);
	// an existing consent keeps its CreatedAt.
	SaveConsent(ctx context.Context, c Consent) error
	GetConsent(ctx context.Context, phoneNumber, clientID string) (Consent, error)
	// ListConsents returns the user's consents ordered by client id.
	ListConsents(ctx context.Context, phoneNumber string) ([]Consent, error)
	// DeleteConsent removes the consent and, when notify is not nil, puts
	// that event in the webhook outbox in the same transaction, so that a
	// crash cannot revoke a consent without telling the client.
	DeleteConsent(ctx context.Context, phoneNumber, clientID string, notify *Webhook) error

	CreateAuthCode(ctx context.Context, c AuthCode) error
	// GetAuthCode returns the code with the hash, used or expired or not,
	// or ErrNotFound. It writes nothing: the token endpoint checks a code
	// with it before redeeming it, so a request that fails a check does
	// not use the code up.
	GetAuthCode(ctx context.Context, hash string) (AuthCode, error)
	// RedeemAuthCode marks the code used at now and stores issue, the
	// access token it buys, in one transaction, exactly once however many
	// callers race (one conditional UPDATE on "not used yet"): a crash
	// cannot use a code without storing its token. issue is stored with
	// CodeHash set to hash, so a replay can revoke it. A code already used
	// returns the code and an error wrapping ErrUsed, and stores nothing;
	// an unknown one ErrNotFound; a taken token hash ErrExists and the code
	// stays unused. Expiry and every other check are the caller's, before.
	RedeemAuthCode(ctx context.Context, hash string, now time.Time, issue AccessToken) (AuthCode, error)

	CreateAccessToken(ctx context.Context, t AccessToken) error
	GetAccessToken(ctx context.Context, hash string) (AccessToken, error)
	// RevokeAccessToken sets RevokedAt (if not yet set); ErrNotFound if unknown.
	RevokeAccessToken(ctx context.Context, hash string, now time.Time) error
	// RevokeAccessTokensByCode revokes every token issued for the code and
	// reports how many it revoked (those revoked before are not counted). An
	// empty codeHash revokes nothing.
	RevokeAccessTokensByCode(ctx context.Context, codeHash string, now time.Time) (int, error)

	// PairwiseSubject returns the user's sub at the client: candidate is
	// stored and returned the first time, the stored one every time after,
	// even when two callers race. A candidate that is already another
	// (user, client)'s sub is ErrExists: subs are never shared.
	PairwiseSubject(ctx context.Context, phoneNumber, clientID, candidate string) (string, error)

	// EnqueueWebhook stores a new event in the outbox; its client must
	// exist. ErrExists if the id is taken.
	EnqueueWebhook(ctx context.Context, w Webhook) error
	// ClaimWebhooks leases up to limit events that are due (NextAttemptAt
	// at or before now), undelivered, unexpired (ExpiresAt after now) and
	// not leased (LockedUntil at or before now), setting their LockedUntil
	// to now+lease, and returns them, most overdue first. Claiming is
	// atomic, so two deliverers (two replicas) never hold the same event at
	// once: SQLite claims in one write transaction, PostgreSQL with SELECT …
	// FOR UPDATE SKIP LOCKED. It counts no attempt.
	ClaimWebhooks(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]Webhook, error)
	// RecordWebhookAttempt records an attempt on a claimed event and ends
	// its lease: Attempts goes up by one and LastStatus and LastError are
	// set; a delivered attempt sets DeliveredAt to its At, a failed one
	// sets NextAttemptAt. An event already delivered is left as it is (a
	// late attempt after a lapsed lease); an unknown one is ErrNotFound.
	RecordWebhookAttempt(ctx context.Context, id string, a WebhookAttempt) error
	// ListWebhooks returns up to limit of the client's events, newest
	// first: its delivery log.
	ListWebhooks(ctx context.Context, clientID string, limit int) ([]Webhook, error)

	// CreateQRCode stores a new QR code; its client must exist. ErrExists
	// if the id is taken (by any client: ids are global, being in URLs).
	CreateQRCode(ctx context.Context, q QRCode) error
	// GetQRCode returns the QR code with the id, whichever client's it is,
	// or ErrNotFound: a scan knows only the id.
	GetQRCode(ctx context.Context, id string) (QRCode, error)
	// ListQRCodes returns the client's QR codes, oldest first (by
	// CreatedAt, then id); none is an empty list, also for an unknown client.
	ListQRCodes(ctx context.Context, clientID string) ([]QRCode, error)
	// DeleteQRCode removes the client's QR code id; ErrNotFound if the
	// client has no such code (another client's code is left alone).
	DeleteQRCode(ctx context.Context, clientID, id string) error

	// CountHit records one hit on key in the fixed window starting at
	// windowStart and returns the hits in that window so far (including
	// this one). It is one atomic upsert, so every replica counts into the
	// same window and concurrent hits are never lost. DeleteExpired removes
	// a window once it started before its cutoff, so the cutoff must lie at
	// least one window in the past.
	CountHit(ctx context.Context, key string, windowStart time.Time) (int, error)

	// GetClientAuthFailures returns the client's failed authentications
	// (the zero ClientAuthFailures if it has none), or ErrNotFound for an
	// unknown client. It writes nothing: the token endpoint reads it
	// before it checks a chosen secret.
	GetClientAuthFailures(ctx context.Context, clientID string) (ClientAuthFailures, error)
	// UpdateClientAuthFailures reads the client's failed authentications,
	// hands them to update and stores the result, in one transaction that
	// holds the client's record, so that failures counted at once on any
	// replicas are all counted and a lock set by one is seen by the next.
	// An unknown client is ErrNotFound and nothing is stored; an error
	// from update is returned as is and nothing is written. It changes
	// nothing else of the client (not UpdatedAt).
	UpdateClientAuthFailures(ctx context.Context, clientID string, update func(ClientAuthFailures) (ClientAuthFailures, error)) (ClientAuthFailures, error)

	// Backlog counts what waits at now, for the metrics: one cheap read
	// per table, along indexes.
	Backlog(ctx context.Context, now time.Time) (Backlog, error)

	// AddEvents stores debugger events in one transaction. An event whose
	// client does not exist (never did, or was deleted since) is skipped,
	// not an error: unknown clients get no events. A taken ID is
	// ErrExists, and then none is stored.
	AddEvents(ctx context.Context, events []Event) error
	// ListEvents returns a page of the client's events by q, newest (the
	// greatest ID) first; none is an empty list, also for an unknown
	// client.
	ListEvents(ctx context.Context, clientID string, q EventQuery) ([]Event, error)
	// TrimEvents deletes up to limit events that are older than before
	// (Time before it) or beyond the newest keep of their client, and
	// reports how many it deleted: the janitor calls it again while it
	// deletes limit, so that no one write holds the database for long.
	TrimEvents(ctx context.Context, before time.Time, keep, limit int) (int, error)
}

// Backlog is what waits to be done at a moment.
type Backlog struct {
	// PendingLogins counts, by Kind, the login requests that have not
	// ended (LoginCreated, LoginWaiting or LoginApproved) nor expired.
	PendingLogins map[string]int
	// Webhooks counts the outbox's events not yet delivered that it has
	// not given up on (ExpiresAt after now): the outbox depth.
	Webhooks int
}

// Scopes are the scopes Vipps Login knows, in the order the spec lists them
// (vipps-login-api-2.0 "Scopes"). nin and accountNumbers are given only to
// clients granted them.
var Scopes = []string{"openid", "address", "birthDate", "email", "name", "phoneNumber", "nin", "accountNumbers", "api_version_2"}

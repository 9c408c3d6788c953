// Package admin is the admin API, the merchant portal's back end (DESIGN §5):
// clients (sale units), test users and signing keys behind one bearer token.
// Its Go client (client.go) sits next to it and both use the types in
// wire.go, so the wire format is defined once; the CLI is a shell over it.
package admin

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/vippslogin/vippslogin/internal/jsonapi"
	"github.com/vippslogin/vippslogin/internal/keys"
	"github.com/vippslogin/vippslogin/internal/secret"
	"github.com/vippslogin/vippslogin/internal/store"
)

// API serves the admin API. Mount it on a mux wrapped by jsonapi.Routes so
// that unknown paths and methods get problem answers too.
type API struct {
	Store store.Store
	Keys  *keys.Manager
	// Token is the bearer token every request must carry. An empty Token
	// rejects every request: the admin API is never open to all.
	Token string
	// Now is the clock for created_at, updated_at and birthdate checks;
	// time.Now when nil.
	Now func() time.Time
	// BaseURL is the server's public base URL, which QR codes encode.
	BaseURL string
	// DevMode lets a client's qr_webhook_url be plain http:// to any host
	// (dev mode, where the merchant may be another container); otherwise
	// http:// is only for loopback hosts and anything else needs https://.
	DevMode bool

	// tokenLock counts wrong admin tokens (tokenLockout).
	tokenLock struct {
		sync.Mutex
		failures    int
		lockedUntil time.Time
	}
}

// Wrong admin tokens are slowed like the other secrets a person may choose
// (secret.Lockout, as the app's PINs and the token endpoint's chosen client
// secrets): TokenAttempts wrong ones in a row lock the admin API, and the
// portal's sign-in, which checks its token here (CheckToken), for
// TokenLock, during which no token is checked, not even the right one. The
// count is kept in this process: the admin token is one for the whole
// server, not a record in the store, so each replica counts its own, and
// N replicas allow N times as many guesses. A lock refuses the operator
// too, for at most TokenLock: the price of making guessing slow.
const (
	TokenAttempts = 10
	TokenLock     = 15 * time.Minute
)

var tokenLockout = secret.Lockout{Attempts: TokenAttempts, Lock: TokenLock}

// route is one admin API route: the pattern it is mounted at and its
// handler.
type route struct {
	pattern string
	handler jsonapi.Handler
}

// routes is the admin API's one route table: Mount serves it and the index
// (GET /admin/v1/) lists it, so that the list cannot miss a route.
func (a *API) routes() []route {
	return []route{
		{"POST /admin/v1/clients", a.createClient},
		{"GET /admin/v1/clients", a.listClients},
		{"GET /admin/v1/clients/{client_id}", a.getClient},
		{"PATCH /admin/v1/clients/{client_id}", a.updateClient},
		{"DELETE /admin/v1/clients/{client_id}", a.deleteClient},
		{"POST /admin/v1/clients/{client_id}/secret", a.rotateSecret},
		{"GET /admin/v1/clients/{client_id}/webhooks", a.listWebhooks},
		{"GET /admin/v1/clients/{client_id}/events", a.listEvents},
		{"POST /admin/v1/clients/{client_id}/qr-codes", a.createQRCode},
		{"GET /admin/v1/clients/{client_id}/qr-codes", a.listQRCodes},
		{"GET /admin/v1/clients/{client_id}/qr-codes/{qr_id}", a.getQRCode},
		{"DELETE /admin/v1/clients/{client_id}/qr-codes/{qr_id}", a.deleteQRCode},
		{"POST /admin/v1/users", a.createUser},
		{"POST /admin/v1/users/batch", a.createUsers},
		{"GET /admin/v1/users", a.listUsers},
		{"GET /admin/v1/users/{phone_number}", a.getUser},
		{"PATCH /admin/v1/users/{phone_number}", a.updateUser},
		{"DELETE /admin/v1/users/{phone_number}", a.deleteUser},
		{"POST /admin/v1/users/{phone_number}/cancel-logins", a.cancelLogins},
		{"POST /admin/v1/keys/rotate", a.rotateKeys},
		{"GET /admin/v1/keys", a.listKeys},

		// The merchant portal's (issue 14).
		{"POST /admin/v1/clients/{client_id}/webhooks/{id}/resend", a.resendWebhook},
		{"POST /admin/v1/users/{phone_number}/unlock", a.unlockUser},

		// The seed file's (issue 15).
		{"PUT /admin/v1/clients/{client_id}/secret", a.setSecret},
		{"PUT /admin/v1/users/{phone_number}/consents/{client_id}", a.putConsent},
	}
}

// Mount registers every admin route on mux, each behind the token check,
// and the index of them at GET /admin/v1/, which needs no token: it says
// only what the documentation says, and a newcomer finds the API by it.
func (a *API) Mount(mux *http.ServeMux) {
	for _, rt := range a.routes() {
		mux.Handle(rt.pattern, a.authorize(rt.handler))
	}
	mux.Handle("GET /admin/v1/{$}", jsonapi.Handler(a.index))
}

// Index is the answer to GET /admin/v1/: every route of the admin API.
type Index struct {
	// BaseURL is what every route's path is below.
	BaseURL string `json:"base_url"`
	// Authorization is how every route but the index is called.
	Authorization string  `json:"authorization"`
	Routes        []Route `json:"routes"`
}

// Route is one route of the admin API, its path below the base URL as
// http.ServeMux patterns write it ({name} for a path parameter).
type Route struct {
	Method string `json:"method"`
	Path   string `json:"path"`
}

func (a *API) index(w http.ResponseWriter, r *http.Request) error {
	idx := Index{BaseURL: a.BaseURL, Authorization: "Bearer <admin token> (the server's --admin-token; dev-admin-token in dev mode)"}
	for _, rt := range a.routes() {
		method, path, _ := strings.Cut(rt.pattern, " ")
		idx.Routes = append(idx.Routes, Route{Method: method, Path: path})
	}
	return jsonapi.Write(w, http.StatusOK, idx)
}

// authorize checks the bearer token (RFC 6750 §2.1) with CheckToken.
func (a *API) authorize(next jsonapi.Handler) jsonapi.Handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		if a.Token == "" {
			return unauthorized("", "This server has no admin token configured, so its admin API accepts no requests; start it with --admin-token or VIPPSLOGIN_ADMIN_TOKEN set.")
		}
		scheme, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		if !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
			return unauthorized("", `Send the admin token in the header "Authorization: Bearer <token>" (the server's --admin-token; dev-admin-token in dev mode).`)
		}
		if err := a.CheckToken(strings.TrimSpace(token)); err != nil {
			return err
		}
		return next(w, r)
	}
}

// CheckToken checks token against the admin token in constant time, under
// tokenLockout: nil when it is right, a 401 *jsonapi.Problem when it is
// wrong, a 429 with Retry-After while wrong tokens keep the API locked.
// The admin API's bearer check and the portal's sign-in both use it, so
// that a guess counts the same wherever it is made.
func (a *API) CheckToken(token string) error {
	if a.Token == "" {
		return unauthorized("", "This server has no admin token configured, so its admin API and portal accept no one; start it with --admin-token or VIPPSLOGIN_ADMIN_TOKEN set.")
	}
	l := &a.tokenLock
	l.Lock()
	defer l.Unlock()
	now := a.now()
	if secret.Locked(l.lockedUntil, now) {
		return errTokenLocked(l.lockedUntil, now)
	}
	if secret.Equal(token, a.Token) {
		l.failures = 0
		return nil
	}
	l.failures, l.lockedUntil = tokenLockout.Fail(l.failures, l.lockedUntil, now)
	if secret.Locked(l.lockedUntil, now) {
		return errTokenLocked(l.lockedUntil, now)
	}
	return unauthorized(`, error="invalid_token"`, "The admin token is wrong; send the server's --admin-token (dev-admin-token in dev mode) as \"Authorization: Bearer <token>\".")
}

// errTokenLocked refuses every token while the lock set at lockedUntil
// holds.
func errTokenLocked(lockedUntil, now time.Time) error {
	secs := secret.RetryAfter(lockedUntil, now)
	p := jsonapi.Errorf(http.StatusTooManyRequests,
		"Too many wrong admin tokens in a row: no token is accepted, not even the right one, for %d more minute(s); retry after %d seconds.",
		(secs+59)/60, secs)
	p.Header = http.Header{"Retry-After": {strconv.Itoa(secs)}}
	return p
}

func unauthorized(challengeExtra, detail string) error {
	p := jsonapi.Errorf(http.StatusUnauthorized, "%s", detail)
	p.Header = http.Header{"Www-Authenticate": {`Bearer realm="vippslogin-admin"` + challengeExtra}}
	return p
}

func (a *API) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}

// notFound turns store.ErrNotFound into a 404 with the given detail and
// passes any other error on.
//
// Problem details say what is wrong, not which call or command puts it
// right: the CLI, the portal's pages and scripts each have their own way
// out, which they add (the CLI: "; `vippslogin client list` lists them").
func notFound(err error, detail string) error {
	if errors.Is(err, store.ErrNotFound) {
		return jsonapi.Errorf(http.StatusNotFound, "%s", detail)
	}
	return err
}

// exists turns store.ErrExists into a 409 with the given detail and passes
// any other error on.
func exists(err error, detail string) error {
	if errors.Is(err, store.ErrExists) {
		return jsonapi.Errorf(http.StatusConflict, "%s", detail)
	}
	return err
}

func (a *API) rotateKeys(w http.ResponseWriter, r *http.Request) error {
	infos, err := a.Keys.Rotate(r.Context())
	if err != nil {
		return err
	}
	return jsonapi.Write(w, http.StatusOK, KeyList{Keys: nonNil(infos)})
}

func (a *API) listKeys(w http.ResponseWriter, r *http.Request) error {
	infos, err := a.Keys.Published(r.Context())
	if err != nil {
		return err
	}
	return jsonapi.Write(w, http.StatusOK, KeyList{Keys: nonNil(infos)})
}

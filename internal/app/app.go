// Package app is the companion app's API: what the user's phone calls to
// sign in, see and answer login requests, and manage consents and
// remembered browsers (DESIGN §6); its Go client; and the test app page
// that plays the phone in a browser.
package app

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/vippslogin/vippslogin/internal/jsonapi"
	"github.com/vippslogin/vippslogin/internal/keys"
	"github.com/vippslogin/vippslogin/internal/secret"
	"github.com/vippslogin/vippslogin/internal/store"
)

// Defaults for the PIN lock-out and the session lifetime.
const (
	// MaxPINAttempts wrong PINs in a row lock the user out for LockDuration.
	MaxPINAttempts = 5
	LockDuration   = 15 * time.Minute
	// SessionTTL is how long a signed-in app stays signed in.
	SessionTTL = 30 * 24 * time.Hour
)

// API serves /app/v1.
type API struct {
	Store store.Store
	Now   func() time.Time
	// BaseURL is the server's public base URL, for the open_url answers.
	BaseURL string
	// Keys signs the JWS of the QR webhook (webhook.QRLogin); without it,
	// approving a QR code that has no redirect URI fails.
	Keys *keys.Manager
	// Answered, when set, is told of each answer in the app that decided a
	// login: approved, or rejected by the user (the metrics count them).
	// An answer that failed the login otherwise (a wrong challenge, an
	// outdated app, too late) is neither.
	Answered func(kind string, approved bool)
}

// Mount registers the app API's routes and the test app page that uses
// them (DESIGN §6). The page lives under /app/ next to the API so that one
// mount serves both and the page can call the API relative to itself.
func (a *API) Mount(mux *http.ServeMux) {
	mux.Handle("POST /app/v1/sessions", jsonapi.Handler(a.createSession))
	mux.Handle("GET /app/v1/requests", jsonapi.Handler(a.listRequests))
	mux.Handle("GET /app/v1/requests/{id}", jsonapi.Handler(a.getRequest))
	mux.Handle("POST /app/v1/requests/{id}/approve", jsonapi.Handler(a.approve))
	mux.Handle("POST /app/v1/requests/{id}/reject", jsonapi.Handler(a.reject))
	mux.Handle("GET /app/v1/consents", jsonapi.Handler(a.listConsents))
	mux.Handle("DELETE /app/v1/consents/{client_id}", jsonapi.Handler(a.revokeConsent))
	mux.Handle("GET /app/v1/browsers", jsonapi.Handler(a.listBrowsers))
	mux.Handle("DELETE /app/v1/browsers/{id}", jsonapi.Handler(a.forgetBrowser))
	mux.Handle("POST /app/v1/qr/scan", jsonapi.Handler(a.scanQR))
	mux.Handle("GET /app/{$}", jsonapi.Handler(page))
	mux.Handle("GET /app/static/{file}", jsonapi.Handler(page))
}

func (a *API) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}

// SessionRequest signs the app in.
type SessionRequest struct {
	PhoneNumber string `json:"phone_number"`
	PIN         string `json:"pin"`
}

// Session is a signed-in app: Token goes in "Authorization: Bearer" on
// every other app call.
type Session struct {
	Token     string `json:"token"`
	ExpiresIn int    `json:"expires_in"`
}

// pinLockout is the PIN sign-in's lock-out (secret.Lockout).
var pinLockout = secret.Lockout{Attempts: MaxPINAttempts, Lock: LockDuration}

// errWrongPIN refuses a sign-in. Its challenge names the way in, a phone
// number and PIN in the body, since RFC 9110 §15.5.2 has every 401 carry
// one.
var errWrongPIN = &jsonapi.Problem{
	Status: http.StatusUnauthorized,
	Title:  http.StatusText(http.StatusUnauthorized),
	Detail: "Wrong phone number or PIN.",
	Header: http.Header{"WWW-Authenticate": {`PIN realm="vippslogin-app"`}},
}

// errInactive refuses an account that is not active (store.User.Inactive):
// it signs in nowhere and confirms no login (vipps-login-api: "the user's
// account is not active" makes login from phone number invalid_user).
var errInactive = &jsonapi.Problem{
	Status: http.StatusForbidden,
	Title:  http.StatusText(http.StatusForbidden),
	Detail: "This Vipps account is not active, so it cannot sign in to the app or confirm logins. An administrator can activate it: PATCH /admin/v1/users/{phone_number} with {\"active\": true}, or vippslogin user update --active <phone_number>.",
}

func (a *API) createSession(w http.ResponseWriter, r *http.Request) error {
	var req SessionRequest
	if err := jsonapi.Decode(w, r, &req); err != nil {
		return err
	}
	if req.PhoneNumber == "" || req.PIN == "" {
		return jsonapi.Errorf(http.StatusBadRequest, "Send both phone_number (e.g. 4712345678) and pin.")
	}
	phone, ok := store.NormalizePhoneNumber(req.PhoneNumber, "")
	if !ok || len(req.PIN) > 20 {
		return errWrongPIN
	}
	user, err := a.checkPIN(r.Context(), phone, req.PIN)
	if err != nil {
		return err
	}
	if user.Inactive {
		return errInactive // after the PIN, so that only the user learns it
	}
	token := secret.New()
	now := a.now()
	s := store.AppSession{TokenHash: secret.Digest(token), PhoneNumber: user.PhoneNumber, CreatedAt: now, ExpiresAt: now.Add(SessionTTL)}
	if err := a.Store.CreateAppSession(r.Context(), s); err != nil {
		return err
	}
	return jsonapi.Write(w, http.StatusCreated, Session{Token: token, ExpiresIn: int(SessionTTL.Seconds())})
}

// checkPIN verifies the PIN and keeps the lock-out count in the store, so
// that every replica sees the same count. The slow hash is checked outside
// the transaction; the transaction then decides with the current count, so
// parallel guesses are all counted and none gets in once the user is locked.
// An unknown number costs what a wrong PIN costs (secret.VerifyAbsent), so
// the answer's time does not tell who has Vipps either.
//
// A right PIN whose hash is older than secret.Iterations is hashed again
// (outside the transaction: it is slow on purpose) and stored with the
// sign-in's own write, unless the PIN changed meanwhile.
func (a *API) checkPIN(ctx context.Context, phone, pin string) (store.User, error) {
	user, err := a.Store.GetUser(ctx, phone)
	if errors.Is(err, store.ErrNotFound) {
		secret.VerifyAbsent(pin)
		return store.User{}, errWrongPIN
	}
	if err != nil {
		return store.User{}, err
	}
	correct := secret.Verify(user.PINHash, pin)
	checked, rehashed := user.PINHash, ""
	if correct && secret.NeedsRehash(checked) {
		rehashed = secret.Hash(pin)
	}
	var outcome error
	user, err = a.Store.UpdateUser(ctx, phone, func(u store.User) (store.User, error) {
		now := a.now()
		outcome = nil
		if secret.Locked(u.LockedUntil, now) {
			outcome = locked(u.LockedUntil, now)
			return u, nil
		}
		if !correct {
			u.FailedPINAttempts, u.LockedUntil = pinLockout.Fail(u.FailedPINAttempts, u.LockedUntil, now)
			outcome = errWrongPIN
			if secret.Locked(u.LockedUntil, now) {
				outcome = locked(u.LockedUntil, now)
			} else if pinLockout.Left(u.FailedPINAttempts) == 1 {
				outcome = errLastPINAttempt
			}
			u.UpdatedAt = now
			return u, nil
		}
		if u.FailedPINAttempts != 0 || !u.LockedUntil.IsZero() {
			u.FailedPINAttempts = 0
			u.LockedUntil = time.Time{}
			u.UpdatedAt = now
		}
		if rehashed != "" && u.PINHash == checked {
			u.PINHash = rehashed
		}
		return u, nil
	})
	if err != nil {
		return store.User{}, err
	}
	return user, outcome
}

// lockMinutes is LockDuration in whole minutes, as the answers say it.
var lockMinutes = int(LockDuration.Minutes())

// errLastPINAttempt refuses a wrong PIN that leaves one attempt before the
// lock, and says so, so that the app can warn the user before the PIN they
// type next. It comes only at that last attempt: an unknown number never
// gets it, but the lock that follows tells as much anyway. Its extension
// members carry the numbers (attempts_left, lock_minutes) for an app that
// words the warning itself.
var errLastPINAttempt = &jsonapi.Problem{
	Status:     http.StatusUnauthorized,
	Title:      http.StatusText(http.StatusUnauthorized),
	Detail:     "Wrong phone number or PIN. 1 attempt left before a " + strconv.Itoa(lockMinutes) + "-minute lock.",
	Header:     errWrongPIN.Header,
	Extensions: map[string]any{"attempts_left": 1, "lock_minutes": lockMinutes},
}

// UnlockHint is how a user locked out by wrong PINs gets in again before
// the lock ends.
const UnlockHint = "An administrator can unlock the user at once: vippslogin user unlock <phone_number>, or Unlock on the user's page in the merchant portal."

// locked refuses a sign-in while wrong PINs keep the user locked: how long
// for (also as the extension member locked_minutes) and how to unlock.
func locked(until, now time.Time) *jsonapi.Problem {
	secs := secret.RetryAfter(until, now)
	minutes := (secs + 59) / 60
	return &jsonapi.Problem{
		Status:     http.StatusTooManyRequests,
		Title:      http.StatusText(http.StatusTooManyRequests),
		Detail:     "Too many wrong PINs: this user is locked out for " + strconv.Itoa(minutes) + " more minute(s). " + UnlockHint,
		Header:     http.Header{"Retry-After": {strconv.Itoa(secs)}},
		Extensions: map[string]any{"locked_minutes": minutes},
	}
}

// Authenticate returns the user whose app sent r, from its bearer token.
// Making a user inactive ends their sessions (store UpdateUser); one made
// in the same moment is refused here, where the user is read anyway.
func (a *API) Authenticate(r *http.Request) (store.User, error) {
	phone, err := a.signedIn(r)
	if err != nil {
		return store.User{}, err
	}
	user, err := a.Store.GetUser(r.Context(), phone)
	if err == nil && user.Inactive {
		return store.User{}, errInactive
	}
	return user, err
}

// signedIn returns the phone number of the user whose app sent r, from its
// bearer token: Authenticate for the calls that need nothing else of the
// user (the list, the long poll, a rejection), so that they read only the
// session. The user is there while the session is: deleting a user deletes
// their sessions with them.
func (a *API) signedIn(r *http.Request) (string, error) {
	unauthorized := &jsonapi.Problem{
		Status: http.StatusUnauthorized, Title: http.StatusText(http.StatusUnauthorized),
		Detail: "Sign the app in with POST /app/v1/sessions and send its token as Authorization: Bearer <token>.",
		Header: http.Header{"WWW-Authenticate": {`Bearer realm="vippslogin-app"`}},
	}
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || token == "" || len(token) > 100 {
		return "", unauthorized
	}
	s, err := a.Store.GetAppSession(r.Context(), secret.Digest(token))
	if errors.Is(err, store.ErrNotFound) || (err == nil && !a.now().Before(s.ExpiresAt)) {
		unauthorized.Detail = "The app's session has expired or was signed out; sign in again with POST /app/v1/sessions."
		return "", unauthorized
	}
	if err != nil {
		return "", err
	}
	return s.PhoneNumber, nil
}

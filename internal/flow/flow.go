// Package flow is what the browser login's steps share, wherever they run:
// lifetimes, scope and consent rules, the challenge, and the end of a login,
// when the browser is sent back to the client with a code or an error
// (DESIGN §4). The oidc, login and app packages meet through the store
// records this package reads and writes, never through each other.
package flow

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"math/big"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/vippslogin/vippslogin/internal/secret"
	"github.com/vippslogin/vippslogin/internal/store"
)

// IssuerPath is where Vipps' issuer lives below the base URL; the trailing
// slash is part of the issuer.
const IssuerPath = "/access-management-1.0/access/"

// LoginPath is the login pages' entry: every step of a browser login, and
// the resume URI of app_to_app, is LoginPath?tabId=<id>.
const LoginPath = "/vipps-login-idp/index.html"

// Lifetimes.
const (
	// LoginTTL is how long the user has to finish a login (issue: 5 minutes).
	LoginTTL = 5 * time.Minute
	// CodeTTL is an authorization code's life.
	CodeTTL = 2 * time.Minute
	// AccessTokenTTL is a browser access token's life; expires_in says 3599
	// as Vipps' does.
	AccessTokenTTL = 3599 * time.Second
	// IDTokenTTL is a browser ID token's life (exp = iat + 3600).
	IDTokenTTL = time.Hour
	// BrowserSessionTTL is how long a remembered browser stays remembered.
	BrowserSessionTTL = 90 * 24 * time.Hour
)

// Scopes that need the user's consent: every Vipps scope but openid and
// api_version_2, which share nothing about the user.
func NeedsConsent(scope string) bool {
	return scope != "openid" && scope != "api_version_2" && slices.Contains(store.Scopes, scope)
}

// ConsentScopes returns the scopes of scopes that need consent.
func ConsentScopes(scopes []string) []string {
	var out []string
	for _, s := range scopes {
		if NeedsConsent(s) {
			out = append(out, s)
		}
	}
	return out
}

// Covers reports whether the consent the user gave covers every scope of
// scopes that needs consent.
func Covers(c store.Consent, scopes []string) bool {
	for _, s := range ConsentScopes(scopes) {
		if !slices.Contains(c.Scopes, s) {
			return false
		}
	}
	return true
}

// ConsentRequired reports whether the user must consent before scopes are
// shared with the client: some scope needs consent and no stored consent
// covers it.
func ConsentRequired(ctx context.Context, st store.Store, phone, clientID string, scopes []string) (bool, error) {
	need, _, err := Consent(ctx, st, phone, clientID, scopes)
	return need, err
}

// Consent is ConsentRequired that also returns the consent it read (the
// zero Consent when there is none, or when no scope needs consent and
// nothing was read), so that a step which goes on to add to it reads it
// once.
func Consent(ctx context.Context, st store.Store, phone, clientID string, scopes []string) (need bool, c store.Consent, err error) {
	if len(ConsentScopes(scopes)) == 0 {
		return false, c, nil
	}
	c, err = st.GetConsent(ctx, phone, clientID)
	if errors.Is(err, store.ErrNotFound) {
		return true, store.Consent{}, nil
	}
	if err != nil {
		return false, store.Consent{}, err
	}
	return !Covers(c, scopes), c, nil
}

// Widened is the consent to save when the user allows scopes at the client
// on top of old, what they allowed before (the zero Consent if nothing):
// store.WidenScopes of the scopes that need consent. The store widens the
// consent it holds when it writes, so old being stale loses nothing.
func Widened(old store.Consent, phone, clientID string, scopes []string, now time.Time) store.Consent {
	all := store.WidenScopes(old.Scopes, ConsentScopes(scopes))
	return store.Consent{PhoneNumber: phone, ClientID: clientID, Scopes: all, CreatedAt: now, UpdatedAt: now}
}

// Challenge returns a fresh two-digit challenge and the options the app
// offers: the challenge among two decoys, shuffled.
func Challenge() (challenge string, options []string) {
	pick := func() string {
		n, _ := rand.Int(rand.Reader, big.NewInt(100))
		return fmt.Sprintf("%02d", n.Int64())
	}
	challenge = pick()
	options = []string{challenge}
	for len(options) < 3 {
		if d := pick(); !slices.Contains(options, d) {
			options = append(options, d)
		}
	}
	for i := len(options) - 1; i > 0; i-- {
		j, _ := rand.Int(rand.Reader, big.NewInt(int64(i+1)))
		options[i], options[j.Int64()] = options[j.Int64()], options[i]
	}
	return challenge, options
}

// WithQuery returns uri with params added to its query, keeping what the
// query already holds (RFC 6749 §3.1.2: the redirect URI's own query is
// retained).
func WithQuery(uri string, params url.Values) string {
	sep := "?"
	if strings.Contains(uri, "?") {
		sep = "&"
	}
	if strings.HasSuffix(uri, "?") || strings.HasSuffix(uri, "&") {
		sep = ""
	}
	return uri + sep + params.Encode()
}

// ErrorRedirect is where an error goes: the redirect URI with error,
// error_description, state and iss (RFC 6749 §4.1.2.1, RFC 9207). The
// description is kept to the characters §4.1.2.1 allows (ErrorDescription).
func ErrorRedirect(redirectURI, state, issuer, code, description string) string {
	v := url.Values{"error": {code}, "iss": {issuer}}
	if description != "" {
		v.Set("error_description", ErrorDescription(description))
	}
	if state != "" {
		v.Set("state", state)
	}
	return WithQuery(redirectURI, v)
}

// ErrNotFinished means the login is neither approved nor failed yet.
var ErrNotFinished = errors.New("flow: the login is not finished")

// ErrAlreadyDone means the login already sent the browser back once.
var ErrAlreadyDone = errors.New("flow: the login is already done")

// Complete ends an approved or failed login exactly once: it moves the
// request to LoginDone and returns where the browser goes, the redirect URI
// with a fresh code (approved) or with the error (failed). A second call, on
// any replica, gets ErrAlreadyDone and no second code exists. The request
// and its code are one write (store.Effects), so a crash cannot end a login
// without its code.
//
// change, when not nil, is applied to the request first, in the same
// transaction: a step that moves the login on and ends it at once (a
// remembered browser's approval, a refusal) writes the request once. Its
// error aborts the transaction and is returned as is. consent, when not
// nil, is saved in the same transaction if the login ends approved: the
// consent page's answer and the code it leads to are one write too.
func Complete(ctx context.Context, st store.Store, issuer, id string, now time.Time, change func(store.LoginRequest) (store.LoginRequest, error), consent *store.Consent) (string, error) {
	var to string
	_, err := st.UpdateLoginRequestWith(ctx, id, func(r store.LoginRequest) (store.LoginRequest, store.Effects, error) {
		if change != nil {
			var err error
			if r, err = change(r); err != nil {
				return r, store.Effects{}, err
			}
		}
		var e store.Effects
		if r.Status == store.LoginApproved {
			e.Consent = consent
		}
		var err error
		r, e.AuthCode, to, err = End(r, issuer, now)
		return r, e, err
	})
	if err != nil {
		return "", err
	}
	return to, nil
}

// End is the change that ends the approved or failed login r, for a step
// that ends it inside its own store transaction (Complete, and the app's
// approval of a login whose code goes to the phone's browser): r moved to
// LoginDone, the code to store with it (nil for a failed login), and where
// the browser goes, the redirect URI with the code or the error.
// ErrAlreadyDone and ErrNotFinished say why r cannot end now. It only
// computes, so it may run inside an update closure.
func End(r store.LoginRequest, issuer string, now time.Time) (store.LoginRequest, *store.AuthCode, string, error) {
	switch r.Status {
	case store.LoginDone:
		return r, nil, "", ErrAlreadyDone
	case store.LoginApproved, store.LoginFailed:
	default:
		return r, nil, "", ErrNotFinished
	}
	ended := r
	ended.Status = store.LoginDone
	ended.UpdatedAt = now
	if r.Status == store.LoginFailed {
		return ended, nil, ErrorRedirect(r.RedirectURI, r.State, issuer, r.Error, r.ErrorDescription), nil
	}
	code := secret.New()
	// A CIBA login_to_webpage code is redeemed with the ciba-redirect grant,
	// whose ID token carries the auth_req_id the client got at the start;
	// a QR code's with the qr-redirect grant, whose ID token also says
	// which QR code was scanned.
	var authReqID string
	if r.Kind == store.KindCIBA || r.Kind == store.KindQR {
		authReqID = r.ID
	}
	c := &store.AuthCode{
		Hash:                secret.Digest(code),
		ClientID:            r.ClientID,
		RedirectURI:         r.RedirectURI,
		PhoneNumber:         r.PhoneNumber,
		Scopes:              r.Scopes,
		Nonce:               r.Nonce,
		CodeChallenge:       r.CodeChallenge,
		CodeChallengeMethod: r.CodeChallengeMethod,
		SessionID:           r.SessionID,
		ACR:                 r.ACR,
		AuthReqID:           authReqID,
		QRID:                r.QRID,
		QRDescription:       r.QRDescription,
		AuthTime:            r.AuthTime,
		RequestedAt:         r.CreatedAt,
		CreatedAt:           now,
		ExpiresAt:           now.Add(CodeTTL),
	}
	// scope is "always the same as in the request query" (vipps-login-api
	// "OAuth 2.0 Authorize"): authorize and the backchannel request keep
	// the scopes in the order sent, once each, so their join is the
	// request's string whenever that lists Vipps scopes one space apart,
	// and otherwise the same scopes normalised, as the token response
	// names them (TestRedirectScopeIsTheRequests, internal/oidc).
	q := url.Values{
		"code":  {code},
		"state": {r.State},
		"scope": {strings.Join(r.Scopes, " ")},
		"iss":   {issuer},
	}
	if r.State == "" && (r.Kind == store.KindCIBA || r.Kind == store.KindQR) {
		q.Del("state") // optional in CIBA, absent in QR, required in the browser flow
	}
	return ended, c, WithQuery(r.RedirectURI, q), nil
}

// Fail ends the login with an OAuth error code unless it already ended; the
// browser's next step takes the error to the client.
func Fail(ctx context.Context, st store.Store, id, code, description string, now time.Time) (store.LoginRequest, error) {
	return st.UpdateLoginRequest(ctx, id, Failing(code, description, now))
}

// Failing is the change Fail makes, for a step that fails the login and
// ends it in one transaction (Complete's change): a login that already
// ended keeps its outcome.
func Failing(code, description string, now time.Time) func(store.LoginRequest) (store.LoginRequest, error) {
	return func(r store.LoginRequest) (store.LoginRequest, error) {
		if store.LoginEnded(r.Status) {
			return r, nil
		}
		r.Status = store.LoginFailed
		r.Error = code
		r.ErrorDescription = description
		r.UpdatedAt = now
		return r, nil
	}
}

// Expired reports whether the login ran out of time before the user
// finished; the caller fails it with access_denied.
func Expired(r store.LoginRequest, now time.Time) bool {
	return !now.Before(r.ExpiresAt) && (r.Status == store.LoginCreated || r.Status == store.LoginWaiting)
}

// TimeoutDescription is the error_description of a login that timed out.
const TimeoutDescription = "The user did not confirm the login in the Vipps app in time."

// MinAge is the age below which a user may not log in from phone number
// (CIBA answers invalid_user).
const MinAge = 15

// TooYoung reports whether a user born on birthdate (YYYY-MM-DD) is under
// MinAge at now. An unknown or malformed birthdate is not too young: only
// what is known to be under age is refused.
func TooYoung(birthdate string, now time.Time) bool {
	born, err := time.Parse(time.DateOnly, birthdate)
	if err != nil {
		return false
	}
	y, m, d := now.Date()
	today := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	return today.Before(born.AddDate(MinAge, 0, 0))
}

// MinAppVersion is the oldest Vipps app that can confirm a login; an older
// one ends the login with outdated_app_version (CIBA: old_app).
const MinAppVersion = "2.0.0"

// Outdated reports whether an app version is older than MinAppVersion. An
// empty version is a current app.
func Outdated(appVersion string) bool {
	if appVersion == "" {
		return false
	}
	a, b := strings.Split(appVersion, "."), strings.Split(MinAppVersion, ".")
	for i := range max(len(a), len(b)) {
		var x, y int
		if i < len(a) {
			fmt.Sscan(a[i], &x)
		}
		if i < len(b) {
			fmt.Sscan(b[i], &y)
		}
		if x != y {
			return x < y
		}
	}
	return false
}

// The requested_flow values of the browser login (vipps-login-api-2.0
// "Using the special flows").
const (
	NoDialog        = "no_dialog"
	AppToApp        = "app_to_app"
	AppToAppV2      = "app_to_app_v2"
	AutomaticReturn = "automatic_return_from_vipps_app"
)

// ReturnPath is where the app sends a browser after an automatic return:
// ReturnPath?tabId=<id>&secret=<one-time secret>.
const ReturnPath = "/vipps-login-idp/return"

// LoginToWebpage is the requested_flow of CIBA's redirect-to-browser
// variant: on approval the app opens the client's redirect_uri with a code
// that the ciba-redirect grant redeems.
const LoginToWebpage = "login_to_webpage"

// Package login serves the browser pages of a Vipps login, under
// B/vipps-login-idp/: the phone-number page, the challenge the user matches
// in the app, the mobile deeplink page, consent, and the way back to the
// client with a code or an error (vipps-login-api-2.0 "Vipps Login in
// browser"; DESIGN §4, §6).
//
// Every step is read from and written to the store's LoginRequest, so any
// replica can serve any step, and the companion app moves the same record
// along from the phone.
package login

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/vippslogin/vippslogin/internal/flow"
	"github.com/vippslogin/vippslogin/internal/jsonapi"
	"github.com/vippslogin/vippslogin/internal/redirect"
	"github.com/vippslogin/vippslogin/internal/secret"
	"github.com/vippslogin/vippslogin/internal/store"
	"github.com/vippslogin/vippslogin/internal/web"
)

// Pages serves the login pages.
type Pages struct {
	Store store.Store
	// Issuer goes in the iss parameter of every redirect back (RFC 9207).
	Issuer string
	// BaseURL is the public base URL without a trailing slash: cookies get
	// its path and are Secure when it is https; the deeplink points at
	// BaseURL/app/.
	BaseURL string
	Now     func() time.Time
}

// Limits on what a browser sends.
const (
	maxForm  = 64 << 10
	maxTabID = 128
)

// Mount registers the pages' routes. Form posts are refused when they come
// from another site (http.CrossOriginProtection); the pages themselves
// refuse to be framed (web.SecurityHeaders).
func (p *Pages) Mount(mux *http.ServeMux) {
	cop := web.CrossOriginProtection(p.BaseURL)
	cop.SetDenyHandler(p.handler(func(http.ResponseWriter, *http.Request) error {
		return &pageError{status: http.StatusForbidden, kind: errCrossOrigin}
	}))
	post := func(h func(http.ResponseWriter, *http.Request) error) http.Handler {
		return cop.Handler(p.handler(h))
	}
	mux.Handle("GET /vipps-login-idp/index.html", p.handler(p.index))
	mux.Handle("POST /vipps-login-idp/phone", post(p.phone))
	mux.Handle("POST /vipps-login-idp/consent", post(p.consent))
	mux.Handle("POST /vipps-login-idp/cancel", post(p.cancel))
	mux.Handle("GET "+flow.ReturnPath, p.handler(p.automaticReturn))
	mux.HandleFunc("GET /vipps-login-idp/api/status", p.status)
	mux.Handle("GET /vipps-login-idp/static/", http.StripPrefix("/vipps-login-idp/static/", web.Static()))
}

func (p *Pages) now() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return time.Now()
}

// pageError is an error page instead of a login step. lang is "" when the
// login, and so its language, is not known: the browser's is used. market
// is the login's, which picks the brand.
type pageError struct {
	status int
	kind   errorKind
	lang   string
	market string
}

// loginError is the error page of kind for a known login: in its language
// and its market's brand.
func loginError(r *http.Request, lr store.LoginRequest, status int, kind errorKind) *pageError {
	return &pageError{status: status, kind: kind, lang: lang(r, lr), market: lr.Market}
}

func (e *pageError) Error() string { return fmt.Sprintf("login page error %d (%d)", e.status, e.kind) }

// handler adapts a page handler that returns an error: a *pageError is
// shown as such, a database that cannot be reached as a 503 to retry, and
// anything else is logged and shown as a generic 500 with the request id to
// quote.
func (p *Pages) handler(h func(http.ResponseWriter, *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		web.SecurityHeaders(w.Header())
		err := h(w, r)
		if err == nil {
			return
		}
		if jsonapi.ClientGone(w, r, err) {
			return
		}
		var pe *pageError
		switch {
		case errors.As(err, &pe):
		case errors.Is(err, store.ErrUnavailable):
			slog.WarnContext(r.Context(), "database unavailable", "method", r.Method, "path", r.URL.Path, "err", err)
			pe = &pageError{status: http.StatusServiceUnavailable, kind: errUnavailable}
			w.Header().Set("Retry-After", jsonapi.RetryAfter)
		default:
			slog.ErrorContext(r.Context(), "login page failed", "method", r.Method, "path", r.URL.Path, "err", err)
			pe = &pageError{status: http.StatusInternalServerError, kind: errServer}
		}
		l := pe.lang
		if l == "" {
			l = web.Language(r.Header.Get("Accept-Language"))
		}
		brand := web.Brand(pe.market)
		m := brandedTexts(brand, l).Errors[pe.kind]
		page := web.NewPage(r, l, m.Title)
		page.Brand = brand
		web.RenderError(w, r, pe.status, page, m.Detail)
	})
}

// load returns the login tabId names, bound to this browser, with a login
// that ran out of time failed (flow.Expired). A finished login (LoginDone)
// is returned without the binding check: there is nothing left to take
// over, and the browser's cookie was rotated when it finished.
func (p *Pages) load(w http.ResponseWriter, r *http.Request, tabID string) (store.LoginRequest, error) {
	lr, claim, err := p.find(w, r, tabID)
	if err != nil {
		return lr, err
	}
	return p.bound(r, lr, claim)
}

// find is load without its writes: a login that no browser has viewed yet
// comes back unbound, with claim this browser's binding, so that the first
// view can write the binding with its own change of the login, in one
// transaction (index); bound writes it alone. claim is "" for a login
// already bound to this browser, which find checked, and for a finished
// one.
func (p *Pages) find(w http.ResponseWriter, r *http.Request, tabID string) (lr store.LoginRequest, claim string, err error) {
	if tabID == "" || len(tabID) > maxTabID {
		return lr, "", &pageError{status: http.StatusNotFound, kind: errNotFound}
	}
	lr, err = p.Store.GetLoginRequest(r.Context(), tabID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !browserLogin(lr)) {
		return lr, "", &pageError{status: http.StatusNotFound, kind: errNotFound}
	}
	if err != nil || lr.Status == store.LoginDone {
		return lr, "", err
	}
	binding := secret.Digest(p.browserToken(w, r))
	if lr.BrowserBindingHash == "" {
		return lr, binding, nil
	}
	return lr, "", p.checkBrowser(r, lr, binding)
}

// bound finishes what load does after find: it binds the login to this
// browser if claim says it is the first view, and fails a login that ran
// out of time.
func (p *Pages) bound(r *http.Request, lr store.LoginRequest, claim string) (store.LoginRequest, error) {
	if claim != "" {
		var err error
		lr, err = p.Store.UpdateLoginRequest(r.Context(), lr.ID, func(x store.LoginRequest) (store.LoginRequest, error) {
			if x.BrowserBindingHash == "" {
				x.BrowserBindingHash = claim
				x.UpdatedAt = p.now()
			}
			return x, nil
		})
		if err != nil {
			return lr, err
		}
		if err := p.checkBrowser(r, lr, claim); err != nil {
			return lr, err
		}
	}
	if flow.Expired(lr, p.now()) {
		return flow.Fail(r.Context(), p.Store, lr.ID, "access_denied", flow.TimeoutDescription, p.now())
	}
	return lr, nil
}

// browserLogin reports whether lr is a login the pages serve: not a CIBA
// request, which shares the store's table and is finished by the app alone.
func browserLogin(lr store.LoginRequest) bool {
	return lr.Kind == "" || lr.Kind == store.KindLogin
}

// checkBrowser lets only the browser that opened the login continue it:
// the first page view binds the login to this browser's vl_browser cookie
// (atomically, so two browsers racing get one winner: bound, claimed), and
// every later step must come with the same cookie, whose digest is binding.
// The one exception is rebind, below.
func (p *Pages) checkBrowser(r *http.Request, lr store.LoginRequest, binding string) error {
	if secret.Equal(lr.BrowserBindingHash, binding) {
		return nil
	}
	if rebound(lr) {
		return loginError(r, lr, http.StatusForbidden, errMovedOn)
	}
	return loginError(r, lr, http.StatusForbidden, errOtherBrowser)
}

// errClaimed means another browser bound the login between this one's read
// and its write.
var errClaimed = errors.New("login: another browser took the login")

// claimed binds x, inside the transaction of a first view's change, to the
// browser whose binding is claim, unless another browser got there first
// (errClaimed). An empty claim binds nothing.
func claimed(x *store.LoginRequest, claim string, now time.Time) error {
	switch {
	case claim == "":
	case x.BrowserBindingHash == "":
		x.BrowserBindingHash, x.UpdatedAt = claim, now
	case !secret.Equal(x.BrowserBindingHash, claim):
		return errClaimed
	}
	return nil
}

// errBadSecret means an automatic-return link that does not (or no
// longer) let a browser take the login over.
var errBadSecret = errors.New("login: wrong or used resume secret")

// rebind is the one exception to checkBrowser: the automatic return from
// the Vipps app (vipps-login-api-2.0 "Automatic return from Vipps app").
// The app opens ReturnPath with the one-time secret it got at approval, in
// whatever browser the phone picks, and that browser takes the login over.
// In one store transaction it checks the secret against the approved
// login's digest (in constant time), clears it so that the link works
// once, and binds the login to this browser's vl_browser cookie. The
// "remember me" choice stays with the browser the user made it in: a
// browser the login moved to is not remembered.
func (p *Pages) rebind(w http.ResponseWriter, r *http.Request, id, resumeSecret string) (store.LoginRequest, error) {
	binding := secret.Digest(p.browserToken(w, r))
	digest := secret.Digest(resumeSecret)
	return p.Store.UpdateLoginRequest(r.Context(), id, func(x store.LoginRequest) (store.LoginRequest, error) {
		if x.RequestedFlow != flow.AutomaticReturn || x.Status != store.LoginApproved || x.ResumeSecretHash == "" ||
			resumeSecret == "" || !secret.Equal(x.ResumeSecretHash, digest) || !p.now().Before(x.ExpiresAt) {
			return x, errBadSecret
		}
		if !secret.Equal(x.BrowserBindingHash, binding) {
			x.BrowserBindingHash, x.Remember = binding, false
		}
		x.ResumeSecretHash = ""
		x.UpdatedAt = p.now()
		return x, nil
	})
}

// rebound reports whether an automatic return moved the login to the
// browser that opened the app's link: the approved login's secret is used.
func rebound(lr store.LoginRequest) bool {
	return lr.RequestedFlow == flow.AutomaticReturn && lr.Status == store.LoginApproved && lr.ResumeSecretHash == ""
}

// complete sends the browser back to the client with a code or the error,
// once (flow.Complete), and gives the browser a new vl_browser cookie: the
// login is over, and nothing the browser held before it carries over
// (session id rotated at login). change, when not nil, is the step's own
// change of the login, and consent, when not nil, the consent it gives;
// both are written in the same transaction as the end (flow.Complete).
func (p *Pages) complete(w http.ResponseWriter, r *http.Request, lr store.LoginRequest, change func(store.LoginRequest) (store.LoginRequest, error), consent *store.Consent) error {
	to, err := flow.Complete(r.Context(), p.Store, p.Issuer, lr.ID, p.now(), change, consent)
	switch {
	case errors.Is(err, flow.ErrAlreadyDone):
		return loginError(r, lr, http.StatusGone, errDone)
	case errors.Is(err, flow.ErrNotFinished), errors.Is(err, errMoved):
		// Another step moved the login on meanwhile; show where it is.
		seeIndex(w, lr.ID)
		return nil
	case errors.Is(err, errClaimed):
		return loginError(r, lr, http.StatusForbidden, errOtherBrowser)
	case err != nil:
		return err
	}
	p.setBrowserToken(w)
	switch {
	case !redirect.Target(to):
		return loginError(r, lr, http.StatusBadRequest, errUnsafeRedirect)
	case lr.FinalRedirectIsApp && redirect.App(to):
		return p.renderBackToApp(w, r, lr, to)
	}
	w.Header().Set("Location", to)
	w.WriteHeader(http.StatusSeeOther)
	return nil
}

// seeIndex sends the browser to the login's entry page, which shows the
// step the login is at. The URL is relative, so it keeps the base URL's
// path.
func seeIndex(w http.ResponseWriter, id string) {
	w.Header().Set("Location", "index.html?tabId="+url.QueryEscape(id))
	w.WriteHeader(http.StatusSeeOther)
}

// mobile reports whether the browser is a phone's or a tablet's, which gets
// the deeplink page instead of the phone-number page (vipps-login-api-2.0
// "Mobile flow - deeplink based flow").
func mobile(userAgent string) bool {
	for _, s := range []string{"Mobi", "Android", "iPhone", "iPad"} {
		if strings.Contains(userAgent, s) {
			return true
		}
	}
	return false
}

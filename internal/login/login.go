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
	maxPhone = 32
)

// Mount registers the pages' routes. Form posts are refused when they come
// from another site (http.CrossOriginProtection); the pages themselves
// refuse to be framed (web.SecurityHeaders).
func (p *Pages) Mount(mux *http.ServeMux) {
	cop := http.NewCrossOriginProtection()
	if u, err := url.Parse(p.BaseURL); err == nil && u.Host != "" {
		// Behind a proxy the Host header may not be the public one.
		_ = cop.AddTrustedOrigin(u.Scheme + "://" + u.Host)
	}
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
// login, and so its language, is not known: the browser's is used.
type pageError struct {
	status int
	kind   errorKind
	lang   string
}

func (e *pageError) Error() string { return fmt.Sprintf("login page error %d (%d)", e.status, e.kind) }

// handler adapts a page handler that returns an error: a *pageError is
// shown as such, anything else is logged and shown as a generic 500 with
// the request id to quote.
func (p *Pages) handler(h func(http.ResponseWriter, *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		web.SecurityHeaders(w.Header())
		err := h(w, r)
		if err == nil {
			return
		}
		var pe *pageError
		if !errors.As(err, &pe) {
			slog.ErrorContext(r.Context(), "login page failed", "method", r.Method, "path", r.URL.Path, "err", err)
			pe = &pageError{status: http.StatusInternalServerError, kind: errServer}
		}
		l := pe.lang
		if l == "" {
			l = web.Language(r.Header.Get("Accept-Language"))
		}
		m := texts[l].Errors[pe.kind]
		web.ErrorPageLang(w, r, pe.status, l, m.Title, m.Detail)
	})
}

// load returns the login tabId names, bound to this browser, with a login
// that ran out of time failed (flow.Expired). A finished login (LoginDone)
// is returned without the binding check: there is nothing left to take
// over, and the browser's cookie was rotated when it finished.
func (p *Pages) load(w http.ResponseWriter, r *http.Request, tabID string) (store.LoginRequest, error) {
	if tabID == "" || len(tabID) > maxTabID {
		return store.LoginRequest{}, &pageError{status: http.StatusNotFound, kind: errNotFound}
	}
	ctx := r.Context()
	lr, err := p.Store.GetLoginRequest(ctx, tabID)
	if errors.Is(err, store.ErrNotFound) {
		return lr, &pageError{status: http.StatusNotFound, kind: errNotFound}
	}
	if err != nil || lr.Status == store.LoginDone {
		return lr, err
	}
	if lr, err = p.checkBrowser(w, r, lr); err != nil {
		return lr, err
	}
	if flow.Expired(lr, p.now()) {
		return flow.Fail(ctx, p.Store, lr.ID, "access_denied", flow.TimeoutDescription, p.now())
	}
	return lr, nil
}

// checkBrowser lets only the browser that opened the login continue it:
// the first page view binds the login to this browser's vl_browser cookie
// (atomically, so two browsers racing get one winner), and every later step
// must come with the same cookie. It is the one place that decides, so the
// special flows that return the user in another browser add their
// exception here.
func (p *Pages) checkBrowser(w http.ResponseWriter, r *http.Request, lr store.LoginRequest) (store.LoginRequest, error) {
	binding := secret.Digest(p.browserToken(w, r))
	if lr.BrowserBindingHash == "" {
		var err error
		lr, err = p.Store.UpdateLoginRequest(r.Context(), lr.ID, func(x store.LoginRequest) (store.LoginRequest, error) {
			if x.BrowserBindingHash == "" {
				x.BrowserBindingHash = binding
				x.UpdatedAt = p.now()
			}
			return x, nil
		})
		if err != nil {
			return lr, err
		}
	}
	if !secret.Equal(lr.BrowserBindingHash, binding) {
		return lr, &pageError{status: http.StatusForbidden, kind: errOtherBrowser, lang: lang(r, lr)}
	}
	return lr, nil
}

// complete sends the browser back to the client with a code or the error,
// once (flow.Complete), and gives the browser a new vl_browser cookie: the
// login is over, and nothing the browser held before it carries over
// (session id rotated at login).
func (p *Pages) complete(w http.ResponseWriter, r *http.Request, lr store.LoginRequest) error {
	to, err := flow.Complete(r.Context(), p.Store, p.Issuer, lr.ID, p.now())
	switch {
	case errors.Is(err, flow.ErrAlreadyDone):
		return &pageError{status: http.StatusGone, kind: errDone, lang: lang(r, lr)}
	case errors.Is(err, flow.ErrNotFinished):
		// Another step moved the login on meanwhile; show where it is.
		seeIndex(w, lr.ID)
		return nil
	case err != nil:
		return err
	}
	p.setBrowserToken(w)
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

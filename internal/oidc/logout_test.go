package oidc

import (
	"encoding/base64"
	"html"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/vippslogin/vippslogin/internal/flow"
	"github.com/vippslogin/vippslogin/internal/keys"
	"github.com/vippslogin/vippslogin/internal/secret"
	"github.com/vippslogin/vippslogin/internal/store"
	"github.com/vippslogin/vippslogin/internal/testenv"
)

// byeURI is the Basic client's registered post_logout_redirect_uri, where
// the test's browsers stop (testenv.Browser.Landed).
const byeURI = "https://shop.example/bye"

// logoutEnv is tokenEnv with a post-logout URI registered for the Basic
// client, so that the ID tokens the token endpoint issues serve as hints.
type logoutEnv struct{ *tokenEnv }

func newLogoutEnv(t *testing.T) *logoutEnv {
	t.Helper()
	e := &logoutEnv{newTokenEnv(t)}
	_, err := e.st.UpdateClient(e.ctx, basicClient, func(c store.Client) (store.Client, error) {
		c.PostLogoutRedirectURIs = []string{byeURI}
		return c, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// browser is a cookie-keeping browser that stops at byeURI.
func (e *logoutEnv) browser() *testenv.Browser { return testenv.NewBrowser(e.t, byeURI) }

// remember makes b a remembered browser of phone, as the login pages do:
// a BrowserSession and a vl_remember cookie with its token. It returns the
// session's id, the sid of logins through it.
func (e *logoutEnv) remember(b *testenv.Browser, phone string) string {
	e.t.Helper()
	token, now := secret.New(), e.clock.Now()
	s := store.BrowserSession{ID: uuid.NewString(), TokenHash: secret.Digest(token), PhoneNumber: phone,
		Description: "Chrome on Linux", CreatedAt: now, ExpiresAt: now.Add(flow.BrowserSessionTTL)}
	if err := e.st.CreateBrowserSession(e.ctx, s); err != nil {
		e.t.Fatal(err)
	}
	b.Client.Jar.SetCookies(e.loginPages(), []*http.Cookie{{Name: rememberCookie, Value: token, Path: "/vipps-login-idp/"}})
	return s.ID
}

func (e *logoutEnv) loginPages() *url.URL {
	u, _ := url.Parse(e.srv.URL + "/vipps-login-idp/")
	return u
}

// remembered reports whether b still sends a vl_remember cookie.
func (e *logoutEnv) remembered(b *testenv.Browser) bool {
	return slices.ContainsFunc(b.Client.Jar.Cookies(e.loginPages()), func(c *http.Cookie) bool { return c.Name == rememberCookie })
}

// alive reports whether phone's browser session id still exists.
func (e *logoutEnv) alive(phone, id string) bool {
	e.t.Helper()
	sessions, err := e.st.ListBrowserSessions(e.ctx, phone)
	if err != nil {
		e.t.Fatal(err)
	}
	return slices.ContainsFunc(sessions, func(s store.BrowserSession) bool { return s.ID == id })
}

// idToken is an ID token the token endpoint issued to the Basic client for
// a login of phone through the browser session sid.
func (e *logoutEnv) idToken(phone, sid string) string {
	e.t.Helper()
	tok, _ := e.mustExchange(basicClient, e.code(func(c *store.AuthCode) { c.PhoneNumber, c.SessionID = phone, sid }), "")
	return tok.Extra("id_token").(string)
}

// logoutURL is the end-session endpoint with params.
func (e *logoutEnv) logoutURL(params url.Values) string {
	return e.p.Issuer() + "oauth2/sessions/logout?" + params.Encode()
}

// crossSite is a request as another site makes it: a link or a form there.
func crossSite(req *http.Request) *http.Request {
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	if req.Method == http.MethodPost {
		req.Header.Set("Origin", "https://evil.example")
	}
	return req
}

// sameOrigin is a request made from one of the server's own pages.
func (e *logoutEnv) sameOrigin(req *http.Request) *http.Request {
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.Header.Set("Origin", e.srv.URL)
	return req
}

func get(u string) *http.Request {
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	return req
}

func postForm(u string, form url.Values) *http.Request {
	req, _ := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return req
}

var (
	hiddenRE  = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)
	confirmRE = regexp.MustCompile(`<form method="post" action="logout"`)
)

// confirmation returns the form of the confirmation page p, as the browser
// would submit it with the Log out button, failing unless p is that page.
func confirmation(t *testing.T, p testenv.Page) (action string, form url.Values) {
	t.Helper()
	if p.Status != http.StatusOK || p.URL.Path != logoutPath || !confirmRE.MatchString(p.Body) ||
		!strings.Contains(p.Body, `name="action" value="logout"`) {
		t.Fatalf("want the logout confirmation page, got %d at %s:\n%s", p.Status, p.URL, p.Body)
	}
	form = url.Values{"action": {"logout"}}
	for _, m := range hiddenRE.FindAllStringSubmatch(p.Body, -1) {
		form.Set(m[1], html.UnescapeString(m[2]))
	}
	return p.URL.ResolveReference(&url.URL{Path: "logout"}).String(), form
}

// (a) A link or form on another site, sent with the browser's cookies but
// without an id_token_hint, only asks: the browser stays logged in.
func TestLogoutWithoutHintAsks(t *testing.T) {
	e := newLogoutEnv(t)
	for name, req := range map[string]func() *http.Request{
		"GET, nothing": func() *http.Request { return get(e.logoutURL(nil)) },
		"GET, client's URI": func() *http.Request {
			return get(e.logoutURL(url.Values{"client_id": {basicClient}, "post_logout_redirect_uri": {byeURI}, "state": {"s-1"}}))
		},
		// The client may POST its logout request from its own origin
		// (RP-Initiated Logout §2); that is not a confirmation either.
		"POST, client's URI": func() *http.Request {
			return postForm(e.p.Issuer()+"oauth2/sessions/logout", url.Values{"client_id": {basicClient}, "post_logout_redirect_uri": {byeURI}})
		},
	} {
		t.Run(name, func(t *testing.T) {
			b := e.browser()
			sid := e.remember(b, adaPhone)
			p := b.Do(crossSite(req()))
			confirmation(t, p)
			if b.Landed != nil || !e.alive(adaPhone, sid) || !e.remembered(b) {
				t.Errorf("a cross-site logout without a hint ended the session: landed %v, alive %v, cookie %v",
					b.Landed, e.alive(adaPhone, sid), e.remembered(b))
			}
		})
	}
}

// (b) An ID token of someone else's session is no reason to end it: the
// browser that does not hold that session is asked, and confirming ends
// only its own session (if any), never the hint's.
func TestLogoutHintOfAnotherSession(t *testing.T) {
	e := newLogoutEnv(t)
	victim := e.browser()
	victimSID := e.remember(victim, nilsPhone)
	hint := e.idToken(nilsPhone, victimSID)
	params := url.Values{"id_token_hint": {hint}, "post_logout_redirect_uri": {byeURI}, "state": {"bye-1234"}}

	for _, own := range []bool{false, true} {
		attacker := e.browser()
		var ownSID string
		if own {
			ownSID = e.remember(attacker, adaPhone)
		}
		action, form := confirmation(t, attacker.Do(crossSite(get(e.logoutURL(params)))))
		if !e.alive(nilsPhone, victimSID) {
			t.Fatalf("own session %v: the hint's session was ended without asking", own)
		}
		if _, ok := form["id_token_hint"]; ok {
			t.Errorf("the confirmation form carries the hint: %v", form)
		}
		attacker.Do(e.sameOrigin(postForm(action, form)))
		if attacker.Landed == nil || attacker.Landed.Query().Get("state") != "bye-1234" {
			t.Errorf("own session %v: after confirming the browser is at %v, want %s with the state", own, attacker.Landed, byeURI)
		}
		if !e.alive(nilsPhone, victimSID) {
			t.Errorf("own session %v: confirming ended the hint's session, which this browser does not hold", own)
		}
		if own && (e.alive(adaPhone, ownSID) || e.remembered(attacker)) {
			t.Errorf("confirming did not end the browser's own session")
		}
	}
	if !e.remembered(victim) {
		t.Error("the victim's cookie is gone")
	}
}

// (c) The hint names the session this browser holds: the client's request
// is all it takes (RP-Initiated Logout §2), and the browser goes back to
// the client with the state.
func TestLogoutHintOfOwnSession(t *testing.T) {
	e := newLogoutEnv(t)
	b := e.browser()
	sid := e.remember(b, adaPhone)
	other := e.browser()
	otherSID := e.remember(other, adaPhone) // the same user in another browser
	b.Do(get(e.logoutURL(url.Values{"id_token_hint": {e.idToken(adaPhone, sid)}, "post_logout_redirect_uri": {byeURI}, "state": {"bye-1234"}})))
	if b.Landed == nil || b.Landed.String() != byeURI+"?state=bye-1234" {
		t.Fatalf("after logout the browser is at %v, want %s?state=bye-1234", b.Landed, byeURI)
	}
	if e.alive(adaPhone, sid) || e.remembered(b) {
		t.Errorf("the session is alive (%v) or the cookie kept (%v)", e.alive(adaPhone, sid), e.remembered(b))
	}
	if !e.alive(adaPhone, otherSID) {
		t.Error("the user's other browser was logged out too")
	}

	// Without a post_logout_redirect_uri the server says so itself.
	b = e.browser()
	sid = e.remember(b, adaPhone)
	req := get(e.logoutURL(url.Values{"id_token_hint": {e.idToken(adaPhone, sid)}}))
	req.Header.Set("Accept-Language", "en")
	p := b.Do(req)
	if p.Status != http.StatusOK || !strings.Contains(p.Body, "You are logged out") || e.alive(adaPhone, sid) || e.remembered(b) {
		t.Errorf("logout without a redirect URI = %d, session alive %v:\n%s", p.Status, e.alive(adaPhone, sid), p.Body)
	}
}

// (d) A confirmation that another site sends, or that lacks the token only
// this browser's page has, is refused and ends nothing.
func TestLogoutConfirmationRefused(t *testing.T) {
	e := newLogoutEnv(t)
	b := e.browser()
	sid := e.remember(b, adaPhone)
	action, form := confirmation(t, b.Do(get(e.logoutURL(url.Values{"client_id": {basicClient}, "post_logout_redirect_uri": {byeURI}}))))
	if form.Get("csrf_token") == "" {
		t.Fatalf("the confirmation form has no token: %v", form)
	}
	// Another browser's page has a token too, but for its own cookie.
	attacker := e.browser()
	e.remember(attacker, nilsPhone)
	_, attackerForm := confirmation(t, attacker.Do(get(e.logoutURL(nil))))

	with := func(change func(url.Values)) url.Values {
		f := url.Values{}
		for k, v := range form {
			f[k] = slices.Clone(v)
		}
		change(f)
		return f
	}
	for name, req := range map[string]*http.Request{
		"no token":        e.sameOrigin(postForm(action, with(func(f url.Values) { f.Del("csrf_token") }))),
		"wrong token":     e.sameOrigin(postForm(action, with(func(f url.Values) { f.Set("csrf_token", flipFirst(f.Get("csrf_token"))) }))),
		"another's token": e.sameOrigin(postForm(action, with(func(f url.Values) { f.Set("csrf_token", attackerForm.Get("csrf_token")) }))),
		"no action":       e.sameOrigin(postForm(action, with(func(f url.Values) { f.Del("action") }))),
		"cross-site":      crossSite(postForm(action, form)),
		"cross-origin, Origin only": func() *http.Request {
			r := postForm(action, form)
			r.Header.Set("Origin", "https://evil.example")
			return r
		}(),
	} {
		req.Header.Set("Accept-Language", "en")
		p := b.Do(req)
		if p.Status != http.StatusForbidden || !strings.Contains(p.Body, "Logout refused") || b.Landed != nil {
			t.Errorf("%s: %d at %s (landed %v):\n%s", name, p.Status, p.URL, b.Landed, p.Body)
		}
		if !e.alive(adaPhone, sid) || !e.remembered(b) {
			t.Fatalf("%s: the refused confirmation ended the session", name)
		}
	}
}

// flipFirst returns s with another first character.
func flipFirst(s string) string {
	if strings.HasPrefix(s, "A") {
		return "B" + s[1:]
	}
	return "A" + s[1:]
}

// (e) The confirmation from the browser's own page ends the session the
// browser holds, deletes its cookie and sends it to the client's
// registered URI with the state, or says that it is logged out.
func TestLogoutConfirmed(t *testing.T) {
	e := newLogoutEnv(t)
	b := e.browser()
	sid := e.remember(b, adaPhone)
	other := e.browser()
	otherSID := e.remember(other, adaPhone)
	action, form := confirmation(t, b.Do(crossSite(get(e.logoutURL(url.Values{"client_id": {basicClient}, "post_logout_redirect_uri": {byeURI}, "state": {"bye-5678"}})))))
	if form.Get("post_logout_redirect_uri") != byeURI || form.Get("state") != "bye-5678" {
		t.Errorf("the confirmation form lost the client's parameters: %v", form)
	}
	b.Do(e.sameOrigin(postForm(action, form)))
	if b.Landed == nil || b.Landed.String() != byeURI+"?state=bye-5678" {
		t.Errorf("after confirming the browser is at %v, want %s?state=bye-5678", b.Landed, byeURI)
	}
	if e.alive(adaPhone, sid) || e.remembered(b) {
		t.Errorf("after confirming the session is alive (%v) or the cookie kept (%v)", e.alive(adaPhone, sid), e.remembered(b))
	}
	if !e.alive(adaPhone, otherSID) {
		t.Error("the user's other browser was logged out too")
	}

	// No redirect URI: the logged-out page. A browser that remembers no one
	// gets the same answer, with nothing to end.
	for _, remembered := range []bool{true, false} {
		b := e.browser()
		if remembered {
			sid = e.remember(b, adaPhone)
		}
		req := get(e.logoutURL(url.Values{"ui_locales": {"en"}}))
		action, form := confirmation(t, b.Do(req))
		p := b.Do(e.sameOrigin(postForm(action, form)))
		if p.Status != http.StatusOK || !strings.Contains(p.Body, "You are logged out") || e.remembered(b) {
			t.Errorf("remembered %v: confirming = %d:\n%s", remembered, p.Status, p.Body)
		}
		if remembered && e.alive(adaPhone, sid) {
			t.Error("the session is alive after confirming")
		}
	}
}

// The confirmation page is a page: it speaks the login pages' languages,
// cannot be framed, and offers a way back when the client gave one.
func TestLogoutConfirmationPage(t *testing.T) {
	e := newLogoutEnv(t)
	for _, c := range []struct {
		params             url.Values
		acceptLanguage     string
		want, cancel, lang string
	}{
		{url.Values{}, "", "Logge ut av Vipps Login i denne nettleseren?", "", "nb"},
		{url.Values{}, "en-GB,en;q=0.8", "Log out of Vipps Login in this browser?", "", "en"},
		{url.Values{"ui_locales": {"nb en"}}, "en", "Logge ut av Vipps Login i denne nettleseren?", "", "nb"},
		{url.Values{"client_id": {basicClient}, "post_logout_redirect_uri": {byeURI}, "ui_locales": {"en"}}, "", "Log out of Vipps Login in this browser?",
			`<a class="button secondary" href="` + byeURI + `" data-testid="logout-cancel">Cancel</a>`, "en"},
	} {
		req := get(e.logoutURL(c.params))
		req.Header.Set("Accept-Language", c.acceptLanguage)
		p := e.browser().Do(req)
		if !strings.Contains(p.Body, c.want) || !strings.Contains(p.Body, `<html lang="`+c.lang+`">`) ||
			(c.cancel != "") != strings.Contains(p.Body, "logout-cancel") || !strings.Contains(p.Body, c.cancel) {
			t.Errorf("%v: the page is not as expected:\n%s", c.params, p.Body)
		}
	}
	resp, err := e.srv.Client().Get(e.srv.URL + logoutPath)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if h := resp.Header; h.Get("X-Frame-Options") != "DENY" || !strings.Contains(h.Get("Content-Security-Policy"), "frame-ancestors 'none'") ||
		h.Get("Cache-Control") != "no-store" {
		t.Errorf("the confirmation page's headers %v", h)
	}
}

// The end-session endpoint still checks the request before anything: an
// unregistered redirect URI, a hint this server did not issue or a client
// that is not the hint's is a 400 page, and nothing is ended.
func TestLogoutBadRequests(t *testing.T) {
	e := newLogoutEnv(t)
	b := e.browser()
	sid := e.remember(b, adaPhone)
	hint := e.idToken(adaPhone, sid)
	for _, params := range []url.Values{
		{"post_logout_redirect_uri": {"https://evil.example/"}, "client_id": {basicClient}},
		{"post_logout_redirect_uri": {byeURI}},
		{"post_logout_redirect_uri": {byeURI}, "client_id": {"no-such-client"}},
		{"id_token_hint": {"not.a.token"}},
		{"id_token_hint": {hint}, "client_id": {postClient}},
		{"state": {"a", "b"}},
	} {
		for _, at := range []string{e.p.Issuer() + "oauth2/sessions/logout", e.srv.URL + logoutPath} {
			p := b.Do(get(at + "?" + params.Encode()))
			if p.Status != http.StatusBadRequest || b.Landed != nil || !e.alive(adaPhone, sid) || !e.remembered(b) {
				t.Errorf("%s with %v = %d at %s, want a 400 page", at, params, p.Status, p.URL)
			}
		}
	}
}

// TestEndSessionKeysUnavailable: when the keys to check an id_token_hint
// with cannot be read, logout answers 503 and a message for people, never
// the store's error text (issue 11, point 9).
func TestEndSessionKeysUnavailable(t *testing.T) {
	st := testenv.SQLite(t)
	p := &Provider{BaseURL: "https://vipps.example", Keys: &keys.Manager{Store: st}, Store: st}
	mux := http.NewServeMux()
	p.Mount(mux)
	st.Close()

	enc := base64.RawURLEncoding.EncodeToString
	hint := enc([]byte(`{"alg":"RS256","kid":"public:x"}`)) + "." + enc([]byte(`{"sid":"s"}`)) + "." + enc([]byte("signature"))
	for _, req := range []*http.Request{
		httptest.NewRequest("GET", IssuerPath+"oauth2/sessions/logout?"+url.Values{"id_token_hint": {hint}}.Encode(), nil),
		// The browser's remember cookie cannot be looked up either.
		func() *http.Request {
			r := httptest.NewRequest("GET", logoutPath, nil)
			r.AddCookie(&http.Cookie{Name: flow.CookieName(p.BaseURL, rememberCookie), Value: secret.New()})
			return r
		}(),
		func() *http.Request {
			token := secret.New()
			r := httptest.NewRequest("POST", logoutPath, strings.NewReader(url.Values{"action": {"logout"}, "csrf_token": {confirmToken(token)}}.Encode()))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			r.AddCookie(&http.Cookie{Name: flow.CookieName(p.BaseURL, rememberCookie), Value: token})
			return r
		}(),
	} {
		rec := httptest.NewRecorder()
		req.Header.Set("Accept-Language", "en")
		mux.ServeHTTP(rec, req)
		body := rec.Body.String()
		if rec.Code != http.StatusServiceUnavailable || !strings.Contains(body, "Try again in a moment") ||
			strings.Contains(body, "sqlite") || strings.Contains(body, "closed") {
			t.Errorf("%s %s with the store closed = %d:\n%s", req.Method, req.URL.Path, rec.Code, body)
		}
	}
}

// TestLogoutDeletesLegacyCookie: over https the remember cookie is
// __Host-vl_remember; a browser that still holds it under the bare name an
// older server set is logged out all the same, and both cookies are
// deleted.
func TestLogoutDeletesLegacyCookie(t *testing.T) {
	st := testenv.SQLite(t)
	p := &Provider{BaseURL: "https://vipps.example", Keys: &keys.Manager{Store: st}, Store: st}
	mux := http.NewServeMux()
	p.Mount(mux)
	token, now := secret.New(), time.Now()
	s := store.BrowserSession{ID: uuid.NewString(), TokenHash: secret.Digest(token), PhoneNumber: "4712345678",
		Description: "Chrome on Linux", CreatedAt: now, ExpiresAt: now.Add(flow.BrowserSessionTTL)}
	if err := st.CreateUser(t.Context(), store.User{PhoneNumber: s.PhoneNumber, CreatedAt: now, UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}
	if err := st.CreateBrowserSession(t.Context(), s); err != nil {
		t.Fatal(err)
	}

	r := httptest.NewRequest("POST", "https://vipps.example"+logoutPath,
		strings.NewReader(url.Values{"action": {"logout"}, "csrf_token": {confirmToken(token)}}.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.AddCookie(&http.Cookie{Name: "vl_remember", Value: token})
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, r)
	if rec.Code != http.StatusOK {
		t.Fatalf("logout = %d:\n%s", rec.Code, rec.Body)
	}
	if sessions, _ := st.ListBrowserSessions(t.Context(), s.PhoneNumber); len(sessions) != 0 {
		t.Errorf("the legacy cookie's session is not ended: %v", sessions)
	}
	deleted := map[string]string{}
	for _, c := range rec.Result().Cookies() {
		if c.MaxAge < 0 {
			deleted[c.Name] = c.Path
		}
	}
	if want := map[string]string{"__Host-vl_remember": "/", "vl_remember": "/vipps-login-idp/"}; !maps.Equal(deleted, want) {
		t.Errorf("deleted cookies (name: path) %v, want %v", deleted, want)
	}
}

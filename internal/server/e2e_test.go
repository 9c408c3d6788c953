package server

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/vippslogin/vippslogin/internal/app"
	"github.com/vippslogin/vippslogin/internal/devseed"
	"github.com/vippslogin/vippslogin/internal/flow"
	"github.com/vippslogin/vippslogin/internal/metrics"
	"github.com/vippslogin/vippslogin/internal/testenv"
)

// e2e is the whole server, seeded as in dev mode, on a real port, with an
// unchanged OpenID Connect client (go-oidc + x/oauth2) as the merchant and
// the app client as the user's phone.
type e2e struct {
	BaseURL  string
	Issuer   string
	Provider *oidc.Provider
	// Clock is the server's clock: real time plus whatever a test adds.
	Clock *offsetClock
	// Server is the server under test, with metrics.
	Server *Server
	// HTTP reaches the server: over https it trusts the test certificate;
	// nil (the default client) over http.
	HTTP *http.Client
}

// offsetClock is the real clock moved forward by what a test adds, so that
// times the server compares (auth_time, max_age) move without sleeping and
// tokens still verify against real time.
type offsetClock struct {
	mu     sync.Mutex
	offset time.Duration
}

func (c *offsetClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

func (c *offsetClock) Add(d time.Duration) {
	c.mu.Lock()
	c.offset += d
	c.mu.Unlock()
}

func startE2E(t *testing.T) *e2e {
	t.Helper()
	return startE2EOn(t, false)
}

// startE2EOn is startE2E, over https with httptest's certificate when tls
// is set.
func startE2EOn(t *testing.T, tls bool) *e2e {
	t.Helper()
	ctx := context.Background()
	st := testenv.SQLite(t)
	km := testenv.Keys(t, st, nil)
	ts := httptest.NewUnstartedServer(nil)
	base := "http://" + ts.Listener.Addr().String()
	if tls {
		base = "https://" + ts.Listener.Addr().String()
	}
	if err := devseed.Seed(ctx, st, base, time.Now()); err != nil {
		t.Fatal(err)
	}
	clock := &offsetClock{}
	s := &Server{BaseURL: base, Store: st, Keys: km, AdminToken: "e2e-admin-token-0123", Demo: true,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: clock.Now, Metrics: metrics.New()}
	s.Metrics.WatchKeys(km, clock.Now)
	s.Metrics.WatchBacklog(st, clock.Now)
	ts.Config.Handler = s.Handler()
	var client *http.Client
	if tls {
		ts.StartTLS()
		client = ts.Client()
		ctx = oidc.ClientContext(ctx, client)
	} else {
		ts.Start()
	}
	t.Cleanup(ts.Close)
	issuer := base + flow.IssuerPath
	p, err := oidc.NewProvider(ctx, issuer)
	if err != nil {
		t.Fatalf("discovery: %v", err)
	}
	return &e2e{BaseURL: base, Issuer: issuer, Provider: p, Clock: clock, Server: s, HTTP: client}
}

// merchantRedirect is a registered redirect URI of the demo client that the
// test's browser never follows: the test plays the merchant there.
const merchantRedirect = "http://localhost:3000/callback"

func (e *e2e) oauth(clientID, secret string, scopes ...string) *oauth2.Config {
	return &oauth2.Config{ClientID: clientID, ClientSecret: secret, Endpoint: e.Provider.Endpoint(),
		RedirectURL: merchantRedirect, Scopes: scopes}
}

// browser is a cookie-keeping HTTP client that stops at the merchant.
type browser struct{ *testenv.Browser }

func newBrowser(t testing.TB) *browser { return &browser{testenv.NewBrowser(t, merchantRedirect)} }

// page is where a navigation ended: its URL and body.
type page = testenv.Page

func (b *browser) get(u string) page                   { return b.Get(u) }
func (b *browser) post(u string, form url.Values) page { return b.Post(u, form) }

var challengeRE = regexp.MustCompile(`data-testid="challenge"[^>]*>\s*([^<\s]+)\s*<`)

// loginWithPhone walks the desktop pages up to the challenge and approves
// it on the phone; it returns the page the browser is on after that.
func (e *e2e) loginWithPhone(t *testing.T, b *browser, authURL, phone string, remember bool) page {
	t.Helper()
	p := b.get(authURL)
	if !strings.Contains(p.Body, `name="phone_number"`) {
		t.Fatalf("expected the phone-number page at %s, got %d:\n%s", p.URL, p.Status, p.Body)
	}
	tabID := p.URL.Query().Get("tabId")
	form := url.Values{"tabId": {tabID}, "phone_number": {phone}}
	if remember {
		form.Set("remember", "on")
	}
	p = b.post(e.BaseURL+"/vipps-login-idp/phone", form)
	m := challengeRE.FindStringSubmatch(p.Body)
	if m == nil {
		t.Fatalf("no challenge on the wait page %s:\n%s", p.URL, p.Body)
	}
	phoneApp := &app.Client{BaseURL: e.BaseURL}
	ctx := context.Background()
	if _, err := phoneApp.SignIn(ctx, phone, devseed.PIN); err != nil {
		t.Fatal(err)
	}
	reqs, err := phoneApp.Requests(ctx, 0)
	if err != nil || len(reqs) != 1 {
		t.Fatalf("the app sees %v (%v), want one login request", reqs, err)
	}
	if _, err := phoneApp.Approve(ctx, reqs[0].ID, app.ApproveRequest{Challenge: m[1]}); err != nil {
		t.Fatalf("approve: %v", err)
	}
	return b.get(e.BaseURL + flow.LoginPath + "?tabId=" + url.QueryEscape(tabID))
}

func TestBrowserLoginEndToEnd(t *testing.T) {
	e := startE2E(t)
	ctx := context.Background()
	cfg := e.oauth(devseed.ClientID, devseed.ClientSecret, "openid", "name", "email", "address")
	verifier := oauth2.GenerateVerifier()
	state := "state with spaces & ünïcode"
	authURL := cfg.AuthCodeURL(state, oidc.Nonce("nonce-1"), oauth2.S256ChallengeOption(verifier))

	b := newBrowser(t)
	p := e.loginWithPhone(t, b, authURL, devseed.Ada, true)
	if !strings.Contains(p.Body, `name="action"`) || !strings.Contains(p.Body, "Demo Shop") {
		t.Fatalf("expected the consent page, got %s:\n%s", p.URL, p.Body)
	}
	tabID := p.URL.Query().Get("tabId")
	b.post(e.BaseURL+"/vipps-login-idp/consent", url.Values{"tabId": {tabID}, "action": {"accept"}})
	if b.Landed == nil {
		t.Fatal("consent did not send the browser back to the merchant")
	}
	q := b.Landed.Query()
	if q.Get("state") != state || q.Get("iss") != e.Issuer || q.Get("scope") != "openid name email address" || q.Get("code") == "" {
		t.Fatalf("callback %s: want code, the state byte-exact, scope and iss", b.Landed)
	}

	tok, err := cfg.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("token: %v", err)
	}
	idToken, err := e.Provider.Verifier(&oidc.Config{ClientID: devseed.ClientID}).Verify(ctx, tok.Extra("id_token").(string))
	if err != nil {
		t.Fatalf("ID token: %v", err)
	}
	if idToken.Nonce != "nonce-1" {
		t.Errorf("nonce = %q", idToken.Nonce)
	}
	info, err := e.Provider.UserInfo(ctx, oauth2.StaticTokenSource(tok))
	if err != nil {
		t.Fatalf("userinfo: %v", err)
	}
	var claims struct {
		Sub, Name, Email string
		Address          struct {
			StreetAddress string `json:"street_address"`
		}
	}
	info.Claims(&claims)
	if claims.Sub != idToken.Subject || claims.Name != "Ada Lovelace" || claims.Address.StreetAddress != "Suburbia 23" {
		t.Errorf("userinfo = %+v, ID token sub %s", claims, idToken.Subject)
	}

	// The browser is remembered and the consent kept: the next login needs
	// neither the phone page, the app nor the consent page.
	p = b.get(cfg.AuthCodeURL("second-state-123", oauth2.S256ChallengeOption(verifier)))
	if b.Landed == nil || b.Landed.Query().Get("code") == "" {
		t.Fatalf("a remembered browser should get a code at once; it is at %s:\n%s", p.URL, p.Body)
	}
}

// The demo shop is a real relying party: its button runs the whole flow.
func TestDemoShop(t *testing.T) {
	e := startE2E(t)
	b := newBrowser(t)
	p := b.get(e.BaseURL + "/demo/")
	if !strings.Contains(p.Body, `href="login"`) {
		t.Fatalf("demo shop page:\n%s", p.Body)
	}
	p = b.get(e.BaseURL + "/demo/login")
	if !strings.Contains(p.Body, `name="phone_number"`) {
		t.Fatalf("the demo's login did not reach the phone page: %s", p.URL)
	}
	tabID := p.URL.Query().Get("tabId")
	p = b.post(e.BaseURL+"/vipps-login-idp/phone", url.Values{"tabId": {tabID}, "phone_number": {devseed.Ada}})
	m := challengeRE.FindStringSubmatch(p.Body)
	if m == nil {
		t.Fatalf("no challenge:\n%s", p.Body)
	}
	phoneApp := &app.Client{BaseURL: e.BaseURL}
	ctx := context.Background()
	phoneApp.SignIn(ctx, devseed.Ada, devseed.PIN)
	reqs, _ := phoneApp.Requests(ctx, 0)
	if len(reqs) != 1 {
		t.Fatalf("app requests = %v", reqs)
	}
	phoneApp.Approve(ctx, reqs[0].ID, app.ApproveRequest{Challenge: m[1]})
	p = b.get(e.BaseURL + flow.LoginPath + "?tabId=" + url.QueryEscape(tabID))
	p = b.post(e.BaseURL+"/vipps-login-idp/consent", url.Values{"tabId": {tabID}, "action": {"accept"}})
	if !strings.Contains(p.Body, "Welcome, Ada Lovelace") || !strings.Contains(p.Body, "Suburbia 23") {
		t.Errorf("the demo shop after login shows:\n%s", p.Body)
	}
}

// End session forgets the remembered browser: the next login asks for the
// phone number again, and the browser lands on the registered logout URI
// with its state.
func TestLogoutForgetsTheBrowser(t *testing.T) {
	e := startE2E(t)
	ctx := context.Background()
	cfg := e.oauth(devseed.ClientID, devseed.ClientSecret, "openid")
	b := newBrowser(t)
	e.loginWithPhone(t, b, cfg.AuthCodeURL("state-first-1"), devseed.Ada, true)
	if b.Landed == nil {
		t.Fatal("no code after the first login")
	}
	tok, err := cfg.Exchange(ctx, b.Landed.Query().Get("code"))
	if err != nil {
		t.Fatal(err)
	}
	rawID := tok.Extra("id_token").(string)

	b.get(cfg.AuthCodeURL("state-second"))
	if b.Landed == nil {
		t.Fatal("the remembered browser was not remembered")
	}

	logout := e.Issuer + "oauth2/sessions/logout?" + url.Values{
		"id_token_hint":            {rawID},
		"post_logout_redirect_uri": {e.BaseURL + "/demo/"},
		"state":                    {"bye-123"},
	}.Encode()
	p := b.get(logout)
	if p.URL.Path != "/demo/" || p.URL.Query().Get("state") != "bye-123" {
		t.Fatalf("after logout the browser is at %s, want the shop with the state", p.URL)
	}
	p = b.get(cfg.AuthCodeURL("state-third-3"))
	if b.Landed != nil || !strings.Contains(p.Body, `name="phone_number"`) {
		t.Errorf("after logout the next login should ask for the phone number; it is at %s", p.URL)
	}

	for _, bad := range []url.Values{
		{"post_logout_redirect_uri": {"https://evil.example/"}, "client_id": {devseed.ClientID}},
		{"post_logout_redirect_uri": {e.BaseURL + "/demo/"}},
		{"id_token_hint": {"not.a.token"}},
	} {
		p := b.get(e.Issuer + "oauth2/sessions/logout?" + bad.Encode())
		if p.Status != 400 || p.URL.Path == "/demo/" {
			t.Errorf("logout with %v = %d at %s, want a 400 page", bad, p.Status, p.URL)
		}
	}
}

// prompt=login makes a remembered browser confirm in the app again: the new
// ID token's auth_time is later, and acr_values reaches the acr claim.
func TestPromptLoginAndACR(t *testing.T) {
	e := startE2E(t)
	ctx := context.Background()
	cfg := e.oauth(devseed.ClientID, devseed.ClientSecret, "openid")
	verifier := e.Provider.Verifier(&oidc.Config{ClientID: devseed.ClientID})
	redeem := func(landed *url.URL) *oidc.IDToken {
		t.Helper()
		if landed == nil {
			t.Fatal("the login did not come back with a code")
		}
		tok, err := cfg.Exchange(ctx, landed.Query().Get("code"))
		if err != nil {
			t.Fatal(err)
		}
		id, err := verifier.Verify(ctx, tok.Extra("id_token").(string))
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	b := newBrowser(t)
	e.loginWithPhone(t, b, cfg.AuthCodeURL("state-first-1"), devseed.Ada, true)
	first := redeem(b.Landed)

	e.Clock.Add(10 * time.Second)
	// loginWithPhone fails unless the phone page comes back: prompt=login
	// must not use the remembered browser.
	e.loginWithPhone(t, b, cfg.AuthCodeURL("state-second", oauth2.SetAuthURLParam("prompt", "login"),
		oauth2.SetAuthURLParam("acr_values", "urn:vipps:acr:app_auth")), devseed.Ada, true)
	second := redeem(b.Landed)
	var claims struct {
		AuthTime int64  `json:"auth_time"`
		ACR      string `json:"acr"`
	}
	second.Claims(&claims)
	var firstClaims struct {
		AuthTime int64 `json:"auth_time"`
	}
	first.Claims(&firstClaims)
	if claims.AuthTime < firstClaims.AuthTime+10 {
		t.Errorf("auth_time after prompt=login = %d, want at least 10 s after the first (%d)", claims.AuthTime, firstClaims.AuthTime)
	}
	if claims.ACR != "urn:vipps:acr:app_auth" {
		t.Errorf("acr = %q, want urn:vipps:acr:app_auth", claims.ACR)
	}
}

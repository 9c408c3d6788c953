package oidc

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vippslogin/vippslogin/internal/flow"
	"github.com/vippslogin/vippslogin/internal/secret"
	"github.com/vippslogin/vippslogin/internal/store"
	"github.com/vippslogin/vippslogin/internal/testenv"
)

// The fuzz targets of the protocol surface share one fixture: a provider
// over SQLite with a browser client, a CIBA poll client and a CIBA ping
// client. The browser client's URIs are near misses of one another
// (trailing slash, case, escapes, query), so that an inexact comparison
// anywhere shows up as a property failure. scripts/fuzz.sh runs every
// target; `make fuzz FUZZTIME=10m` runs them for long.
const (
	fuzzBase       = "https://vipps.example"
	fuzzBrowser    = "fuzz-browser"
	fuzzCIBA       = "fuzz-ciba"
	fuzzCIBAPing   = "fuzz-ciba-ping"
	fuzzOther      = "fuzz-other"
	fuzzSecret     = "fuzz+secret%/&:"
	fuzzGoodState  = "state-12345"
	fuzzGoodHint   = "urn:msisdn:4712345678"
	fuzzGoodScopes = "openid name phoneNumber"
)

var (
	fuzzRedirects = []string{
		"https://shop.example/callback",
		"https://shop.example/callback/",
		"https://shop.example/Callback",
		"https://shop.example/cb?x=1&y=%2F",
		"https://shop.example/caf%C3%A9",
		"http://localhost:3000/callback",
		"merchant-app://callback",
	}
	fuzzAppCallbacks = []string{"merchant-app://callback", "merchant-app://return/"}
	fuzzPostLogout   = []string{"https://shop.example/bye", "https://shop.example/bye?from=vipps"}
)

type fuzzEnv struct {
	p   *Provider
	mux *http.ServeMux
	// clients by id, as stored.
	clients map[string]store.Client
}

// newFuzzEnv builds the fixture once per fuzz process.
func newFuzzEnv(f *testing.F) *fuzzEnv {
	f.Helper()
	st := testenv.SQLite(f)
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	p := &Provider{BaseURL: fuzzBase, Keys: testenv.Keys(f, st, clock), Store: st, Now: clock}
	e := &fuzzEnv{p: p, mux: http.NewServeMux(), clients: map[string]store.Client{}}
	p.Mount(e.mux)
	allButAccounts := slices.DeleteFunc(slices.Clone(store.Scopes), func(s string) bool { return s == "accountNumbers" })
	for _, c := range []store.Client{
		{ID: fuzzBrowser, RedirectURIs: fuzzRedirects, AppCallbackURIs: fuzzAppCallbacks, PostLogoutRedirectURIs: fuzzPostLogout,
			TokenEndpointAuthMethod: store.AuthSecretBasic, Flows: []string{store.FlowBrowser}, Scopes: allButAccounts},
		{ID: fuzzCIBA, RedirectURIs: fuzzRedirects, TokenEndpointAuthMethod: store.AuthSecretPost,
			Flows: []string{store.FlowBrowser, store.FlowCIBA}, Scopes: allButAccounts},
		{ID: fuzzCIBAPing, RedirectURIs: fuzzRedirects, TokenEndpointAuthMethod: store.AuthSecretBasic,
			Flows: []string{store.FlowCIBA}, Scopes: allButAccounts, CIBAPingURL: "https://shop.example/ping"},
		{ID: fuzzOther, RedirectURIs: []string{"https://other.example/cb"}, PostLogoutRedirectURIs: []string{"https://other.example/bye"},
			TokenEndpointAuthMethod: store.AuthSecretBasic, Flows: []string{store.FlowBrowser}, Scopes: allButAccounts},
	} {
		c.Name, c.SecretHash, c.CreatedAt, c.UpdatedAt = "Shop "+c.ID, secret.Hash(fuzzSecret), now, now
		if err := st.CreateClient(f.Context(), c); err != nil {
			f.Fatal(err)
		}
		e.clients[c.ID] = c
	}
	return e
}

// serve sends a request with the raw query (GET) or raw form body (POST)
// to path below the issuer, as a browser would, and returns the answer.
func (e *fuzzEnv) serve(post bool, path, raw string) *httptest.ResponseRecorder {
	var r *http.Request
	if post {
		r = httptest.NewRequest(http.MethodPost, IssuerPath+path, strings.NewReader(raw))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	} else {
		r = httptest.NewRequest(http.MethodGet, IssuerPath+path, nil)
		r.URL.RawQuery = raw
	}
	rec := httptest.NewRecorder()
	e.mux.ServeHTTP(rec, r)
	return rec
}

// exactlyIn reports whether s is byte for byte one of list: the oracle of
// every redirect URI comparison.
func exactlyIn(s string, list []string) bool {
	for _, l := range list {
		if len(l) == len(s) && l == s {
			return true
		}
	}
	return false
}

// validVerifierSyntax is RFC 7636 §4.1 read off the page: 43 to 128
// characters of ALPHA / DIGIT / "-" / "." / "_" / "~". It is the oracle for
// code_verifier and for a code_challenge's syntax (§4.2).
func validVerifierSyntax(v string) bool {
	const unreserved = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"
	if len(v) < 43 || len(v) > 128 {
		return false
	}
	for i := 0; i < len(v); i++ {
		if !strings.ContainsRune(unreserved, rune(v[i])) {
			return false
		}
	}
	return true
}

// validAuthorize is a login request the browser client may make.
func validAuthorize() url.Values {
	return url.Values{
		"client_id": {fuzzBrowser}, "redirect_uri": {fuzzRedirects[0]}, "response_type": {"code"},
		"scope": {fuzzGoodScopes}, "state": {fuzzGoodState}, "nonce": {"n-0S6_WzA2Mj"},
	}
}

// loginLocation is where an accepted login request sends the browser.
const loginLocation = fuzzBase + flow.LoginPath + "?tabId="

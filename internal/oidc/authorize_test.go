package oidc

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/vippslogin/vippslogin/internal/store"
	"github.com/vippslogin/vippslogin/internal/testenv"
)

const (
	testRedirect = "https://shop.example/callback"
	goodState    = "state-0123456789"
	goodPKCE     = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
)

// authorizeEnv is a provider on a real store with one browser client.
func authorizeEnv(t *testing.T) (*Provider, http.Handler) {
	t.Helper()
	ctx := context.Background()
	st := testenv.SQLite(t)
	km := testenv.Keys(t, st, nil)
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	for _, c := range []store.Client{
		{ID: "shop", Name: "Shop", RedirectURIs: []string{testRedirect, "https://shop.example/other?x=1"}, AppCallbackURIs: []string{"shop-app://callback"},
			TokenEndpointAuthMethod: store.AuthSecretBasic, Flows: []string{store.FlowBrowser},
			Scopes: []string{"openid", "name", "email", "nin"}},
		{ID: "ciba-only", Name: "Backoffice", RedirectURIs: []string{testRedirect},
			TokenEndpointAuthMethod: store.AuthSecretBasic, Flows: []string{store.FlowCIBA}, Scopes: []string{"openid"}},
	} {
		if err := st.CreateClient(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	p := &Provider{BaseURL: "https://vipps.example", Keys: km, Store: st, Now: func() time.Time { return now }}
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+IssuerPath+"oauth2/auth", p.authorize)
	mux.HandleFunc("POST "+IssuerPath+"oauth2/auth", p.authorize)
	return p, mux
}

func authorizeQuery(change func(url.Values)) url.Values {
	v := url.Values{
		"client_id":      {"shop"},
		"redirect_uri":   {testRedirect},
		"response_type":  {"code"},
		"scope":          {"openid name"},
		"state":          {goodState},
		"code_challenge": {goodPKCE}, "code_challenge_method": {"S256"},
	}
	if change != nil {
		change(v)
	}
	return v
}

func TestAuthorizeStartsALogin(t *testing.T) {
	p, h := authorizeEnv(t)
	q := authorizeQuery(func(v url.Values) {
		v.Set("scope", "openid name unknownScope name")
		v.Set("nonce", "n-1")
		v.Set("state", "a state with spaces, æøå & =")
		v.Set("ui_locales", "en-GB nb")
		v.Set("something_else", "ignored")
	})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", IssuerPath+"oauth2/auth?"+q.Encode(), nil))
	if rec.Code != http.StatusFound {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	loc, _ := url.Parse(rec.Header().Get("Location"))
	if !strings.HasPrefix(loc.String(), "https://vipps.example/vipps-login-idp/index.html?tabId=") {
		t.Fatalf("Location = %s, want the login pages", loc)
	}
	r, err := p.Store.GetLoginRequest(context.Background(), loc.Query().Get("tabId"))
	if err != nil {
		t.Fatal(err)
	}
	want := store.LoginRequest{ClientID: "shop", RedirectURI: testRedirect, Scopes: []string{"openid", "name"},
		State: "a state with spaces, æøå & =", Nonce: "n-1", CodeChallenge: goodPKCE, CodeChallengeMethod: "S256",
		Locale: "en", Status: store.LoginCreated}
	got := store.LoginRequest{ClientID: r.ClientID, RedirectURI: r.RedirectURI, Scopes: r.Scopes, State: r.State,
		Nonce: r.Nonce, CodeChallenge: r.CodeChallenge, CodeChallengeMethod: r.CodeChallengeMethod, Locale: r.Locale, Status: r.Status}
	if !equalRequests(got, want) {
		t.Errorf("stored login request = %+v, want %+v", got, want)
	}
	if d := r.ExpiresAt.Sub(r.CreatedAt); d != 5*time.Minute {
		t.Errorf("login expires after %v, want 5m", d)
	}
	if len(r.ID) < 43 {
		t.Errorf("tabId %q is shorter than 256 bits", r.ID)
	}

	// POST works too, and answers 303.
	rec = httptest.NewRecorder()
	req := httptest.NewRequest("POST", IssuerPath+"oauth2/auth", strings.NewReader(authorizeQuery(nil).Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusSeeOther {
		t.Errorf("POST authorize = %d, want 303", rec.Code)
	}
}

func equalRequests(a, b store.LoginRequest) bool {
	return a.ClientID == b.ClientID && a.RedirectURI == b.RedirectURI && strings.Join(a.Scopes, " ") == strings.Join(b.Scopes, " ") &&
		a.State == b.State && a.Nonce == b.Nonce && a.CodeChallenge == b.CodeChallenge &&
		a.CodeChallengeMethod == b.CodeChallengeMethod && a.Locale == b.Locale && a.Status == b.Status
}

func TestAuthorizeErrorPages(t *testing.T) {
	_, h := authorizeEnv(t)
	for _, tt := range []struct {
		name   string
		change func(url.Values)
		want   string
	}{
		{"no client_id", func(v url.Values) { v.Del("client_id") }, "no client_id"},
		{"unknown client", func(v url.Values) { v.Set("client_id", "nope") }, "No client has the client_id &#34;nope&#34;"},
		{"repeated client_id", func(v url.Values) { v.Add("client_id", "shop") }, "more than once"},
		{"no redirect_uri", func(v url.Values) { v.Del("redirect_uri") }, "no redirect_uri"},
		{"trailing slash", func(v url.Values) { v.Set("redirect_uri", testRedirect+"/") }, "the one sent ends with a slash"},
		{"missing slash", func(v url.Values) { v.Set("redirect_uri", "https://shop.example/other?x=1/") }, "slash"},
		{"case", func(v url.Values) { v.Set("redirect_uri", "https://shop.example/Callback") }, "upper and lower case"},
		{"encoding", func(v url.Values) { v.Set("redirect_uri", "https://shop.example/c%61llback") }, "URL encoding"},
		{"scheme", func(v url.Values) { v.Set("redirect_uri", "http://shop.example/callback") }, "the scheme differs"},
		{"host", func(v url.Values) { v.Set("redirect_uri", "https://www.shop.example/callback") }, "the host differs (www.shop.example, registered shop.example)"},
		{"port", func(v url.Values) { v.Set("redirect_uri", "https://shop.example:8443/callback") }, "the port differs (8443, registered none, the scheme&#39;s default)"},
		{"prefix is not enough", func(v url.Values) { v.Set("redirect_uri", testRedirect+"/deeper") }, "not registered"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("GET", IssuerPath+"oauth2/auth?"+authorizeQuery(tt.change).Encode(), nil))
			if rec.Code != 400 || rec.Header().Get("Location") != "" {
				t.Fatalf("status %d, Location %q; want a 400 page and no redirect", rec.Code, rec.Header().Get("Location"))
			}
			if !strings.Contains(rec.Body.String(), tt.want) {
				t.Errorf("page lacks %q:\n%s", tt.want, rec.Body)
			}
			if rec.Header().Get("X-Frame-Options") != "DENY" {
				t.Error("error page can be framed")
			}
		})
	}
}

func TestAuthorizeErrorRedirects(t *testing.T) {
	_, h := authorizeEnv(t)
	long := strings.Repeat("a", 129)
	for _, tt := range []struct {
		name   string
		change func(url.Values)
		code   string
		desc   string
	}{
		{"client without browser flow", func(v url.Values) { v.Set("client_id", "ciba-only") }, "unauthorized_client", "browser"},
		{"no response_type", func(v url.Values) { v.Del("response_type") }, "invalid_request", "response_type"},
		{"token response_type", func(v url.Values) { v.Set("response_type", "token") }, "unsupported_response_type", "token"},
		{"fragment mode", func(v url.Values) { v.Set("response_mode", "fragment") }, "invalid_request", "response_mode"},
		{"short state", func(v url.Values) { v.Set("state", "1234567") }, "invalid_request", "at least 8"},
		{"no state", func(v url.Values) { v.Del("state") }, "invalid_request", "state"},
		{"no openid", func(v url.Values) { v.Set("scope", "name") }, "invalid_scope", "openid"},
		{"offline", func(v url.Values) { v.Set("scope", "openid offline") }, "invalid_scope", "refresh"},
		{"accountNumbers not granted", func(v url.Values) { v.Set("scope", "openid accountNumbers") }, "invalid_scope", "accountNumbers"},
		{"repeated scope param", func(v url.Values) { v.Add("scope", "openid") }, "invalid_request", "scope is repeated"},
		{"bad pkce method", func(v url.Values) { v.Set("code_challenge_method", "S512") }, "invalid_request", "S512"},
		{"method without challenge", func(v url.Values) { v.Del("code_challenge") }, "invalid_request", "without a code_challenge"},
		{"short challenge", func(v url.Values) { v.Set("code_challenge", "abc") }, "invalid_request", "43 to 128"},
		{"long challenge", func(v url.Values) { v.Set("code_challenge", long) }, "invalid_request", "43 to 128"},
		{"unknown flow", func(v url.Values) { v.Set("requested_flow", "teleport") }, "invalid_request", "teleport"},
		{"bad final_redirect_is_app", func(v url.Values) { v.Set("final_redirect_is_app", "yes") }, "invalid_request", "final_redirect_is_app"},
		{"huge parameter", func(v url.Values) { v.Set("nonce", strings.Repeat("n", 3000)) }, "invalid_request", "longer than"},
		// OIDC Core §6.1, §6.2: a request object would otherwise be dropped
		// without a word, and with it a code_challenge or nonce sent only there.
		{"request object", func(v url.Values) { v.Set("request", "eyJhbGciOiJub25lIn0.e30.") }, "request_not_supported", "request"},
		{"empty request object", func(v url.Values) { v.Set("request", "") }, "request_not_supported", "request"},
		{"request_uri", func(v url.Values) { v.Set("request_uri", "https://shop.example/req.jwt") }, "request_uri_not_supported", "request_uri"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("GET", IssuerPath+"oauth2/auth?"+authorizeQuery(tt.change).Encode(), nil))
			loc, err := url.Parse(rec.Header().Get("Location"))
			if rec.Code != http.StatusFound || err != nil {
				t.Fatalf("status %d, Location %q; want a redirect", rec.Code, rec.Header().Get("Location"))
			}
			q := loc.Query()
			if !strings.HasPrefix(loc.String(), testRedirect+"?") || q.Get("error") != tt.code ||
				!strings.Contains(q.Get("error_description"), tt.desc) || q.Get("iss") != "https://vipps.example"+IssuerPath {
				t.Errorf("redirect %s: want error=%s with %q in the description and iss", loc, tt.code, tt.desc)
			}
			if tt.name != "no state" && tt.name != "short state" && q.Get("state") != goodState {
				t.Errorf("state = %q, want %q echoed", q.Get("state"), goodState)
			}
		})
	}
}

func TestAuthorizeKeepsTheRedirectURIsQuery(t *testing.T) {
	_, h := authorizeEnv(t)
	q := authorizeQuery(func(v url.Values) {
		v.Set("redirect_uri", "https://shop.example/other?x=1")
		v.Set("response_type", "token")
	})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", IssuerPath+"oauth2/auth?"+q.Encode(), nil))
	loc := rec.Header().Get("Location")
	if !strings.HasPrefix(loc, "https://shop.example/other?x=1&") || !strings.Contains(loc, "error=unsupported_response_type") {
		t.Errorf("Location = %q, want the error added to the registered query", loc)
	}
}

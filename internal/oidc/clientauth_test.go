package oidc

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/vippslogin/vippslogin/internal/secret"
	"github.com/vippslogin/vippslogin/internal/store"
	"github.com/vippslogin/vippslogin/internal/testenv"
)

func TestClientAuthentication(t *testing.T) {
	e := newTokenEnv(t)
	path := IssuerPath + "oauth2/token"
	type form = url.Values
	tests := []struct {
		name   string
		client string // whose code is redeemed
		extra  form
		auth   func(*http.Request)
		status int
		want   string
		// desc is part of the error_description.
		desc string
	}{
		{name: "basic", client: basicClient, auth: basicAs(basicClient, basicSecret), status: 200},
		{name: "basic with the same client_id in the body", client: basicClient, extra: form{"client_id": {basicClient}},
			auth: basicAs(basicClient, basicSecret), status: 200},
		{name: "post", client: postClient, extra: form{"client_id": {postClient}, "client_secret": {postSecret}}, status: 200},
		{name: "basic without form-url-encoding", client: basicClient,
			auth: func(r *http.Request) { r.SetBasicAuth(basicClient, basicSecret) }, status: 401, want: ErrInvalidClient},
		{name: "wrong secret", client: basicClient, auth: basicAs(basicClient, "wrong"), status: 401, want: ErrInvalidClient, desc: badCredentials},
		{name: "unknown client", client: basicClient, auth: basicAs("nobody", basicSecret), status: 401, want: ErrInvalidClient, desc: badCredentials},
		{name: "post secret of unknown client", client: postClient, extra: form{"client_id": {"nobody"}, "client_secret": {"x"}},
			status: 401, want: ErrInvalidClient, desc: badCredentials},
		// The right secret by the wrong method: the caller proved the
		// secret and is told how the client must authenticate.
		{name: "basic client posting", client: basicClient, extra: form{"client_id": {basicClient}, "client_secret": {basicSecret}},
			status: 401, want: ErrInvalidClient, desc: "registered for client_secret_basic and must authenticate with HTTP Basic in the Authorization header; this request sent client_secret in the body"},
		{name: "post client with Basic", client: postClient, auth: basicAs(postClient, postSecret),
			status: 401, want: ErrInvalidClient, desc: "registered for client_secret_post and must authenticate with client_id and client_secret in the form body; this request used HTTP Basic"},
		// A wrong secret by the wrong method is just a wrong secret.
		{name: "basic client posting a wrong secret", client: basicClient, extra: form{"client_id": {basicClient}, "client_secret": {"wrong"}},
			status: 401, want: ErrInvalidClient, desc: badCredentials},
		{name: "post client with a wrong secret by Basic", client: postClient, auth: basicAs(postClient, "wrong"),
			status: 401, want: ErrInvalidClient, desc: badCredentials},
		{name: "both methods", client: basicClient, extra: form{"client_secret": {basicSecret}},
			auth: basicAs(basicClient, basicSecret), status: 400, want: ErrInvalidRequest},
		{name: "body client_id differs", client: basicClient, extra: form{"client_id": {postClient}},
			auth: basicAs(basicClient, basicSecret), status: 400, want: ErrInvalidRequest},
		{name: "no authentication", client: basicClient, status: 401, want: ErrInvalidClient},
		{name: "client_id only", client: basicClient, extra: form{"client_id": {basicClient}},
			status: 401, want: ErrInvalidClient, desc: "sends no client_secret"},
		{name: "client_secret only", client: postClient, extra: form{"client_secret": {postSecret}},
			status: 401, want: ErrInvalidClient, desc: "no client_id"},
		{name: "bearer header", client: basicClient,
			auth: func(r *http.Request) { r.Header.Set("Authorization", "Bearer abc") }, status: 401, want: ErrInvalidClient},
		{name: "bad base64", client: basicClient,
			auth: func(r *http.Request) { r.Header.Set("Authorization", "Basic !!!") }, status: 401, want: ErrInvalidClient},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := form{"grant_type": {"authorization_code"}, "redirect_uri": {shopCallback},
				"code": {e.code(func(c *store.AuthCode) { c.ClientID = tt.client })}}
			for k, v := range tt.extra {
				f[k] = v
			}
			resp, body := e.do("POST", path, f, tt.auth)
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, body %v; want %d", resp.StatusCode, body, tt.status)
			}
			if tt.status == 200 {
				if body["access_token"] == nil || body["id_token"] == nil {
					t.Errorf("body %v", body)
				}
				return
			}
			if body["error"] != tt.want {
				t.Errorf("error %v (%v), want %s", body["error"], body["error_description"], tt.want)
			}
			if desc, _ := body["error_description"].(string); !strings.Contains(desc, tt.desc) {
				t.Errorf("error_description %q lacks %q", desc, tt.desc)
			}
			if www := resp.Header.Get("WWW-Authenticate"); tt.status == 401 && www != `Basic realm="vippslogin"` {
				t.Errorf("WWW-Authenticate = %q", www)
			}
		})
	}
}

// BenchmarkClientAuth measures authenticating a token request's client, as
// every grant does first, for a secret the admin API generated (a SHA-256
// hash) and for one a person chose (PBKDF2 at the production count, which
// the cache runs once; each request reads the lockout's count).
//
//	go test -run '^$' -bench ClientAuth -count 5 ./internal/oidc/
func BenchmarkClientAuth(b *testing.B) {
	for _, tt := range []struct {
		name string
		hash func(string) string
	}{
		{"generated", secret.HashGenerated},
		{"chosen", func(s string) string {
			defer func(n int) { secret.Iterations = n }(secret.Iterations)
			secret.Iterations = 600_000
			return secret.Hash(s)
		}},
	} {
		b.Run(tt.name, func(b *testing.B) {
			st := testenv.SQLite(b)
			p := benchAuthProvider(st)
			const id, pass = "shop", "a-secret-someone-chose"
			if err := st.CreateClient(b.Context(), store.Client{ID: id, SecretHash: tt.hash(pass),
				TokenEndpointAuthMethod: store.AuthSecretBasic, Flows: []string{store.FlowBrowser}}); err != nil {
				b.Fatal(err)
			}
			auth := "Basic " + basicAuth(id, pass)
			form := url.Values{"grant_type": {"authorization_code"}}
			b.ReportAllocs()
			for b.Loop() {
				r := httptest.NewRequest("POST", IssuerPath+"oauth2/token", nil)
				r.Header.Set("Authorization", auth)
				if _, err := p.authenticateClient(b.Context(), r, form); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// benchAuthProvider is a provider over st wired as the server wires it:
// clients read through the cache.
func benchAuthProvider(st store.Store) *Provider {
	return &Provider{BaseURL: "https://vipps.example", Store: store.CacheClients(st, store.DefaultClientTTL, time.Now)}
}

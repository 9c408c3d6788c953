package oidc

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/vippslogin/vippslogin/internal/secret"
	"github.com/vippslogin/vippslogin/internal/store"
	"github.com/vippslogin/vippslogin/internal/testenv"
)

// The benchmarks of the token endpoint and userinfo go through the real
// handlers on a real SQLite file with real signing keys, as a merchant's
// requests do, minus the network:
//
//	go test -run '^$' -bench 'CodeExchange|Userinfo|CIBA' -benchtime 2s ./internal/oidc/
//
// The client's secret is a generated one (SHA-256), as the admin API makes
// them: a chosen secret's PBKDF2 would measure the secret package.

// benchEnv is a provider over a fresh SQLite store with its keys, a client
// allowed the browser and CIBA flows, and Ada.
type benchEnv struct {
	b     *testing.B
	st    store.Store
	clock *testenv.Clock
	mux   *http.ServeMux
	auth  string // the client's Authorization header
}

const benchClient = "client-bench"

func newBenchEnv(b *testing.B) *benchEnv {
	b.Helper()
	ctx := b.Context()
	st := testenv.SQLite(b)
	clk := testenv.NewClock(time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC))
	p := &Provider{BaseURL: "https://vipps.example", Keys: testenv.Keys(b, st, clk.Now), Store: st, Now: clk.Now}
	mux := http.NewServeMux()
	p.Mount(mux)
	plain := secret.New()
	now := clk.Now()
	err := st.CreateClient(ctx, store.Client{
		ID: benchClient, SecretHash: secret.HashGenerated(plain), Name: "Bench shop", RedirectURIs: []string{shopCallback},
		TokenEndpointAuthMethod: store.AuthSecretBasic, Flows: []string{store.FlowBrowser, store.FlowCIBA},
		Scopes: store.Scopes, CreatedAt: now, UpdatedAt: now,
	})
	if err != nil {
		b.Fatal(err)
	}
	err = st.CreateUser(ctx, store.User{PhoneNumber: adaPhone, GivenName: "Ada", FamilyName: "Lovelace", Birthdate: "1815-12-10",
		Email: "ada@example.com", EmailVerified: true, CreatedAt: now, UpdatedAt: now})
	if err != nil {
		b.Fatal(err)
	}
	return &benchEnv{b: b, st: st, clock: clk, mux: mux, auth: "Basic " + basicAuth(benchClient, plain)}
}

// post sends a form to the token endpoint as the client and wants status.
func (e *benchEnv) post(path, body string, status int) *httptest.ResponseRecorder {
	req := httptest.NewRequest("POST", path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", e.auth)
	rec := httptest.NewRecorder()
	e.mux.ServeHTTP(rec, req)
	if rec.Code != status {
		e.b.Fatalf("%s: status %d: %s", path, rec.Code, rec.Body)
	}
	return rec
}

// perSecond reports the benchmark's rate under unit.
func perSecond(b *testing.B, unit string) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), unit)
}

// BenchmarkCodeExchange is the authorization_code grant with PKCE (S256),
// the browser flow's token call: client authentication, the code redeemed
// once, an access token stored, the pairwise sub and an RS256 ID token.
// The codes are stored before the clock starts, as the login pages would
// have made them; Ada has her sub at the client after the first exchange,
// as a returning user does.
func BenchmarkCodeExchange(b *testing.B) {
	e := newBenchEnv(b)
	ctx := b.Context()
	verifier := secret.New() + "-pkce-verifier"
	challenge := pkceS256(verifier)
	now := e.clock.Now()
	bodies := make([]string, b.N)
	for i := range bodies {
		code := secret.New()
		err := e.st.CreateAuthCode(ctx, store.AuthCode{
			Hash: secret.Digest(code), ClientID: benchClient, RedirectURI: shopCallback, PhoneNumber: adaPhone,
			Scopes: []string{"openid", "name", "email"}, Nonce: "nonce", CodeChallenge: challenge, CodeChallengeMethod: "S256",
			SessionID: uuid.NewString(), AuthTime: now.Add(-10 * time.Second), RequestedAt: now.Add(-30 * time.Second),
			CreatedAt: now, ExpiresAt: now.Add(time.Hour),
		})
		if err != nil {
			b.Fatal(err)
		}
		bodies[i] = url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {shopCallback}, "code_verifier": {verifier}}.Encode()
	}
	benchTokenCalls(b, e, bodies, "exchanges/s")
}

// BenchmarkUserinfo is userinfo with a valid bearer token whose user has
// their sub at the client (the ID token made it).
func BenchmarkUserinfo(b *testing.B) {
	e := newBenchEnv(b)
	ctx := b.Context()
	now := e.clock.Now()
	tok := secret.New()
	err := e.st.CreateAccessToken(ctx, store.AccessToken{
		Hash: secret.Digest(tok), ClientID: benchClient, PhoneNumber: adaPhone, Scopes: []string{"openid", "name", "email", "phoneNumber"},
		SessionID: uuid.NewString(), CreatedAt: now, ExpiresAt: now.AddDate(1, 0, 0),
	})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := e.st.PairwiseSubject(ctx, adaPhone, benchClient, uuid.NewString()); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	cpu := cpuPerOp(b)
	for b.Loop() {
		req := httptest.NewRequest("GET", "/vipps-userinfo-api/userinfo", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		rec := httptest.NewRecorder()
		e.mux.ServeHTTP(rec, req)
		if rec.Code != 200 {
			b.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
	}
	cpu()
	perSecond(b, "userinfos/s")
}

// BenchmarkCIBAToken is the token call that ends a CIBA login: the poll
// that finds the request approved by the app, marks it done, stores the
// "ciba." access token and signs the ES256 ID token. The approved requests
// are stored before the clock starts, as the app's approval leaves them.
func BenchmarkCIBAToken(b *testing.B) {
	e := newBenchEnv(b)
	ctx := b.Context()
	now := e.clock.Now()
	bodies := make([]string, b.N)
	for i := range bodies {
		id := secret.New()
		err := e.st.CreateLoginRequest(ctx, store.LoginRequest{
			ID: id, Kind: store.KindCIBA, ClientID: benchClient, Scopes: []string{"openid", "name"}, Nonce: "nonce",
			BindingMessage: "4MZ-CQ3", PollInterval: store.DefaultCIBAInterval, PhoneNumber: adaPhone,
			Status: store.LoginApproved, SessionID: uuid.NewString(), AuthTime: now.Add(-time.Second),
			CreatedAt: now.Add(-10 * time.Second), UpdatedAt: now, ExpiresAt: now.Add(time.Hour),
		})
		if err != nil {
			b.Fatal(err)
		}
		bodies[i] = url.Values{"grant_type": {grantCIBA}, "auth_req_id": {id}}.Encode()
	}
	benchTokenCalls(b, e, bodies, "tokens/s")
}

// benchTokenCalls times one token request per prepared body, each of which
// must be answered with an ID token, and reports the rate in unit.
func benchTokenCalls(b *testing.B, e *benchEnv, bodies []string, unit string) {
	b.Helper()
	path := IssuerPath + "oauth2/token"
	b.ReportAllocs()
	b.ResetTimer()
	cpu := cpuPerOp(b)
	for i := range b.N {
		rec := e.post(path, bodies[i], 200)
		if !strings.Contains(rec.Body.String(), `"id_token"`) {
			b.Fatalf("no ID token: %s", rec.Body)
		}
	}
	cpu()
	perSecond(b, unit)
}

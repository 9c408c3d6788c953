package oidc

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/vippslogin/vippslogin/internal/keys"
	"github.com/vippslogin/vippslogin/internal/secret"
	"github.com/vippslogin/vippslogin/internal/store"
	"github.com/vippslogin/vippslogin/internal/testenv"
)

// BenchmarkCIBAPollPending measures the poll a merchant makes every few
// seconds while the user has not answered, through the whole token
// endpoint handler: client authentication (a generated secret, as the
// admin API makes them), one transaction that reads the request by its key
// and writes last_polled_at, and the authorization_pending answer. The
// provider has no signing keys at all, so a poll that signed would fail.
//
//	go test -run x -bench CIBAPoll -benchtime 2s ./internal/oidc/
func BenchmarkCIBAPollPending(b *testing.B) {
	ctx := b.Context()
	st := testenv.SQLite(b)
	clk := testenv.NewClock(time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC))
	p := &Provider{BaseURL: "https://vipps.example", Keys: &keys.Manager{Store: st}, Store: st, Now: clk.Now}
	mux := http.NewServeMux()
	p.Mount(mux)

	clientSecret := secret.New()
	now := clk.Now()
	err := st.CreateClient(ctx, store.Client{
		ID: cibaClient, SecretHash: secret.HashGenerated(clientSecret), TokenEndpointAuthMethod: store.AuthSecretBasic,
		Flows: []string{store.FlowCIBA}, Scopes: store.Scopes, CreatedAt: now, UpdatedAt: now,
	})
	if err != nil {
		b.Fatal(err)
	}
	id := secret.New()
	err = st.CreateLoginRequest(ctx, store.LoginRequest{
		ID: id, Kind: store.KindCIBA, ClientID: cibaClient, Scopes: []string{"openid", "name"},
		PhoneNumber: adaPhone, Status: store.LoginWaiting, PollInterval: store.DefaultCIBAInterval,
		CreatedAt: now, UpdatedAt: now, ExpiresAt: now.AddDate(100, 0, 0),
	})
	if err != nil {
		b.Fatal(err)
	}
	body := url.Values{"grant_type": {grantCIBA}, "auth_req_id": {id}}.Encode()
	auth := "Basic " + basicAuth(cibaClient, clientSecret)

	b.ReportAllocs()
	cpu := cpuPerOp(b)
	for b.Loop() {
		clk.Add(store.DefaultCIBAInterval) // a well-behaved client: never slow_down
		req := httptest.NewRequest("POST", IssuerPath+"oauth2/token", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Authorization", auth)
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, req)
		if rec.Code != 400 || !strings.Contains(rec.Body.String(), ErrAuthorizationPending) {
			b.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
	}
	cpu()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "polls/s")
}

// basicAuth is the client_secret_basic credentials of RFC 6749 §2.3.1.
func basicAuth(id, pass string) string {
	r, _ := http.NewRequest("GET", "/", nil)
	r.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(pass))
	return strings.TrimPrefix(r.Header.Get("Authorization"), "Basic ")
}

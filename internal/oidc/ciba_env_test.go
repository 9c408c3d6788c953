package oidc

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"

	"github.com/vippslogin/vippslogin/internal/app"
	"github.com/vippslogin/vippslogin/internal/jsonapi"
	"github.com/vippslogin/vippslogin/internal/secret"
	"github.com/vippslogin/vippslogin/internal/store"
	"github.com/vippslogin/vippslogin/internal/testenv"
)

// CIBA fixtures: two clients with the ciba flow (one per authentication
// method, the Basic one with basicSecret so that tokenEnv.config works for
// it), users that are too young or have an outdated app, and the PIN every
// user's app signs in with.
const (
	cibaClient     = "client-ciba"
	cibaPostClient = "client-ciba-post"
	youngPhone     = "4712345680"
	oldAppPhone    = "4712345681"
	pin            = "1236"
)

// cibaEnv is tokenEnv with the app API mounted next to the provider, as the
// server does, so that tests answer CIBA requests with the real app client.
type cibaEnv struct {
	*tokenEnv
}

func newCIBAEnv(t *testing.T) *cibaEnv {
	t.Helper()
	ctx := t.Context()
	st := testenv.SQLite(t)
	km := testenv.Keys(t, st, nil)
	clk := testenv.NewClock(time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC))
	p := &Provider{Keys: km, Store: st, Now: clk.Now}
	api := &app.API{Store: st, Now: clk.Now}
	mux := http.NewServeMux()
	p.Mount(mux)
	appMux := http.NewServeMux()
	api.Mount(appMux)
	mux.Handle("/app/", jsonapi.Routes(appMux))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	p.BaseURL, api.BaseURL = srv.URL, srv.URL
	prov, err := oidc.NewProvider(ctx, p.Issuer())
	if err != nil {
		t.Fatal(err)
	}
	e := &cibaEnv{&tokenEnv{t: t, ctx: ctx, p: p, st: st, srv: srv, clock: clk, prov: prov}}
	e.client(basicClient, basicSecret, store.AuthSecretBasic)
	for _, c := range []struct{ id, secret, method string }{
		{cibaClient, basicSecret, store.AuthSecretBasic},
		{cibaPostClient, postSecret, store.AuthSecretPost},
	} {
		err := st.CreateClient(ctx, store.Client{
			ID: c.id, SecretHash: secret.Hash(c.secret), Name: "Shop " + c.id, RedirectURIs: []string{shopCallback},
			TokenEndpointAuthMethod: c.method, Flows: []string{store.FlowBrowser, store.FlowCIBA},
			// Every scope but accountNumbers, to see an ungranted one refused.
			Scopes:    slices.DeleteFunc(slices.Clone(store.Scopes), func(s string) bool { return s == "accountNumbers" }),
			CreatedAt: clk.Now(), UpdatedAt: clk.Now(),
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	young := clk.Now().AddDate(-MinCIBAAge, 0, 1).Format(time.DateOnly) // 15 tomorrow
	for _, u := range []store.User{
		{PhoneNumber: adaPhone, GivenName: "Ada", FamilyName: "Lovelace", Birthdate: "1815-12-10", Email: "ada@example.com", EmailVerified: true},
		{PhoneNumber: nilsPhone, GivenName: "Nils", FamilyName: "Nilsen", Birthdate: clk.Now().AddDate(-MinCIBAAge, 0, 0).Format(time.DateOnly)},
		{PhoneNumber: youngPhone, GivenName: "Unge", Birthdate: young},
		{PhoneNumber: oldAppPhone, GivenName: "Gamle", AppVersion: "1.0.0"},
	} {
		u.PINHash = secret.Hash(pin)
		e.user(u)
	}
	return e
}

// phone signs the user's app in.
func (e *cibaEnv) phone(number string) *app.Client {
	e.t.Helper()
	c := &app.Client{BaseURL: e.srv.URL, HTTP: e.srv.Client()}
	if _, err := c.SignIn(e.ctx, number, pin); err != nil {
		e.t.Fatal(err)
	}
	return c
}

// cibaForm is a valid backchannel request for Ada, changed by change.
func cibaForm(change func(url.Values)) url.Values {
	v := url.Values{
		"login_hint": {"urn:msisdn:" + adaPhone}, "scope": {"openid name phoneNumber"},
		"binding_message": {"4MZ-CQ3"}, "state": {"state-123"}, "nonce": {"nonce-123"},
	}
	if change != nil {
		change(v)
	}
	return v
}

// asClient authenticates a request as the CIBA client of the given method.
func asClient(id string) func(*http.Request) {
	return func(r *http.Request) {
		if id == cibaPostClient {
			body, _ := io.ReadAll(r.Body)
			form, _ := url.ParseQuery(string(body))
			form.Set("client_id", cibaPostClient)
			form.Set("client_secret", postSecret)
			enc := form.Encode()
			r.Body, r.ContentLength = io.NopCloser(strings.NewReader(enc)), int64(len(enc))
			return
		}
		r.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(basicSecret))
	}
}

// start sends a backchannel authentication request as the client.
func (e *cibaEnv) start(client string, form url.Values) (*http.Response, map[string]any) {
	e.t.Helper()
	return e.do("POST", BackchannelPath, form, asClient(client))
}

// mustStart starts a login and returns its auth_req_id.
func (e *cibaEnv) mustStart(client string, form url.Values) string {
	e.t.Helper()
	resp, body := e.start(client, form)
	id, _ := body["auth_req_id"].(string)
	if resp.StatusCode != 200 || id == "" {
		e.t.Fatalf("start: status %d, %v", resp.StatusCode, body)
	}
	return id
}

// poll asks the token endpoint for the request's tokens.
func (e *cibaEnv) poll(client, authReqID string) (*http.Response, map[string]any) {
	e.t.Helper()
	return e.do("POST", IssuerPath+"oauth2/token", url.Values{"grant_type": {grantCIBA}, "auth_req_id": {authReqID}}, asClient(client))
}

// wantError asserts an OAuth error answer.
func wantError(t *testing.T, resp *http.Response, body map[string]any, status int, code string) {
	t.Helper()
	if resp.StatusCode != status || body["error"] != code {
		t.Errorf("status %d, %v; want %d %s", resp.StatusCode, body, status, code)
	}
}

// request returns the stored login request.
func (e *cibaEnv) request(id string) store.LoginRequest {
	e.t.Helper()
	r, err := e.st.GetLoginRequest(e.ctx, id)
	if err != nil {
		e.t.Fatal(err)
	}
	return r
}

// answer has the user's app find the request and approve or reject it.
func (e *cibaEnv) answer(phone *app.Client, id string, approve bool) app.ApproveResponse {
	e.t.Helper()
	if approve {
		res, err := phone.Approve(e.ctx, id, app.ApproveRequest{})
		if err != nil {
			e.t.Fatalf("approve: %v", err)
		}
		return res
	}
	if err := phone.Reject(e.ctx, id); err != nil {
		e.t.Fatalf("reject: %v", err)
	}
	return app.ApproveResponse{}
}

// jwtParts decodes a JWT's header and payload without verifying it.
func jwtParts(t *testing.T, jwt string) (header, payload map[string]any) {
	t.Helper()
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWS: %q", jwt)
	}
	decodeSegment(t, parts[0], &header)
	decodeSegment(t, parts[1], &payload)
	return header, payload
}

// jsonNumber reads a number claim as an int64.
func jsonNumber(v any) int64 {
	switch n := v.(type) {
	case float64:
		return int64(n)
	case json.Number:
		i, _ := n.Int64()
		return i
	}
	return -1
}

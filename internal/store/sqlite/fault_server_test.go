package sqlite_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vippslogin/vippslogin/internal/app"
	"github.com/vippslogin/vippslogin/internal/devseed"
	"github.com/vippslogin/vippslogin/internal/flow"
	"github.com/vippslogin/vippslogin/internal/oidc"
	"github.com/vippslogin/vippslogin/internal/server"
	"github.com/vippslogin/vippslogin/internal/store/sqlite"
	"github.com/vippslogin/vippslogin/internal/testenv"
)

// The issue 17 fault on a running server: its database becomes read-only.
// While it lasts, /readyz and every login step that writes answer the one
// 503 of a database that cannot be used (not a 500): the backchannel, the
// app's sign-in, the phone page, and authorize, which sends the browser
// back with temporarily_unavailable; userinfo, which only reads, answers
// as ever. Once it is mended the same server, not restarted, is ready and
// logs users in again.
func TestReadOnlyFaultOnServer(t *testing.T) {
	ctx := t.Context()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "vippslogin.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	clock := testenv.NewClock(time.Now())
	km := testenv.Keys(t, st, clock.Now)
	ts := httptest.NewUnstartedServer(nil)
	base := "http://" + ts.Listener.Addr().String()
	if err := devseed.Seed(ctx, st, base, clock.Now()); err != nil {
		t.Fatal(err)
	}
	srv := &server.Server{BaseURL: base, Store: st, Keys: km, AdminToken: "fault-admin-token-0123",
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: clock.Now}
	ts.Config.Handler = srv.Handler()
	ts.Start()
	t.Cleanup(ts.Close)

	ready := func() int {
		t.Helper()
		clock.Add(server.ReadyCheckEvery) // past the cached outcome
		status, _ := post(t, http.MethodGet, base+"/readyz", nil)
		return status
	}
	if status := ready(); status != http.StatusOK {
		t.Fatalf("/readyz before the fault: %d", status)
	}
	token := cibaLogin(t, base)
	// A browser login at its phone page, bound to this browser, before the
	// fault.
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	authorize := base + flow.IssuerPath + "oauth2/auth?" + url.Values{"client_id": {devseed.ClientID}, "response_type": {"code"},
		"redirect_uri": {base + "/demo/callback"}, "scope": {"openid"}, "state": {"fault-state-1"},
		"code_challenge": {strings.Repeat("c", 43)}, "code_challenge_method": {"S256"}}.Encode()
	resp := send(t, browser, request(http.MethodGet, authorize, nil))
	page, _ := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || page.Query().Get("tabId") == "" {
		t.Fatalf("authorize: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp := send(t, browser, request(http.MethodGet, page.String(), nil)); resp.StatusCode != http.StatusOK {
		t.Fatalf("the phone page: %d", resp.StatusCode)
	}

	mend := sqlite.ReadOnlyFault(t, st)
	if status := ready(); status != http.StatusServiceUnavailable {
		t.Errorf("/readyz while read-only: %d, want 503", status)
	}
	status, body := post(t, http.MethodPost, base+oidc.BackchannelPath,
		url.Values{"login_hint": {"urn:msisdn:" + devseed.Ada}, "scope": {"openid"}})
	if status != http.StatusServiceUnavailable || body["error"] != "temporarily_unavailable" {
		t.Errorf("CIBA while read-only: %d %v, want 503 temporarily_unavailable", status, body)
	}
	status, _ = post(t, http.MethodPost, base+"/app/v1/sessions", map[string]string{"phone_number": devseed.Ada, "pin": devseed.PIN})
	if status != http.StatusServiceUnavailable {
		t.Errorf("app sign-in while read-only: %d, want 503", status)
	}
	// A new browser login goes back to the merchant with the error of RFC
	// 6749 §4.1.2.1 for it, not server_error.
	resp = send(t, browser, request(http.MethodGet, authorize, nil))
	if back, _ := url.Parse(resp.Header.Get("Location")); resp.StatusCode != http.StatusFound ||
		back.Query().Get("error") != "temporarily_unavailable" || back.Query().Get("state") != "fault-state-1" {
		t.Errorf("authorize while read-only: %d to %q, want the callback with temporarily_unavailable", resp.StatusCode, resp.Header.Get("Location"))
	}
	// The phone number typed on the page bound before the fault.
	resp = send(t, browser, request(http.MethodPost, base+"/vipps-login-idp/phone", url.Values{"tabId": {page.Query().Get("tabId")}, "phone_number": {devseed.Ada}}))
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
		t.Errorf("the phone page's POST while read-only: %d (Retry-After %q), want 503 with Retry-After", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	// Userinfo only reads: it answers as ever.
	req := request(http.MethodGet, base+"/vipps-userinfo-api/userinfo", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	if resp := send(t, http.DefaultClient, req); resp.StatusCode != http.StatusOK {
		t.Errorf("userinfo while read-only: %d, want 200", resp.StatusCode)
	}

	mend()
	if status := ready(); status != http.StatusOK {
		t.Errorf("/readyz once the fault is mended: %d, want 200", status)
	}
	cibaLogin(t, base)
}

// cibaLogin logs Ada in to the demo client from the phone, as a merchant's
// backend and her app would, and returns the access token; it fails the
// test unless tokens come out.
func cibaLogin(t *testing.T, base string) string {
	t.Helper()
	status, body := post(t, http.MethodPost, base+oidc.BackchannelPath,
		url.Values{"login_hint": {"urn:msisdn:" + devseed.Ada}, "scope": {"openid"}})
	id, _ := body["auth_req_id"].(string)
	if status != http.StatusOK || id == "" {
		t.Fatalf("backchannel: %d %v", status, body)
	}
	phone := &app.Client{BaseURL: base}
	ctx := context.Background()
	if _, err := phone.SignIn(ctx, devseed.Ada, devseed.PIN); err != nil {
		t.Fatalf("app sign-in: %v", err)
	}
	if _, err := phone.Approve(ctx, id, app.ApproveRequest{}); err != nil {
		t.Fatalf("approve: %v", err)
	}
	status, body = post(t, http.MethodPost, base+flow.IssuerPath+"oauth2/token",
		url.Values{"grant_type": {"urn:openid:params:grant-type:ciba"}, "auth_req_id": {id}})
	token, _ := body["access_token"].(string)
	if status != http.StatusOK || token == "" {
		t.Fatalf("token: %d %v", status, body)
	}
	return token
}

// send makes the request with c and returns the answer, its body read
// and closed.
func send(t *testing.T, c *http.Client, r *http.Request) *http.Response {
	t.Helper()
	resp, err := c.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

// request is a request with form as its body, or none when form is nil.
func request(method, u string, form url.Values) *http.Request {
	if form == nil {
		r, _ := http.NewRequest(method, u, nil)
		return r
	}
	r, _ := http.NewRequest(method, u, strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return r
}

// post sends a form as the demo client (client_secret_basic), a JSON
// body, or nothing, and returns the status and the JSON answer.
func post(t *testing.T, method, u string, body any) (int, map[string]any) {
	t.Helper()
	var req *http.Request
	switch b := body.(type) {
	case url.Values:
		req = request(method, u, b)
		req.SetBasicAuth(devseed.ClientID, devseed.ClientSecret)
	case nil:
		req = request(method, u, nil)
	default:
		raw, _ := json.Marshal(b)
		req, _ = http.NewRequest(method, u, strings.NewReader(string(raw)))
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var answer map[string]any
	json.NewDecoder(resp.Body).Decode(&answer)
	return resp.StatusCode, answer
}

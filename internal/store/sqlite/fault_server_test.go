package sqlite_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
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
// 503 of a database that cannot be used (not a 500); once it is mended the
// same server, not restarted, is ready and logs users in again.
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
	cibaLogin(t, base)

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

	mend()
	if status := ready(); status != http.StatusOK {
		t.Errorf("/readyz once the fault is mended: %d, want 200", status)
	}
	cibaLogin(t, base)
}

// cibaLogin logs Ada in to the demo client from the phone, as a merchant's
// backend and her app would, and fails the test unless tokens come out.
func cibaLogin(t *testing.T, base string) {
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
	if status != http.StatusOK || body["access_token"] == nil {
		t.Fatalf("token: %d %v", status, body)
	}
}

// post sends a form as the demo client (client_secret_basic), a JSON
// body, or nothing, and returns the status and the JSON answer.
func post(t *testing.T, method, u string, body any) (int, map[string]any) {
	t.Helper()
	var req *http.Request
	switch b := body.(type) {
	case url.Values:
		req, _ = http.NewRequest(method, u, strings.NewReader(b.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(devseed.ClientID, devseed.ClientSecret)
	case nil:
		req, _ = http.NewRequest(method, u, nil)
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

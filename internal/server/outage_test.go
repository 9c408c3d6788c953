package server

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/vippslogin/vippslogin/internal/app"
	"github.com/vippslogin/vippslogin/internal/devseed"
	"github.com/vippslogin/vippslogin/internal/flow"
	"github.com/vippslogin/vippslogin/internal/store/postgres/pgtest"
)

// The database goes away in the middle of a login and comes back: while it
// is gone every store-backed request fails fast with 503 and says why, and
// the login is left as it was; once it is back, both replicas serve again
// without a restart and the same login finishes. The PostgreSQL server
// itself keeps running (other tests share it): the replicas reach it
// through a proxy the test cuts.
func TestDatabaseOutage(t *testing.T) {
	dbURL, proxy := pgtest.Proxied(t, pgtest.URL(t))
	c := newCluster(t, openPostgres(t, dbURL, 2)...)
	cfg := c.oauth(devseed.ClientID, devseed.ClientSecret, "openid", "name")
	verifier := oauth2.GenerateVerifier()
	b := newBrowser(t)
	p := b.get(cfg.AuthCodeURL("outage-state", oauth2.S256ChallengeOption(verifier)))
	tabID := p.URL.Query().Get("tabId")
	if tabID == "" {
		t.Fatalf("no phone page: %d at %s", p.Status, p.URL)
	}

	// A client no replica has read, so that its authorize must ask the
	// database. (A client read within store.DefaultClientTTL is known
	// without it: its authorize redirects to the client with
	// temporarily_unavailable when the login cannot be stored.)
	unread := c.generatedSecretClient(t, "unread", "openid")

	proxy.Cut()
	start := time.Now()
	for _, tt := range []struct {
		name, method, path, body, want string
	}{
		{"readiness", "GET", "/readyz", "", "database is unavailable"},
		{"the phone page's step", "POST", "/vipps-login-idp/phone", url.Values{"tabId": {tabID}, "phone_number": {devseed.Ada}}.Encode(), "Midlertidig utilgjengelig"},
		{"the wait page's poll", "GET", "/vipps-login-idp/api/status?tabId=" + tabID, "", "temporarily_unavailable"},
		{"authorize", "GET", strings.TrimPrefix(unread.AuthCodeURL("s2-state"), c.BaseURL), "", "unavailable"},
		{"token", "POST", flow.IssuerPath + "oauth2/token", url.Values{"grant_type": {"authorization_code"}, "code": {"x"}, "redirect_uri": {cfg.RedirectURL}}.Encode(), "temporarily_unavailable"},
		{"app sign-in", "POST", "/app/v1/sessions", `{"phone_number":"4712345678","pin":"1236"}`, "database is unavailable"},
		{"admin", "GET", "/admin/v1/clients", "", "database is unavailable"},
	} {
		for _, replica := range []int{A, B} {
			c.on(replica)
			status, body := do(t, tt.method, c.BaseURL+tt.path, tt.body)
			if status != http.StatusServiceUnavailable || !strings.Contains(body, tt.want) {
				t.Errorf("%s on replica %d while the database is gone: %d %.300q, want 503 saying %q", tt.name, replica, status, body, tt.want)
			}
		}
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("the failures took %v; want them fast", d)
	}

	proxy.Restore()
	for _, replica := range []int{A, B} {
		c.on(replica)
		if status, body := do(t, "GET", c.BaseURL+"/readyz", ""); status != 200 {
			t.Errorf("replica %d after the database came back: /readyz = %d %s", replica, status, body)
		}
	}
	// The same login goes on from the step that failed.
	c.on(B)
	p = b.post(c.BaseURL+"/vipps-login-idp/phone", url.Values{"tabId": {tabID}, "phone_number": {devseed.Ada}})
	m := challengeRE.FindStringSubmatch(p.Body)
	if m == nil {
		t.Fatalf("no challenge after the database came back: %d at %s", p.Status, p.URL)
	}
	phone := c.signIn(t, A, devseed.Ada)
	reqs, err := phone.Requests(c.ctx, 0)
	if err != nil || len(reqs) != 1 {
		t.Fatalf("the app sees %v (%v)", reqs, err)
	}
	if _, err := phone.Approve(c.ctx, reqs[0].ID, app.ApproveRequest{Challenge: m[1]}); err != nil {
		t.Fatal(err)
	}
	c.on(B)
	b.get(c.BaseURL + flow.LoginPath + "?tabId=" + url.QueryEscape(tabID))
	b.post(c.BaseURL+"/vipps-login-idp/consent", url.Values{"tabId": {tabID}, "action": {"accept"}})
	if b.Landed == nil || b.Landed.Query().Get("state") != "outage-state" {
		t.Fatal("the login did not finish after the database came back")
	}
	c.on(A)
	if _, err := cfg.Exchange(c.ctx, b.Landed.Query().Get("code"), oauth2.VerifierOption(verifier)); err != nil {
		t.Errorf("token after the outage: %v", err)
	}
}

// do sends a request (a JSON body for /app/ and /admin/, else a form) and
// returns the status and the body.
func do(t *testing.T, method, u, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, u, strings.NewReader(body))
	switch {
	case strings.Contains(u, "/app/") || strings.Contains(u, "/admin/"):
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer replica-admin-token")
	case body != "":
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(devseed.ClientID, devseed.ClientSecret)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

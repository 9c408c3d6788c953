package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vippslogin/vippslogin/internal/app"
	"github.com/vippslogin/vippslogin/internal/oidc"
)

const exampleSeed = "../../examples/seed.yaml"

// TestDevSeed starts `vippslogin dev --seed examples/seed.yaml` twice on
// one database, as a CI job restarted would: the first start creates the
// file's world next to the demo data, the second changes nothing, and a
// merchant logs in with a seeded client's fixed secret.
func TestDevSeed(t *testing.T) {
	db := filepath.Join(t.TempDir(), "dev.db")
	s := startServer(t, "dev", nil, "--db", db, "--seed", exampleSeed)
	if banner := strings.Join(s.Banner, "\n"); !strings.Contains(banner, "seed file:   "+exampleSeed+" (7 created, 0 updated, 0 unchanged; consents as in the file: 1)") {
		t.Errorf("banner does not report the seed:\n%s", banner)
	}
	s.Stop(t)

	s = startServer(t, "dev", map[string]string{"VIPPSLOGIN_SEED": exampleSeed}, "--db", db)
	if banner := strings.Join(s.Banner, "\n"); !strings.Contains(banner, "(0 created, 0 updated, 7 unchanged; consents as in the file: 1)") {
		t.Errorf("a second start with the same file changed something:\n%s", banner)
	}

	if idToken := seededCIBALogin(t, s); idToken == "" {
		t.Error("the login at the seeded client got no ID token")
	}
	form := url.Values{"client_id": {"ci-shop"}, "client_secret": {"wrong-secret"}, "scope": {"openid name"},
		"login_hint": {"urn:msisdn:4790000001"}}
	if status := postForm(t, s.BaseURL+oidc.BackchannelPath, form, nil); status != http.StatusUnauthorized {
		t.Errorf("a wrong secret = %d, want 401", status)
	}
}

// seededCIBALogin is a login from phone number (CIBA) at the client
// examples/seed.yaml makes, with its fixed secret, sent as
// client_secret_post as the file says; it returns the ID token. The client
// has a ciba_ping_url, so the request carries a client_notification_token;
// this polls rather than waiting for the ping. Kari consented in the file,
// so the app asks for no consent.
func seededCIBALogin(t *testing.T, s *testServer) string {
	t.Helper()
	form := url.Values{"client_id": {"ci-shop"}, "client_secret": {"ci-shop-secret"}, "scope": {"openid name"},
		"login_hint": {"urn:msisdn:4790000001"}, "client_notification_token": {"ci-notification-token"}}
	var started struct {
		AuthReqID string `json:"auth_req_id"`
	}
	if status := postForm(t, s.BaseURL+oidc.BackchannelPath, form, &started); status != http.StatusOK || started.AuthReqID == "" {
		t.Fatalf("backchannel authentication = %d %+v", status, started)
	}
	phone := &app.Client{BaseURL: s.BaseURL}
	ctx := t.Context()
	if _, err := phone.SignIn(ctx, "4790000001", "1236"); err != nil {
		t.Fatalf("the seeded user signs in with the seeded PIN: %v", err)
	}
	reqs, err := phone.Requests(ctx, 0)
	if err != nil || len(reqs) != 1 || reqs[0].ConsentRequired {
		t.Fatalf("the app sees %+v, %v; want one request needing no consent", reqs, err)
	}
	if _, err := phone.Approve(ctx, reqs[0].ID, app.ApproveRequest{}); err != nil {
		t.Fatal(err)
	}
	token := url.Values{"grant_type": {"urn:openid:params:grant-type:ciba"}, "auth_req_id": {started.AuthReqID},
		"client_id": {"ci-shop"}, "client_secret": {"ci-shop-secret"}}
	var tokens struct {
		IDToken string `json:"id_token"`
	}
	if status := postForm(t, s.BaseURL+oidc.IssuerPath+"oauth2/token", token, &tokens); status != http.StatusOK || tokens.IDToken == "" {
		t.Errorf("token = %d %+v, want an ID token", status, tokens)
	}
	return tokens.IDToken
}

// TestSeedFileErrorsStopTheStart: a file that does not parse stops the
// start before anything is written, and one the admin API refuses stops it
// naming the item.
func TestSeedFileErrorsStopTheStart(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct {
		name, src string
		code      int
		want      string
	}{
		{"unknown key", "users:\n  - phone_number: \"4790000001\"\n    pin: \"1236\"\n    emial: x@example.com\n", 2,
			`line 4: users[0]: unknown key "emial" (did you mean "email"?)`},
		{"refused", "users:\n  - phone_number: \"4790000001\"\n    pin: \"1236\"\n  - phone_number: \"123\"\n    pin: \"1236\"\n", 1,
			`line 4: users[1]: phone_number "123" must be an MSISDN`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			file := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "-")+".yaml")
			if err := os.WriteFile(file, []byte(tt.src), 0o600); err != nil {
				t.Fatal(err)
			}
			var stderr strings.Builder
			code := run(t.Context(), []string{"dev", "--addr", "127.0.0.1:0", "--db", filepath.Join(dir, tt.name+".db"), "--seed", file},
				func(string) string { return "" }, &strings.Builder{}, &stderr)
			if code != tt.code || !strings.Contains(stderr.String(), "vippslogin dev: seed file "+file+" "+tt.want) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, stderr.String(), tt.code, tt.want)
			}
		})
	}
}

// postForm posts form and decodes the JSON answer into out (when not
// nil), returning the status.
func postForm(t *testing.T, u string, form url.Values, out any) int {
	t.Helper()
	resp, err := http.PostForm(u, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if out != nil && resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal(body, out); err != nil {
			t.Fatal(err)
		}
	} else if out != nil {
		t.Logf("POST %s = %s %s", u, resp.Status, body)
	}
	return resp.StatusCode
}

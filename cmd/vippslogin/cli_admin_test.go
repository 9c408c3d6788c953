package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vippslogin/vippslogin/internal/admin"
	"github.com/vippslogin/vippslogin/internal/jsonapi"
	"github.com/vippslogin/vippslogin/internal/keys"
	"github.com/vippslogin/vippslogin/internal/secret"
	"github.com/vippslogin/vippslogin/internal/store"
	"github.com/vippslogin/vippslogin/internal/testenv"
)

const cliToken = "cli-test-token"

type cliFunc func(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error

// adminServer serves the real admin API on a fresh SQLite store and returns
// its URL and the store, for checks the API does not show (hashes).
func adminServer(t *testing.T) (string, store.Store) {
	t.Helper()
	st := testenv.SQLite(t)
	km := testenv.Keys(t, st, nil)
	mux := http.NewServeMux()
	(&admin.API{Store: st, Keys: km, Token: cliToken}).Mount(mux)
	srv := httptest.NewServer(jsonapi.Routes(mux))
	t.Cleanup(srv.Close)
	return srv.URL, st
}

// cli runs one command with env as its whole environment.
func cli(t *testing.T, f cliFunc, env map[string]string, args ...string) (string, error) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	err := f(t.Context(), args, func(k string) string { return env[k] }, &stdout, &stderr)
	return stdout.String(), err
}

// ok runs a command that must succeed and decodes its output into out
// (when not nil).
func ok(t *testing.T, f cliFunc, env map[string]string, out any, args ...string) string {
	t.Helper()
	stdout, err := cli(t, f, env, args...)
	if err != nil {
		t.Fatalf("%v: %v", args, err)
	}
	if out != nil {
		if err := json.Unmarshal([]byte(stdout), out); err != nil {
			t.Fatalf("%v printed %q: %v", args, stdout, err)
		}
	}
	return stdout
}

func TestClientCommands(t *testing.T) {
	url, st := adminServer(t)
	// The token from the environment, the server from a flag.
	env := map[string]string{"VIPPSLOGIN_ADMIN_TOKEN": cliToken, "VIPPSLOGIN_SERVER": "http://127.0.0.1:1"}
	var c admin.ClientResponse
	ok(t, runClient, env, &c, "create", "--server", url, "--name", "Demo Shop", "--client-id", "demo-client",
		"--client-secret", "demo-secret", "--redirect-uri", "http://localhost:3000/callback", "--redirect-uri", "https://demo.example/cb",
		"--app-callback-uri", "demo-app://callback", "--post-logout-redirect-uri", "https://demo.example/bye", "--flow", "browser,ciba", "--flow", "qr", "--scope", "openid name, email",
		"--scope", "nin", "--auth-method", "client_secret_post", "--qr-webhook-url", "https://demo.example/qr",
		"--ciba-ping-url", "https://demo.example/ping", "--consent-webhook-url", "https://demo.example/consent")
	want := admin.ClientResponse{
		ClientID: "demo-client", ClientSecret: "demo-secret", Name: "Demo Shop",
		RedirectURIs:    []string{"http://localhost:3000/callback", "https://demo.example/cb"},
		AppCallbackURIs: []string{"demo-app://callback"}, TokenEndpointAuthMethod: "client_secret_post",
		PostLogoutRedirectURIs: []string{"https://demo.example/bye"},
		Flows:                  []string{"browser", "ciba", "qr"}, Scopes: []string{"openid", "name", "email", "nin"},
		QRWebhookURL: "https://demo.example/qr", CIBAPingURL: "https://demo.example/ping", ConsentWebhookURL: "https://demo.example/consent",
		CIBAInterval: 5, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt,
	}
	if !sameJSON(t, c, want) {
		t.Errorf("client create printed %+v, want %+v", c, want)
	}

	env["VIPPSLOGIN_SERVER"] = url
	var gen admin.ClientResponse
	ok(t, runClient, env, &gen, "create", "--name", "Generated")
	if gen.ClientID == "" || gen.ClientSecret == "" || !slices.Equal(gen.Flows, []string{"browser"}) {
		t.Errorf("client create with defaults printed %+v", gen)
	}

	var list []admin.ClientResponse
	ok(t, runClient, env, &list, "list")
	if len(list) != 2 {
		t.Errorf("client list printed %d clients, want 2", len(list))
	}
	var got admin.ClientResponse
	// The flag after the positional argument works too.
	ok(t, runClient, env, &got, "get", "demo-client", "--admin-token", cliToken)
	want.ClientSecret = ""
	if !sameJSON(t, got, want) {
		t.Errorf("client get printed %+v, want %+v", got, want)
	}

	var rot admin.SecretResponse
	ok(t, runClient, env, &rot, "rotate-secret", "demo-client")
	stored, _ := st.GetClient(t.Context(), "demo-client")
	if rot.ClientID != "demo-client" || !secret.Verify(stored.SecretHash, rot.ClientSecret) || secret.Verify(stored.SecretHash, "demo-secret") {
		t.Errorf("rotate-secret printed %+v; want a new secret that replaced demo-secret", rot)
	}

	if out := ok(t, runClient, env, nil, "delete", "demo-client"); out != "deleted client demo-client\n" {
		t.Errorf("client delete printed %q", out)
	}
	_, err := cli(t, runClient, env, "get", "demo-client")
	var p *jsonapi.Problem
	if !errors.As(err, &p) || p.Status != 404 || !strings.Contains(err.Error(), `No client has client_id "demo-client"`) {
		t.Errorf("client get of a deleted client = %v, want the 404 with its detail", err)
	}
}

// client create and update take --ciba-interval, the poll interval of the
// client's logins from phone number (a vippslogin extension; Vipps' 5 s
// unless set); update changes only the fields given as flags.
func TestClientCIBAIntervalCommands(t *testing.T) {
	url, st := adminServer(t)
	env := map[string]string{"VIPPSLOGIN_ADMIN_TOKEN": cliToken, "VIPPSLOGIN_SERVER": url}
	var c admin.ClientResponse
	ok(t, runClient, env, &c, "create", "--client-id", "ci", "--name", "CI shop", "--flow", "ciba",
		"--redirect-uri", "https://ci.example/cb", "--ciba-interval", "1")
	if c.CIBAInterval != 1 {
		t.Errorf("client create --ciba-interval 1 printed %+v", c)
	}
	ok(t, runClient, env, &c, "update", "ci", "--ciba-interval", "30")
	if stored, _ := st.GetClient(t.Context(), "ci"); c.CIBAInterval != 30 || stored.CIBAInterval != 30*time.Second ||
		c.Name != "CI shop" || !slices.Equal(c.Flows, []string{"ciba"}) || !slices.Equal(c.RedirectURIs, []string{"https://ci.example/cb"}) {
		t.Errorf("client update --ciba-interval 30 printed %+v, stored %v; want only the interval changed", c, stored.CIBAInterval)
	}
	ok(t, runClient, env, &c, "update", "ci", "--name", "Renamed", "--redirect-uri", "", "--flow", "browser,ciba")
	if c.Name != "Renamed" || len(c.RedirectURIs) != 0 || !slices.Equal(c.Flows, []string{"browser", "ciba"}) || c.CIBAInterval != 30 {
		t.Errorf("client update of name, redirect URIs and flows printed %+v", c)
	}
	ok(t, runClient, env, &c, "create", "--client-id", "plain", "--name", "Plain")
	if c.CIBAInterval != 5 {
		t.Errorf("client create without --ciba-interval printed ciba_interval %d, want 5", c.CIBAInterval)
	}

	_, err := cli(t, runClient, env, "update", "ci", "--ciba-interval", "61")
	if err == nil || !strings.Contains(err.Error(), "ciba_interval 61 must be a whole number of seconds from 1 to 60") {
		t.Errorf("client update --ciba-interval 61 = %v, want the API's 400", err)
	}
	var usage *usageError
	for _, args := range [][]string{
		{"update", "ci"},
		{"update", "ci", "--ciba-interval", "fast"},
		{"create", "--name", "x", "--ciba-interval", "1.5"},
	} {
		if _, err := cli(t, runClient, env, args...); !errors.As(err, &usage) {
			t.Errorf("%v = %v, want a usage error", args, err)
		}
	}
}

// create-many makes numbered users in calls of 10,000, or takes a file in
// either of its two shapes; a refused call names the user by index.
func TestUserCreateMany(t *testing.T) {
	url, st := adminServer(t)
	env := map[string]string{"VIPPSLOGIN_ADMIN_TOKEN": cliToken, "VIPPSLOGIN_SERVER": url}
	var out admin.UserBatchResponse
	ok(t, runUser, env, &out, "create-many", "--count", "10002", "--first-phone", "4790000000", "--pin", "2580")
	if out.Created != 10002 {
		t.Errorf("create-many --count 10002 printed %+v", out)
	}
	last, err := st.GetUser(t.Context(), "4790010001")
	if err != nil || last.FamilyName != "User 10002" || last.GivenName != "Test" || !secret.Verify(last.PINHash, "2580") {
		t.Errorf("the last user is %+v, %v", last, err)
	}

	dir := t.TempDir()
	object, array := filepath.Join(dir, "object.json"), filepath.Join(dir, "array.json")
	os.WriteFile(object, []byte(`{"users": [{"phone_number": "4712345678", "pin": "1236", "given_name": "Ada"}]}`), 0o600)
	os.WriteFile(array, []byte(` [{"phone_number": "4712345679", "pin": "1236"}, {"phone_number": "4712345680", "pin": "12"}]`), 0o600)
	ok(t, runUser, env, &out, "create-many", "--json", object)
	if u, err := st.GetUser(t.Context(), "4712345678"); out.Created != 1 || err != nil || u.GivenName != "Ada" {
		t.Errorf("create-many --json {users} printed %+v; the user is %+v, %v", out, u, err)
	}
	_, err = cli(t, runUser, env, "create-many", "--json", array)
	var p *jsonapi.Problem
	if !errors.As(err, &p) || p.Status != 400 || !strings.Contains(p.Detail, "users[1].pin") {
		t.Errorf("create-many with a bad PIN in a bare array = %v, want a 400 naming users[1].pin", err)
	}
	if _, err := st.GetUser(t.Context(), "4712345679"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the refused batch's good user was created (%v)", err)
	}

	for _, args := range [][]string{
		{"create-many"},
		{"create-many", "--count", "3"},
		{"create-many", "--count", "3", "--pin", "1236", "--json", object},
		{"create-many", "--count", "3", "--pin", "1236", "--first-phone", "9999999999"},
		{"create-many", "--count", "3", "--pin", "1236", "--first-phone", "47-12"},
	} {
		var usage *usageError
		if _, err := cli(t, runUser, env, args...); !errors.As(err, &usage) {
			t.Errorf("%v = %v, want a usage error", args, err)
		}
	}
}

func TestUserCommands(t *testing.T) {
	url, st := adminServer(t)
	env := map[string]string{"VIPPSLOGIN_ADMIN_TOKEN": cliToken, "VIPPSLOGIN_SERVER": url}
	body := filepath.Join(t.TempDir(), "ada.json")
	if err := os.WriteFile(body, []byte(`{
		"phone_number": "4712345678", "pin": "0000", "given_name": "From file", "family_name": "Lovelace",
		"addresses": [{"street_address": "Gate 1", "postal_code": "0150", "region": "Oslo", "country": "NO", "address_type": "home", "default": true}],
		"accounts": [{"account_name": "Savings", "account_number": "12345678903", "bank_name": "DNB"}]
	}`), 0o600); err != nil {
		t.Fatal(err)
	}
	var u admin.UserResponse
	ok(t, runUser, env, &u, "create", "--json", body, "--pin", "1236", "--given-name", "Ada", "--birthdate", "1815-12-10",
		"--email", "ada@example.com", "--email-verified", "--nin", "10121550047", "--app-version", "4.0.0")
	if u.PhoneNumber != "4712345678" || u.GivenName != "Ada" || u.FamilyName != "Lovelace" || !u.EmailVerified ||
		u.NIN != "10121550047" || len(u.Addresses) != 1 || len(u.Accounts) != 1 || u.AppVersion != "4.0.0" {
		t.Errorf("user create printed %+v; want the file's body with the flags' fields over it", u)
	}
	stored, _ := st.GetUser(t.Context(), "4712345678")
	if !secret.Verify(stored.PINHash, "1236") {
		t.Errorf("--pin did not override the file's pin")
	}
	ok(t, runUser, env, nil, "create", "--phone", "4712345679", "--pin", "1236")

	var list []admin.UserResponse
	ok(t, runUser, env, &list, "list")
	if len(list) != 2 {
		t.Errorf("user list printed %d users, want 2", len(list))
	}
	var got admin.UserResponse
	ok(t, runUser, env, &got, "get", "4712345678")
	if !sameJSON(t, got, u) {
		t.Errorf("user get printed %+v, want %+v", got, u)
	}
	if out := ok(t, runUser, env, nil, "delete", "4712345678"); out != "deleted user 4712345678\n" {
		t.Errorf("user delete printed %q", out)
	}
	if _, err := st.GetUser(t.Context(), "4712345678"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("after user delete GetUser = %v", err)
	}
}

// user create and update take --active: a user whose account is not active
// (Vipps: "the user's account is not active") cannot log in, and login
// from phone number answers error_code=invalid_user. update changes only
// the fields given as flags.
func TestUserActiveCommands(t *testing.T) {
	url, st := adminServer(t)
	env := map[string]string{"VIPPSLOGIN_ADMIN_TOKEN": cliToken, "VIPPSLOGIN_SERVER": url}
	var u admin.UserResponse
	ok(t, runUser, env, &u, "create", "--phone", "4712345678", "--pin", "1236", "--given-name", "Ada")
	if !u.Active {
		t.Errorf("user create without --active printed %+v, want active", u)
	}
	ok(t, runUser, env, &u, "create", "--phone", "4712345679", "--pin", "1236", "--active=false")
	if stored, _ := st.GetUser(t.Context(), "4712345679"); u.Active || !stored.Inactive {
		t.Errorf("user create --active=false printed %+v, stored Inactive %v", u, stored.Inactive)
	}
	ok(t, runUser, env, &u, "update", "4712345678", "--active=false")
	if u.Active || u.GivenName != "Ada" {
		t.Errorf("user update --active=false printed %+v; want inactive, the rest kept", u)
	}
	ok(t, runUser, env, &u, "update", "4712345678", "--family-name", "Lovelace", "--email-verified", "--pin", "9999")
	stored, _ := st.GetUser(t.Context(), "4712345678")
	if u.Active || u.FamilyName != "Lovelace" || !u.EmailVerified || !secret.Verify(stored.PINHash, "9999") {
		t.Errorf("user update of other fields printed %+v; want them changed and the user left inactive", u)
	}
	ok(t, runUser, env, &u, "update", "--active", "4712345678")
	if !u.Active {
		t.Errorf("user update --active printed %+v, want active again", u)
	}

	var usage *usageError
	for _, args := range [][]string{
		{"update", "4712345678"},
		{"update", "4712345678", "--phone", "4712345670"},
		{"update", "4712345678", "--active=maybe"},
	} {
		if _, err := cli(t, runUser, env, args...); !errors.As(err, &usage) {
			t.Errorf("%v = %v, want a usage error", args, err)
		}
	}
	_, err := cli(t, runUser, env, "update", "4712345678", "--birthdate", "2100-01-01")
	if err == nil || !strings.Contains(err.Error(), "future") {
		t.Errorf("user update with a future birthdate = %v, want the API's 400", err)
	}
}

func TestKeysCommands(t *testing.T) {
	url, _ := adminServer(t)
	env := map[string]string{"VIPPSLOGIN_ADMIN_TOKEN": cliToken, "VIPPSLOGIN_SERVER": url}
	var before, after, listed []keys.Info
	ok(t, runKeys, env, &before, "list")
	ok(t, runKeys, env, &after, "rotate")
	ok(t, runKeys, env, &listed, "list")
	if len(before) != 2 || len(after) != 4 || !sameJSON(t, after, listed) {
		t.Errorf("keys: %d before, %d after rotate, list after %d; want 2, 4, the same 4", len(before), len(after), len(listed))
	}
}

func TestAdminCommandErrors(t *testing.T) {
	url, _ := adminServer(t)
	env := map[string]string{"VIPPSLOGIN_ADMIN_TOKEN": cliToken, "VIPPSLOGIN_SERVER": url}
	noToken := map[string]string{"VIPPSLOGIN_SERVER": url}
	tests := []struct {
		name string
		f    cliFunc
		env  map[string]string
		args []string
		// usage: want a usage error; help: want flag.ErrHelp; else an API error.
		usage, help bool
		want        []string
	}{
		{"missing token", runClient, noToken, []string{"list"}, true, false, []string{"--admin-token", "VIPPSLOGIN_ADMIN_TOKEN", "dev-admin-token"}},
		{"missing token, user", runUser, noToken, []string{"get", "4712345678"}, true, false, []string{"--admin-token"}},
		{"no subcommand", runKeys, env, nil, true, false, []string{"rotate, list"}},
		{"unknown subcommand", runClient, env, []string{"edit"}, true, false, []string{`"edit"`, "create, list, get, update, delete, rotate-secret"}},
		{"unknown user subcommand", runUser, env, []string{"rotate-secret"}, true, false, []string{"create, create-many, list, get, update, unlock, consent, delete"}},
		{"missing id", runClient, env, []string{"get"}, true, false, []string{"<client_id>"}},
		{"missing phone", runUser, env, []string{"delete"}, true, false, []string{"<phone_number>"}},
		{"extra argument", runKeys, env, []string{"rotate", "now"}, true, false, []string{"no arguments"}},
		{"unknown flag", runClient, env, []string{"create", "--nmae", "x"}, true, false, []string{"nmae"}},
		{"missing json file", runUser, env, []string{"create", "--json", "/nonexistent.json"}, true, false, []string{"--json"}},
		{"group help", runClient, env, []string{"-h"}, false, true, nil},
		{"verb help", runUser, env, []string{"create", "-h"}, false, true, nil},
		{"API error", runClient, env, []string{"create", "--name", "x", "--redirect-uri", "myapp://"}, false, false, []string{"redirect_uris[0]", "myapp://callback"}},
		{"wrong token", runKeys, map[string]string{"VIPPSLOGIN_ADMIN_TOKEN": "wrong", "VIPPSLOGIN_SERVER": url}, []string{"list"}, false, false, []string{"admin token is wrong", "--admin-token", "VIPPSLOGIN_ADMIN_TOKEN"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := cli(t, tt.f, tt.env, tt.args...)
			var usage *usageError
			switch {
			case err == nil:
				t.Fatalf("%v succeeded", tt.args)
			case tt.help != errors.Is(err, flag.ErrHelp):
				t.Errorf("%v = %v, want flag.ErrHelp: %v", tt.args, err, tt.help)
			case tt.usage != errors.As(err, &usage):
				t.Errorf("%v = %v (%T), want a usage error: %v", tt.args, err, err, tt.usage)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%v = %q, want it to mention %q", tt.args, err, w)
				}
			}
		})
	}
}

// TestAdminExitStatus runs the commands through run, as main does: the
// exit status and the detail on stderr are what a script sees.
func TestAdminExitStatus(t *testing.T) {
	url, _ := adminServer(t)
	env := func(k string) string {
		return map[string]string{"VIPPSLOGIN_ADMIN_TOKEN": cliToken, "VIPPSLOGIN_SERVER": url}[k]
	}
	for _, tt := range []struct {
		args   []string
		code   int
		stderr string
	}{
		{[]string{"keys", "list"}, 0, ""},
		{[]string{"client", "-h"}, 0, "rotate-secret <client_id>"},
		{[]string{"client", "get", "nope"}, 1, `No client has client_id "nope"`},
		{[]string{"user", "get"}, 2, "<phone_number>"},
	} {
		var stdout, stderr bytes.Buffer
		code := run(t.Context(), tt.args, env, &stdout, &stderr)
		if code != tt.code || !strings.Contains(stderr.String(), tt.stderr) {
			t.Errorf("run %v = %d, stderr %q; want %d with %q", tt.args, code, stderr.String(), tt.code, tt.stderr)
		}
	}
}

func sameJSON(t *testing.T, a, b any) bool {
	t.Helper()
	ja, err1 := json.Marshal(a)
	jb, err2 := json.Marshal(b)
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	return string(ja) == string(jb)
}

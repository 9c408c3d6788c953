package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
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
	"github.com/vippslogin/vippslogin/internal/secret"
	"github.com/vippslogin/vippslogin/internal/store"
)

// client update changes every field the admin API can patch, and changes
// the lists an item at a time with --add-… and --remove-….
func TestClientUpdateEveryField(t *testing.T) {
	url, _ := adminServer(t)
	env := map[string]string{"VIPPSLOGIN_ADMIN_TOKEN": cliToken, "VIPPSLOGIN_SERVER": url}
	ok(t, runClient, env, nil, "create", "--client-id", "shop", "--name", "Shop", "--redirect-uri", "https://shop.example/cb")
	var c admin.ClientResponse
	ok(t, runClient, env, &c, "update", "shop", "--name", "Renamed", "--redirect-uri", "https://shop.example/a",
		"--redirect-uri", "https://shop.example/b", "--app-callback-uri", "shop-app://cb", "--post-logout-redirect-uri", "https://shop.example/bye",
		"--flow", "browser,ciba", "--scope", "openid name", "--auth-method", "client_secret_post",
		"--qr-webhook-url", "https://shop.example/qr", "--ciba-ping-url", "https://shop.example/ping",
		"--consent-webhook-url", "https://shop.example/consent", "--ciba-interval", "2")
	want := admin.ClientResponse{ClientID: "shop", Name: "Renamed",
		RedirectURIs: []string{"https://shop.example/a", "https://shop.example/b"}, AppCallbackURIs: []string{"shop-app://cb"},
		PostLogoutRedirectURIs: []string{"https://shop.example/bye"}, TokenEndpointAuthMethod: "client_secret_post",
		Flows: []string{"browser", "ciba"}, Scopes: []string{"openid", "name"},
		QRWebhookURL: "https://shop.example/qr", CIBAPingURL: "https://shop.example/ping", ConsentWebhookURL: "https://shop.example/consent",
		CIBAInterval: 2, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt}
	if !sameJSON(t, c, want) {
		t.Errorf("client update of every field printed %+v, want %+v", c, want)
	}

	ok(t, runClient, env, &c, "update", "shop", "--add-redirect-uri", "https://shop.example/c", "--remove-redirect-uri", "https://shop.example/a",
		"--add-post-logout-redirect-uri", "https://shop.example/later", "--add-flow", "qr", "--remove-flow", "browser",
		"--add-scope", "email,phoneNumber", "--remove-scope", "name")
	if !slices.Equal(c.RedirectURIs, []string{"https://shop.example/b", "https://shop.example/c"}) ||
		!slices.Equal(c.PostLogoutRedirectURIs, []string{"https://shop.example/bye", "https://shop.example/later"}) ||
		!slices.Equal(c.Flows, []string{"ciba", "qr"}) || !slices.Equal(c.Scopes, []string{"openid", "email", "phoneNumber"}) ||
		c.Name != "Renamed" || c.CIBAInterval != 2 {
		t.Errorf("client update --add-…/--remove-… printed %+v", c)
	}
	// Adding what is there already changes nothing; the last redirect URI
	// removed leaves an empty list.
	ok(t, runClient, env, &c, "update", "shop", "--add-flow", "qr", "--remove-redirect-uri", "https://shop.example/b", "--remove-redirect-uri", "https://shop.example/c")
	if !slices.Equal(c.Flows, []string{"ciba", "qr"}) || c.RedirectURIs == nil || len(c.RedirectURIs) != 0 {
		t.Errorf("client update adding a present flow and removing every redirect URI printed %+v", c)
	}

	_, err := cli(t, runClient, env, "update", "shop", "--remove-scope", "nin")
	if err == nil || err.Error() != `--remove-scope: client shop has no scope "nin" (it has ["openid" "email" "phoneNumber"])` {
		t.Errorf("removing a scope the client lacks = %v", err)
	}
	var usage *usageError
	if _, err := cli(t, runClient, env, "update", "shop", "--flow", "ciba", "--add-flow", "qr"); !errors.As(err, &usage) || !strings.Contains(err.Error(), "not both") {
		t.Errorf("--flow with --add-flow = %v, want a usage error", err)
	}
}

// user update changes every field of a user: the text ones and the flags
// as flags, addresses and accounts from a --json file.
func TestUserUpdateEveryField(t *testing.T) {
	url, st := adminServer(t)
	env := map[string]string{"VIPPSLOGIN_ADMIN_TOKEN": cliToken, "VIPPSLOGIN_SERVER": url}
	ok(t, runUser, env, nil, "create", "--phone", "4712345678", "--pin", "1236")
	patch := filepath.Join(t.TempDir(), "patch.json")
	os.WriteFile(patch, []byte(`{"given_name": "From file", "addresses": [{"street_address": "Gate 1", "postal_code": "0150", "region": "Oslo",
		"country": "NO", "address_type": "home", "default": true}], "accounts": [{"account_name": "Savings", "account_number": "12345678903", "bank_name": "DNB"}]}`), 0o600)
	var u admin.UserResponse
	ok(t, runUser, env, &u, "update", "4712345678", "--json", patch, "--given-name", "Ada", "--family-name", "Lovelace",
		"--birthdate", "1815-12-10", "--email", "ada@example.com", "--email-verified", "--nin", "10121550047",
		"--app-version", "4.0.0", "--pin", "2468", "--active=false")
	stored, _ := st.GetUser(t.Context(), "4712345678")
	if u.GivenName != "Ada" || u.FamilyName != "Lovelace" || u.Birthdate != "1815-12-10" || u.Email != "ada@example.com" ||
		!u.EmailVerified || u.NIN != "10121550047" || u.AppVersion != "4.0.0" || u.Active ||
		len(u.Addresses) != 1 || u.Addresses[0].StreetAddress != "Gate 1" || len(u.Accounts) != 1 || u.Accounts[0].BankName != "DNB" ||
		!secretMatches(stored, "2468") {
		t.Errorf("user update of every field printed %+v", u)
	}
	os.WriteFile(patch, []byte(`{"addresses": []}`), 0o600)
	ok(t, runUser, env, &u, "update", "4712345678", "--json", patch)
	if len(u.Addresses) != 0 || len(u.Accounts) != 1 || u.GivenName != "Ada" {
		t.Errorf("user update --json with no addresses printed %+v; want them gone and the rest kept", u)
	}
	os.WriteFile(patch, []byte(`{"phone_number": "4700000000"}`), 0o600)
	var usage *usageError
	if _, err := cli(t, runUser, env, "update", "4712345678", "--json", patch); !errors.As(err, &usage) || !strings.Contains(err.Error(), "phone_number") {
		t.Errorf("user update --json with a phone number = %v, want a usage error naming it", err)
	}
}

// user unlock ends a PIN lock; user list --search finds by number, name
// or email.
func TestUserUnlockAndSearch(t *testing.T) {
	url, st := adminServer(t)
	env := map[string]string{"VIPPSLOGIN_ADMIN_TOKEN": cliToken, "VIPPSLOGIN_SERVER": url}
	ok(t, runUser, env, nil, "create", "--phone", "4712345678", "--pin", "1236", "--given-name", "Ada", "--email", "ada@example.com")
	ok(t, runUser, env, nil, "create", "--phone", "4798765432", "--pin", "1236", "--given-name", "Grace")
	if _, err := st.UpdateUser(t.Context(), "4712345678", func(u store.User) (store.User, error) {
		u.FailedPINAttempts, u.LockedUntil = 5, time.Now().Add(time.Hour)
		return u, nil
	}); err != nil {
		t.Fatal(err)
	}
	var u admin.UserResponse
	ok(t, runUser, env, &u, "get", "4712345678")
	if u.LockedUntil == nil {
		t.Fatalf("the locked user shows no locked_until: %+v", u)
	}
	u = admin.UserResponse{}
	ok(t, runUser, env, &u, "unlock", "4712345678")
	if stored, _ := st.GetUser(t.Context(), "4712345678"); u.LockedUntil != nil || stored.FailedPINAttempts != 0 || u.GivenName != "Ada" {
		t.Errorf("user unlock printed %+v, stored %d failed attempts", u, stored.FailedPINAttempts)
	}
	for search, want := range map[string][]string{
		"ada@":   {"4712345678"},
		"grace":  {"4798765432"},
		"47":     {"4712345678", "4798765432"},
		"nobody": nil,
	} {
		var list []admin.UserResponse
		ok(t, runUser, env, &list, "list", "--search", search)
		var got []string
		for _, u := range list {
			got = append(got, u.PhoneNumber)
		}
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("user list --search %q printed %v, want %v", search, got, want)
		}
	}
}

// client resend-webhook puts a failed event in the outbox again.
func TestClientResendWebhookCommand(t *testing.T) {
	url, st := adminServer(t)
	env := map[string]string{"VIPPSLOGIN_ADMIN_TOKEN": cliToken, "VIPPSLOGIN_SERVER": url}
	ok(t, runClient, env, nil, "create", "--name", "Shop", "--client-id", "shop", "--consent-webhook-url", "https://shop.example/hook")
	past := time.Now().Add(-time.Hour)
	failed := store.Webhook{ID: "ev-1", ClientID: "shop", Event: store.EventConsentRevoked, URL: "https://shop.example/hook",
		ContentType: "text/plain", Body: []byte("x"), NextAttemptAt: past, CreatedAt: past.Add(-time.Hour), ExpiresAt: past, Attempts: 9, LastStatus: 500}
	if err := st.EnqueueWebhook(t.Context(), failed); err != nil {
		t.Fatal(err)
	}
	var again admin.WebhookResponse
	ok(t, runClient, env, &again, "resend-webhook", "shop", "ev-1")
	if again.ID == "" || again.ID == "ev-1" || again.State != "pending" || again.Event != store.EventConsentRevoked {
		t.Errorf("client resend-webhook printed %+v, want a new pending event", again)
	}
	var log []admin.WebhookResponse
	ok(t, runClient, env, &log, "webhooks", "shop")
	if len(log) != 2 {
		t.Errorf("the delivery log after a resend has %d events, want 2", len(log))
	}
	var usage *usageError
	if _, err := cli(t, runClient, env, "resend-webhook", "shop"); !errors.As(err, &usage) || !strings.Contains(err.Error(), "<client_id> <event_id>") {
		t.Errorf("resend-webhook with one argument = %v, want a usage error naming both", err)
	}
}

// TestCLIErrorLines runs commands that fail through run, as main does: one
// line that names the whole command, says what is wrong and what to run,
// and names no HTTP method or admin API path.
func TestCLIErrorLines(t *testing.T) {
	url, _ := adminServer(t)
	env := map[string]string{"VIPPSLOGIN_ADMIN_TOKEN": cliToken, "VIPPSLOGIN_SERVER": url}
	setup := [][]string{
		{"user", "create", "--phone", "4798765432", "--pin", "1236"},
		{"client", "create", "--client-id", "shop", "--name", "Shop", "--flow", "browser"},
	}
	for _, args := range setup {
		if code := run(t.Context(), args, func(k string) string { return env[k] }, new(bytes.Buffer), new(bytes.Buffer)); code != 0 {
			t.Fatalf("%v exited %d", args, code)
		}
	}
	// A server without the admin API's routes, as an older one lacks the
	// newest.
	old := httptest.NewServer(jsonapi.Routes(http.NewServeMux()))
	defer old.Close()
	for _, tt := range []struct {
		args []string
		env  map[string]string
		code int
		want string
	}{
		{[]string{"user", "unlock", "4712345678"}, map[string]string{"VIPPSLOGIN_ADMIN_TOKEN": "t", "VIPPSLOGIN_SERVER": old.URL}, 1,
			"vippslogin user unlock: the server at " + old.URL + " has no such call: is it an older vippslogin than this command (`vippslogin version` says which this is), or not vippslogin at all?\n"},
		{[]string{"user", "create", "--phone", "4798765432", "--pin", "1236"}, env, 1,
			"vippslogin user create: A user with phone_number 4798765432 already exists; `vippslogin user update 4798765432` changes it"},
		{[]string{"user", "get", "4700000000"}, env, 1,
			`vippslogin user get: No user has phone_number "4700000000" (digits only, with country code, such as 4712345678); ` + "`vippslogin user list` lists them"},
		{[]string{"user", "unlock", "4700000000"}, env, 1, "vippslogin user unlock: No user has phone_number \"4700000000\""},
		{[]string{"client", "create", "--client-id", "shop", "--name", "Again"}, env, 1,
			"vippslogin client create: A client with client_id \"shop\" already exists; `vippslogin client update shop` changes it, or leave --client-id out to have one generated"},
		{[]string{"client", "get", "nope"}, env, 1, "vippslogin client get: No client has client_id \"nope\"; `vippslogin client list` lists them"},
		{[]string{"client", "update", "nope", "--add-flow", "qr"}, env, 1, "vippslogin client update: No client has client_id \"nope\"; `vippslogin client list` lists them"},
		{[]string{"client", "resend-webhook", "shop", "ev-9"}, env, 1,
			"vippslogin client resend-webhook: Client \"shop\" has no webhook event \"ev-9\" among its newest 100; `vippslogin client webhooks shop` lists its events"},
		{[]string{"qr", "create", "--client", "shop", "--description", "Door"}, env, 1,
			"vippslogin qr create: Client \"shop\" may not use login from QR code: add \"qr\" to its flows first; `vippslogin client update shop --add-flow qr` allows it"},
		{[]string{"qr", "create", "--client", "nope", "--description", "Door"}, env, 1,
			"vippslogin qr create: No client has client_id \"nope\"; `vippslogin client list` lists the clients"},
		{[]string{"qr", "get", "AbCd1234", "--client", "shop"}, env, 1,
			"vippslogin qr get: Client \"shop\" has no QR code \"AbCd1234\"; `vippslogin qr list --client shop` lists its QR codes"},
		{[]string{"keys", "list"}, map[string]string{"VIPPSLOGIN_ADMIN_TOKEN": "wrong", "VIPPSLOGIN_SERVER": url}, 1,
			"vippslogin keys list: the admin token is wrong: give the one the server at " + url + " runs with, in --admin-token or VIPPSLOGIN_ADMIN_TOKEN (a dev-mode server's is dev-admin-token)"},
		{[]string{"keys", "list"}, map[string]string{"VIPPSLOGIN_ADMIN_TOKEN": "t", "VIPPSLOGIN_SERVER": "http://127.0.0.1:1"}, 1,
			"vippslogin keys list: no answer from a server at http://127.0.0.1:1 (connect: connection refused): start one with `vippslogin dev`, or point --server or VIPPSLOGIN_SERVER at yours"},
		{[]string{"user", "get"}, env, 2, "vippslogin user get: takes <phone_number> (vippslogin user get --help)"},
		{[]string{"client", "update", "shop"}, env, 2, "vippslogin client update: nothing to change"},
		{[]string{"qr", "get", "", "--client", "shop"}, env, 2, "vippslogin qr get: takes <qr_id> (vippslogin qr get --help)"},
	} {
		var stdout, stderr bytes.Buffer
		code := run(t.Context(), tt.args, func(k string) string { return tt.env[k] }, &stdout, &stderr)
		got := stderr.String()
		if code != tt.code || !strings.HasPrefix(got, tt.want) || strings.Count(got, "\n") != 1 {
			t.Errorf("%v: exit %d, stderr %q; want %d and one line starting %q", tt.args, code, got, tt.code, tt.want)
		}
		// The server's address is the test's own random port, which may
		// hold "409"; only the rest of the line must not name HTTP.
		bare := strings.NewReplacer(url, "SERVER", old.URL, "SERVER").Replace(got)
		for _, h := range []string{"/admin/v1", "PATCH ", "GET ", "POST ", " 404 ", "409", "Not Found"} {
			if strings.Contains(bare, h) {
				t.Errorf("%v: stderr %q names HTTP (%q)", tt.args, got, h)
			}
		}
	}
}

// An unknown flag is one line, naming the flag and pointing to --help, for
// every command; -h still prints the whole usage.
func TestUnknownFlagIsOneLine(t *testing.T) {
	for _, tt := range []struct {
		args []string
		name string // the command the line names
	}{
		{[]string{"dev"}, "dev"}, {[]string{"serve"}, "serve"}, {[]string{"client", "list"}, "client list"},
		{[]string{"client", "update", "x"}, "client update"}, {[]string{"user", "create"}, "user create"},
		{[]string{"qr", "list"}, "qr list"}, {[]string{"keys", "rotate"}, "keys rotate"}, {[]string{"app", "approve"}, "app approve"},
		{[]string{"ciba", "start"}, "ciba start"}, {[]string{"config", "print"}, "config print"},
		{[]string{"backup"}, "backup"}, {[]string{"version"}, "version"}, {[]string{"bench"}, "bench"},
	} {
		args, name := tt.args, "vippslogin "+tt.name
		var stderr bytes.Buffer
		code := run(context.Background(), append(args, "--nope"), func(string) string { return "" }, new(bytes.Buffer), &stderr)
		want := name + ": unknown flag --nope (" + name + " --help lists the flags)\n"
		if code != 2 || stderr.String() != want {
			t.Errorf("%v --nope: exit %d, stderr %q; want 2 with %q", args, code, stderr.String(), want)
		}
		stderr.Reset()
		if code := run(context.Background(), append(args, "-h"), func(string) string { return "" }, new(bytes.Buffer), &stderr); code != 0 || !strings.Contains(stderr.String(), "Usage") {
			t.Errorf("%v -h: exit %d, stderr %q; want the usage", args, code, stderr.String())
		}
	}
}

func secretMatches(u store.User, pin string) bool { return secret.Verify(u.PINHash, pin) }

// client set-secret gives a chosen secret; user consent records a consent
// that the client's logins then skip the page for.
func TestSetSecretAndConsentCommands(t *testing.T) {
	url, st := adminServer(t)
	env := map[string]string{"VIPPSLOGIN_ADMIN_TOKEN": cliToken, "VIPPSLOGIN_SERVER": url}
	ok(t, runClient, env, nil, "create", "--client-id", "shop", "--name", "Shop", "--scope", "openid,name,email")
	ok(t, runUser, env, nil, "create", "--phone", "4712345678", "--pin", "1236")

	var c admin.ClientResponse
	ok(t, runClient, env, &c, "set-secret", "shop", "--client-secret", "chosen-secret")
	if stored, _ := st.GetClient(t.Context(), "shop"); c.ClientID != "shop" || c.ClientSecret != "" || !secret.Verify(stored.SecretHash, "chosen-secret") {
		t.Errorf("client set-secret printed %+v; want the client, without the secret, which is now chosen-secret", c)
	}

	var consent admin.ConsentResponse
	ok(t, runUser, env, &consent, "consent", "4712345678", "shop", "--scope", "openid,name", "--scope", "email")
	stored, err := st.GetConsent(t.Context(), "4712345678", "shop")
	if err != nil || consent.ClientID != "shop" || !slices.Equal(stored.Scopes, []string{"name", "email"}) {
		t.Errorf("user consent printed %+v; stored %+v, %v", consent, stored, err)
	}

	var usage *usageError
	for _, args := range [][]string{{"set-secret", "shop"}} {
		if _, err := cli(t, runClient, env, args...); !errors.As(err, &usage) {
			t.Errorf("client %v = %v, want a usage error", args, err)
		}
	}
	for _, args := range [][]string{{"consent", "4712345678", "shop"}, {"consent", "4712345678", "--scope", "name"}} {
		if _, err := cli(t, runUser, env, args...); !errors.As(err, &usage) {
			t.Errorf("user %v = %v, want a usage error", args, err)
		}
	}
	var stderr bytes.Buffer
	code := run(t.Context(), []string{"user", "consent", "4712345678", "nope", "--scope", "name"}, func(k string) string { return env[k] }, new(bytes.Buffer), &stderr)
	if want := "vippslogin user consent: No client has client_id \"nope\"; `vippslogin user list` and `vippslogin client list` list them\n"; code != 1 || stderr.String() != want {
		t.Errorf("user consent to an unknown client: exit %d, %q; want 1, %q", code, stderr.String(), want)
	}
}

// Every route of the admin API has a command: the API's own index lists
// the routes, and a new one fails here until it has a command (or this
// table says why it has none).
func TestEveryAdminRouteHasACommand(t *testing.T) {
	url, _ := adminServer(t)
	resp, err := http.Get(url + "/admin/v1/")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var idx admin.Index
	if err := json.NewDecoder(resp.Body).Decode(&idx); err != nil || len(idx.Routes) == 0 {
		t.Fatalf("the admin API's index: %+v, %v", idx, err)
	}
	commands := map[string]string{
		"POST /admin/v1/clients":                                  "client create",
		"GET /admin/v1/clients":                                   "client list",
		"GET /admin/v1/clients/{client_id}":                       "client get",
		"PATCH /admin/v1/clients/{client_id}":                     "client update",
		"DELETE /admin/v1/clients/{client_id}":                    "client delete",
		"POST /admin/v1/clients/{client_id}/secret":               "client rotate-secret",
		"PUT /admin/v1/clients/{client_id}/secret":                "client set-secret",
		"GET /admin/v1/clients/{client_id}/webhooks":              "client webhooks",
		"POST /admin/v1/clients/{client_id}/webhooks/{id}/resend": "client resend-webhook",
		"GET /admin/v1/clients/{client_id}/events":                "client events",
		"POST /admin/v1/clients/{client_id}/qr-codes":             "qr create",
		"GET /admin/v1/clients/{client_id}/qr-codes":              "qr list",
		"GET /admin/v1/clients/{client_id}/qr-codes/{qr_id}":      "qr get",
		"DELETE /admin/v1/clients/{client_id}/qr-codes/{qr_id}":   "qr delete",
		"POST /admin/v1/users":                                    "user create",
		"POST /admin/v1/users/batch":                              "user create-many",
		"GET /admin/v1/users":                                     "user list",
		"GET /admin/v1/users/{phone_number}":                      "user get",
		"PATCH /admin/v1/users/{phone_number}":                    "user update",
		"DELETE /admin/v1/users/{phone_number}":                   "user delete",
		"POST /admin/v1/users/{phone_number}/unlock":              "user unlock",
		"POST /admin/v1/users/{phone_number}/cancel-logins":       "user cancel-logins",
		"PUT /admin/v1/users/{phone_number}/consents/{client_id}": "user consent",
		"POST /admin/v1/keys/rotate":                              "keys rotate",
		"GET /admin/v1/keys":                                      "keys list",
	}
	groups := map[string]group{"client": clientGroup(), "user": userGroup(), "qr": qrGroup(), "keys": keysGroup()}
	for _, rt := range idx.Routes {
		cmd, ok := commands[rt.Method+" "+rt.Path]
		if !ok {
			t.Errorf("admin route %s %s has no command (add one, and a line here)", rt.Method, rt.Path)
			continue
		}
		g, verb, _ := strings.Cut(cmd, " ")
		if !slices.ContainsFunc(groups[g].subs, func(s subcommand) bool { return s.name == verb }) {
			t.Errorf("admin route %s %s: vippslogin %s does not exist", rt.Method, rt.Path, cmd)
		}
	}
}

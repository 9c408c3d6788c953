package admin_test

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
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

const token = "test-admin-token"

// now is the fixed clock of every test server: birthdates are judged
// against it and it stamps created_at.
var now = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

type env struct {
	api    *admin.API
	client *admin.Client
	url    string
}

// newEnv serves the admin API with the given token on a fresh SQLite store
// and a key manager that has its first keys.
func newEnv(t *testing.T, adminToken string) env {
	t.Helper()
	st := testenv.SQLite(t)
	km := testenv.Keys(t, st, func() time.Time { return now })
	api := &admin.API{Store: st, Keys: km, Token: adminToken, Now: func() time.Time { return now }}
	mux := http.NewServeMux()
	api.Mount(mux)
	srv := httptest.NewServer(jsonapi.Routes(mux))
	t.Cleanup(srv.Close)
	return env{api: api, client: &admin.Client{BaseURL: srv.URL, Token: adminToken, HTTP: srv.Client()}, url: srv.URL}
}

// problem asserts that err is a problem answer with the status and a detail
// that holds every one of want.
func problem(t *testing.T, err error, status int, want ...string) {
	t.Helper()
	var p *jsonapi.Problem
	if !errors.As(err, &p) {
		t.Fatalf("error = %v, want a *jsonapi.Problem with status %d", err, status)
	}
	if p.Status != status {
		t.Errorf("status = %d (%s), want %d", p.Status, p.Detail, status)
	}
	for _, w := range want {
		if !strings.Contains(p.Detail, w) {
			t.Errorf("detail %q does not mention %q", p.Detail, w)
		}
	}
}

func TestClientLifecycle(t *testing.T) {
	e := newEnv(t, token)
	ctx := t.Context()

	// Defaults: generated id and secret, basic auth, browser flow, every
	// scope but nin and accountNumbers.
	gen, err := e.client.CreateClient(ctx, admin.ClientRequest{Name: "Shop", RedirectURIs: []string{"https://shop.example/cb"}})
	if err != nil {
		t.Fatalf("CreateClient: %v", err)
	}
	if len(gen.ClientID) != 36 || len(gen.ClientSecret) != 43 {
		t.Errorf("generated id %q and secret %q, want a UUID and a 43-character secret", gen.ClientID, gen.ClientSecret)
	}
	if gen.TokenEndpointAuthMethod != store.AuthSecretBasic || !slices.Equal(gen.Flows, []string{"browser"}) ||
		!slices.Equal(gen.Scopes, []string{"openid", "address", "birthDate", "email", "name", "phoneNumber", "api_version_2"}) || gen.AppCallbackURIs == nil {
		t.Errorf("defaults = %+v", gen)
	}
	if !gen.CreatedAt.Equal(now) || !gen.UpdatedAt.Equal(now) {
		t.Errorf("created_at %v, updated_at %v, want %v", gen.CreatedAt, gen.UpdatedAt, now)
	}
	stored, err := e.api.Store.GetClient(ctx, gen.ClientID)
	if err != nil || !secret.Verify(stored.SecretHash, gen.ClientSecret) {
		t.Errorf("stored secret hash does not verify the returned secret (err %v)", err)
	}

	// Given id and secret, all fields.
	full := admin.ClientRequest{
		ClientID: "demo-client", ClientSecret: "demo-secret", Name: "Demo Shop",
		RedirectURIs:    []string{"http://localhost:3000/callback", "https://demo.example/cb?x=1"},
		AppCallbackURIs: []string{"demo-app://callback"}, TokenEndpointAuthMethod: store.AuthSecretPost,
		Flows: []string{"browser", "ciba", "qr"}, Scopes: store.Scopes,
		QRWebhookURL: "https://demo.example/qr", CIBAPingURL: "http://localhost:3000/ping", ConsentWebhookURL: "https://demo.example/consent",
	}
	demo, err := e.client.CreateClient(ctx, full)
	if err != nil {
		t.Fatalf("CreateClient: %v", err)
	}
	if demo.ClientID != "demo-client" || demo.ClientSecret != "demo-secret" || demo.QRWebhookURL != full.QRWebhookURL ||
		!slices.Equal(demo.Scopes, store.Scopes) || !slices.Equal(demo.AppCallbackURIs, full.AppCallbackURIs) {
		t.Errorf("CreateClient = %+v", demo)
	}
	stored, _ = e.api.Store.GetClient(ctx, "demo-client")
	if !strings.HasPrefix(stored.SecretHash, "pbkdf2-sha256$") || !secret.Verify(stored.SecretHash, "demo-secret") {
		t.Errorf("a given secret is stored as %q, want a PBKDF2 hash of it", stored.SecretHash)
	}

	got, err := e.client.GetClient(ctx, "demo-client")
	if err != nil {
		t.Fatalf("GetClient: %v", err)
	}
	demo.ClientSecret = ""
	if !equalJSON(t, got, demo) {
		t.Errorf("GetClient = %+v, want the created client without its secret: %+v", got, demo)
	}
	list, err := e.client.ListClients(ctx)
	if err != nil || len(list) != 2 || slices.ContainsFunc(list, func(c admin.ClientResponse) bool { return c.ClientSecret != "" }) {
		t.Errorf("ListClients = %+v, %v; want two clients without secrets", list, err)
	}

	name, uris := "Renamed", []string{"https://new.example/cb"}
	upd, err := e.client.UpdateClient(ctx, "demo-client", admin.ClientPatch{Name: &name, RedirectURIs: &uris})
	if err != nil {
		t.Fatalf("UpdateClient: %v", err)
	}
	if upd.Name != name || !slices.Equal(upd.RedirectURIs, uris) || !slices.Equal(upd.Flows, full.Flows) || upd.QRWebhookURL != full.QRWebhookURL || upd.ClientSecret != "" {
		t.Errorf("UpdateClient = %+v; want name and redirect_uris replaced, the rest kept", upd)
	}

	rot, err := e.client.RotateSecret(ctx, "demo-client")
	if err != nil || rot.ClientID != "demo-client" || len(rot.ClientSecret) != 43 {
		t.Fatalf("RotateSecret = %+v, %v", rot, err)
	}
	stored, _ = e.api.Store.GetClient(ctx, "demo-client")
	if secret.Verify(stored.SecretHash, "demo-secret") || !secret.Verify(stored.SecretHash, rot.ClientSecret) {
		t.Errorf("after rotation the old secret must fail and the new one pass")
	}

	if err := e.client.DeleteClient(ctx, "demo-client"); err != nil {
		t.Fatalf("DeleteClient: %v", err)
	}
	_, err = e.client.GetClient(ctx, "demo-client")
	problem(t, err, 404, `"demo-client"`)
}

func TestUserLifecycle(t *testing.T) {
	e := newEnv(t, token)
	ctx := t.Context()
	ada := admin.UserRequest{
		PhoneNumber: "4712345678", PIN: "1236", GivenName: "Ada", FamilyName: "Lovelace", Birthdate: "1815-12-10",
		Email: "ada@example.com", EmailVerified: true, NIN: "10121550047",
		Addresses: []store.Address{
			{StreetAddress: "Robert Levins gate 5", PostalCode: "0154", Region: "Oslo", Country: "NO", AddressType: "home", Default: true},
			{StreetAddress: "Work 1", PostalCode: "0150", Region: "Oslo", Country: "NO", AddressType: "work"},
		},
		Accounts:   []store.Account{{AccountName: "Savings", AccountNumber: "12345678903", BankName: "DNB"}},
		AppVersion: "4.0.0",
	}
	u, err := e.client.CreateUser(ctx, ada)
	if err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	if u.PhoneNumber != ada.PhoneNumber || u.NIN != ada.NIN || !slices.Equal(u.Addresses, ada.Addresses) ||
		!slices.Equal(u.Accounts, ada.Accounts) || !u.CreatedAt.Equal(now) || u.LockedUntil != nil {
		t.Errorf("CreateUser = %+v", u)
	}
	stored, _ := e.api.Store.GetUser(ctx, "4712345678")
	if !secret.Verify(stored.PINHash, "1236") {
		t.Errorf("stored PIN hash does not verify the PIN")
	}
	bare, err := e.client.CreateUser(ctx, admin.UserRequest{PhoneNumber: "4712345679", PIN: "123456"})
	if err != nil || bare.Addresses == nil || bare.Accounts == nil {
		t.Fatalf("CreateUser (minimal) = %+v, %v; want [] lists", bare, err)
	}

	got, err := e.client.GetUser(ctx, "4712345678")
	if err != nil || !equalJSON(t, got, u) {
		t.Errorf("GetUser = %+v, %v; want %+v", got, err, u)
	}
	list, err := e.client.ListUsers(ctx)
	if err != nil || len(list) != 2 {
		t.Errorf("ListUsers = %+v, %v", list, err)
	}

	// A new PIN unlocks a locked-out user.
	if _, err := e.api.Store.UpdateUser(ctx, "4712345678", func(u store.User) (store.User, error) {
		u.FailedPINAttempts, u.LockedUntil = 5, now.Add(time.Hour)
		return u, nil
	}); err != nil {
		t.Fatal(err)
	}
	if got, _ := e.client.GetUser(ctx, "4712345678"); got.LockedUntil == nil || !got.LockedUntil.Equal(now.Add(time.Hour)) {
		t.Errorf("locked_until = %v, want %v", got.LockedUntil, now.Add(time.Hour))
	}
	pin, email, none := "9999", "lovelace@example.com", []store.Address{}
	upd, err := e.client.UpdateUser(ctx, "4712345678", admin.UserPatch{PIN: &pin, Email: &email, Addresses: &none})
	if err != nil {
		t.Fatalf("UpdateUser: %v", err)
	}
	if upd.Email != email || len(upd.Addresses) != 0 || upd.GivenName != "Ada" || upd.LockedUntil != nil {
		t.Errorf("UpdateUser = %+v", upd)
	}
	stored, _ = e.api.Store.GetUser(ctx, "4712345678")
	if !secret.Verify(stored.PINHash, "9999") || secret.Verify(stored.PINHash, "1236") || stored.FailedPINAttempts != 0 {
		t.Errorf("after a PIN patch: new PIN verifies %v, old %v, failed attempts %d",
			secret.Verify(stored.PINHash, "9999"), secret.Verify(stored.PINHash, "1236"), stored.FailedPINAttempts)
	}

	if err := e.client.DeleteUser(ctx, "4712345678"); err != nil {
		t.Fatalf("DeleteUser: %v", err)
	}
	_, err = e.client.GetUser(ctx, "4712345678")
	problem(t, err, 404, `"4712345678"`)
}

func TestKeys(t *testing.T) {
	e := newEnv(t, token)
	ctx := t.Context()
	before, err := e.client.ListKeys(ctx)
	if err != nil || len(before) != 2 {
		t.Fatalf("ListKeys = %+v, %v; want one RS256 and one ES256 key", before, err)
	}
	after, err := e.client.RotateKeys(ctx)
	if err != nil || len(after) != 4 {
		t.Fatalf("RotateKeys = %+v, %v; want the two old and two new keys", after, err)
	}
	// The old keys sign until the new ones have been published on every
	// replica for the publish delay.
	for _, k := range after {
		old := slices.ContainsFunc(before, func(b keys.Info) bool { return b.ID == k.ID })
		if k.Active != old {
			t.Errorf("key %s (%s): active %v, but it is old: %v; want only the old keys active until the new sign", k.ID, k.Algorithm, k.Active, old)
		}
		if !old && !k.SignsFrom.Equal(k.CreatedAt.Add(keys.DefaultPublishDelay)) {
			t.Errorf("new key %s signs from %v, want its creation %v plus %v", k.ID, k.SignsFrom, k.CreatedAt, keys.DefaultPublishDelay)
		}
	}
	listed, err := e.client.ListKeys(ctx)
	if err != nil || !equalJSON(t, listed, after) {
		t.Errorf("ListKeys after rotation = %+v, %v; want %+v", listed, err, after)
	}
}

// TestSecretOnlyOnCreateAndRotate reads raw answers, so that a secret or
// hash under any name would show.
func TestSecretOnlyOnCreateAndRotate(t *testing.T) {
	e := newEnv(t, token)
	ctx := t.Context()
	c, err := e.client.CreateClient(ctx, admin.ClientRequest{ClientID: "c1", Name: "C", RedirectURIs: []string{"https://c.example/cb"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.CreateUser(ctx, admin.UserRequest{PhoneNumber: "4712345678", PIN: "1236"}); err != nil {
		t.Fatal(err)
	}
	for _, call := range []struct{ method, path, body string }{
		{"GET", "/admin/v1/clients", ""},
		{"GET", "/admin/v1/clients/c1", ""},
		{"PATCH", "/admin/v1/clients/c1", `{"name":"D"}`},
		{"GET", "/admin/v1/users", ""},
		{"GET", "/admin/v1/users/4712345678", ""},
		{"PATCH", "/admin/v1/users/4712345678", `{"given_name":"Ada"}`},
	} {
		a := send(t, e.url, call.method, call.path, "Bearer "+token, call.body)
		for _, leak := range []string{`"client_secret"`, "hash", `"pin"`, "sha256$", "pbkdf2", c.ClientSecret} {
			if a.status != 200 || strings.Contains(strings.ToLower(a.body), leak) {
				t.Errorf("%s %s = %d, body mentions %q or failed: %s", call.method, call.path, a.status, leak, a.body)
			}
		}
	}
}

// answer is a raw HTTP answer, for tests that look past the Go client.
type answer struct {
	status int
	header http.Header
	body   string
	detail string // of a problem answer, unescaped
}

// send makes a raw request; authorization is the whole header value, or ""
// for none.
func send(t *testing.T, base, method, path, authorization, body string) answer {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, base+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var p struct{ Detail string }
	json.Unmarshal(b, &p)
	return answer{resp.StatusCode, resp.Header, string(b), p.Detail}
}

// equalJSON reports whether a and b encode to the same JSON: the wire is
// what must agree, not Go's idea of equal times.
func equalJSON(t *testing.T, a, b any) bool {
	t.Helper()
	ja, err1 := json.Marshal(a)
	jb, err2 := json.Marshal(b)
	if err1 != nil || err2 != nil {
		t.Fatalf("marshal: %v %v", err1, err2)
	}
	return string(ja) == string(jb)
}

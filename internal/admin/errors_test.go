package admin_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/vippslogin/vippslogin/internal/admin"
)

func TestAuth(t *testing.T) {
	tests := []struct {
		name, configured, authorization, want string
	}{
		{"no header", token, "", "Authorization: Bearer <token>"},
		{"wrong token", token, "Bearer wrong", "token is wrong"},
		{"token with a prefix of the right one", token, "Bearer " + token[:4], "token is wrong"},
		{"basic auth", token, "Basic " + token, "Authorization: Bearer <token>"},
		{"bearer without token", token, "Bearer ", "Authorization: Bearer <token>"},
		{"no configured token, none sent", "", "", "no admin token configured"},
		{"no configured token, empty bearer", "", "Bearer ", "no admin token configured"},
		{"no configured token, some token", "", "Bearer anything", "no admin token configured"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, tt.configured)
			for _, call := range [][2]string{{"GET", "/admin/v1/clients"}, {"POST", "/admin/v1/keys/rotate"}, {"DELETE", "/admin/v1/users/4712345678"}} {
				a := send(t, e.url, call[0], call[1], tt.authorization, "")
				if a.status != 401 || !strings.Contains(a.detail, tt.want) {
					t.Errorf("%s %s = %d %s, want 401 mentioning %q", call[0], call[1], a.status, a.body, tt.want)
				}
				if h := a.header.Get("WWW-Authenticate"); !strings.HasPrefix(h, `Bearer realm="vippslogin-admin"`) {
					t.Errorf("WWW-Authenticate = %q", h)
				}
				if ct := a.header.Get("Content-Type"); ct != "application/problem+json" {
					t.Errorf("Content-Type = %q", ct)
				}
			}
		})
	}
	// The scheme is case-insensitive (RFC 6750 §2.1 via RFC 9110 §11.1).
	e := newEnv(t, token)
	if a := send(t, e.url, "GET", "/admin/v1/clients", "bearer "+token, ""); a.status != 200 {
		t.Errorf("lower-case bearer = %d %s", a.status, a.body)
	}
}

func TestConflicts(t *testing.T) {
	e := newEnv(t, token)
	ctx := t.Context()
	first := admin.ClientRequest{ClientID: "shop", Name: "First", RedirectURIs: []string{"https://shop.example/cb"}}
	if _, err := e.client.CreateClient(ctx, first); err != nil {
		t.Fatal(err)
	}
	second := first
	second.Name = "Second"
	_, err := e.client.CreateClient(ctx, second)
	problem(t, err, 409, `"shop"`, "already exists")
	if c, _ := e.client.GetClient(ctx, "shop"); c.Name != "First" {
		t.Errorf("a refused duplicate changed the client: %+v", c)
	}

	if _, err := e.client.CreateUser(ctx, validUser()); err != nil {
		t.Fatal(err)
	}
	again := validUser()
	again.GivenName = "Other"
	_, err = e.client.CreateUser(ctx, again)
	problem(t, err, 409, "4712345678", "already exists")
	if u, _ := e.client.GetUser(ctx, "4712345678"); u.GivenName != "" {
		t.Errorf("a refused duplicate changed the user: %+v", u)
	}
}

func TestNotFound(t *testing.T) {
	e := newEnv(t, token)
	ctx := t.Context()
	name := "x"
	for _, tt := range []struct {
		name string
		call func() error
		want string
	}{
		{"get client", func() error { _, err := e.client.GetClient(ctx, "nope"); return err }, `No client has client_id "nope"`},
		{"patch client", func() error { _, err := e.client.UpdateClient(ctx, "nope", admin.ClientPatch{Name: &name}); return err }, `"nope"`},
		{"delete client", func() error { return e.client.DeleteClient(ctx, "nope") }, `"nope"`},
		{"rotate secret", func() error { _, err := e.client.RotateSecret(ctx, "nope"); return err }, `"nope"`},
		{"get user", func() error { _, err := e.client.GetUser(ctx, "4799999999"); return err }, `No user has phone_number "4799999999"`},
		{"patch user", func() error {
			_, err := e.client.UpdateUser(ctx, "4799999999", admin.UserPatch{GivenName: &name})
			return err
		}, `"4799999999"`},
		{"delete user", func() error { return e.client.DeleteUser(ctx, "4799999999") }, `"4799999999"`},
	} {
		t.Run(tt.name, func(t *testing.T) { problem(t, tt.call(), 404, tt.want) })
	}
}

// TestRequestErrors covers what jsonapi and the mux answer before a handler
// runs: each is still a problem the sender can act on.
func TestRequestErrors(t *testing.T) {
	e := newEnv(t, token)
	huge := `{"name":"` + strings.Repeat("a", 1<<20) + `"}`
	for _, tt := range []struct {
		name, method, path, body string
		status                   int
		want                     string
	}{
		{"malformed JSON", "POST", "/admin/v1/clients", `{"name": }`, 400, "not valid JSON"},
		{"unknown field", "POST", "/admin/v1/clients", `{"nmae": "Shop"}`, 400, `Unknown field "nmae"`},
		{"wrong type", "POST", "/admin/v1/users", `{"phone_number": 4712345678}`, 400, `"phone_number" must be a string`},
		{"unknown field in patch", "PATCH", "/admin/v1/users/4712345678", `{"pin_code": "1234"}`, 400, `Unknown field "pin_code"`},
		{"empty body", "POST", "/admin/v1/users", ``, 400, "empty"},
		{"too large", "POST", "/admin/v1/clients", huge, 413, "larger than"},
		{"wrong method", "PUT", "/admin/v1/clients", `{}`, 405, "allowed: GET, HEAD, POST"},
		{"unknown path", "GET", "/admin/v1/nothing", ``, 404, "no endpoint"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a := send(t, e.url, tt.method, tt.path, "Bearer "+token, tt.body)
			if a.status != tt.status || !strings.Contains(a.detail, tt.want) {
				t.Errorf("%s %s = %d %s, want %d mentioning %q", tt.method, tt.path, a.status, a.body, tt.status, tt.want)
			}
			if tt.status == 405 && a.header.Get("Allow") == "" {
				t.Errorf("405 without Allow")
			}
			if ct := a.header.Get("Content-Type"); ct != "application/problem+json" {
				t.Errorf("Content-Type = %q", ct)
			}
		})
	}
	if list, _ := e.client.ListClients(t.Context()); len(list) != 0 {
		t.Errorf("refused requests left clients behind: %+v", list)
	}
}

// TestClientErrors checks that the Go client turns answers that are not
// problem+json, and servers that do not answer, into errors that say so.
func TestClientErrors(t *testing.T) {
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "upstream down", http.StatusBadGateway)
	}))
	defer proxy.Close()
	_, err := (&admin.Client{BaseURL: proxy.URL, Token: token}).ListClients(t.Context())
	problem(t, err, 502, "/admin/v1/clients", "502")

	proxy.Close()
	_, err = (&admin.Client{BaseURL: proxy.URL, Token: token}).ListClients(t.Context())
	if err == nil || !strings.Contains(err.Error(), "running?") {
		t.Errorf("ListClients against a closed server = %v", err)
	}
}

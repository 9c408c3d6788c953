package admin_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/vippslogin/vippslogin/internal/admin"
)

// TestIndex checks GET /admin/v1/: it answers without a token, and lists
// routes that are all served (each asks for the token, where an unknown
// one would be 404), the portal's unlock among them.
func TestIndex(t *testing.T) {
	e := newEnv(t, token)
	resp, err := http.Get(e.url + "/admin/v1/")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var idx admin.Index
	if err := json.NewDecoder(resp.Body).Decode(&idx); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /admin/v1/: %d, %v", resp.StatusCode, err)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	seen := map[string]bool{}
	for _, rt := range idx.Routes {
		seen[rt.Method+" "+rt.Path] = true
		path := strings.NewReplacer("{client_id}", "c", "{qr_id}", "q", "{phone_number}", "4712345678", "{id}", "1").Replace(rt.Path)
		req, _ := http.NewRequest(rt.Method, e.url+path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s %s without a token: %d, want 401", rt.Method, path, resp.StatusCode)
		}
	}
	for _, want := range []string{"POST /admin/v1/clients", "PATCH /admin/v1/users/{phone_number}", "POST /admin/v1/users/{phone_number}/unlock", "GET /admin/v1/keys"} {
		if !seen[want] {
			t.Errorf("the index lacks %s: %v", want, idx.Routes)
		}
	}
	if len(idx.Routes) < 20 || !strings.Contains(idx.Authorization, "Bearer") {
		t.Errorf("index = %+v", idx)
	}
}

package flow

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestCookieNaming(t *testing.T) {
	for _, tt := range []struct {
		baseURL, name, path string
		secure              bool
	}{
		{"https://id.example.com", "__Host-vl_remember", "/", true},
		{"https://id.example.com/", "__Host-vl_remember", "/", true},
		{"https://example.com/login", "__Secure-vl_remember", "/login/vipps-login-idp/", true},
		{"https://example.com/login/", "__Secure-vl_remember", "/login/vipps-login-idp/", true},
		{"http://localhost:8080", "vl_remember", "/vipps-login-idp/", false},
		{"http://localhost:8080/base", "vl_remember", "/base/vipps-login-idp/", false},
	} {
		c := Cookie(tt.baseURL, "/vipps-login-idp/", RememberCookie, "v", 60)
		if c.Name != tt.name || c.Path != tt.path || c.Secure != tt.secure || c.Domain != "" ||
			!c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.MaxAge != 60 || c.Value != "v" {
			t.Errorf("Cookie(%q) = %+v, want name %q, path %q, secure %v", tt.baseURL, c, tt.name, tt.path, tt.secure)
		}
		if got := CookieName(tt.baseURL, RememberCookie); got != tt.name {
			t.Errorf("CookieName(%q) = %q, want %q", tt.baseURL, got, tt.name)
		}
		if p := PageCookie(tt.baseURL, RememberCookie, "v", 60); p.String() != c.String() {
			t.Errorf("PageCookie(%q) = %+v, want %+v", tt.baseURL, p, c)
		}
	}
	if c := Cookie("https://example.com/app", "/portal/", "s", "", -1); c.Path != "/app/portal/" || c.MaxAge != -1 {
		t.Errorf("portal cookie = %+v, want path /app/portal/, deleted", c)
	}
}

// TestRememberCookieTransition: a browser that still holds the remember
// cookie under its pre-prefix name is remembered, and setting or deleting
// the cookie deletes that legacy cookie where it was set.
func TestRememberCookieTransition(t *testing.T) {
	const base = "https://example.com/id"
	r := httptest.NewRequest("GET", base+"/vipps-login-idp/", nil)
	r.AddCookie(&http.Cookie{Name: "vl_remember", Value: "legacy"})
	if got := RememberToken(r, base); got != "legacy" {
		t.Errorf("RememberToken with the legacy cookie = %q, want legacy", got)
	}
	r.AddCookie(&http.Cookie{Name: "__Secure-vl_remember", Value: "new"})
	if got := RememberToken(r, base); got != "new" {
		t.Errorf("RememberToken with both cookies = %q, want the prefixed one's", got)
	}
	if got := RememberToken(httptest.NewRequest("GET", "/", nil), base); got != "" {
		t.Errorf("RememberToken without cookies = %q", got)
	}

	for _, maxAge := range []int{3600, -1} {
		w := httptest.NewRecorder()
		SetRememberCookie(w, base, "tok", maxAge)
		set := w.Result().Cookies()
		if len(set) != 2 {
			t.Fatalf("SetRememberCookie(maxAge %d) set %d cookies, want the cookie and the legacy deletion: %v", maxAge, len(set), set)
		}
		if c := set[0]; c.Name != "__Secure-vl_remember" || c.Path != "/id/vipps-login-idp/" || !c.Secure || c.MaxAge != maxAge {
			t.Errorf("remember cookie = %+v", c)
		}
		if c := set[1]; c.Name != "vl_remember" || c.Path != "/id/vipps-login-idp/" || c.MaxAge >= 0 {
			t.Errorf("legacy deletion = %+v, want vl_remember deleted at /id/vipps-login-idp/", c)
		}
	}

	// Over http the name never changed: nothing to delete.
	w := httptest.NewRecorder()
	SetRememberCookie(w, "http://localhost:8080", "tok", 3600)
	if set := w.Result().Cookies(); len(set) != 1 || set[0].Name != "vl_remember" {
		t.Errorf("SetRememberCookie over http set %v, want one vl_remember", set)
	}
}

package portal

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/vippslogin/vippslogin/internal/admin"
)

// Over https the session cookie is Secure and prefixed, and the portal
// reads it back under that name; a session signed under another admin
// token is none.
func TestSessionCookieOverHTTPS(t *testing.T) {
	now := time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)
	for base, want := range map[string]struct{ name, path string }{
		"https://login.example":     {"__Host-vl_portal", "/"},
		"https://example.com/login": {"__Secure-vl_portal", "/login/portal/"},
		"http://localhost:8080":     {"vl_portal", "/portal/"},
	} {
		p := &Portal{BaseURL: base, API: &admin.API{Token: "token-one"}, Now: func() time.Time { return now }}
		rec := httptest.NewRecorder()
		p.startSession(rec)
		cs := rec.Result().Cookies()
		if len(cs) != 1 {
			t.Fatalf("%s: cookies %v", base, cs)
		}
		c := cs[0]
		if c.Name != want.name || c.Path != want.path || c.Secure != (base[:5] == "https") || !c.HttpOnly || c.SameSite != http.SameSiteStrictMode {
			t.Errorf("%s: cookie %+v", base, c)
		}
		r := httptest.NewRequest(http.MethodGet, "/portal/keys/", nil)
		r.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
		if !p.session(r) {
			t.Errorf("%s: the portal does not read its own cookie", base)
		}
		other := &Portal{BaseURL: base, API: &admin.API{Token: "token-two"}, Now: p.Now}
		if other.session(r) {
			t.Errorf("%s: a session of another admin token is taken", base)
		}
	}
}

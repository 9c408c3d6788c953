package oidc

import (
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/vippslogin/vippslogin/internal/keys"
	"github.com/vippslogin/vippslogin/internal/testenv"
)

// TestEndSessionKeysUnavailable: when the keys to check an id_token_hint
// with cannot be read, logout answers 503 and a message for people, never
// the store's error text (issue 11, point 9).
func TestEndSessionKeysUnavailable(t *testing.T) {
	st := testenv.SQLite(t)
	p := &Provider{BaseURL: "https://vipps.example", Keys: &keys.Manager{Store: st}, Store: st}
	mux := http.NewServeMux()
	p.Mount(mux)
	st.Close()

	enc := base64.RawURLEncoding.EncodeToString
	hint := enc([]byte(`{"alg":"RS256","kid":"public:x"}`)) + "." + enc([]byte(`{"sid":"s"}`)) + "." + enc([]byte("signature"))
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("GET", IssuerPath+"oauth2/sessions/logout?"+url.Values{"id_token_hint": {hint}}.Encode(), nil)
	req.Header.Set("Accept-Language", "en")
	mux.ServeHTTP(rec, req)
	body := rec.Body.String()
	if rec.Code != http.StatusServiceUnavailable || !strings.Contains(body, "Try again in a moment") ||
		strings.Contains(body, "sqlite") || strings.Contains(body, "closed") {
		t.Errorf("logout with the store closed = %d:\n%s", rec.Code, body)
	}
}

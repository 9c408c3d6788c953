package oidc

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/vippslogin/vippslogin/internal/store"
)

func TestErrorWriter(t *testing.T) {
	tests := []struct {
		name   string
		err    error
		status int
		body   string
		www    string
	}{
		{"default status", oauthError(ErrInvalidGrant, "The code is unknown."), 400,
			`{"error":"invalid_grant","error_description":"The code is unknown."}`, ""},
		{"invalid_client", oauthError(ErrInvalidClient, "No."), 401,
			`{"error":"invalid_client","error_description":"No."}`, `Basic realm="vippslogin"`},
		{"hint and error_code", &Error{Code: "invalid_request", Description: "d", Hint: "h", ErrorCode: "old_app"}, 400,
			`{"error":"invalid_request","error_description":"d","error_hint":"h","error_code":"old_app"}`, ""},
		{"wrapped", fmt.Errorf("grant: %w", invalidToken("Gone.")), 401,
			`{"error":"invalid_token","error_description":"Gone."}`, `Bearer realm="vippslogin", error="invalid_token", error_description="Gone."`},
		{"database unavailable", fmt.Errorf("token: %w: dial tcp 10.0.0.7:5432", store.ErrUnavailable), 503,
			`{"error":"temporarily_unavailable","error_description":"The database is unavailable right now; nothing was changed. Try again in a moment."}`, ""},
		{"unexpected", errors.New("database on fire at 10.0.0.7"), 500,
			`{"error":"server_error","error_description":"The server could not complete the request; it has been logged."}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			handler(func(http.ResponseWriter, *http.Request) error { return tt.err }).ServeHTTP(rec, httptest.NewRequest("POST", "/", nil))
			if rec.Code != tt.status || strings.TrimSpace(rec.Body.String()) != tt.body {
				t.Errorf("got %d %s, want %d %s", rec.Code, rec.Body, tt.status, tt.body)
			}
			if www := rec.Header().Get("WWW-Authenticate"); www != tt.www {
				t.Errorf("WWW-Authenticate = %q, want %q", www, tt.www)
			}
			for h, want := range map[string]string{"Cache-Control": "no-store", "Pragma": "no-cache", "Content-Type": "application/json"} {
				if got := rec.Header().Get(h); got != want {
					t.Errorf("%s = %q, want %q", h, got, want)
				}
			}
		})
	}
}

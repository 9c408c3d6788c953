package jsonapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/vippslogin/vippslogin/internal/store"
)

type body struct {
	Name  string   `json:"name"`
	Count int      `json:"count"`
	Tags  []string `json:"tags"`
}

func TestDecode(t *testing.T) {
	tests := []struct {
		name, ct, in string
		status       int
		detail       string
	}{
		{"ok", "application/json", `{"name":"a","count":1}`, 0, ""},
		{"no content type is fine", "", `{"name":"a"}`, 0, ""},
		{"empty", "application/json", ``, 400, "empty"},
		{"syntax", "application/json", `{"name":}`, 400, "not valid JSON"},
		{"truncated", "application/json", `{"name":"a"`, 400, "ends too early"},
		{"unknown field", "application/json", `{"nmae":"a"}`, 400, `Unknown field "nmae"`},
		{"wrong type", "application/json", `{"count":"x"}`, 400, `Field "count" must be a number`},
		{"array not object", "application/json", `[1]`, 400, "must be a JSON object"},
		{"trailing", "application/json", `{"name":"a"}{}`, 400, "exactly one JSON object"},
		{"form", "application/x-www-form-urlencoded", `name=a`, 415, "must be JSON"},
		{"too large", "application/json", `{"name":"` + strings.Repeat("a", MaxBody) + `"}`, 413, "larger than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/", strings.NewReader(tt.in))
			if tt.ct != "" {
				r.Header.Set("Content-Type", tt.ct)
			}
			var b body
			err := Decode(httptest.NewRecorder(), r, &b)
			if tt.status == 0 {
				if err != nil {
					t.Fatalf("Decode: %v", err)
				}
				return
			}
			p, ok := err.(*Problem)
			if !ok {
				t.Fatalf("Decode error = %v, want a *Problem", err)
			}
			if p.Status != tt.status || !strings.Contains(p.Detail, tt.detail) {
				t.Errorf("Decode = %d %q, want %d containing %q", p.Status, p.Detail, tt.status, tt.detail)
			}
		})
	}
}

func TestHandlerHidesInternalErrors(t *testing.T) {
	h := Handler(func(w http.ResponseWriter, r *http.Request) error {
		return &json.UnsupportedValueError{Str: "secret-detail"}
	})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if rec.Code != 500 || strings.Contains(rec.Body.String(), "secret-detail") {
		t.Errorf("got %d %s, want a 500 without the error's detail", rec.Code, rec.Body)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("Content-Type = %q", ct)
	}
}

func TestHandlerUnavailable(t *testing.T) {
	h := Handler(func(w http.ResponseWriter, r *http.Request) error {
		return fmt.Errorf("list users: %w: dial tcp 10.0.0.7:5432: connection refused", store.ErrUnavailable)
	})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if rec.Code != 503 || !strings.Contains(rec.Body.String(), "database is unavailable") || strings.Contains(rec.Body.String(), "10.0.0.7") {
		t.Errorf("got %d %s, want a 503 that says so without the error's detail", rec.Code, rec.Body)
	}
	if ra := rec.Header().Get("Retry-After"); ra != RetryAfter {
		t.Errorf("Retry-After = %q, want %q", ra, RetryAfter)
	}
}

func TestRoutes(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /things/{id}", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(r.PathValue("id")))
	})
	h := Routes(mux)
	for _, tt := range []struct {
		method, path string
		status       int
		want         string
	}{
		{"GET", "/things/7", 200, "7"},
		{"DELETE", "/things/7", 405, "DELETE is not allowed on /things/7; allowed: GET, HEAD."},
		{"GET", "/nothing", 404, "There is no endpoint GET /nothing."},
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(tt.method, tt.path, nil))
		if rec.Code != tt.status || !strings.Contains(rec.Body.String(), tt.want) {
			t.Errorf("%s %s = %d %s, want %d with %q", tt.method, tt.path, rec.Code, rec.Body, tt.status, tt.want)
		}
		if tt.status == 405 && rec.Header().Get("Allow") == "" {
			t.Errorf("405 without Allow")
		}
	}
}

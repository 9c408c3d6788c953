package home

import (
	"flag"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vippslogin/vippslogin/internal/devseed"
	"github.com/vippslogin/vippslogin/internal/testenv"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// TestGolden keeps the landing page's words, in dev mode (with the
// credentials) and in serve mode (without them).
func TestGolden(t *testing.T) {
	for _, tc := range []struct {
		name string
		page Page
	}{
		{"dev", Page{BaseURL: "http://localhost:8080", Dev: true, AdminToken: "dev-admin-token", Metrics: true}},
		{"serve", Page{BaseURL: "https://login.example.com", AdminToken: "a-secret-admin-token"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mux := http.NewServeMux()
			tc.page.Mount(mux)
			w := httptest.NewRecorder()
			mux.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/", nil))
			body := w.Body.String()
			if w.Code != http.StatusOK || w.Header().Get("Content-Type") != "text/html; charset=utf-8" {
				t.Fatalf("GET /: %d %q", w.Code, w.Header().Get("Content-Type"))
			}
			if !tc.page.Dev && (strings.Contains(body, tc.page.AdminToken) || strings.Contains(body, "demo-secret") || strings.Contains(body, "demo/")) {
				t.Errorf("serve mode's page shows dev credentials or the demo shop:\n%s", body)
			}
			testenv.CheckGolden(t, filepath.Join("testdata", tc.name+".txt"), testenv.VisibleText(body), *update)
		})
	}
}

// The dev landing page names every demo user the seed creates, so a new
// one cannot be left off it.
func TestDevPageListsEveryDemoUser(t *testing.T) {
	mux := http.NewServeMux()
	p := Page{BaseURL: "http://localhost:8080", Dev: true, AdminToken: "dev-admin-token"}
	p.Mount(mux)
	w := httptest.NewRecorder()
	mux.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/", nil))
	for _, u := range devseed.Users(time.Now()) {
		if !strings.Contains(w.Body.String(), u.PhoneNumber) {
			t.Errorf("the landing page does not list the demo user %s", u.PhoneNumber)
		}
	}
}

// TestOnlyTheRoot checks that the page answers the base URL alone: any
// other path stays the mux's 404.
func TestOnlyTheRoot(t *testing.T) {
	mux := http.NewServeMux()
	(&Page{BaseURL: "http://localhost:8080"}).Mount(mux)
	for _, path := range []string{"/nope", "/index.html", "/demo"} {
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
		if w.Code != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, w.Code)
		}
	}
}

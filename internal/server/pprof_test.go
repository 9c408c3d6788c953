package server

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestPprofOnlyWhereMounted: the mux MountPprof is given serves the
// profiles; the server's public handler does not.
func TestPprofOnlyWhereMounted(t *testing.T) {
	mux := http.NewServeMux()
	MountPprof(mux)
	for _, path := range []string{"/debug/pprof/", "/debug/pprof/goroutine?debug=1", "/debug/pprof/cmdline"} {
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		if rec.Code != 200 || rec.Body.Len() == 0 {
			t.Errorf("GET %s on the metrics mux = %d", path, rec.Code)
		}
	}
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest("GET", "/debug/pprof/", nil))
	if !strings.Contains(rec.Body.String(), "goroutine") {
		t.Errorf("the pprof index lacks the goroutine profile: %.200s", rec.Body)
	}

	var logs bytes.Buffer
	s, _ := newServer(t, "http://localhost", &logs)
	rec = httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/debug/pprof/", nil))
	if rec.Code == 200 || strings.Contains(rec.Body.String(), "goroutine") {
		t.Errorf("the public handler serves /debug/pprof/: %d", rec.Code)
	}
}

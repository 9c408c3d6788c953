package main

import (
	"net/http"
	"strings"
	"testing"
)

// --metrics-addr serves /metrics on a listener of its own, which the
// banner names, and takes it off the main listener.
func TestMetricsAddr(t *testing.T) {
	s := startServer(t, "dev", nil, "--db", t.TempDir()+"/v.db", "--metrics-addr", "127.0.0.1:0")
	var metricsURL string
	for _, line := range s.Banner {
		if u, ok := strings.CutPrefix(strings.TrimSpace(line), "metrics:"); ok {
			metricsURL = strings.TrimSpace(u)
		}
	}
	if !strings.HasPrefix(metricsURL, "http://127.0.0.1:") {
		t.Fatalf("the banner names no metrics listener: %q", s.Banner)
	}
	res, err := http.Get(metricsURL)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/plain") {
		t.Errorf("GET %s = %d %s, want the text exposition", metricsURL, res.StatusCode, res.Header.Get("Content-Type"))
	}
	if res, _ := s.get(t, "/metrics"); res.StatusCode != http.StatusNotFound {
		t.Errorf("/metrics on the main listener = %d, want 404 with --metrics-addr", res.StatusCode)
	}
}

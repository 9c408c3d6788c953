package server

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/vippslogin/vippslogin/internal/clientip"
	"github.com/vippslogin/vippslogin/internal/metrics"
)

// TestAccessLogClientIP: over a real connection from 127.0.0.1, the access
// log's client_ip is the peer unless the peer is a trusted proxy, whose
// X-Forwarded-For then names the client; trusting the proxy does not open
// /metrics to requests it forwards.
func TestAccessLogClientIP(t *testing.T) {
	for _, tc := range []struct {
		name, trusted, xff, want string
	}{
		{"no proxy trusted: the header is the client's word", "", "203.0.113.5", "127.0.0.1"},
		{"no header", "127.0.0.1", "", "127.0.0.1"},
		{"a trusted proxy", "127.0.0.1", "198.51.100.1, 203.0.113.5", "203.0.113.5"},
		{"two trusted proxies", "127.0.0.0/8, 10.0.0.0/8", "198.51.100.1, 203.0.113.5, 10.1.1.1", "203.0.113.5"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var logs bytes.Buffer
			s, _ := newServer(t, "http://localhost", &logs)
			s.Metrics = metrics.New()
			// GET /healthz is logged at DEBUG (quietRoutes).
			s.Logger = debugLogger(&logs)
			var err error
			if s.TrustedProxies, err = clientip.Parse(tc.trusted); err != nil {
				t.Fatal(err)
			}
			ts := httptest.NewServer(s.Handler())
			defer ts.Close()
			get := func(path string) int {
				req, _ := http.NewRequest("GET", ts.URL+path, nil)
				if tc.xff != "" {
					req.Header.Set("X-Forwarded-For", tc.xff)
				}
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				return resp.StatusCode
			}
			if code := get("/healthz"); code != http.StatusOK {
				t.Fatalf("healthz = %d", code)
			}
			if code := get("/metrics"); tc.xff != "" && code != http.StatusForbidden {
				t.Errorf("forwarded GET /metrics = %d, want 403", code)
			}
			ts.Close() // the handler's log line is written by now
			out := logs.String()
			line := map[string]any{}
			sc := bufio.NewScanner(&logs)
			for sc.Scan() { // the first request line
				if err := json.Unmarshal(sc.Bytes(), &line); err == nil && line["path"] == "/healthz" {
					break
				}
			}
			if line["client_ip"] != tc.want {
				t.Errorf("client_ip = %v, want %s (log %s)", line["client_ip"], tc.want, out)
			}
		})
	}
}

package server

import (
	"io"
	"log/slog"
	"net/http/httptest"
	"testing"

	"github.com/vippslogin/vippslogin/internal/metrics"
	"github.com/vippslogin/vippslogin/internal/testenv"
)

// BenchmarkMetricsOverhead is what counting a request costs: the route
// lookup and the two observations, on the cheapest route there is.
func BenchmarkMetricsOverhead(b *testing.B) {
	for _, tc := range []struct {
		name string
		m    *metrics.Metrics
	}{{"off", nil}, {"on", metrics.New()}} {
		b.Run(tc.name, func(b *testing.B) {
			s := &Server{BaseURL: "http://localhost", Store: testenv.SQLite(b), Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Metrics: tc.m}
			h := s.Handler()
			r := httptest.NewRequest("GET", "/healthz", nil)
			b.ReportAllocs()
			for b.Loop() {
				h.ServeHTTP(httptest.NewRecorder(), r)
			}
		})
	}
}

// BenchmarkLoggedRequest is a request on the cheapest route with the
// logger serve uses (LogHandler over JSON), tracing off: what every log
// line's request and trace ids cost when there is no trace.
func BenchmarkLoggedRequest(b *testing.B) {
	s := &Server{BaseURL: "http://localhost", Store: testenv.SQLite(b), Logger: slog.New(LogHandler{slog.NewJSONHandler(io.Discard, nil)}), Metrics: metrics.New()}
	h := s.Handler()
	r := httptest.NewRequest("GET", "/healthz", nil)
	b.ReportAllocs()
	for b.Loop() {
		h.ServeHTTP(httptest.NewRecorder(), r)
	}
}

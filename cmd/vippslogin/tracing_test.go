package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/protobuf/proto"
)

// With OTEL_EXPORTER_OTLP_ENDPOINT set, the server traces its requests and
// store calls and sends the spans to the collector by the time it exits.
func TestServeExportsTraces(t *testing.T) {
	var (
		mu    sync.Mutex
		names []string
	)
	collector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var req coltracepb.ExportTraceServiceRequest
		if r.URL.Path != "/v1/traces" || proto.Unmarshal(body, &req) != nil {
			http.Error(w, "not an OTLP trace export", http.StatusBadRequest)
			return
		}
		mu.Lock()
		defer mu.Unlock()
		for _, rs := range req.ResourceSpans {
			for _, ss := range rs.ScopeSpans {
				for _, sp := range ss.Spans {
					names = append(names, sp.Name)
				}
			}
		}
	}))
	defer collector.Close()
	// The exporter reads the process environment; the server's getenv
	// decides whether to trace at all.
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", collector.URL)
	t.Setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "")
	s := startServer(t, "dev", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": collector.URL}, "--db", t.TempDir()+"/v.db")
	if res, _ := s.get(t, "/readyz"); res.StatusCode != http.StatusOK {
		t.Fatalf("readyz: %d", res.StatusCode)
	}
	s.Stop(t)

	mu.Lock()
	defer mu.Unlock()
	for _, want := range []string{"GET /readyz", "store.CheckWrite"} {
		if !slices.Contains(names, want) {
			t.Errorf("collector got spans %q, want %q among them", names, want)
		}
	}
}

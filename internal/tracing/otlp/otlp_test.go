package otlp

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"go.opentelemetry.io/otel/trace/noop"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/vippslogin/vippslogin/internal/tracing"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestSetupOffWithoutEndpoint(t *testing.T) {
	tp, shutdown, err := Setup(t.Context(), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := tp.(noop.TracerProvider); !ok || !tracing.IsOff(tp) {
		t.Fatalf("provider %T, want the no-op provider", tp)
	}
	if err := shutdown(t.Context()); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
}

func TestSetupExportsToEndpoint(t *testing.T) {
	type post struct{ method, path, contentType, service, span string }
	var (
		mu    sync.Mutex
		posts []post
	)
	collector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := post{method: r.Method, path: r.URL.Path, contentType: r.Header.Get("Content-Type")}
		body, _ := io.ReadAll(r.Body)
		var req coltracepb.ExportTraceServiceRequest
		if err := proto.Unmarshal(body, &req); err == nil && len(req.ResourceSpans) == 1 {
			rs := req.ResourceSpans[0]
			for _, a := range rs.Resource.Attributes {
				if a.Key == "service.name" {
					p.service = a.Value.GetStringValue()
				}
			}
			if len(rs.ScopeSpans) == 1 && len(rs.ScopeSpans[0].Spans) == 1 {
				p.span = rs.ScopeSpans[0].Spans[0].Name
			}
		}
		mu.Lock()
		posts = append(posts, p)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/x-protobuf")
	}))
	defer collector.Close()
	// The exporter reads the OTEL_* variables from the process environment
	// itself; Setup reads them through getenv to decide whether to trace.
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", collector.URL)
	for _, k := range []string{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_HEADERS", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"} {
		t.Setenv(k, "")
	}

	tp, shutdown, err := Setup(t.Context(), env(map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": collector.URL, "OTEL_SERVICE_NAME": "login-eu"}))
	if err != nil {
		t.Fatal(err)
	}
	if tracing.IsOff(tp) {
		t.Fatalf("provider %T with an endpoint set, want the SDK's", tp)
	}
	_, span := tp.Tracer("test").Start(context.Background(), "work")
	span.End()
	if err := shutdown(t.Context()); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(posts) != 1 || posts[0] != (post{"POST", "/v1/traces", "application/x-protobuf", "login-eu", "work"}) {
		t.Fatalf("collector got %+v, want one POST /v1/traces of application/x-protobuf with span work of service login-eu", posts)
	}
}

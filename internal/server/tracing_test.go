package server

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/vippslogin/vippslogin/internal/metrics"
	"github.com/vippslogin/vippslogin/internal/testenv"
)

// tracedServer is newServer with metrics and an SDK tracer provider that
// records every span, synchronously, in the returned exporter.
func tracedServer(t *testing.T, logs *bytes.Buffer) (*Server, *tracetest.InMemoryExporter) {
	t.Helper()
	s, _ := newServer(t, "http://localhost", logs)
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	t.Cleanup(func() { tp.Shutdown(t.Context()) })
	s.Metrics, s.Tracing = metrics.New(), tp
	s.Logger = debugLogger(logs) // the tests trace GET /readyz, logged at DEBUG
	return s, exp
}

// accessLog returns the "request" line from logs.
func accessLog(t *testing.T, logs *bytes.Buffer) map[string]any {
	t.Helper()
	for line := range strings.Lines(logs.String()) {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		if rec["msg"] == "request" {
			return rec
		}
	}
	t.Fatalf("no access log line in %s", logs.String())
	return nil
}

func attr(s tracetest.SpanStub, key attribute.Key) attribute.Value {
	for _, a := range s.Attributes {
		if a.Key == key {
			return a.Value
		}
	}
	return attribute.Value{}
}

func TestTracingSpansNest(t *testing.T) {
	var logs bytes.Buffer
	s, exp := tracedServer(t, &logs)
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/readyz", nil))
	if rec.Code != 200 {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}

	var req, ping *tracetest.SpanStub
	spans := exp.GetSpans()
	for i, sp := range spans {
		switch sp.Name {
		case "GET /readyz":
			req = &spans[i]
		case "store.CheckWrite":
			ping = &spans[i]
		}
	}
	if req == nil || ping == nil {
		t.Fatalf("want spans GET /readyz and store.CheckWrite, got %v", spanNames(spans))
	}
	if req.SpanKind != trace.SpanKindServer || req.Parent.IsValid() {
		t.Errorf("request span: kind %v, parent %v; want a server root span", req.SpanKind, req.Parent)
	}
	if got := attr(*req, "http.route").AsString(); got != "GET /readyz" {
		t.Errorf("http.route = %q", got)
	}
	if got := attr(*req, "http.request.method").AsString(); got != "GET" {
		t.Errorf("http.request.method = %q", got)
	}
	if got := attr(*req, "http.response.status_code").AsInt64(); got != 200 {
		t.Errorf("http.response.status_code = %d", got)
	}
	if ping.SpanContext.TraceID() != req.SpanContext.TraceID() || ping.Parent.SpanID() != req.SpanContext.SpanID() {
		t.Errorf("store.CheckWrite span: trace %s parent %s; want trace %s parent %s",
			ping.SpanContext.TraceID(), ping.Parent.SpanID(), req.SpanContext.TraceID(), req.SpanContext.SpanID())
	}
	if got, want := accessLog(t, &logs)["trace_id"], req.SpanContext.TraceID().String(); got != want {
		t.Errorf("access log trace_id = %v, want %s", got, want)
	}
}

func spanNames(spans tracetest.SpanStubs) []string {
	var names []string
	for _, s := range spans {
		names = append(names, s.Name)
	}
	return names
}

func TestTracingContinuesTraceparent(t *testing.T) {
	const (
		traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
		parent  = "00f067aa0ba902b7"
	)
	var logs bytes.Buffer
	s, exp := tracedServer(t, &logs)
	r := httptest.NewRequest("GET", "/readyz", nil)
	r.Header.Set("Traceparent", "00-"+traceID+"-"+parent+"-01")
	s.Handler().ServeHTTP(httptest.NewRecorder(), r)

	spans := exp.GetSpans()
	if len(spans) < 2 {
		t.Fatalf("spans %v, want the request's and the store's", spanNames(spans))
	}
	for _, sp := range spans {
		if got := sp.SpanContext.TraceID().String(); got != traceID {
			t.Errorf("span %s in trace %s, want the incoming %s", sp.Name, got, traceID)
		}
		if sp.Name == "GET /readyz" && sp.Parent.SpanID().String() != parent {
			t.Errorf("request span's parent %s, want the caller's %s", sp.Parent.SpanID(), parent)
		}
	}
	if got := accessLog(t, &logs)["trace_id"]; got != traceID {
		t.Errorf("access log trace_id = %v, want %s", got, traceID)
	}
}

func TestTracingNamesUnmatchedAndMarksServerErrors(t *testing.T) {
	var logs bytes.Buffer
	s, exp := tracedServer(t, &logs)
	h := s.Handler()
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/no/such/path/secret-ish", nil))
	spans := exp.GetSpans()
	if len(spans) != 1 || spans[0].Name != metrics.Unmatched {
		t.Fatalf("spans %v, want one named %q (never the raw path)", spanNames(spans), metrics.Unmatched)
	}
	if got := attr(spans[0], "http.route"); got.Type() != attribute.EMPTY {
		t.Errorf("unmatched request has http.route %q, want none", got.String())
	}
	if got := attr(spans[0], "http.response.status_code").AsInt64(); got != 404 {
		t.Errorf("status code %d, want 404", got)
	}
	if spans[0].Status.Code == codes.Error {
		t.Errorf("a 404 marked the span failed")
	}

	exp.Reset()
	s.Store.Close() // readyz now fails with 503
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/readyz", nil))
	if rec.Code != 503 {
		t.Fatalf("readyz on a closed store: status %d, want 503", rec.Code)
	}
	spans = exp.GetSpans()
	req := spans[len(spans)-1] // the request span ends last
	if req.Name != "GET /readyz" || req.Status.Code != codes.Error {
		t.Errorf("last span %s has status %v, want GET /readyz with Error", req.Name, req.Status.Code)
	}
}

func TestTracingOffIgnoresTraceparent(t *testing.T) {
	for name, tp := range map[string]trace.TracerProvider{"nil": nil, "noop": noop.NewTracerProvider()} {
		t.Run(name, func(t *testing.T) {
			var logs bytes.Buffer
			s, _ := newServer(t, "http://localhost", &logs)
			s.Metrics, s.Tracing, s.Logger = metrics.New(), tp, debugLogger(&logs)
			r := httptest.NewRequest("GET", "/readyz", nil)
			r.Header.Set("Traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
			s.Handler().ServeHTTP(httptest.NewRecorder(), r)
			if id, ok := accessLog(t, &logs)["trace_id"]; ok {
				t.Errorf("tracing off, yet the access log has trace_id %v", id)
			}
		})
	}
}

// logLines parses every line in logs.
func logLines(t *testing.T, logs *bytes.Buffer) []map[string]any {
	t.Helper()
	var recs []map[string]any
	for line := range strings.Lines(logs.String()) {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		recs = append(recs, rec)
	}
	return recs
}

// failingAppRequest serves, with s.Logger as the default logger (as serve
// sets it), a request whose store call fails, so that the app API's
// package logs an error line of its own beside the access line.
func failingAppRequest(t *testing.T, s *Server) {
	t.Helper()
	old := slog.Default()
	slog.SetDefault(s.Logger)
	t.Cleanup(func() { slog.SetDefault(old) })
	s.Store.Close()
	req := httptest.NewRequest("POST", "/app/v1/requests/some-handle/approve", strings.NewReader("{}"))
	req.Header.Set("Authorization", "Bearer some-app-session")
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, req)
	if rec.Code < 500 {
		t.Fatalf("status %d with the store closed; the test needs a request that fails and is logged", rec.Code)
	}
}

// Every line of a traced request, not only the access line, names the
// request's trace and span: here the line the app API's package logs for
// the failure.
func TestTracingIdsOnEveryRequestLine(t *testing.T) {
	var logs bytes.Buffer
	s, exp := tracedServer(t, &logs)
	failingAppRequest(t, s)

	var req *tracetest.SpanStub
	spans := exp.GetSpans()
	for i, sp := range spans {
		if sp.SpanKind == trace.SpanKindServer {
			req = &spans[i]
		}
	}
	if req == nil {
		t.Fatalf("no request span in %v", spanNames(spans))
	}
	lines := logLines(t, &logs)
	if len(lines) < 2 {
		t.Fatalf("logged %d lines, want the failure's and the access line: %s", len(lines), logs.String())
	}
	for _, l := range lines {
		if l["trace_id"] != req.SpanContext.TraceID().String() || l["span_id"] != req.SpanContext.SpanID().String() {
			t.Errorf("line %q has trace_id %v span_id %v, want the request span's %s %s",
				l["msg"], l["trace_id"], l["span_id"], req.SpanContext.TraceID(), req.SpanContext.SpanID())
		}
		if l["request_id"] != lines[len(lines)-1]["request_id"] {
			t.Errorf("line %q has request_id %v, unlike the access line", l["msg"], l["request_id"])
		}
	}
}

func TestTracingOffNoIdsOnRequestLines(t *testing.T) {
	var logs bytes.Buffer
	s, _ := newServer(t, "http://localhost", &logs)
	s.Metrics = metrics.New()
	failingAppRequest(t, s)
	lines := logLines(t, &logs)
	if len(lines) < 2 {
		t.Fatalf("logged %d lines, want the failure's and the access line: %s", len(lines), logs.String())
	}
	for _, l := range lines {
		if _, ok := l["trace_id"]; ok {
			t.Errorf("tracing off, yet line %q has trace_id %v", l["msg"], l["trace_id"])
		}
		if _, ok := l["span_id"]; ok {
			t.Errorf("tracing off, yet line %q has span_id %v", l["msg"], l["span_id"])
		}
	}
}

// BenchmarkTracingOverhead is what tracing a request costs when it is on,
// beside BenchmarkMetricsOverhead's "on" (the same server, tracing off): a
// server span per request on /readyz, which also makes one store span.
func BenchmarkTracingOverhead(b *testing.B) {
	for _, tc := range []struct {
		name string
		tp   trace.TracerProvider
	}{{"off", nil}, {"on", sdktrace.NewTracerProvider()}} {
		b.Run(tc.name, func(b *testing.B) {
			s := &Server{BaseURL: "http://localhost", Store: testenv.SQLite(b), Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
				Metrics: metrics.New(), Tracing: tc.tp}
			h := s.Handler()
			r := httptest.NewRequest("GET", "/readyz", nil)
			b.ReportAllocs()
			for b.Loop() {
				h.ServeHTTP(httptest.NewRecorder(), r)
			}
		})
	}
}

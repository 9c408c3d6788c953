package server

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/vippslogin/vippslogin/internal/store"
)

// span is the one span named name in spans.
func span(t *testing.T, spans tracetest.SpanStubs, name string) tracetest.SpanStub {
	t.Helper()
	var found []tracetest.SpanStub
	for _, s := range spans {
		if s.Name == name {
			found = append(found, s)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d spans named %s in %v, want one", len(found), name, spanNames(spans))
	}
	return found[0]
}

// nests reports whether child is a child span of parent.
func nests(child, parent tracetest.SpanStub) bool {
	return child.SpanContext.TraceID() == parent.SpanContext.TraceID() && child.Parent.SpanID() == parent.SpanContext.SpanID()
}

// logLine is the line of logs whose msg is msg.
func logLine(t *testing.T, logs *bytes.Buffer, msg string) map[string]any {
	t.Helper()
	for _, l := range logLines(t, logs) {
		if l["msg"] == msg {
			return l
		}
	}
	t.Fatalf("no line %q in %s", msg, logs.String())
	return nil
}

// A janitor sweep is a trace of its own, its store call nested under it
// and its log line naming it.
func TestTracingJanitorSweep(t *testing.T) {
	var logs bytes.Buffer
	s, exp := tracedServer(t, &logs)
	ctx := context.Background()
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	s.Now = func() time.Time { return now }
	if err := s.Store.CreateUser(ctx, store.User{PhoneNumber: "4712345678"}); err != nil {
		t.Fatal(err)
	}
	if err := s.Store.CreateAppSession(ctx, store.AppSession{TokenHash: "h", PhoneNumber: "4712345678", CreatedAt: now, ExpiresAt: now.Add(-ExpiryGrace - time.Second)}); err != nil {
		t.Fatal(err)
	}
	s.sweep(ctx)

	spans := exp.GetSpans()
	sweep, del := span(t, spans, "janitor.sweep"), span(t, spans, "store.DeleteExpired")
	if sweep.Parent.IsValid() {
		t.Errorf("janitor.sweep has parent %s, want a root span", sweep.Parent.SpanID())
	}
	if !nests(del, sweep) {
		t.Errorf("store.DeleteExpired (trace %s, parent %s) is not a child of janitor.sweep (%s %s)",
			del.SpanContext.TraceID(), del.Parent.SpanID(), sweep.SpanContext.TraceID(), sweep.SpanContext.SpanID())
	}
	if got := attr(sweep, "janitor.deleted").AsInt64(); got != 1 {
		t.Errorf("janitor.deleted = %d, want 1", got)
	}
	if sweep.Status.Code == codes.Error {
		t.Errorf("a sweep that succeeded is marked failed")
	}
	if got := logLine(t, &logs, "janitor: deleted expired records")["trace_id"]; got != sweep.SpanContext.TraceID().String() {
		t.Errorf("the sweep's log line has trace_id %v, want %s", got, sweep.SpanContext.TraceID())
	}
}

// A sweep the database fails is marked failed, as its store call is.
func TestTracingJanitorSweepFails(t *testing.T) {
	var logs bytes.Buffer
	s, exp := tracedServer(t, &logs)
	s.Store.Close()
	s.sweep(context.Background())
	spans := exp.GetSpans()
	for _, name := range []string{"janitor.sweep", "store.DeleteExpired"} {
		if sp := span(t, spans, name); sp.Status.Code != codes.Error || len(sp.Events) == 0 {
			t.Errorf("%s: status %v, %d events; want Error with the error recorded", name, sp.Status.Code, len(sp.Events))
		}
	}
}

// Each webhook delivery attempt is a trace of its own, named by its client
// but never by its URL, with the attempt's store call nested under it; a
// failed attempt is marked failed. The poll for due events makes no span.
func TestTracingWebhookDeliveries(t *testing.T) {
	var logs bytes.Buffer
	s, exp := tracedServer(t, &logs)
	ctx := context.Background()
	now := time.Now()
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/fail" {
			http.Error(w, "down", http.StatusInternalServerError)
		}
	}))
	t.Cleanup(rcv.Close)
	if err := s.Store.CreateClient(ctx, store.Client{ID: "shop", Name: "Shop", CreatedAt: now, UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"ok", "fail"} {
		if err := s.Store.EnqueueWebhook(ctx, store.Webhook{
			ID: "event-" + id, ClientID: "shop", Event: store.EventConsentRevoked, URL: rcv.URL + "/" + id + "?token=SECRET-IN-URL",
			ContentType: "text/plain", Body: []byte("body"), NextAttemptAt: now, CreatedAt: now, ExpiresAt: now.Add(time.Hour),
		}); err != nil {
			t.Fatal(err)
		}
	}
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { s.Webhooks(runCtx); close(done) }()
	eventually(t, "two attempts traced", func() bool {
		n := 0
		for _, s := range exp.GetSpans() {
			if s.Name == "webhook.deliver" {
				n++
			}
		}
		return n == 2
	})
	cancel()
	<-done

	spans := exp.GetSpans()
	var delivers, records []tracetest.SpanStub
	for _, sp := range spans {
		switch sp.Name {
		case "webhook.deliver":
			delivers = append(delivers, sp)
		case "store.RecordWebhookAttempt":
			records = append(records, sp)
		case "store.ClaimWebhooks":
			t.Errorf("the poll for due events made a span")
		}
		for _, a := range sp.Attributes {
			if strings.Contains(a.Value.String(), "SECRET") || strings.Contains(a.Value.String(), rcv.URL) {
				t.Errorf("span %s has %s = %q: a webhook URL in a trace", sp.Name, a.Key, a.Value.String())
			}
		}
	}
	if len(records) != 2 {
		t.Fatalf("spans %v, want two store.RecordWebhookAttempt", spanNames(spans))
	}
	failed := 0
	for _, d := range delivers {
		if d.Parent.IsValid() {
			t.Errorf("webhook.deliver has parent %s, want a root span", d.Parent.SpanID())
		}
		if got := attr(d, "client_id").AsString(); got != "shop" {
			t.Errorf("webhook.deliver client_id = %q, want shop", got)
		}
		if nests(records[0], d) == nests(records[1], d) {
			t.Errorf("webhook.deliver %s is not the parent of exactly one store.RecordWebhookAttempt", d.SpanContext.SpanID())
		}
		if d.Status.Code == codes.Error {
			failed++
			if got := attr(d, "http.response.status_code").AsInt64(); got != 500 {
				t.Errorf("failed attempt's status code %d, want 500", got)
			}
		}
	}
	if failed != 1 {
		t.Errorf("%d attempts marked failed, want the one the receiver answered 500", failed)
	}
	if got, want := logLine(t, &logs, "webhook: delivered")["trace_id"], traceOf(delivers, 200); got != want {
		t.Errorf("the delivery's log line has trace_id %v, want its attempt's %s", got, want)
	}
}

// traceOf is the trace id of the span in spans whose status code is code.
func traceOf(spans []tracetest.SpanStub, code int64) string {
	for _, s := range spans {
		if attr(s, "http.response.status_code").AsInt64() == code {
			return s.SpanContext.TraceID().String()
		}
	}
	return ""
}

package metrics

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/vippslogin/vippslogin/internal/store"
	"github.com/vippslogin/vippslogin/internal/testenv"
)

// A store call within a span gets a child span named by its method; one
// outside any span (a background loop's) gets none, so that the webhook
// poll does not make a trace a second.
func TestTracedStoreSpansOnlyWithinASpan(t *testing.T) {
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	st := New().TracedStore(testenv.SQLite(t), tp)

	if err := st.Ping(context.Background()); err != nil {
		t.Fatal(err)
	}
	if spans := exp.GetSpans(); len(spans) != 0 {
		t.Fatalf("a call outside any span made %d spans (%s)", len(spans), spans[0].Name)
	}

	ctx, parent := tp.Tracer("test").Start(context.Background(), "request")
	if _, err := st.ListClients(ctx); err != nil {
		t.Fatal(err)
	}
	parent.End()
	spans := exp.GetSpans()
	if len(spans) != 2 || spans[0].Name != "store.ListClients" {
		t.Fatalf("spans %v, want store.ListClients then request", spans)
	}
	if got, want := spans[0].Parent.SpanID(), parent.SpanContext().SpanID(); got != want {
		t.Errorf("store span's parent %s, want the request's %s", got, want)
	}
}

// A store call that fails marks its span failed and records the error; the
// answers callers expect (no such record, a taken key, the caller's own
// closure declining the change, a caller that gave up) do not.
func TestTracedStoreMarksFailures(t *testing.T) {
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	db := testenv.SQLite(t)
	st := New().TracedStore(db, tp)
	ctx, parent := tp.Tracer("test").Start(t.Context(), "request")
	defer parent.End()
	now := time.Now()
	lr := store.LoginRequest{ID: "lr-1", Kind: store.KindCIBA, ClientID: "shop", PhoneNumber: "4712345678",
		Status: store.LoginWaiting, CreatedAt: now, ExpiresAt: now.Add(time.Minute)}
	if err := st.CreateClient(ctx, store.Client{ID: "shop", Name: "Shop", CreatedAt: now, UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}
	if err := st.CreateLoginRequest(ctx, lr); err != nil {
		t.Fatal(err)
	}
	declined := errors.New("already answered")
	canceled, cancel := context.WithCancel(ctx)
	cancel()

	// lastSpan is the span the last call made: its name, status and
	// whether it recorded an error event.
	lastSpan := func(t *testing.T, name string) tracetest.SpanStub {
		t.Helper()
		spans := exp.GetSpans()
		if len(spans) == 0 || spans[len(spans)-1].Name != "store."+name {
			t.Fatalf("spans %v, want the last one store.%s", spans, name)
		}
		return spans[len(spans)-1]
	}
	for _, tc := range []struct {
		name string
		call func() error
	}{
		{"GetClient", func() error { _, err := st.GetClient(ctx, "nobody"); return err }},
		{"CreateClient", func() error {
			return st.CreateClient(ctx, store.Client{ID: "shop", Name: "Shop", CreatedAt: now, UpdatedAt: now})
		}},
		{"UpdateClient", func() error {
			_, err := st.UpdateClient(ctx, "shop", func(c store.Client) (store.Client, error) { return c, declined })
			return err
		}},
		{"UpdateLoginRequest", func() error {
			_, err := st.UpdateLoginRequest(ctx, lr.ID, func(r store.LoginRequest) (store.LoginRequest, error) { return r, fmt.Errorf("wrapped: %w", declined) })
			return err
		}},
		{"ListClients", func() error { _, err := st.ListClients(canceled); return err }},
	} {
		t.Run("expected "+tc.name, func(t *testing.T) {
			if err := tc.call(); err == nil {
				t.Fatal("the call succeeded; the test needs it to answer with an error")
			}
			sp := lastSpan(t, tc.name)
			if sp.Status.Code == codes.Error || len(sp.Events) != 0 {
				t.Errorf("span status %v with %d events, want an expected answer left unmarked", sp.Status.Code, len(sp.Events))
			}
		})
	}

	t.Run("failure", func(t *testing.T) {
		db.Close()
		_, err := st.ListClients(ctx)
		if !errors.Is(err, store.ErrUnavailable) {
			t.Fatalf("ListClients on a closed store: %v, want ErrUnavailable", err)
		}
		sp := lastSpan(t, "ListClients")
		if sp.Status.Code != codes.Error {
			t.Errorf("span status %v, want Error", sp.Status.Code)
		}
		if len(sp.Events) != 1 || sp.Events[0].Name != "exception" {
			t.Fatalf("span events %v, want the error recorded", sp.Events)
		}
		for _, a := range sp.Events[0].Attributes {
			if a.Key == "exception.message" && a.Value.AsString() != err.Error() {
				t.Errorf("recorded %q, want %q", a.Value.AsString(), err)
			}
		}
	})
}

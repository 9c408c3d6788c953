package metrics

import (
	"context"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

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

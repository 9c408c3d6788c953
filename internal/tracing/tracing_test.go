package tracing

import (
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

func TestEnabled(t *testing.T) {
	for env, want := range map[string]bool{
		"":                                   false,
		"OTEL_EXPORTER_OTLP_ENDPOINT":        true,
		"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": true,
		"OTEL_SERVICE_NAME":                  false,
	} {
		getenv := func(k string) string {
			if k == env {
				return "http://collector.example:4318"
			}
			return ""
		}
		if got := Enabled(getenv); got != want {
			t.Errorf("Enabled with %q set: %v, want %v", env, got, want)
		}
	}
}

func TestIsOff(t *testing.T) {
	sdk := sdktrace.NewTracerProvider()
	defer sdk.Shutdown(t.Context())
	if !IsOff(nil) || !IsOff(noop.NewTracerProvider()) || IsOff(sdk) {
		t.Errorf("IsOff: nil %v, noop %v, an SDK provider %v; want true, true, false", IsOff(nil), IsOff(noop.NewTracerProvider()), IsOff(sdk))
	}
}

// Package tracing holds the rules of OpenTelemetry tracing that the server
// reads: whether the environment turns it on, the service's name, and
// whether a provider is a no-op. It imports only the OpenTelemetry API, so
// that what embeds the server (vippstest, in a merchant's go test) does not
// build an exporter; the binary sets one up with package otlp.
package tracing

import (
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// ServiceName is the service.name spans carry unless OTEL_SERVICE_NAME
// names another.
const ServiceName = "vippslogin"

// Enabled reports whether the environment asks for traces to be exported:
// the one rule for whether tracing is on.
func Enabled(getenv func(string) string) bool {
	return getenv("OTEL_EXPORTER_OTLP_ENDPOINT") != "" || getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") != ""
}

// IsOff reports whether tp is nil or a no-op provider, so that callers can
// skip tracing work entirely: with tracing off nothing, not even an
// incoming traceparent, should reach the spans or the logs.
func IsOff(tp trace.TracerProvider) bool {
	switch tp.(type) {
	case nil, noop.TracerProvider:
		return true
	}
	return false
}

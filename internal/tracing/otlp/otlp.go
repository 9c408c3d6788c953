// Package otlp sets up the binary's OpenTelemetry tracing: off (a no-op
// provider) unless an OTLP endpoint is configured by the standard
// OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT
// variables (tracing.Enabled), else spans are batched and sent over
// OTLP/HTTP. It is apart from package tracing because the exporter brings
// the OTLP protobufs and part of gRPC, which only the binary needs.
package otlp

import (
	"context"
	"fmt"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/vippslogin/vippslogin/internal/tracing"
	"github.com/vippslogin/vippslogin/internal/version"
)

// Setup returns the tracer provider the process should use and the function
// that flushes and stops it. Without an OTLP endpoint in getenv it is a
// no-op provider and shutdown does nothing. Otherwise the OTLP/HTTP
// exporter reads the other standard OTEL_EXPORTER_OTLP_* variables
// (headers, timeout, protocol options) itself.
func Setup(ctx context.Context, getenv func(string) string) (tp trace.TracerProvider, shutdown func(context.Context) error, err error) {
	if !tracing.Enabled(getenv) {
		return noop.NewTracerProvider(), func(context.Context) error { return nil }, nil
	}
	exp, err := otlptracehttp.New(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("tracing: set up the OTLP exporter (check the OTEL_EXPORTER_OTLP_* variables): %w", err)
	}
	name := tracing.ServiceName
	if n := getenv("OTEL_SERVICE_NAME"); n != "" {
		name = n
	}
	res, err := resource.Merge(resource.Default(), resource.NewSchemaless(
		attribute.String("service.name", name),
		attribute.String("service.version", version.Get().Version),
	))
	if err != nil {
		return nil, nil, fmt.Errorf("tracing: describe the service: %w", err)
	}
	sdk := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res))
	return sdk, sdk.Shutdown, nil
}

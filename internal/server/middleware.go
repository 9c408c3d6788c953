package server

import (
	"context"
	"crypto/rand"
	"log/slog"
	"net/http"
	"regexp"
	"runtime/debug"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/vippslogin/vippslogin/internal/config"
	"github.com/vippslogin/vippslogin/internal/jsonapi"
	"github.com/vippslogin/vippslogin/internal/metrics"
	"github.com/vippslogin/vippslogin/internal/tracing"
)

type ctxKey struct{}

// RequestID returns the id of the request ctx belongs to, or "".
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(ctxKey{}).(string)
	return id
}

var goodRequestID = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// middleware gives every request an id, logs it when done, counts it by
// its route pattern (route) when the server has metrics, traces it in a span
// named by that pattern when tracing is on (continuing an incoming W3C
// traceparent, and logging the trace id), and turns a panic into a 500. The
// log line has the path but never the query, which can hold codes, tokens
// and state.
func (s *Server) middleware(next http.Handler, route func(*http.Request) string) http.Handler {
	tracer := s.tracer()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-Id")
		if !goodRequestID.MatchString(id) {
			id = rand.Text()[:16]
		}
		ctx := context.WithValue(r.Context(), ctxKey{}, id)
		var (
			span    trace.Span // nil while tracing is off
			pattern string     // the route pattern, once routed
			routed  bool
		)
		if tracer != nil {
			pattern, routed = route(r), true
			attrs := []attribute.KeyValue{attribute.String("http.request.method", r.Method)}
			if pattern != "" { // semantic conventions: no http.route when none matched
				attrs = append(attrs, attribute.String("http.route", pattern))
			}
			ctx = propagation.TraceContext{}.Extract(ctx, propagation.HeaderCarrier(r.Header))
			ctx, span = tracer.Start(ctx, metrics.Route(pattern), trace.WithSpanKind(trace.SpanKindServer), trace.WithAttributes(attrs...))
		}
		r = r.WithContext(ctx)
		w.Header().Set("X-Request-Id", id)
		w.Header().Set("X-Content-Type-Options", "nosniff")
		rec := &statusRecorder{ResponseWriter: w}
		start := time.Now()
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					if span != nil {
						span.End()
					}
					panic(p)
				}
				s.Logger.ErrorContext(ctx, "panic serving request", "method", r.Method, "path", logPath(r.URL.Path), "panic", p, "stack", string(debug.Stack()))
				if rec.status == 0 {
					jsonapi.WriteProblem(rec, jsonapi.Errorf(http.StatusInternalServerError,
						"The server failed on this request; it has been logged with request id %s.", id))
				}
			}
			d := time.Since(start)
			logged := accessLogged(s.AccessLog, rec.code())
			if !routed && (s.Metrics != nil || logged) {
				pattern, routed = route(r), true
			}
			if s.Metrics != nil {
				s.Metrics.ObserveRequest(pattern, r.Method, rec.code(), d)
			}
			if span != nil {
				endSpan(span, rec.code())
			}
			if level := accessLevel(pattern, rec.code()); logged && s.Logger.Enabled(ctx, level) {
				// LogHandler adds request_id and, while the span is in
				// ctx, trace_id and span_id, as to every line of the
				// request.
				s.Logger.LogAttrs(ctx, level, "request",
					slog.String("method", r.Method),
					slog.String("path", logPath(r.URL.Path)),
					slog.String("client_ip", s.TrustedProxies.ClientIP(r)),
					slog.Int("status", rec.code()),
					slog.Int64("bytes", rec.bytes),
					slog.Duration("duration", d))
			}
		}()
		next.ServeHTTP(rec, r)
	})
}

// quietRoutes are the routes whose requests are many and say nothing about
// logins: the load balancer's and Prometheus' polls, and the pages'
// stylesheets, scripts and icons. Their access log lines are at DEBUG,
// unless they fail with a 5xx. TestQuietRoutesAreRoutes keeps the list in
// step with the routes the server mounts.
var quietRoutes = map[string]bool{
	"GET /healthz":                 true,
	"GET /readyz":                  true,
	"GET /metrics":                 true,
	"GET /favicon.ico":             true,
	"GET /vipps-login-idp/static/": true,
	"GET /app/static/{file}":       true,
}

// accessLevel is the level of the access log line of a request served by
// the route pattern with status: WARN for a 5xx (the server failed), DEBUG
// for the rest of a quiet route's (quietRoutes), INFO for the others.
func accessLevel(pattern string, status int) slog.Level {
	switch {
	case status >= 500:
		return slog.LevelWarn
	case quietRoutes[pattern]:
		return slog.LevelDebug
	}
	return slog.LevelInfo
}

// accessLogged reports whether a request answered with status gets an
// access log line under the --access-log mode: every request when on (the
// default, ""), none when off, and with errors-only those that failed,
// status 400 and up: a 5xx is the server's failure, a 4xx a client's
// integration error, both what an operator looks for.
func accessLogged(mode string, status int) bool {
	switch mode {
	case config.AccessLogOff:
		return false
	case config.AccessLogErrors:
		return status >= 400
	}
	return true
}

// endSpan ends a request's span with the response's status code; a 5xx
// marks it failed (a 4xx is the client's error, not the server's).
func endSpan(span trace.Span, code int) {
	span.SetAttributes(attribute.Int("http.response.status_code", code))
	if code >= 500 {
		span.SetStatus(codes.Error, http.StatusText(code))
	}
	span.End()
}

// tracer is what starts the request spans, or nil while tracing is off.
func (s *Server) tracer() trace.Tracer {
	if tracing.IsOff(s.Tracing) {
		return nil
	}
	return s.Tracing.Tracer("github.com/vippslogin/vippslogin/internal/server")
}

// loginHandlePath is where a path carries a login's id (the app API's
// requests/{id}): the id is a tabId or an auth_req_id, a bearer-like
// handle to the login, so it must not reach the logs.
const loginHandlePath = "/app/v1/requests/"

// logPath is path as the logs may show it: with a login's id replaced by
// {id}. (Query strings, which can hold codes, are never logged at all.)
func logPath(path string) string {
	before, after, found := strings.Cut(path, loginHandlePath)
	if !found || after == "" {
		return path
	}
	_, rest, _ := strings.Cut(after, "/")
	if rest != "" {
		rest = "/" + rest
	}
	return before + loginHandlePath + "{id}" + rest
}

// statusRecorder remembers the status and size of a response. Unwrap lets
// http.ResponseController reach the real writer's Flush for streaming.
type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (r *statusRecorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
	r.ResponseWriter.WriteHeader(status)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	n, err := r.ResponseWriter.Write(b)
	r.bytes += int64(n)
	return n, err
}

func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

func (r *statusRecorder) code() int {
	if r.status == 0 {
		return http.StatusOK
	}
	return r.status
}

// LogHandler adds the request id from the context to every record, so that
// an error logged deep in a handler can be matched to its access log line,
// and, when the context is in a span (tracing on: a request's, or a
// background loop's), the span's trace_id and span_id, which lead from the
// line to its trace. With tracing off no context holds a span (the
// middleware does not even read an incoming traceparent), so no line has
// them.
type LogHandler struct{ slog.Handler }

// Handle implements slog.Handler. A "path" attribute is shown as logPath
// shows it, whichever package logged it: the oidc, jsonapi and login
// handlers log the path of a request that failed.
func (h LogHandler) Handle(ctx context.Context, r slog.Record) error {
	if hidesPath(r) {
		r = redactPath(r)
	}
	if id := RequestID(ctx); id != "" {
		r.AddAttrs(slog.String("request_id", id))
	}
	if sc := trace.SpanContextFromContext(ctx); sc.IsValid() {
		r.AddAttrs(slog.String("trace_id", sc.TraceID().String()), slog.String("span_id", sc.SpanID().String()))
	}
	return h.Handler.Handle(ctx, r)
}

// hidesPath reports whether r has a "path" that logPath changes.
func hidesPath(r slog.Record) bool {
	found := false
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "path" && a.Value.Kind() == slog.KindString {
			p := a.Value.String()
			found = logPath(p) != p
		}
		return !found
	})
	return found
}

// redactPath returns r with its "path" attributes passed through logPath.
func redactPath(r slog.Record) slog.Record {
	out := slog.NewRecord(r.Time, r.Level, r.Message, r.PC)
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "path" && a.Value.Kind() == slog.KindString {
			a.Value = slog.StringValue(logPath(a.Value.String()))
		}
		out.AddAttrs(a)
		return true
	})
	return out
}

// WithAttrs implements slog.Handler.
func (h LogHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return LogHandler{h.Handler.WithAttrs(attrs)}
}

// WithGroup implements slog.Handler.
func (h LogHandler) WithGroup(name string) slog.Handler { return LogHandler{h.Handler.WithGroup(name)} }

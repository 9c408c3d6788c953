// Package jsonapi is the shared plumbing of vippslogin's JSON APIs (admin
// and app): handlers that return errors, RFC 9457 problem details, and strict
// request decoding with a size limit.
package jsonapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/vippslogin/vippslogin/internal/store"
)

// MaxBody is the largest request body a JSON API accepts, unless a route
// that takes a batch by design passes its own limit to DecodeMax.
const MaxBody = 1 << 20

// Problem is an error with the HTTP status and the text a person sees
// (RFC 9457). Handlers return it; Handler writes it.
type Problem struct {
	Status int
	Title  string
	Detail string
	// Header is added to the response, e.g. Retry-After or WWW-Authenticate.
	Header http.Header
	// Extensions are members of the problem object beside the standard
	// ones (RFC 9457 §3.2), for what a client acts on rather than shows,
	// such as how many attempts are left. Their names must not be a
	// standard member's.
	Extensions map[string]any
}

func (p *Problem) Error() string { return fmt.Sprintf("%d %s: %s", p.Status, p.Title, p.Detail) }

// Errorf returns a Problem with status, its standard title and a detail.
func Errorf(status int, format string, args ...any) *Problem {
	return &Problem{Status: status, Title: http.StatusText(status), Detail: fmt.Sprintf(format, args...)}
}

// Handler adapts a handler that returns an error. A *Problem is written as
// application/problem+json; a database that cannot be reached
// (store.ErrUnavailable) is a 503 to retry; any other error is logged with
// its detail and answered with a generic 500 that leaks nothing.
type Handler func(w http.ResponseWriter, r *http.Request) error

func (h Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	err := h(w, r)
	if err == nil {
		return
	}
	if ClientGone(w, r, err) {
		return
	}
	var p *Problem
	switch {
	case errors.As(err, &p):
	case errors.Is(err, store.ErrUnavailable):
		slog.WarnContext(r.Context(), "database unavailable", "method", r.Method, "path", r.URL.Path, "err", err)
		p = Unavailable()
	default:
		slog.ErrorContext(r.Context(), "request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		p = Errorf(http.StatusInternalServerError, "The server could not complete the request; it has been logged. Try again, and report it if it persists.")
	}
	WriteProblem(w, p)
}

// StatusClientClosedRequest is the status a request is logged and counted
// with when its client went away before the answer (nginx's 499): nothing
// reaches the client, and the server did not fail.
const StatusClientClosedRequest = 499

// ClientGone reports whether r's client went away before its answer: the
// request's context was canceled, which net/http does when the connection
// closes. Whatever err a handler then returns comes from that (a store
// call in flight fails by it: PostgreSQL's with context.Canceled, SQLite's
// as an interrupted statement) and reaches nobody. So it is not the
// server's failure: ClientGone logs it at DEBUG and writes
// StatusClientClosedRequest for the access log and the metrics, where an
// error handler would log a 500 at ERROR. Every handler that turns errors
// into answers asks it first.
func ClientGone(w http.ResponseWriter, r *http.Request, err error) bool {
	if !errors.Is(r.Context().Err(), context.Canceled) {
		return false
	}
	slog.DebugContext(r.Context(), "client went away", "method", r.Method, "path", r.URL.Path, "err", err)
	w.WriteHeader(StatusClientClosedRequest)
	return true
}

// RetryAfter is the Retry-After, in seconds, of a 503 for a database that
// cannot be reached: a restarting database or a failover takes seconds.
const RetryAfter = "5"

// Unavailable is the 503 for a database that cannot be reached: nothing was
// changed, and the same request may succeed in a moment.
func Unavailable() *Problem {
	p := Errorf(http.StatusServiceUnavailable, "The database is unavailable right now; nothing was changed. Try again in a moment.")
	p.Header = http.Header{"Retry-After": {RetryAfter}}
	return p
}

// WriteProblem writes p as application/problem+json.
func WriteProblem(w http.ResponseWriter, p *Problem) {
	for k, vs := range p.Header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(p.Status)
	body, _ := json.Marshal(struct {
		Type   string `json:"type"`
		Title  string `json:"title"`
		Status int    `json:"status"`
		Detail string `json:"detail"`
	}{"about:blank", p.Title, p.Status, p.Detail})
	if len(p.Extensions) > 0 {
		// The standard members first, as without extensions, then the
		// extensions' (json.Marshal sorts a map's keys).
		if ext, err := json.Marshal(p.Extensions); err == nil && len(ext) > 2 {
			body = append(append(body[:len(body)-1], ','), ext[1:]...)
		}
	}
	w.Write(append(body, '\n'))
}

// Write writes v as JSON with the given status.
func Write(w http.ResponseWriter, status int, v any) error {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// Decode reads one JSON object from the request body into v. It refuses a
// body that is not JSON, larger than MaxBody, has fields v does not know, or
// trailing data, each with a 4xx Problem that says which.
func Decode(w http.ResponseWriter, r *http.Request, v any) error {
	return DecodeMax(w, r, v, MaxBody)
}

// DecodeMax is Decode with another size limit than MaxBody, for the
// one body that is large by design: a batch of users.
func DecodeMax(w http.ResponseWriter, r *http.Request, v any, limit int64) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, _ := strings.Cut(ct, ";")
		mt = strings.TrimSpace(strings.ToLower(mt))
		if mt != "application/json" && !strings.HasSuffix(mt, "+json") {
			return Errorf(http.StatusUnsupportedMediaType, "The body must be JSON (Content-Type: application/json), not %q.", mt)
		}
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, limit))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return decodeProblem(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return Errorf(http.StatusBadRequest, "The body must hold exactly one JSON object; there is more after it.")
	}
	return nil
}

func decodeProblem(err error) *Problem {
	var (
		syntax   *json.SyntaxError
		typ      *json.UnmarshalTypeError
		tooLarge *http.MaxBytesError
	)
	switch {
	case errors.Is(err, io.EOF):
		return Errorf(http.StatusBadRequest, "The body is empty; send a JSON object.")
	case errors.As(err, &tooLarge):
		return Errorf(http.StatusRequestEntityTooLarge, "The body is larger than %d bytes.", tooLarge.Limit)
	case errors.As(err, &syntax):
		return Errorf(http.StatusBadRequest, "The body is not valid JSON: %v (at byte %d).", syntax, syntax.Offset)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return Errorf(http.StatusBadRequest, "The body is not valid JSON: it ends too early.")
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			return Errorf(http.StatusBadRequest, "The body must be a JSON object, not a %s.", typ.Value)
		}
		return Errorf(http.StatusBadRequest, "Field %q must be %s, not %s.", field, jsonKind(typ.Type.Kind().String()), typ.Value)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name, _ := strconv.Unquote(strings.TrimPrefix(err.Error(), "json: unknown field "))
		return Errorf(http.StatusBadRequest, "Unknown field %q; check the spelling against the API documentation.", name)
	}
	return Errorf(http.StatusBadRequest, "The body could not be read as JSON: %v.", err)
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "slice", "array":
		return "an array"
	case "struct", "map":
		return "an object"
	case "int", "int64", "int32", "uint", "uint64", "float64":
		return "a number"
	}
	return "a " + goKind
}

package oidc

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/vippslogin/vippslogin/internal/flow"
	"github.com/vippslogin/vippslogin/internal/jsonapi"
	"github.com/vippslogin/vippslogin/internal/store"
)

// OAuth 2.0 error codes the JSON endpoints answer with (RFC 6749 §5.2,
// RFC 6750 §3.1, RFC 7009 §2.2.1).
const (
	ErrInvalidRequest       = "invalid_request"
	ErrInvalidClient        = "invalid_client"
	ErrInvalidGrant         = "invalid_grant"
	ErrUnauthorizedClient   = "unauthorized_client"
	ErrUnsupportedGrantType = "unsupported_grant_type"
	ErrInvalidScope         = "invalid_scope"
	ErrInvalidToken         = "invalid_token"
	ErrServerError          = "server_error"
)

// Error is an OAuth 2.0 error response (RFC 6749 §5.2; DESIGN §9). Grants
// and the other JSON endpoints return it and never touch the ResponseWriter;
// writeError is the one place it becomes a response.
type Error struct {
	// Code is the error: ErrInvalidRequest, ErrInvalidGrant, …
	Code        string
	Description string
	// Hint is Vipps' error_hint: what to do about it.
	Hint string
	// Status is the HTTP status; 0 means 400, or 401 for invalid_client
	// (RFC 6749 §5.2).
	Status int
	// ErrorCode is Vipps' error_code, which CIBA sends with old_app and
	// invalid_user.
	ErrorCode string
	// Header is added to the response, e.g. WWW-Authenticate.
	Header http.Header

	// explain, when set, is the integration debugger's explanation of the
	// error, for the client's developer: more than the response may say
	// (the response to a wrong secret must not tell it from an unknown
	// client). It is never written to the response.
	explain string
	// relayed marks a poll answer that only repeats how the login ended:
	// that end is the login's event (debugger.Watch), not the poll's.
	relayed bool
}

// explained is e with the debugger's explanation text.
func explained(e *Error, text string) *Error {
	e.explain = text
	return e
}

func (e *Error) Error() string {
	if e.Description == "" {
		return e.Code
	}
	return e.Code + ": " + e.Description
}

// oauthError returns an Error with code and a formatted description.
func oauthError(code, format string, args ...any) *Error {
	return &Error{Code: code, Description: fmt.Sprintf(format, args...)}
}

// errorBody is the JSON an Error is written as.
type errorBody struct {
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description,omitempty"`
	ErrorHint        string `json:"error_hint,omitempty"`
	ErrorCode        string `json:"error_code,omitempty"`
}

// writeError writes e as the JSON error response of RFC 6749 §5.2, never
// cached (§5.1). The description is kept to the characters §5.2 allows
// (flow.ErrorDescription), whatever client input it quotes.
func writeError(w http.ResponseWriter, e *Error) {
	status := e.Status
	if status == 0 {
		status = http.StatusBadRequest
		if e.Code == ErrInvalidClient {
			status = http.StatusUnauthorized
		}
	}
	h := w.Header()
	for k, vs := range e.Header {
		for _, v := range vs {
			h.Add(k, v)
		}
	}
	if e.Code == ErrInvalidClient && h.Get("WWW-Authenticate") == "" {
		h.Set("WWW-Authenticate", `Basic realm="vippslogin"`)
	}
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(errorBody{e.Code, flow.ErrorDescription(e.Description), e.Hint, e.ErrorCode})
}

// WriteError writes e as every JSON endpoint writes its errors
// (writeError), for a handler in front of the server's, such as
// vippstest's faults, whose made-up error must look exactly like a real
// one.
func WriteError(w http.ResponseWriter, e *Error) { writeError(w, e) }

// ErrTemporarilyUnavailable is the answer while the database cannot be
// reached, with status 503 (RFC 6749 §4.1.2.1 names it for authorize; the
// JSON endpoints send it with the status it stands for).
const ErrTemporarilyUnavailable = "temporarily_unavailable"

// errUnavailable is the error for a database that cannot be reached: the
// request changed nothing and may be sent again.
func errUnavailable() *Error {
	return &Error{
		Code:        ErrTemporarilyUnavailable,
		Description: "The database is unavailable right now; nothing was changed. Try again in a moment.",
		Status:      http.StatusServiceUnavailable,
		Header:      http.Header{"Retry-After": {jsonapi.RetryAfter}},
	}
}

// handler adapts an endpoint that returns an error. An *Error is the
// client's mistake and is written as it is; a database that cannot be
// reached (store.ErrUnavailable) is a 503 temporarily_unavailable; any other
// error is the server's, logged with its detail and answered as a bare
// server_error 500.
type handler func(w http.ResponseWriter, r *http.Request) error

func (h handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	err := h(w, r)
	if err == nil {
		return
	}
	if jsonapi.ClientGone(w, r, err) {
		return
	}
	var e *Error
	if errors.As(err, &e) {
		// A client's mistake is the answer of every pending CIBA poll:
		// its arguments are not even made unless debug logging is on.
		if ctx := r.Context(); slog.Default().Enabled(ctx, slog.LevelDebug) {
			slog.DebugContext(ctx, "oauth error", "method", r.Method, "path", r.URL.Path, "error", e.Code, "description", e.Description)
		}
		writeError(w, e)
		return
	}
	if errors.Is(err, store.ErrUnavailable) {
		slog.WarnContext(r.Context(), "database unavailable", "method", r.Method, "path", r.URL.Path, "err", err)
		writeError(w, errUnavailable())
		return
	}
	slog.ErrorContext(r.Context(), "request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	writeError(w, &Error{
		Code:        ErrServerError,
		Description: "The server could not complete the request; it has been logged.",
		Status:      http.StatusInternalServerError,
	})
}

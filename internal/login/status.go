package login

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"github.com/vippslogin/vippslogin/internal/jsonapi"
	"github.com/vippslogin/vippslogin/internal/store"
)

// status answers the wait and deeplink pages' script: {"status": "..."},
// one of the store's login statuses. An expired login is failed first, so
// that a page left waiting moves on after the timeout. It answers JSON
// errors instead of pages: 404 for an unknown login, 403 for another
// browser's.
func (p *Pages) status(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	code, body := http.StatusOK, map[string]string{}
	lr, err := p.load(w, r, r.URL.Query().Get("tabId"))
	var pe *pageError
	switch {
	case errors.As(err, &pe) && pe.kind == errNotFound:
		code, body["error"] = http.StatusNotFound, "not_found"
	case errors.As(err, &pe) && (pe.kind == errOtherBrowser || pe.kind == errMovedOn):
		code, body["error"] = http.StatusForbidden, "other_browser"
	case err != nil && jsonapi.ClientGone(w, r, err):
		return
	case errors.Is(err, store.ErrUnavailable):
		slog.WarnContext(r.Context(), "login status: database unavailable", "err", err)
		h.Set("Retry-After", jsonapi.RetryAfter)
		code, body["error"] = http.StatusServiceUnavailable, "temporarily_unavailable"
	case err != nil:
		slog.ErrorContext(r.Context(), "login status failed", "err", err)
		code, body["error"] = http.StatusInternalServerError, "server_error"
	default:
		body["status"] = lr.Status
	}
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(body)
}

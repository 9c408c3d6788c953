package web

import (
	"html/template"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// A template that fails halfway writes nothing of itself: the answer is a
// plain 500, never half a page under the status meant for a whole one.
func TestRenderFailsCleanly(t *testing.T) {
	half := template.Must(template.New("page").Parse("<p>half a page {{.Missing}}</p>"))
	rec := httptest.NewRecorder()
	render(rec, httptest.NewRequest(http.MethodGet, "/", nil), http.StatusOK, half, "page", struct{}{})
	if rec.Code != http.StatusInternalServerError {
		t.Errorf("status %d, want 500", rec.Code)
	}
	if body := rec.Body.String(); strings.Contains(body, "half a page") {
		t.Errorf("body %q holds the half-rendered page", body)
	}

	rec = httptest.NewRecorder()
	render(rec, httptest.NewRequest(http.MethodGet, "/", nil), http.StatusTeapot, half, "page", struct{ Missing string }{"x"})
	if rec.Code != http.StatusTeapot || rec.Body.String() != "<p>half a page x</p>" || rec.Header().Get("X-Frame-Options") != "DENY" {
		t.Errorf("whole page: status %d, body %q, headers %v", rec.Code, rec.Body, rec.Header())
	}
}

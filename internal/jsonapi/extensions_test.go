package jsonapi

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestProblemExtensions checks that extension members follow the standard
// ones on the wire, in the order the standard members had before, and
// that Call gives them back.
func TestProblemExtensions(t *testing.T) {
	srv := httptest.NewServer(Handler(func(w http.ResponseWriter, r *http.Request) error {
		p := Errorf(http.StatusUnauthorized, "Wrong.")
		if r.URL.Path == "/ext" {
			p.Extensions = map[string]any{"attempts_left": 1, "b": "x"}
		}
		return p
	}))
	defer srv.Close()
	for path, want := range map[string]string{
		"/":    `{"type":"about:blank","title":"Unauthorized","status":401,"detail":"Wrong."}` + "\n",
		"/ext": `{"type":"about:blank","title":"Unauthorized","status":401,"detail":"Wrong.","attempts_left":1,"b":"x"}` + "\n",
	} {
		w := httptest.NewRecorder()
		srv.Config.Handler.ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
		if w.Body.String() != want {
			t.Errorf("%s: %s, want %s", path, w.Body, want)
		}
	}
	var p *Problem
	err := Call(context.Background(), srv.Client(), http.MethodGet, srv.URL+"/ext", "", nil, nil)
	if !errors.As(err, &p) || p.Extensions["attempts_left"] != 1.0 || p.Extensions["b"] != "x" || len(p.Extensions) != 2 {
		t.Errorf("Call = %v with extensions %v", err, p)
	}
	err = Call(context.Background(), srv.Client(), http.MethodGet, srv.URL+"/", "", nil, nil)
	if !errors.As(err, &p) || p.Extensions != nil {
		t.Errorf("Call = %v, want no extensions", err)
	}
}

package jsonapi

import (
	"bytes"
	"net/http"
	"strings"
)

// Routes wraps an API mux so that a request it has no route for gets a
// problem+json answer (404, or 405 with Allow) instead of the mux's plain
// text, which an API client cannot parse.
func Routes(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h, pattern := mux.Handler(r)
		if pattern != "" {
			mux.ServeHTTP(w, r)
			return
		}
		rec := &recorder{header: http.Header{}, status: http.StatusOK}
		h.ServeHTTP(rec, r)
		switch rec.status {
		case http.StatusMethodNotAllowed:
			allow := rec.header.Get("Allow")
			p := Errorf(rec.status, "%s is not allowed on %s; allowed: %s.", r.Method, r.URL.Path, allow)
			p.Header = http.Header{"Allow": {allow}}
			WriteProblem(w, p)
		case http.StatusNotFound:
			WriteProblem(w, Errorf(rec.status, noRoute+"%s %s.", r.Method, r.URL.Path))
		default: // a redirect to the cleaned path, say: pass it on as it is
			for k, v := range rec.header {
				w.Header()[k] = v
			}
			w.WriteHeader(rec.status)
			w.Write(rec.body.Bytes())
		}
	})
}

// noRoute starts the detail of a 404 for a request that no route takes.
const noRoute = "There is no endpoint "

// NoRoute reports whether p, as a client got it, says that the server has
// no such call at all (Routes' 404 or 405), rather than no such thing: a
// client newer than the server it talks to.
func NoRoute(p *Problem) bool {
	return p.Status == http.StatusMethodNotAllowed || p.Status == http.StatusNotFound && strings.HasPrefix(p.Detail, noRoute)
}

type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header         { return r.header }
func (r *recorder) WriteHeader(status int)      { r.status = status }
func (r *recorder) Write(b []byte) (int, error) { return r.body.Write(b) }

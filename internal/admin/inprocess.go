package admin

import (
	"bytes"
	"io"
	"net/http"
)

// inProcessBase is the base URL an in-process client calls: any will do,
// since inProcessTransport never leaves the process.
const inProcessBase = "http://admin.in-process"

// InProcessClient returns a Client whose calls h, the admin API's handler
// (an API mounted on a mux wrapped by jsonapi.Routes), answers in this
// process with token as the admin token. The portal and the seed file go
// through the very code the admin API runs (token check, validation, store
// calls), with no network and no second path to the store. A request keeps
// its caller's context, so its deadline and trace go along.
func InProcessClient(h http.Handler, token string) *Client {
	return &Client{BaseURL: inProcessBase, Token: token, HTTP: &http.Client{Transport: inProcessTransport{h}}}
}

// inProcessTransport answers a request with h's answer, recorded.
type inProcessTransport struct{ h http.Handler }

func (t inProcessTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	in := req.Clone(req.Context())
	in.Host = req.URL.Host
	in.RequestURI = req.URL.RequestURI()
	if in.Body == nil {
		in.Body = http.NoBody
	}
	rec := &recorder{header: http.Header{}}
	t.h.ServeHTTP(rec, in)
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	return &http.Response{
		Status: http.StatusText(rec.status), StatusCode: rec.status, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: rec.header, Body: io.NopCloser(&rec.body), ContentLength: int64(rec.body.Len()), Request: req,
	}, nil
}

// recorder is the http.ResponseWriter inProcessTransport hands the handler.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
}

func (r *recorder) Write(b []byte) (int, error) {
	r.WriteHeader(http.StatusOK)
	return r.body.Write(b)
}

package portal

import (
	"bytes"
	"io"
	"net/http"
)

// adminBase is the base URL the portal's admin client calls: any will do,
// since adminTransport never leaves the process.
const adminBase = "http://admin.in-process"

// adminTransport answers the admin client's requests with the admin API's
// handler in this process: the portal goes through the very code the
// admin API runs (token check, validation, store calls), with no network
// and no second path to the store. The request keeps the page request's
// context, so its deadline and trace go along.
type adminTransport struct{ h http.Handler }

func (t adminTransport) RoundTrip(req *http.Request) (*http.Response, error) {
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

// recorder is the http.ResponseWriter adminTransport hands the handler.
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

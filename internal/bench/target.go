package bench

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"
)

// target is the server under load: one or more replicas behind the same
// public URL. Every request is addressed to the site (the first --url) and
// sent to the replica whose turn it is, so cookies, redirects and the
// client's redirect URI all see one site, as they would behind a load
// balancer; the replicas must share the site's path.
type target struct {
	site     *url.URL
	replicas []replica
}

type replica struct {
	base      *url.URL
	transport *http.Transport
}

// newTarget parses the base URLs and gives each replica its own transport,
// tuned for load: enough idle connections kept for every virtual user and
// the setup workers, so that no request waits for a new TCP handshake.
func newTarget(urls []string, concurrency int) (*target, error) {
	t := &target{}
	for _, raw := range urls {
		u, err := url.Parse(strings.TrimRight(raw, "/"))
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("--url %q must be a server's base URL, such as http://localhost:8080", raw)
		}
		u.RawQuery, u.Fragment = "", ""
		if t.site == nil {
			t.site = u
		} else if strings.TrimRight(u.Path, "/") != strings.TrimRight(t.site.Path, "/") {
			return nil, fmt.Errorf("--url %s has another path than %s; replicas must serve the same paths", u, t.site)
		}
		t.replicas = append(t.replicas, replica{base: u, transport: &http.Transport{
			DialContext:         (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			MaxIdleConnsPerHost: 2*concurrency + 8,
			IdleConnTimeout:     90 * time.Second,
			DisableCompression:  true, // the pages are small; a browser's gzip would only cost CPU on both sides
		}})
	}
	if t.site == nil {
		return nil, fmt.Errorf("no --url given")
	}
	return t, nil
}

// url is the site's URL for path (which starts with "/").
func (t *target) url(path string) string {
	return strings.TrimRight(t.site.String(), "/") + path
}

// onSite moves a URL the server made (a Location, a discovery endpoint)
// onto the site: the server names itself by its own base URL, which may be
// another host name for the same replica.
func (t *target) onSite(u *url.URL) *url.URL {
	moved := *u
	moved.Scheme, moved.Host = t.site.Scheme, t.site.Host
	return &moved
}

// client returns an HTTP client whose requests take turns over the
// replicas, starting at replica first, and record their timing in the
// opLog of their context. It never follows redirects: a browser flow reads
// each Location, and the last one goes to a redirect URI nobody serves.
func (t *target) client(first int, jar http.CookieJar) *http.Client {
	rt := &replicaTransport{t: t}
	rt.next.Store(uint64(first))
	return &http.Client{
		Transport:     rt,
		Jar:           jar,
		Timeout:       time.Minute,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

func (t *target) close() {
	for _, r := range t.replicas {
		r.transport.CloseIdleConnections()
	}
}

// replicaTransport sends each request to the next replica in turn.
type replicaTransport struct {
	t    *target
	next atomic.Uint64
}

func (rt *replicaTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	reps := rt.t.replicas
	r := reps[int(rt.next.Add(1)-1)%len(reps)]
	out := req
	if r.base.Host != req.URL.Host || r.base.Scheme != req.URL.Scheme {
		out = req.Clone(req.Context())
		out.URL.Scheme, out.URL.Host, out.Host = r.base.Scheme, r.base.Host, r.base.Host
	}
	log := logOf(req.Context())
	start := time.Now()
	resp, err := r.transport.RoundTrip(out)
	if log == nil {
		return resp, err
	}
	if err != nil {
		log.record(0, time.Since(start))
		return nil, err
	}
	resp.Body = &timedBody{ReadCloser: resp.Body, done: func() { log.record(resp.StatusCode, time.Since(start)) }}
	return resp, nil
}

// timedBody times a call to the end of its body, as a browser's or a
// client's wait lasts until the whole answer has arrived.
type timedBody struct {
	io.ReadCloser
	done func()
}

func (b *timedBody) Close() error {
	if b.done != nil {
		b.done()
		b.done = nil
	}
	return b.ReadCloser.Close()
}

// opLog collects the HTTP calls of one operation. An operation runs on one
// goroutine, so it needs no lock. The step names the calls made until it
// changes.
type opLog struct {
	// start is what the operation's latency counts from: when it began,
	// or under --rate its slot; began is when it began.
	start, began time.Time
	step         string
	calls        []call
	// lag is how late a scheduled operation started: a CIBA poll after it
	// fell due, or any operation after its slot under --rate.
	lag    time.Duration
	hasLag bool
}

type call struct {
	step   string
	status int
	d      time.Duration
}

type opLogKey struct{}

func (l *opLog) record(status int, d time.Duration) {
	l.calls = append(l.calls, call{step: l.step, status: status, d: d})
}

// begin restarts the operation's clock: whatever it did before (waiting
// for a poll to fall due, undoing the last operation's consent) is not part
// of its latency. How late it began after its slot under --rate still is.
func (l *opLog) begin() {
	now := time.Now()
	l.start = l.start.Add(now.Sub(l.began))
	l.began = now
	l.calls = l.calls[:0]
}

// logOf returns the opLog of ctx's operation, or nil outside one.
func logOf(ctx context.Context) *opLog {
	l, _ := ctx.Value(opLogKey{}).(*opLog)
	return l
}

// withLog returns ctx whose calls are recorded in l.
func withLog(ctx context.Context, l *opLog) context.Context {
	return context.WithValue(ctx, opLogKey{}, l)
}

// untimed returns ctx whose calls are recorded nowhere: setup, cleanup and
// the work between operations.
func untimed(ctx context.Context) context.Context {
	return context.WithValue(ctx, opLogKey{}, (*opLog)(nil))
}

// setStep names the calls that follow in ctx's operation.
func setStep(ctx context.Context, step string) {
	if l := logOf(ctx); l != nil {
		l.step = step
	}
}

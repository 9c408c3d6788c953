package server

import (
	"context"
	"crypto/rand"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync"
	"testing"

	"github.com/coreos/go-oidc/v3/oidc"

	"github.com/vippslogin/vippslogin/internal/devseed"
	"github.com/vippslogin/vippslogin/internal/flow"
	"github.com/vippslogin/vippslogin/internal/keys"
	"github.com/vippslogin/vippslogin/internal/store"
	"github.com/vippslogin/vippslogin/internal/store/postgres"
)

// cluster is N replicas of the server, each on its own listener with its
// own store (its own connection pool), behind a load balancer whose URL is
// every replica's base URL, as in production: no sticky sessions, so any
// step of a login may land on any replica. The test pins the balancer to
// a replica before each step (on), or lets it go round robin.
type cluster struct {
	e2e
	ctx   context.Context
	clock *offsetClock // shared by every replica: CIBA's poll interval is waited out on it
	lb    *balancer
	// pinning makes on pin the balancer; off, it goes round robin, as
	// the benchmark's concurrent logins need.
	pinning  bool
	backends []*httptest.Server
	stores   []store.Store
}

// openPostgres opens n stores, as n replicas' pools, on one database.
func openPostgres(tb testing.TB, dbURL string, n int) []store.Store {
	tb.Helper()
	var stores []store.Store
	for range n {
		st, err := postgres.Open(context.Background(), dbURL)
		if err != nil {
			tb.Fatalf("postgres.Open: %v", err)
		}
		tb.Cleanup(func() { st.Close() })
		stores = append(stores, st)
	}
	return stores
}

// newCluster starts a replica on each store, all with one key-encryption
// key, and seeds the database as dev mode does.
func newCluster(tb testing.TB, stores ...store.Store) *cluster {
	tb.Helper()
	ctx := context.Background()
	c := &cluster{ctx: ctx, clock: &offsetClock{}, lb: &balancer{pinned: -1}, pinning: true, stores: stores}
	lbServer := httptest.NewServer(c.lb)
	tb.Cleanup(lbServer.Close)
	c.BaseURL = lbServer.URL
	kek := make([]byte, keys.KeyEncryptionKeySize)
	rand.Read(kek)
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	for i, st := range stores {
		km := &keys.Manager{Store: st, Now: c.clock.Now, KeyEncryptionKey: kek}
		if err := km.Ensure(ctx); err != nil {
			tb.Fatalf("replica %d: keys: %v", i, err)
		}
		s := &Server{BaseURL: c.BaseURL, Store: st, Keys: km, AdminToken: "replica-admin-token", Logger: logger, Now: c.clock.Now}
		// The debugger's recorder writes in the background as under Run,
		// so that what it costs is in the measurements.
		rctx, stop := context.WithCancel(ctx)
		var recording sync.WaitGroup
		recording.Go(func() { s.Events().Run(rctx, 0) })
		tb.Cleanup(func() { stop(); recording.Wait() })
		backend := httptest.NewServer(s.Handler())
		tb.Cleanup(backend.Close)
		c.backends = append(c.backends, backend)
		target, _ := url.Parse(backend.URL)
		c.lb.proxies = append(c.lb.proxies, &httputil.ReverseProxy{
			Rewrite: func(r *httputil.ProxyRequest) {
				r.SetURL(target)
				r.Out.Host = r.In.Host // the replica sees the public host
			},
			ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelError),
		})
	}
	if err := devseed.Seed(ctx, stores[0], c.BaseURL, c.clock.Now()); err != nil {
		tb.Fatal(err)
	}
	c.Issuer = c.BaseURL + flow.IssuerPath
	p, err := oidc.NewProvider(ctx, c.Issuer)
	if err != nil {
		tb.Fatalf("discovery: %v", err)
	}
	c.Provider = p
	return c
}

// on sends the requests that follow to replica i (0 is A, 1 is B).
func (c *cluster) on(i int) {
	if c.pinning {
		c.lb.pin(i)
	}
}

// hits is how many requests each replica has served.
func (c *cluster) hits() []int { return c.lb.counts() }

// balancer forwards each request to one replica: the pinned one, or the
// next in turn when none is.
type balancer struct {
	proxies []*httputil.ReverseProxy

	mu     sync.Mutex
	pinned int
	next   int
	hits   []int
}

func (b *balancer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b.mu.Lock()
	i := b.pinned
	if i < 0 {
		i = b.next
		b.next = (b.next + 1) % len(b.proxies)
	}
	if b.hits == nil {
		b.hits = make([]int, len(b.proxies))
	}
	b.hits[i]++
	b.mu.Unlock()
	b.proxies[i].ServeHTTP(w, r)
}

// pin sends every request to replica i; -1 goes round robin again.
func (b *balancer) pin(i int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.pinned = i
}

func (b *balancer) counts() []int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]int(nil), b.hits...)
}

// Package vippstest runs Vipps Login inside a Go test: the real vippslogin
// server on an httptest server with a fresh SQLite store, test users whose
// phone does what the test scripts, and faults to inject. A merchant's
// login code, its OpenID Connect library included, talks to it over HTTP
// exactly as it talks to Vipps.
//
//	srv := vippstest.New(t)
//	client := srv.Client()            // ID, Secret, RedirectURI for the merchant's config
//	user := srv.User()                // a phone number and a PIN
//	user.Approve()                    // the next request reaching the phone is approved
//	callback, err := srv.Login(ctx, authCodeURL)
//	// call the merchant's callback handler with callback
//
// # The scripted phone
//
// Each user has a queue of answers: Approve, Reject, RejectWithReason,
// PickWrongChallenge and Ignore each add one. A request that reaches the
// user's phone takes the first answer in the queue; a request that finds
// the queue empty waits, and the next answer scripted is given to it at
// once. A request reaches the phone when
//
//   - Login types the user's number on the phone page (browser login),
//   - the client's backchannel authentication request names the user
//     (CIBA; the phone answers before the client gets its auth_req_id,
//     when an answer is waiting), or
//   - ScanQR scans a QR code with the user's phone.
//
// Ignore answers nothing: the request expires when the clock moves past
// its expiry (Advance). Consent sets how the user answers the consent page
// of later browser logins; a CIBA or QR approval is the consent itself.
//
// # Time
//
// The server's clock is the real one, or with WithClock one that stands
// still; Advance moves either on. Expiry (logins, codes, tokens, the CIBA
// interval) follows this clock. With a clock that stands still, give the
// merchant's ID token verifier the server's time (go-oidc's Config.Now =
// srv.Now).
//
// # Hashing
//
// PINs and client secrets are hashed with PBKDF2 at 600,000 rounds in
// production, about 0.1 s each (several times that under the race
// detector). The first New lowers the rounds of every hash made in this
// process afterwards to testIterations: a test binary holds test users
// only, and a test that makes ten users should not wait a second for them.
//
// # Other languages
//
// A test written in another language runs `vippslogin dev --seed FILE`
// beside it and drives the phone through the app API or `vippslogin app
// approve` (docs/testing.md).
package vippstest

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vippslogin/vippslogin/internal/admin"
	"github.com/vippslogin/vippslogin/internal/debugger"
	"github.com/vippslogin/vippslogin/internal/flow"
	"github.com/vippslogin/vippslogin/internal/keys"
	"github.com/vippslogin/vippslogin/internal/secret"
	"github.com/vippslogin/vippslogin/internal/seed"
	"github.com/vippslogin/vippslogin/internal/server"
	"github.com/vippslogin/vippslogin/internal/store"
	"github.com/vippslogin/vippslogin/internal/store/sqlite"
)

// Server is a vippslogin server for one test. Its methods may be called
// from any goroutine.
type Server struct {
	t     testing.TB
	base  string
	clock *clock
	// admin calls the server's own admin API in this process.
	admin  *admin.Client
	market string

	faults faults

	mu     sync.Mutex
	users  []*User
	seq    int // orders scripted answers across users (Login)
	phones int // phone numbers handed out
}

// Option configures New.
type Option func(*options)

type options struct {
	addr   string
	start  time.Time
	market string
	seed   string
}

// WithAddr serves on addr (such as "127.0.0.1:8080") instead of a free
// port: for a merchant whose configuration cannot take the URL at run time.
func WithAddr(addr string) Option { return func(o *options) { o.addr = addr } }

// WithClock gives the server a clock that stands at start and moves only
// with Advance.
func WithClock(start time.Time) Option { return func(o *options) { o.start = start } }

// WithMarket makes the users User creates phone numbers of market: NO (the
// default), DK, FI or SE, with that country's calling code.
func WithMarket(market string) Option { return func(o *options) { o.market = market } }

// WithSeed applies the seed file at path, as `vippslogin dev --seed` does
// (docs/seed.md): clients, QR codes, users and consents that the test
// knows by their fixed ids. SeededUser scripts the file's users.
func WithSeed(path string) Option { return func(o *options) { o.seed = path } }

// testIterations is the PBKDF2 rounds of the hashes a test process makes
// (see Hashing in the package doc): enough to exercise the code, not the
// cost.
const testIterations = 1000

var cheapHashing sync.Once

// publishDelay is how long a rotated-in signing key is published before it
// signs (keys.Manager.PublishDelay): short, since one process needs no time
// to agree with itself; RotateKeys moves the clock past it.
const publishDelay = time.Second

// New starts a server for t with a fresh SQLite store in t.TempDir, and
// stops it when the test ends. It fails the test if the server cannot
// start.
func New(t testing.TB, opts ...Option) *Server {
	t.Helper()
	cheapHashing.Do(func() { secret.Iterations = min(secret.Iterations, testIterations) })
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	if o.market != "" && !slices.Contains(store.Markets, o.market) {
		t.Fatalf("vippstest: WithMarket(%q): the markets are %s", o.market, strings.Join(store.Markets, ", "))
	}
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "vippslogin.db"))
	if err != nil {
		t.Fatalf("vippstest: %v", err)
	}
	t.Cleanup(func() { st.Close() })

	c := &clock{fixed: !o.start.IsZero(), at: o.start}
	km := &keys.Manager{Store: st, Now: c.Now, PublishDelay: publishDelay, RefreshInterval: publishDelay / 2}
	if err := km.Ensure(ctx); err != nil {
		t.Fatalf("vippstest: signing keys: %v", err)
	}
	ts := httptest.NewUnstartedServer(nil)
	if o.addr != "" {
		ln, err := net.Listen("tcp", o.addr)
		if err != nil {
			t.Fatalf("vippstest: %v", err)
		}
		ts.Listener.Close()
		ts.Listener = ln
	}
	base := "http://" + ts.Listener.Addr().String()
	token := secret.New()
	s := &server.Server{BaseURL: base, Store: st, Keys: km, AdminToken: token, Now: c.Now,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	h := s.Handler()
	srv := &Server{t: t, base: base, clock: c, market: o.market, admin: admin.InProcessClient(h, token)}
	if o.seed != "" {
		f, err := seed.Load(o.seed)
		if err != nil {
			t.Fatalf("vippstest: %v", err)
		}
		if _, err := s.Seed(ctx, f); err != nil {
			t.Fatalf("vippstest: %v", err)
		}
	}
	ts.Config.Handler = srv.front(h)
	ts.Start()

	// The background work of server.Run: webhooks (QR, CIBA ping) and the
	// integration debugger's events.
	bg, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() { s.Webhooks(bg) })
	wg.Go(func() { s.Events().Run(bg, debugger.FlushInterval) })
	t.Cleanup(func() {
		stop()
		wg.Wait()
	})
	t.Cleanup(ts.Close)
	return srv
}

// URL is the server's base URL, such as http://127.0.0.1:41234.
func (s *Server) URL() string { return s.base }

// Issuer is the OpenID Connect issuer, what a merchant configures as
// Vipps' (it ends in a slash): discovery is below it.
func (s *Server) Issuer() string { return s.base + flow.IssuerPath }

// Now is the server's time.
func (s *Server) Now() time.Time { return s.clock.Now() }

// Advance moves the server's clock on by d: logins, codes and tokens
// expire as if d had passed.
func (s *Server) Advance(d time.Duration) { s.clock.add(d) }

// clock is the server's clock: real time, or a time that stands still
// (fixed), moved on by offset.
type clock struct {
	mu     sync.Mutex
	fixed  bool
	at     time.Time
	offset time.Duration
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.fixed {
		return c.at.Add(c.offset)
	}
	return time.Now().Add(c.offset)
}

func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.offset += d
	c.mu.Unlock()
}

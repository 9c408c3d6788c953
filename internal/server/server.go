// Package server wires the feature packages into one HTTP handler and runs
// it: muxes, middleware, mounts and graceful shutdown. It holds no logic of
// its own beyond that.
package server

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/vippslogin/vippslogin/internal/admin"
	"github.com/vippslogin/vippslogin/internal/app"
	"github.com/vippslogin/vippslogin/internal/clientip"
	"github.com/vippslogin/vippslogin/internal/debugger"
	"github.com/vippslogin/vippslogin/internal/demo"
	"github.com/vippslogin/vippslogin/internal/devseed"
	"github.com/vippslogin/vippslogin/internal/home"
	"github.com/vippslogin/vippslogin/internal/jsonapi"
	"github.com/vippslogin/vippslogin/internal/keys"
	"github.com/vippslogin/vippslogin/internal/login"
	"github.com/vippslogin/vippslogin/internal/metrics"
	"github.com/vippslogin/vippslogin/internal/oidc"
	"github.com/vippslogin/vippslogin/internal/portal"
	"github.com/vippslogin/vippslogin/internal/secret"
	"github.com/vippslogin/vippslogin/internal/seed"
	"github.com/vippslogin/vippslogin/internal/store"
	"github.com/vippslogin/vippslogin/internal/version"
	"github.com/vippslogin/vippslogin/internal/web"
)

// Server is everything the handler needs.
type Server struct {
	// BaseURL is the public base URL without a trailing slash.
	BaseURL    string
	Store      store.Store
	Keys       *keys.Manager
	AdminToken string
	Logger     *slog.Logger
	Now        func() time.Time
	// Demo mounts dev mode's demo shop at /demo/, logging in as the seeded
	// demo client. It is dev mode: it also lets a qr_webhook_url be plain
	// http:// to any host.
	Demo bool
	// Metrics, when set, instruments the server and serves GET /metrics:
	// on MetricsListener when that is set, else on the main listener to
	// loopback clients only (metricsAllowed).
	Metrics         *metrics.Metrics
	MetricsListener net.Listener
	// Pprof serves net/http/pprof on MetricsListener, never on the main
	// listener.
	Pprof bool
	// Tracing, when set and not a no-op (otlp.Setup), traces every
	// request in a span, each janitor sweep and webhook delivery attempt in
	// a root span of its own, and, with Metrics, every store call they make
	// in a child span.
	Tracing trace.TracerProvider
	// TrustedProxies are the reverse proxies whose X-Forwarded-For names
	// the client in the access log; none when empty.
	TrustedProxies clientip.Proxies
	// AccessLog is which requests the access log has a line for
	// (--access-log): config.AccessLogOn (or ""), AccessLogErrors or
	// AccessLogOff.
	AccessLog string
	// EventsRetention is how long the integration debugger keeps events
	// (--events-retention); debugger.DefaultRetention when zero.
	EventsRetention time.Duration

	recorderOnce sync.Once
	recorder     *debugger.Recorder
	readiness    readiness
}

// Events is the integration debugger's recorder that every part of the
// server records to. Run writes it out in the background; a test that
// serves only Handler calls its Flush.
func (s *Server) Events() *debugger.Recorder {
	s.recorderOnce.Do(func() {
		s.recorder = debugger.NewRecorder(s.store(), debugger.Capacity)
		s.recorder.Logger = s.Logger
		if s.Metrics != nil {
			s.recorder.Dropped = s.Metrics.EventsDropped
		}
	})
	return s.recorder
}

// store is the store every part of the server uses: timed, counted and
// traced when the server has metrics.
func (s *Server) store() store.Store {
	if s.Metrics == nil {
		return s.Store
	}
	return s.Metrics.TracedStore(s.Store, s.Tracing)
}

// Handler returns the whole server as one http.Handler.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", healthz)
	mux.Handle("GET /readyz", jsonapi.Handler(s.ready))

	// Every handler reads clients through one cache, so that the admin
	// API's changes reach the token endpoint of this process at once
	// (DESIGN §8: another replica's, within store.DefaultClientTTL).
	now := s.Now
	if now == nil {
		now = time.Now
	}
	// Logins end in the app, the pages or a poll: the debugger sees every
	// end where they meet, in the store.
	st := debugger.Watch(store.CacheClients(s.store(), store.DefaultClientTTL, now), s.Events())

	provider := &oidc.Provider{BaseURL: s.BaseURL, Keys: s.Keys, Store: st, Now: s.Now, Events: s.Events()}
	provider.Mount(mux)
	(&login.Pages{Store: st, Issuer: provider.Issuer(), BaseURL: s.BaseURL, Now: s.Now}).Mount(mux)
	if s.Demo {
		(&demo.Shop{BaseURL: s.BaseURL, ClientID: devseed.ClientID, ClientSecret: devseed.ClientSecret, QRID: devseed.QRID}).Mount(mux)
	}
	(&app.QRPages{Store: st, BaseURL: s.BaseURL}).Mount(mux)

	adminAPI, adminMux, adminHandler := s.admin(st, s.AdminToken)
	mux.Handle("/admin/", adminHandler)
	(&portal.Portal{BaseURL: s.BaseURL, API: adminAPI, Admin: adminHandler, Now: s.Now}).Mount(mux)

	appMux := http.NewServeMux()
	appAPI := &app.API{Store: st, Now: s.Now, BaseURL: s.BaseURL, Keys: s.Keys}
	if s.Metrics != nil {
		appAPI.Answered = s.Metrics.AppAnswered
	}
	appAPI.Mount(appMux)
	mux.Handle("/app/", jsonapi.Routes(appMux))

	metricsHere := s.Metrics != nil && s.MetricsListener == nil
	if metricsHere {
		mux.Handle("GET /metrics", metricsAllowed(s.Metrics.Handler()))
	}
	(&home.Page{BaseURL: s.BaseURL, Dev: s.Demo, AdminToken: s.AdminToken, Metrics: metricsHere}).Mount(mux)
	mux.HandleFunc("GET /favicon.ico", web.Favicon)

	rt := routes{prefix: BasePath(s.BaseURL), top: mux, sub: map[string]*http.ServeMux{"/admin/": adminMux, "/app/": appMux}}
	var h http.Handler = mux
	if rt.prefix != "" {
		h = http.StripPrefix(rt.prefix, h)
	}
	return s.middleware(h, rt.of)
}

// admin is the admin API over st with the admin token, the mux it is
// mounted on and the handler that serves it: one wiring for the server's
// own and the seed file's.
func (s *Server) admin(st store.Store, token string) (*admin.API, *http.ServeMux, http.Handler) {
	api := &admin.API{Store: st, Keys: s.Keys, Token: token, Now: s.Now, BaseURL: s.BaseURL, DevMode: s.Demo}
	mux := http.NewServeMux()
	api.Mount(mux)
	return api, mux, jsonapi.Routes(mux)
}

// Seed applies a seed file (issue 15) through the admin API in this
// process, as the portal calls it: every rule of the admin API applies.
// The call carries a token drawn for it alone, so that seeding works
// whatever the server's admin token is, even none.
func (s *Server) Seed(ctx context.Context, f seed.File) (seed.Report, error) {
	token := secret.New()
	_, _, h := s.admin(s.store(), token)
	return seed.Apply(ctx, admin.InProcessClient(h, token), f)
}

// metricsHandler is what the metrics listener serves: GET /metrics, and
// the profiles when Pprof is set.
func (s *Server) metricsHandler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", s.Metrics.Handler())
	if s.Pprof {
		MountPprof(mux)
	}
	return mux
}

// routes finds the pattern a request is served by, for the metrics: the
// innermost mux's, so that an admin or app API route is named in full.
type routes struct {
	prefix string
	top    *http.ServeMux
	// sub are the muxes mounted on top, by the pattern they are mounted at.
	sub map[string]*http.ServeMux
}

// of returns r's route pattern, or "" when none matches (a 404 or 405).
func (rt routes) of(r *http.Request) string {
	if rt.prefix != "" {
		p, ok := strings.CutPrefix(r.URL.Path, rt.prefix)
		if !ok {
			return ""
		}
		u := *r.URL
		u.Path, u.RawPath = p, ""
		r = r.Clone(r.Context())
		r.URL = &u
	}
	_, pattern := rt.top.Handler(r)
	if sub, ok := rt.sub[pattern]; ok {
		_, pattern = sub.Handler(r)
	}
	return pattern
}

// metricsAllowed serves h only to a client on this machine that did not
// come through a proxy: the metrics are for the operator, and the main
// listener may be public. Behind a reverse proxy every request comes from
// loopback, so one that carries a forwarding header is refused too; such
// a deployment scrapes --metrics-addr instead. This is the peer's own
// address on purpose, not clientip's: no proxy is trusted to vouch for a
// scraper.
func metricsAllowed(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !fromLoopback(r.RemoteAddr) || r.Header.Get("X-Forwarded-For") != "" || r.Header.Get("Forwarded") != "" {
			http.Error(w, "Metrics are served only to this machine; scrape them on --metrics-addr instead.", http.StatusForbidden)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// fromLoopback reports whether remoteAddr (host:port) is a loopback address.
func fromLoopback(remoteAddr string) bool {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// BasePath is the base URL's path, which a reverse proxy forwards unchanged
// and the routes below do not include.
func BasePath(baseURL string) string {
	u, err := url.Parse(baseURL)
	if err != nil {
		return ""
	}
	return strings.TrimRight(u.Path, "/")
}

// VersionHeader carries the running build's version (version.Info.Short)
// on /healthz, so that a rollout can be checked replica by replica while
// the body stays the "ok" that load balancers match.
const VersionHeader = "X-Vippslogin-Version"

// healthz answers that the process is up, whatever the database does.
func healthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set(VersionHeader, version.Get().Short())
	w.Write([]byte("ok\n"))
}

// Run serves the server on ln, with the janitor, the webhook deliverer and
// the debugger's recorder beside it, until ctx is done or serving fails.
// It returns only once the listener has shut down and the background loops
// have stopped, so the caller may close the store: a sweep or a delivery
// must not be cut off by a closing database, nor write after it. The
// recorder stops last, writing out what the others recorded as they
// stopped.
func (s *Server) Run(ctx context.Context, ln net.Listener) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	rctx, rcancel := context.WithCancel(context.WithoutCancel(ctx))
	var rec sync.WaitGroup
	rec.Go(func() { s.Events().Run(rctx, debugger.FlushInterval) })
	defer func() {
		rcancel()
		rec.Wait()
	}()
	var bg sync.WaitGroup
	bg.Go(func() { s.Janitor(ctx, JanitorInterval) })
	bg.Go(func() { s.Webhooks(ctx) })
	if s.Metrics != nil && s.MetricsListener != nil {
		bg.Go(func() {
			if err := Serve(ctx, s.MetricsListener, s.metricsHandler(), s.Logger); err != nil {
				s.Logger.Error("metrics listener failed; the server goes on without it", "err", err)
			}
		})
	}
	err := Serve(ctx, ln, s.Handler(), s.Logger)
	cancel()
	bg.Wait()
	return err
}

// ShutdownTimeout is how long in-flight requests get to finish once the
// server is told to stop.
const ShutdownTimeout = 10 * time.Second

// Serve serves h on ln until ctx is done, then shuts down gracefully.
func Serve(ctx context.Context, ln net.Listener, h http.Handler, logger *slog.Logger) error {
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return ctx },
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down", "timeout", ShutdownTimeout)
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), ShutdownTimeout)
	defer cancel()
	err := srv.Shutdown(sctx)
	if serr := <-errc; !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	return err
}

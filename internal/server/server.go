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

	"github.com/vippslogin/vippslogin/internal/admin"
	"github.com/vippslogin/vippslogin/internal/app"
	"github.com/vippslogin/vippslogin/internal/demo"
	"github.com/vippslogin/vippslogin/internal/devseed"
	"github.com/vippslogin/vippslogin/internal/jsonapi"
	"github.com/vippslogin/vippslogin/internal/keys"
	"github.com/vippslogin/vippslogin/internal/login"
	"github.com/vippslogin/vippslogin/internal/oidc"
	"github.com/vippslogin/vippslogin/internal/store"
	"github.com/vippslogin/vippslogin/internal/version"
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
	st := store.CacheClients(s.Store, store.DefaultClientTTL, now)

	provider := &oidc.Provider{BaseURL: s.BaseURL, Keys: s.Keys, Store: st, Now: s.Now}
	provider.Mount(mux)
	(&login.Pages{Store: st, Issuer: provider.Issuer(), BaseURL: s.BaseURL, Now: s.Now}).Mount(mux)
	if s.Demo {
		(&demo.Shop{BaseURL: s.BaseURL, ClientID: devseed.ClientID, ClientSecret: devseed.ClientSecret, QRID: devseed.QRID}).Mount(mux)
	}
	(&app.QRPages{Store: st, BaseURL: s.BaseURL}).Mount(mux)

	adminMux := http.NewServeMux()
	(&admin.API{Store: st, Keys: s.Keys, Token: s.AdminToken, Now: s.Now, BaseURL: s.BaseURL, DevMode: s.Demo}).Mount(adminMux)
	mux.Handle("/admin/", jsonapi.Routes(adminMux))

	appMux := http.NewServeMux()
	(&app.API{Store: st, Now: s.Now, BaseURL: s.BaseURL, Keys: s.Keys}).Mount(appMux)
	mux.Handle("/app/", jsonapi.Routes(appMux))

	var h http.Handler = mux
	if prefix := basePath(s.BaseURL); prefix != "" {
		h = http.StripPrefix(prefix, h)
	}
	return s.middleware(h)
}

// basePath is the base URL's path, which a reverse proxy forwards unchanged
// and the routes below do not include.
func basePath(baseURL string) string {
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

func (s *Server) ready(w http.ResponseWriter, r *http.Request) error {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.Store.Ping(ctx); err != nil {
		s.Logger.ErrorContext(r.Context(), "readiness: store unreachable", "err", err)
		return jsonapi.Errorf(http.StatusServiceUnavailable, "The database does not answer.")
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte("ok\n"))
	return nil
}

// Run serves the server on ln, with the janitor and the webhook deliverer
// beside it, until ctx is done or serving fails. It returns only once the
// listener has shut down and both background loops have stopped, so the
// caller may close the store: a sweep or a delivery must not be cut off by
// a closing database, nor write after it.
func (s *Server) Run(ctx context.Context, ln net.Listener) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var bg sync.WaitGroup
	bg.Go(func() { s.Janitor(ctx, JanitorInterval) })
	bg.Go(func() { s.Webhooks(ctx) })
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

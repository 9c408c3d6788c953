package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/vippslogin/vippslogin/internal/clientip"
	"github.com/vippslogin/vippslogin/internal/config"
	"github.com/vippslogin/vippslogin/internal/devseed"
	"github.com/vippslogin/vippslogin/internal/keys"
	"github.com/vippslogin/vippslogin/internal/metrics"
	"github.com/vippslogin/vippslogin/internal/oidc"
	"github.com/vippslogin/vippslogin/internal/seed"
	"github.com/vippslogin/vippslogin/internal/server"
	"github.com/vippslogin/vippslogin/internal/store"
	"github.com/vippslogin/vippslogin/internal/store/postgres"
	"github.com/vippslogin/vippslogin/internal/store/sqlite"
	"github.com/vippslogin/vippslogin/internal/tracing/otlp"
)

var errHelp = flag.ErrHelp

func runDev(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	return runServer(ctx, config.Dev, args, getenv, stdout, stderr)
}

func runServe(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	return runServer(ctx, config.Serve, args, getenv, stdout, stderr)
}

// runServer starts the server in mode and serves until ctx is done.
func runServer(ctx context.Context, mode string, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := config.Parse(mode, args, getenv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return errHelp
	}
	if err != nil {
		return usagef("%v", err)
	}
	var seedFile seed.File
	if cfg.Seed != "" {
		// Read before anything starts, so that a mistake in it costs nothing.
		if seedFile, err = seed.Load(cfg.Seed); err != nil {
			return usagef("%v", err)
		}
	}
	logger := newLogger(cfg, stderr)
	slog.SetDefault(logger)
	tp, shutdownTracing, err := otlp.Setup(ctx, getenv)
	if err != nil {
		return err
	}
	defer flushTraces(shutdownTracing, logger)

	if err := checkDBDir(cfg); err != nil {
		return err
	}
	kek, err := keyEncryptionKey(cfg)
	if err != nil {
		return err
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()

	m := metrics.New()
	km := &keys.Manager{Store: m.TracedStore(st, tp), KeyEncryptionKey: kek.key, PreviousKeyEncryptionKey: kek.previous}
	if err := km.Ensure(ctx); err != nil {
		return keysError(err, kek) // its errors say "keys:" themselves
	}
	if err := resealKeys(ctx, km, kek, logger); err != nil {
		return err
	}
	warnPlainKeys(ctx, st, logger)
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return listenError("--addr", cfg.Addr, err)
	}
	baseURL := cfg.ResolveBaseURL(ln.Addr())
	var cert *server.Certificate // nil without --tls-cert: SIGHUP then reloads nothing
	if cfg.TLSCert != "" {
		if cert, err = server.LoadCertificate(cfg.TLSCert, cfg.TLSKey); err != nil {
			ln.Close()
			return err
		}
		ln = tls.NewListener(ln, cert.TLSConfig())
		if cfg.BaseURL == "" {
			baseURL = "https" + strings.TrimPrefix(baseURL, "http")
		}
	}
	cert.ReloadOnSIGHUP(ctx, logger)
	if mode == config.Dev {
		if err := devseed.Seed(ctx, st, baseURL, time.Now()); err != nil {
			ln.Close()
			return err
		}
	}
	retention, err := cfg.EventsRetentionDuration()
	if err != nil { // Validate has checked it
		return fmt.Errorf("--events-retention %w", err)
	}
	srv := &server.Server{BaseURL: baseURL, Store: st, Keys: km, AdminToken: cfg.AdminToken, Logger: logger, Demo: mode == config.Dev,
		Metrics: m, Tracing: tp, EventsRetention: retention, AccessLog: cfg.AccessLog}
	m.WatchKeys(km, time.Now)
	m.WatchBacklog(st, time.Now)
	var seeded string
	if cfg.Seed != "" {
		report, err := srv.Seed(ctx, seedFile)
		if err != nil {
			ln.Close()
			return err
		}
		seeded = fmt.Sprintf("%s (%s)", cfg.Seed, report)
	}
	srv.Pprof, _ = cfg.PprofEnabled()                          // Validate checked it
	srv.TrustedProxies, _ = clientip.Parse(cfg.TrustedProxies) // and this
	if cfg.MetricsAddr != "" {
		if srv.MetricsListener, err = net.Listen("tcp", cfg.MetricsAddr); err != nil {
			ln.Close()
			return listenError("--metrics-addr", cfg.MetricsAddr, err)
		}
	}
	metricsURL := baseURL + "/metrics (from this machine only)"
	if srv.MetricsListener != nil {
		metricsURL = "http://" + srv.MetricsListener.Addr().String() + "/metrics"
	}
	printBanner(stdout, cfg, ln.Addr(), baseURL, metricsURL, seeded, kek)
	return srv.Run(ctx, ln) // returns after the background loops, before st.Close
}

// traceFlushTimeout bounds how long an exiting server waits for the
// last spans to reach the OTLP endpoint.
const traceFlushTimeout = 5 * time.Second

// flushTraces sends the spans still buffered and stops tracing; an endpoint
// that does not answer in time costs those spans, not the shutdown.
func flushTraces(shutdown func(context.Context) error, logger *slog.Logger) {
	ctx, cancel := context.WithTimeout(context.Background(), traceFlushTimeout)
	defer cancel()
	if err := shutdown(ctx); err != nil {
		logger.Warn("tracing: the last spans were not sent; check OTEL_EXPORTER_OTLP_ENDPOINT and the collector", "err", err)
	}
}

// newLogger logs to w in cfg's format from cfg's level up; LogHandler adds
// the request id to every line logged for a request.
func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.SlogLevel()}
	var h slog.Handler = slog.NewJSONHandler(w, opts)
	if cfg.LogFormat == config.LogText {
		h = slog.NewTextHandler(w, opts)
	}
	return slog.New(server.LogHandler{Handler: h})
}

// openStore opens the SQLite file or the PostgreSQL database cfg.DB names.
// A PostgreSQL database that does not answer fails the start at once,
// within the connect timeout.
func openStore(ctx context.Context, cfg config.Config) (store.Store, error) {
	var (
		st  store.Store
		err error
	)
	if cfg.IsPostgres() {
		st, err = postgres.Open(ctx, cfg.DB)
	} else {
		st, err = sqlite.Open(ctx, cfg.DB)
	}
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", cfg.DisplayDB(), err)
	}
	return st, nil
}

func printBanner(w io.Writer, cfg config.Config, addr net.Addr, baseURL, metricsURL, seeded string, kek kekSource) {
	issuer := baseURL + oidc.IssuerPath
	fmt.Fprintf(w, "vippslogin %s: listening on %s\n", cfg.Mode, addr)
	fmt.Fprintf(w, "  start here:  %s/ (links to everything below)\n", baseURL)
	fmt.Fprintf(w, "  issuer:      %s\n", issuer)
	fmt.Fprintf(w, "  discovery:   %s.well-known/openid-configuration\n", issuer)
	fmt.Fprintf(w, "  admin API:   %s/admin/v1/\n", baseURL)
	fmt.Fprintf(w, "  portal:      %s/portal/ (sign in with the admin token)\n", baseURL)
	fmt.Fprintf(w, "  database:    %s\n", cfg.DisplayDB())
	fmt.Fprintf(w, "  metrics:     %s\n", metricsURL)
	if seeded != "" {
		fmt.Fprintf(w, "  seed file:   %s\n", seeded)
	}
	defer fmt.Fprintln(w) // a blank line ends the banner
	if cfg.Mode != config.Dev {
		return
	}
	fmt.Fprintf(w, "  admin token: %s   (export VIPPSLOGIN_ADMIN_TOKEN=%s VIPPSLOGIN_SERVER=%s)\n", cfg.AdminToken, cfg.AdminToken, baseURL)
	fmt.Fprintf(w, "  demo shop:   %s/demo/\n", baseURL)
	fmt.Fprintf(w, "  test app:    %s/app/\n", baseURL)
	fmt.Fprintf(w, "  demo client: %s / %s\n", devseed.ClientID, devseed.ClientSecret)
	if kek.file != "" {
		fmt.Fprintf(w, "  signing keys encrypted with the dev key-encryption key in %s (serve mode needs --key-encryption-key)\n", kek.file)
	}
	fmt.Fprintf(w, "  test users:  %s (Ada Lovelace), %s, %s (too young), %s (outdated app), %s (not active); PIN %s\n",
		devseed.Ada, devseed.NoAddress, devseed.TooYoung, devseed.OutdatedApp, devseed.Inactive, devseed.PIN)
}

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"time"

	"github.com/vippslogin/vippslogin/internal/config"
	"github.com/vippslogin/vippslogin/internal/devseed"
	"github.com/vippslogin/vippslogin/internal/keys"
	"github.com/vippslogin/vippslogin/internal/oidc"
	"github.com/vippslogin/vippslogin/internal/server"
	"github.com/vippslogin/vippslogin/internal/store"
	"github.com/vippslogin/vippslogin/internal/store/sqlite"
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
	var logger *slog.Logger
	if mode == config.Dev {
		logger = slog.New(server.LogHandler{Handler: slog.NewTextHandler(stderr, nil)})
	} else {
		logger = slog.New(server.LogHandler{Handler: slog.NewJSONHandler(stderr, nil)})
	}
	slog.SetDefault(logger)

	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()

	km := &keys.Manager{Store: st}
	if err := km.Ensure(ctx); err != nil {
		return fmt.Errorf("signing keys: %w", err)
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	baseURL := cfg.ResolveBaseURL(ln.Addr())
	if mode == config.Dev {
		if err := devseed.Seed(ctx, st, baseURL, time.Now()); err != nil {
			ln.Close()
			return err
		}
	}
	srv := &server.Server{BaseURL: baseURL, Store: st, Keys: km, AdminToken: cfg.AdminToken, Logger: logger, Demo: mode == config.Dev}
	printBanner(stdout, cfg, ln.Addr(), baseURL)
	go srv.Janitor(ctx, server.JanitorInterval)
	go srv.Webhooks(ctx)
	return server.Serve(ctx, ln, srv.Handler(), logger)
}

func openStore(ctx context.Context, cfg config.Config) (store.Store, error) {
	if cfg.IsPostgres() {
		return nil, errors.New("--db: PostgreSQL is not supported yet; use an SQLite file path (PostgreSQL arrives with the replicas work)")
	}
	st, err := sqlite.Open(ctx, cfg.DB)
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", cfg.DB, err)
	}
	return st, nil
}

func printBanner(w io.Writer, cfg config.Config, addr net.Addr, baseURL string) {
	issuer := baseURL + oidc.IssuerPath
	fmt.Fprintf(w, "vippslogin %s: listening on %s\n", cfg.Mode, addr)
	fmt.Fprintf(w, "  issuer:      %s\n", issuer)
	fmt.Fprintf(w, "  discovery:   %s.well-known/openid-configuration\n", issuer)
	fmt.Fprintf(w, "  admin API:   %s/admin/v1/\n", baseURL)
	fmt.Fprintf(w, "  database:    %s\n", cfg.DB)
	defer fmt.Fprintln(w) // a blank line ends the banner
	if cfg.Mode != config.Dev {
		return
	}
	fmt.Fprintf(w, "  admin token: %s   (export VIPPSLOGIN_ADMIN_TOKEN=%s VIPPSLOGIN_SERVER=%s)\n", cfg.AdminToken, cfg.AdminToken, baseURL)
	fmt.Fprintf(w, "  demo shop:   %s/demo/\n", baseURL)
	fmt.Fprintf(w, "  test app:    %s/app/\n", baseURL)
	fmt.Fprintf(w, "  demo client: %s / %s\n", devseed.ClientID, devseed.ClientSecret)
	fmt.Fprintf(w, "  test users:  %s (Ada Lovelace), %s, %s (too young), %s (outdated app); PIN %s\n",
		devseed.Ada, devseed.NoAddress, devseed.TooYoung, devseed.OutdatedApp, devseed.PIN)
}

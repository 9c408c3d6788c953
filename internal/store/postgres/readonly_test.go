package postgres

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/vippslogin/vippslogin/internal/store"
	"github.com/vippslogin/vippslogin/internal/store/postgres/pgtest"
)

// A failover that leaves the pool's connections on a read-only standby:
// writes are 503s (ErrUnavailable), not 500s, and once a primary takes
// writes again the readiness check closes the read-only connections, so
// that writes work without a restart (issue 17). The standby is a session
// that default_transaction_read_only makes refuse writes with the code a
// standby answers (25006, read_only_sql_transaction): every connection the
// pool opens while the test says so is one.
func TestReadOnlyFailover(t *testing.T) {
	ctx := t.Context()
	s, cfg, standby := failoverStore(t)
	if err := s.CreateClient(ctx, store.Client{ID: "before"}); err != nil {
		t.Fatal(err)
	}

	standby.Store(true)
	s.pool.Reset() // the failover: connections to the old primary are gone
	for name, write := range map[string]func() error{
		"CreateClient": func() error { return s.CreateClient(ctx, store.Client{ID: "during"}) },
		"CheckWrite":   func() error { return s.CheckWrite(ctx) },
	} {
		if err := write(); !errors.Is(err, store.ErrUnavailable) {
			t.Errorf("%s on a standby: %v, want ErrUnavailable", name, err)
		}
	}
	if _, err := s.GetClient(ctx, "before"); err != nil {
		t.Errorf("a read on a standby: %v", err)
	}
	// Connections opened to the standby stay read-only however long the
	// pool keeps them.
	if err := s.CreateClient(ctx, store.Client{ID: "still"}); !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("a write on the pool's standby connection: %v, want ErrUnavailable", err)
	}

	standby.Store(false)
	if err := s.CheckWrite(ctx); err != nil {
		t.Fatalf("CheckWrite once a primary takes writes: %v", err)
	}
	for i := range 2 * int(cfg.MaxConns) { // every connection the pool has
		if err := s.CreateClient(ctx, store.Client{ID: fmt.Sprint("after-", i)}); err != nil {
			t.Fatalf("write %d after the check: %v", i, err)
		}
	}
}

// A write on a connection to a standby retires that connection, so that
// after a failover writes come back by themselves, without a readiness
// check to reset the pool: each connection the pool opened to the old
// primary, now a standby, costs at most one 503 (issue 17). Before, the
// pool handed them out for as long as they lived.
func TestReadOnlyConnectionsRetired(t *testing.T) {
	ctx := t.Context()
	s, cfg, standby := failoverStore(t)

	// The pool fills with connections to the standby, as reads during a
	// failover leave it.
	standby.Store(true)
	s.pool.Reset()
	var conns []*pgxpool.Conn
	for range cfg.MaxConns {
		c, err := s.pool.Acquire(ctx)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	for _, c := range conns {
		c.Release()
	}
	standby.Store(false) // the new primary takes writes; no CheckWrite

	failed := 0
	for i := range 3 * int(cfg.MaxConns) {
		err := s.CreateClient(ctx, store.Client{ID: fmt.Sprint("after-", i)})
		switch {
		case err == nil:
		case errors.Is(err, store.ErrUnavailable) && i == failed:
			failed++ // a standby connection, retired by this failure
		default:
			t.Fatalf("write %d after the failover (%d failed before it): %v", i, failed, err)
		}
	}
	if failed > int(cfg.MaxConns) {
		t.Errorf("%d writes failed; want at most one per connection the pool had (%d)", failed, cfg.MaxConns)
	}
	t.Logf("%d writes failed on the standby's %d connections, then %d succeeded", failed, cfg.MaxConns, 3*int(cfg.MaxConns)-failed)
}

// failoverStore is a Store whose new connections are to a standby while
// standby is set: sessions that default_transaction_read_only makes refuse
// writes with the code a standby answers (25006, read_only_sql_transaction).
func failoverStore(t *testing.T) (*Store, *pgxpool.Config, *atomic.Bool) {
	t.Helper()
	cfg, err := pgxpool.ParseConfig(pgtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	standby := new(atomic.Bool)
	cfg.BeforeConnect = func(_ context.Context, cc *pgx.ConnConfig) error {
		if standby.Load() {
			cc.RuntimeParams["default_transaction_read_only"] = "on"
		}
		return nil
	}
	s, err := openConfig(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, cfg, standby
}

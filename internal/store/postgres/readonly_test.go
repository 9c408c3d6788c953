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
	cfg, err := pgxpool.ParseConfig(pgtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	var standby atomic.Bool
	cfg.BeforeConnect = func(_ context.Context, cc *pgx.ConnConfig) error {
		if standby.Load() {
			cc.RuntimeParams["default_transaction_read_only"] = "on"
		}
		return nil
	}
	s, err := openConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
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

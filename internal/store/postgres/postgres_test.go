package postgres

import (
	"context"
	"errors"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vippslogin/vippslogin/internal/store"
	"github.com/vippslogin/vippslogin/internal/store/postgres/pgtest"
	"github.com/vippslogin/vippslogin/internal/store/storetest"
)

// TestConformance runs the suite SQLite runs, each subtest in a schema of
// its own.
func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		// Enough connections that the race tests' callers all race at once
		// rather than queue for the pool.
		return open(t, pgtest.WithParam(t, pgtest.URL(t), "pool_max_conns", "24"))
	})
}

// TestConformanceSimpleProtocol runs the suite over the simple query
// protocol, which connection poolers such as PgBouncer in transaction mode
// need (default_query_exec_mode=simple_protocol): every value must then
// travel as text, lists and NULL times included.
func TestConformanceSimpleProtocol(t *testing.T) {
	if testing.Short() {
		t.Skip("the suite over the default protocol covers the rest")
	}
	storetest.Run(t, func(t *testing.T) store.Store {
		url := pgtest.WithParam(t, pgtest.URL(t), "pool_max_conns", "24")
		return open(t, pgtest.WithParam(t, url, "default_query_exec_mode", "simple_protocol"))
	})
}

// open opens url and closes it when the test ends.
func open(t *testing.T, url string) *Store {
	t.Helper()
	s, err := Open(t.Context(), url)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestPoolSize checks that the pool has DefaultMaxConns connections (or
// one per core, if more) unless the URL's pool_max_conns says otherwise.
func TestPoolSize(t *testing.T) {
	url := pgtest.URL(t)
	if got, want := open(t, url).pool.Config().MaxConns, max(DefaultMaxConns, int32(runtime.NumCPU())); got != want {
		t.Errorf("MaxConns = %d, want %d", got, want)
	}
	if got := open(t, pgtest.WithParam(t, url, "pool_max_conns", "3")).pool.Config().MaxConns; got != 3 {
		t.Errorf("with pool_max_conns=3: MaxConns = %d, want 3", got)
	}
}

// TestReopen checks that opening an existing schema keeps its data and
// applies no migration twice.
func TestReopen(t *testing.T) {
	ctx := t.Context()
	url := pgtest.URL(t)
	first := open(t, url)
	if err := first.CreateClient(ctx, store.Client{ID: "kept"}); err != nil {
		t.Fatal(err)
	}
	first.Close()

	s := open(t, url)
	if _, err := s.GetClient(ctx, "kept"); err != nil {
		t.Errorf("GetClient after reopening: %v", err)
	}
	if got, want := appliedVersions(t, s), embeddedVersions(t); !slices.Equal(got, want) {
		t.Errorf("schema_migrations holds versions %v, want each of %v once", got, want)
	}
}

// TestConcurrentOpen opens one fresh schema from several stores at once, as
// replicas starting together do: all must succeed and the schema be built
// once.
func TestConcurrentOpen(t *testing.T) {
	url := pgtest.URL(t)
	const n = 6
	stores := make([]*Store, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { stores[i], errs[i] = Open(t.Context(), url) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("Open %d: %v", i, err)
			continue
		}
		t.Cleanup(func() { stores[i].Close() })
	}
	if t.Failed() {
		return
	}
	if got, want := appliedVersions(t, stores[0]), embeddedVersions(t); !slices.Equal(got, want) {
		t.Errorf("schema_migrations holds versions %v, want each of %v once", got, want)
	}
}

// TestOpenUnreachable checks that a database nobody listens for fails Open
// at once with an error that says so, and that a URL's password does not
// end up in it.
func TestOpenUnreachable(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	_, err := Open(ctx, "postgres://vippslogin:hunter2@127.0.0.1:1/x?sslmode=disable")
	if !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("Open of a closed port: err = %v, want %v", err, store.ErrUnavailable)
	}
	if err != nil && strings.Contains(err.Error(), "hunter2") {
		t.Errorf("the error shows the password: %v", err)
	}
	if _, err := Open(ctx, "postgres://%zz"); err == nil || errors.Is(err, store.ErrUnavailable) {
		t.Errorf("Open of a malformed URL: err = %v, want a parse error", err)
	}
}

// TestConnectionLoss cuts the store off its database and back: while cut,
// calls fail with store.ErrUnavailable, quickly; once restored, the same
// store works again without being reopened.
func TestConnectionLoss(t *testing.T) {
	ctx := t.Context()
	url, proxy := pgtest.Proxied(t, pgtest.URL(t))
	s := open(t, url)
	if err := s.CreateClient(ctx, store.Client{ID: "before"}); err != nil {
		t.Fatal(err)
	}

	proxy.Cut()
	start := time.Now()
	for _, err := range []error{
		s.Ping(ctx),
		s.CreateClient(ctx, store.Client{ID: "during"}),
		func() error { _, err := s.GetClient(ctx, "before"); return err }(),
		func() error {
			_, err := s.UpdateClient(ctx, "before", func(c store.Client) (store.Client, error) { return c, nil })
			return err
		}(),
	} {
		if !errors.Is(err, store.ErrUnavailable) {
			t.Errorf("while cut: err = %v, want %v", err, store.ErrUnavailable)
		}
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("failing took %v; a lost database must fail fast", d)
	}

	proxy.Restore()
	if err := s.Ping(ctx); err != nil {
		t.Fatalf("Ping after restore: %v", err)
	}
	if _, err := s.GetClient(ctx, "before"); err != nil {
		t.Errorf("GetClient after restore: %v", err)
	}
	if _, err := s.GetClient(ctx, "during"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the client created while cut: err = %v, want %v", err, store.ErrNotFound)
	}
}

// appliedVersions is what schema_migrations records, in order.
func appliedVersions(t *testing.T, s *Store) []int {
	t.Helper()
	rows, err := s.pool.Query(t.Context(), `SELECT version FROM schema_migrations ORDER BY version`)
	if err != nil {
		t.Fatal(err)
	}
	var vs []int
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		vs = append(vs, v)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return vs
}

// embeddedVersions is the version of each embedded migration file, in order.
func embeddedVersions(t *testing.T) []int {
	t.Helper()
	ms, err := listMigrations()
	if err != nil || len(ms) == 0 {
		t.Fatalf("no embedded migrations (%v)", err)
	}
	var vs []int
	for _, m := range ms {
		vs = append(vs, m.version)
	}
	return vs
}

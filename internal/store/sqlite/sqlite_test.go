package sqlite

import (
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/vippslogin/vippslogin/internal/store"
	"github.com/vippslogin/vippslogin/internal/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		s := open(t, filepath.Join(t.TempDir(), "vippslogin.db"))
		// Keep the connections the race tests warm up (the pool keeps 2 by
		// default): a racer that must open one first starts too late to race.
		s.db.SetMaxIdleConns(32)
		return s
	})
}

// open opens path and closes it when the test ends.
func open(t *testing.T, path string) *Store {
	t.Helper()
	s, err := Open(t.Context(), path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

// TestReopen checks that opening an existing file keeps its data and applies
// no migration twice.
func TestReopen(t *testing.T) {
	ctx := t.Context()
	// A missing parent directory is created.
	path := filepath.Join(t.TempDir(), "state", "vippslogin.db")
	first := open(t, path)
	if err := first.CreateClient(ctx, store.Client{ID: "kept"}); err != nil {
		t.Fatal(err)
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}

	s := open(t, path)
	if _, err := s.GetClient(ctx, "kept"); err != nil {
		t.Errorf("GetClient after reopening: %v", err)
	}
	if got, want := appliedVersions(t, s), embeddedVersions(t); !slices.Equal(got, want) {
		t.Errorf("schema_migrations holds versions %v, want each of %v once", got, want)
	}
}

// appliedVersions is what schema_migrations records, in order.
func appliedVersions(t *testing.T, s *Store) []int {
	t.Helper()
	rows, err := s.db.QueryContext(t.Context(), `SELECT version FROM schema_migrations ORDER BY version`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
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

func TestWAL(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "vippslogin.db"))
	var mode string
	if err := s.db.QueryRowContext(t.Context(), `PRAGMA journal_mode`).Scan(&mode); err != nil {
		t.Fatal(err)
	}
	if mode != "wal" {
		t.Errorf("journal_mode = %q, want wal", mode)
	}
	var fk bool
	if err := s.db.QueryRowContext(t.Context(), `PRAGMA foreign_keys`).Scan(&fk); err != nil {
		t.Fatal(err)
	}
	if !fk {
		t.Error("foreign_keys is off")
	}
}

// TestConcurrentOpen opens one fresh file from several stores at once, as
// two replicas starting together would (each Store has its own pool, so the
// file locks are contended as between processes): all must succeed, and the
// schema must be built once.
func TestConcurrentOpen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "vippslogin.db")
	const n = 4
	stores := make([]*Store, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { stores[i], errs[i] = Open(t.Context(), path) })
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

func TestOpenRejectsQuestionMark(t *testing.T) {
	if s, err := Open(t.Context(), filepath.Join(t.TempDir(), "a?b.db")); err == nil {
		s.Close()
		t.Error("Open of a path with '?' succeeded")
	}
}

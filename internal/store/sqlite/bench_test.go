package sqlite

import (
	"path/filepath"
	"testing"

	"github.com/vippslogin/vippslogin/internal/store"
	"github.com/vippslogin/vippslogin/internal/store/storetest"
)

// BenchmarkStore runs the shared store benchmarks on a fresh file:
//
//	go test -run '^$' -bench Store ./internal/store/sqlite/
func BenchmarkStore(b *testing.B) {
	storetest.Bench(b, benchStore)
}

// BenchmarkTrimEvents measures one batch of the janitor's event trim in a
// large table:
//
//	go test -run '^$' -bench TrimEvents ./internal/store/sqlite/
func BenchmarkTrimEvents(b *testing.B) {
	storetest.BenchTrimEvents(b, benchStore)
}

// benchStore opens a fresh store for one benchmark and closes it after.
func benchStore(b *testing.B) store.Store {
	s, err := Open(b.Context(), filepath.Join(b.TempDir(), "vippslogin.db"))
	if err != nil {
		b.Fatalf("Open: %v", err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

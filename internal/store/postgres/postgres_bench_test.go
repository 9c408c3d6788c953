package postgres

import (
	"testing"

	"github.com/vippslogin/vippslogin/internal/store"
	"github.com/vippslogin/vippslogin/internal/store/postgres/pgtest"
	"github.com/vippslogin/vippslogin/internal/store/storetest"
)

// BenchmarkStore runs the shared store benchmarks, each operation in a
// fresh schema; it skips without VIPPSLOGIN_TEST_POSTGRES:
//
//	VIPPSLOGIN_TEST_POSTGRES=postgres://… go test -run '^$' -bench Store ./internal/store/postgres/
func BenchmarkStore(b *testing.B) {
	storetest.Bench(b, benchStore)
}

// BenchmarkTrimEvents measures one batch of the janitor's event trim in a
// large table; it skips without VIPPSLOGIN_TEST_POSTGRES.
func BenchmarkTrimEvents(b *testing.B) {
	storetest.BenchTrimEvents(b, benchStore)
}

// benchStore opens a fresh store for one benchmark and closes it after.
func benchStore(b *testing.B) store.Store {
	s, err := Open(b.Context(), pgtest.URL(b))
	if err != nil {
		b.Fatalf("Open: %v", err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

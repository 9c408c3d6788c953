package sqlite

import (
	"context"
	"database/sql"
	"sync/atomic"
	"testing"
)

// ReadOnlyFault puts s in the state the issue 17 fault left it in: its
// database's directory and files were made read-only while it served, so
// the writer's connection cannot write and every connection the writer
// opens from then on is read-only. It lasts until the returned mend is
// called (permissions restored), after which s must find its way back by
// itself.
//
// Made read-only by chmod, a file stops nobody running as root (as CI
// does), so the fault is made with SQLite's own read-only modes instead,
// which end in the same place: a connection SQLite could only open
// read-only, as it does when the file or its directory is not writable
// (its unix VFS opens the file read-only instead and marks the connection
// so), behaves like one opened with mode=ro: every write, BEGIN IMMEDIATE
// first, fails with SQLITE_READONLY (8) "attempt to write a readonly
// database", the code the issue saw. The writer's current connection is
// made read-only with PRAGMA query_only, which fails writes with the same
// code.
func ReadOnlyFault(t testing.TB, s *Store) (mend func()) {
	t.Helper()
	ro, err := sql.Open("sqlite", "file:"+s.path+"?mode=ro&"+writerParams)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ro.Close() })
	var faulty atomic.Bool
	faulty.Store(true)
	err = s.write(context.Background(), func(tx *wtx) error {
		healthy := tx.w.db.Conn
		tx.w.open = func(ctx context.Context) (*sql.Conn, error) {
			if faulty.Load() {
				return ro.Conn(ctx)
			}
			return healthy(ctx)
		}
		_, err := tx.exec(`PRAGMA query_only = 1`)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return func() { faulty.Store(false) }
}

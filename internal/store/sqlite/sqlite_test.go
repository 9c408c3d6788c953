package sqlite

import (
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/vippslogin/vippslogin/internal/store"
	"github.com/vippslogin/vippslogin/internal/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		return open(t, filepath.Join(t.TempDir(), "vippslogin.db"))
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
	rows, err := s.r.db.QueryContext(t.Context(), `SELECT version FROM schema_migrations ORDER BY version`)
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

// TestPragmas checks the settings of the writer and of a reader.
func TestPragmas(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "vippslogin.db"))
	pragmas := func(q querier) (mode string, fk, queryOnly bool, sync int) {
		t.Helper()
		for pragma, dest := range map[string]any{
			"journal_mode": &mode, "foreign_keys": &fk, "query_only": &queryOnly, "synchronous": &sync,
		} {
			if err := q.queryRow(`PRAGMA ` + pragma).Scan(dest); err != nil {
				t.Fatalf("PRAGMA %s: %v", pragma, err)
			}
		}
		return
	}
	var (
		wMode           string
		wFK, wQueryOnly bool
		wSync           int
	)
	err := s.write(t.Context(), func(tx *wtx) error {
		wMode, wFK, wQueryOnly, wSync = pragmas(tx)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if wMode != "wal" || !wFK || wQueryOnly || wSync != 1 {
		t.Errorf("writer: journal_mode %s, foreign_keys %v, query_only %v, synchronous %d; want wal, true, false, 1 (NORMAL)",
			wMode, wFK, wQueryOnly, wSync)
	}
	mode, fk, queryOnly, _ := pragmas(s.read(t.Context()))
	if mode != "wal" || !fk || !queryOnly {
		t.Errorf("reader: journal_mode %s, foreign_keys %v, query_only %v; want wal, true, true", mode, fk, queryOnly)
	}
	// The writer leaves checkpoints to the checkpointer.
	var autocheckpoint, sizeLimit int64
	err = s.write(t.Context(), func(tx *wtx) error {
		if err := tx.queryRow(`PRAGMA wal_autocheckpoint`).Scan(&autocheckpoint); err != nil {
			return err
		}
		return tx.queryRow(`PRAGMA journal_size_limit`).Scan(&sizeLimit)
	})
	if err != nil {
		t.Fatal(err)
	}
	if autocheckpoint != 0 || sizeLimit != 64<<20 {
		t.Errorf("writer: wal_autocheckpoint %d, journal_size_limit %d; want 0, %d", autocheckpoint, sizeLimit, 64<<20)
	}
}

// TestCheckpoint: commits leave their pages in the log (the writer does not
// checkpoint), and the checkpointer copies all of them into the database
// file without stopping the writer.
func TestCheckpoint(t *testing.T) {
	ctx := t.Context()
	s := open(t, filepath.Join(t.TempDir(), "vippslogin.db"))
	// Let a checkpoint the migrations cued pass, then write more.
	if _, _, err := s.cp.checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	for i := range 50 {
		if _, err := s.CountHit(ctx, fmt.Sprintf("key-%d", i), time.Unix(1_800_000_000, 0)); err != nil {
			t.Fatal(err)
		}
	}
	logFrames, done, err := s.cp.checkpoint(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if logFrames == 0 || done != logFrames {
		t.Errorf("checkpoint: %d frames in the log, %d copied; want some, all", logFrames, done)
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

// TestClosedIsUnavailable checks that a closed store's errors wrap
// store.ErrUnavailable, which the servers answer with 503, and not
// store.ErrNotFound.
func TestClosedIsUnavailable(t *testing.T) {
	ctx := t.Context()
	s := open(t, filepath.Join(t.TempDir(), "vippslogin.db"))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	_, errGet := s.GetClient(ctx, "shop")
	_, errList := s.ListUsers(ctx)
	_, errUpdate := s.UpdateUser(ctx, "4712345678", func(u store.User) (store.User, error) { return u, nil })
	_, errHit := s.CountHit(ctx, "shop", time.Now())
	_, errSweep := s.DeleteExpired(ctx, store.CutoffsAt(time.Now()), 2)
	for what, err := range map[string]error{
		"Ping":          s.Ping(ctx),
		"GetClient":     errGet,
		"ListUsers":     errList,
		"UpdateUser":    errUpdate,
		"CreateClient":  s.CreateClient(ctx, store.Client{ID: "shop"}),
		"CountHit":      errHit,
		"DeleteExpired": errSweep,
	} {
		if !errors.Is(err, store.ErrUnavailable) || errors.Is(err, store.ErrNotFound) {
			t.Errorf("%s on a closed store: %v, want it to wrap only %v", what, err, store.ErrUnavailable)
		}
	}
}

// TestBusyIsUnavailable checks that a write that cannot get the lock in
// time, because another process holds it, wraps store.ErrUnavailable and
// still says why. The store here waits for no lock (busy_timeout 0) so the
// test need not wait out 10 seconds.
func TestBusyIsUnavailable(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "vippslogin.db")
	impatient, err := openWith(ctx, path, "_busy_timeout=0&_foreign_keys=on", "_busy_timeout=0&_query_only=1")
	if err != nil {
		t.Fatal(err)
	}
	defer impatient.Close()
	// The other process: its own connection, in a transaction that holds
	// the write lock from its start.
	db, err := sql.Open("sqlite", path+"?_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()

	err = impatient.CreateClient(ctx, store.Client{ID: "shop"})
	if !errors.Is(err, store.ErrUnavailable) || !isBusy(err) {
		t.Errorf("CreateClient while another holds the lock: %v, want %v wrapping SQLITE_BUSY", err, store.ErrUnavailable)
	}
	// Reads carry on in WAL mode, and their errors are not unavailability.
	if _, err := impatient.GetClient(ctx, "shop"); !errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrUnavailable) {
		t.Errorf("GetClient of a missing client: %v, want %v only", err, store.ErrNotFound)
	}
}

// TestCloseCheckpoints: a store closed after writing leaves everything in
// the database file and no write-ahead log behind, so a copied file is
// whole and a stopped server takes no more room than its data.
func TestCloseCheckpoints(t *testing.T) {
	path := filepath.Join(t.TempDir(), "vippslogin.db")
	s, err := Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 20 {
		if _, err := s.CountHit(t.Context(), fmt.Sprintf("key-%d", i), time.Unix(1_800_000_000, 0)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path + "-wal"); err == nil && fi.Size() > 0 {
		t.Errorf("after Close the log %s holds %d bytes; want it checkpointed and gone", path+"-wal", fi.Size())
	}
}

// TestAutoVacuum: a new database, and an existing small one on its first
// open by this version, give freed pages back (auto_vacuum=INCREMENTAL),
// and their data stays.
func TestAutoVacuum(t *testing.T) {
	dir := t.TempDir()
	// A database made before auto_vacuum was set: a table of its own
	// stands in for the schema of an older version.
	old := filepath.Join(dir, "old.db")
	db, err := sql.Open("sqlite", old)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`CREATE TABLE kept (v TEXT); INSERT INTO kept VALUES ('x')`); err != nil {
		t.Fatal(err)
	}
	var mode int
	if err := db.QueryRow(`PRAGMA auto_vacuum`).Scan(&mode); err != nil || mode != 0 {
		t.Fatalf("the old database's auto_vacuum = %d, %v; want 0 to start with", mode, err)
	}
	db.Close()

	for _, path := range []string{filepath.Join(dir, "new.db"), old} {
		s := open(t, path)
		if err := s.read(t.Context()).queryRow(`PRAGMA auto_vacuum`).Scan(&mode); err != nil || mode != autoVacuumIncremental {
			t.Errorf("%s: auto_vacuum = %d, %v; want %d (INCREMENTAL)", filepath.Base(path), mode, err, autoVacuumIncremental)
		}
	}
	s := open(t, old)
	var v string
	if err := s.read(t.Context()).queryRow(`SELECT v FROM kept`).Scan(&v); err != nil || v != "x" {
		t.Errorf("the old database's data after the conversion: %q, %v", v, err)
	}
}

// A new database, and the log and shared-memory files SQLite makes beside
// it, are the server's alone (mode 0600 whatever the umask allows): they
// hold every user's data and the encrypted signing keys. An existing file
// keeps the mode it has.
func TestNewDatabaseIsPrivate(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "vippslogin.db")
	s := open(t, path)
	if err := s.CheckWrite(t.Context()); err != nil { // the log and shared memory exist once written
		t.Fatal(err)
	}
	for _, name := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(name)
		if err != nil {
			t.Fatal(err)
		}
		if mode := fi.Mode().Perm(); mode != 0o600 {
			t.Errorf("%s has mode %v, want 0600", filepath.Base(name), mode)
		}
	}

	shared := filepath.Join(dir, "shared.db")
	if err := os.WriteFile(shared, nil, 0o640); err != nil {
		t.Fatal(err)
	}
	open(t, shared)
	if fi, err := os.Stat(shared); err != nil || fi.Mode().Perm() != 0o640 {
		t.Errorf("an existing database's mode changed: %v, %v", fi.Mode(), err)
	}
}

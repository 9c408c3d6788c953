// Package sqlite is the embedded store: one SQLite file, opened with the
// pure-Go modernc.org/sqlite driver so that vippslogin builds without cgo
// (DESIGN §8). It is the default backend; PostgreSQL takes over when several
// replicas share one database.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/vippslogin/vippslogin/internal/store"
)

var _ store.Store = (*Store)(nil)

// dsnParams are set on every connection the pool opens, which is why they
// live in the DSN rather than in PRAGMA statements run once.
//
//   - busy_timeout makes a writer wait up to 10s for another writer (in this
//     process or another) instead of failing at once with SQLITE_BUSY.
//   - foreign_keys is off by default in SQLite; without it deleting a user
//     would leave their app sessions behind.
//   - synchronous=NORMAL is safe against corruption in WAL mode and only
//     risks the last commits on power loss.
//   - _txlock=immediate starts every read-write transaction with the write
//     lock. A deferred transaction that reads and then writes, as the Update
//     closures do, can fail with SQLITE_BUSY when it tries to upgrade its lock
//     while another one holds it, and the busy timeout cannot help there.
//
// WAL mode is not here: it is a property of the file, set once by Open.
const dsnParams = "_busy_timeout=10000&_foreign_keys=on&_synchronous=NORMAL&_txlock=immediate"

// walTimeout bounds how long Open keeps trying to switch a fresh file to
// WAL while other processes do the same; it matches busy_timeout.
const walTimeout = 10 * time.Second

// Store is a store.Store backed by one SQLite file.
type Store struct {
	db *sql.DB
}

// Open opens the SQLite database at path, creating the file and its parent
// directory if they are missing, and brings its schema up to date. Several
// processes may open the same file at once.
func Open(ctx context.Context, path string) (*Store, error) {
	// The driver splits the DSN at the first '?', so such a path would be
	// cut short and a different file opened.
	if strings.Contains(path, "?") {
		return nil, errorf("sqlite: path %q contains '?'", path)
	}
	// 0700: the database holds the private signing keys.
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, errorf("sqlite: %w", err)
	}
	db, err := sql.Open("sqlite", path+"?"+dsnParams)
	if err != nil {
		return nil, errorf("sqlite: open %s: %w", path, err)
	}
	if err := enableWAL(ctx, db); err != nil {
		db.Close()
		return nil, errorf("sqlite: enable WAL on %s: %w", path, err)
	}
	s := &Store{db: db}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, errorf("sqlite: migrate %s: %w", path, err)
	}
	return s, nil
}

// enableWAL switches the file to write-ahead logging, so that readers carry
// on while one writer writes. Switching needs an exclusive lock, and when two
// connections try at once (two processes opening a fresh file) SQLite fails
// one of them with SQLITE_BUSY at once rather than wait for busy_timeout,
// since waiting could deadlock; so the switch is retried here. Once the file
// is in WAL mode, it stays there and the pragma is a no-op.
func enableWAL(ctx context.Context, db *sql.DB) error {
	ctx, cancel := context.WithTimeout(ctx, walTimeout)
	defer cancel()
	for delay := time.Millisecond; ; delay = min(2*delay, 100*time.Millisecond) {
		var mode string
		err := db.QueryRowContext(ctx, `PRAGMA journal_mode = WAL`).Scan(&mode)
		switch {
		case err == nil && mode == "wal":
			return nil
		case err == nil:
			// An in-memory database, for one, cannot do WAL.
			return fmt.Errorf("journal_mode is %s", mode)
		case !isBusy(err):
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(delay):
		}
	}
}

// Ping reports whether the database answers a query; sql.DB.Ping alone
// would only check that a connection can be made.
func (s *Store) Ping(ctx context.Context) error {
	var one int
	if err := s.db.QueryRowContext(ctx, `SELECT 1`).Scan(&one); err != nil {
		return errorf("sqlite: ping: %w", err)
	}
	return nil
}

// Close closes the database. Calling it again does nothing.
func (s *Store) Close() error {
	return s.db.Close()
}

// inTx runs fn in one transaction and commits if fn returns nil, so that a
// multi-statement write is never left half done. fn's error is returned as
// is, which lets an Update closure's error reach the caller unchanged.
func (s *Store) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() // a no-op after Commit
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// queryer is what both *sql.DB and *sql.Tx offer, so a read can run inside
// or outside a transaction.
type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// scanner is a *sql.Row or *sql.Rows.
type scanner interface {
	Scan(dest ...any) error
}

// deleted turns an exec result into store.ErrNotFound when it touched no row.
func deleted(res sql.Result, err error) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return store.ErrNotFound
	}
	return nil
}

// notFound maps sql.ErrNoRows to store.ErrNotFound.
func notFound(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return store.ErrNotFound
	}
	return err
}

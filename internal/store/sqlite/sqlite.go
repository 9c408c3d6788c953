// Package sqlite is the embedded store: one SQLite file, opened with the
// pure-Go modernc.org/sqlite driver so that vippslogin builds without cgo
// (DESIGN §8). It is the default backend; PostgreSQL takes over when several
// replicas share one database.
//
// Every query keeps to one discipline, for speed (DESIGN §8, "Speed
// discipline"):
//
//   - One writer. Every write runs as a job on the one writer connection
//     (writer.go), in a transaction that holds the write lock from its
//     start. Writers in this process queue in Go for it instead of racing
//     for SQLite's lock and sleeping in its busy-retry loop; writes that
//     queue up while one runs share one commit (group commit), each in a
//     savepoint of its own, and each is answered only once that commit has
//     returned. An Update closure, which reads before it writes, runs on
//     the writer inside the job: every other write waits for it, so it must
//     be quick (a slow hash belongs before the Update), and it must not
//     call the Store, whose writes would wait for it in turn.
//   - Many readers. Read-only methods run on a pool of query_only
//     connections (readers.go) beside the writer, as WAL allows: a read
//     never takes or waits for the write lock, and sees every write that
//     was answered before it started.
//   - Statements prepared once. Parsing SQL costs more than running these
//     small statements, so every query goes through a cache of prepared
//     statements, the writer's on its connection and the readers' on each
//     of theirs; no SQL text is parsed twice on one connection.
//   - No read-back. A write returns what it stored by working it out in Go
//     (the codec's round trip) or with RETURNING, never by a second query.
//   - Faults pass. A write that fails because the database cannot be
//     written just now (locked, full, read-only, unopenable) is
//     store.ErrUnavailable, a 503 to retry; a connection that cannot write
//     is replaced before the next write (writer.discardIf), so the store
//     writes again as soon as the fault is mended, without a restart.
//
// Other processes may open the same file: SQLite's file locks keep them
// apart, and the busy timeout makes a writer wait for another process's
// transaction.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/vippslogin/vippslogin/internal/store"
)

var _ store.Store = (*Store)(nil)

// Parameters set on every connection, which is why they live in the DSN
// rather than in PRAGMA statements run once.
//
//   - busy_timeout makes a connection wait up to 10s for a lock another
//     process holds instead of failing at once with SQLITE_BUSY. Within this
//     process writers queue in Go for the one writer connection and never
//     wait here.
//   - foreign_keys is off by default in SQLite; without it deleting a user
//     would leave their app sessions behind.
//   - synchronous=NORMAL does not sync the WAL on every commit, only at
//     checkpoints: a commit survives a crash of the process (it is in the
//     operating system's page cache once COMMIT returns) and the file is
//     never corrupted, but the last commits may be lost on power loss.
//   - The writer's BEGIN IMMEDIATE takes the write lock at the start of the
//     transaction: a transaction that reads and then writes, as the Update
//     closures do, could otherwise fail with SQLITE_BUSY when it upgrades
//     its lock while another process holds it, which the busy timeout
//     cannot help with.
//   - query_only makes the readers refuse to write, so that no write can
//     slip past the writer and its queue.
//
// WAL mode is not here: it is a property of the file, set once by Open.
//   - wal_autocheckpoint=0 keeps the writer from checkpointing inside its
//     commits, and journal_size_limit bounds the log each time it starts
//     over: the checkpointer does it beside the writer (checkpoint.go).
const (
	busyTimeout      = "10000" // milliseconds; checkpointOnWriter sets it back
	writerParams     = "_busy_timeout=" + busyTimeout + "&_foreign_keys=on&_synchronous=NORMAL&_pragma=wal_autocheckpoint(0)&_pragma=journal_size_limit(67108864)"
	readerParams     = "_busy_timeout=10000&_foreign_keys=on&_query_only=1"
	checkpointParams = "_busy_timeout=10000&_synchronous=NORMAL"
)

// walTimeout bounds how long Open keeps trying to switch a fresh file to
// WAL while other processes do the same; it matches busy_timeout.
const walTimeout = 10 * time.Second

// Store is a store.Store backed by one SQLite file.
type Store struct {
	path      string // the database file, for Backup's connection
	w         *writer
	r         *readers
	cp        *checkpointer
	closeOnce sync.Once
}

// Open opens the SQLite database at path, creating the file and its parent
// directory if they are missing, and brings its schema up to date. Several
// processes may open the same file at once.
func Open(ctx context.Context, path string) (*Store, error) {
	return openWith(ctx, path, writerParams, readerParams)
}

// createPrivate creates the database file with mode 0600 when it does not
// exist yet, rather than leave it to SQLite, which makes it 0644 under the
// usual umask: the file holds every user's data and the signing keys
// (encrypted, but the key-encryption key is often beside it). SQLite gives
// the -wal and -shm files it makes the database file's mode. An existing
// file keeps the mode its operator gave it.
func createPrivate(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return nil
	}
	if err != nil {
		return err
	}
	return f.Close()
}

// openWith is Open with the connections' parameters given.
func openWith(ctx context.Context, path, writerParams, readerParams string) (*Store, error) {
	// The driver splits the DSN at the first '?', so such a path would be
	// cut short and a different file opened.
	if strings.Contains(path, "?") {
		return nil, errorf("sqlite: path %q contains '?'", path)
	}
	// 0700: the database holds the private signing keys.
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, errorf("sqlite: %w", err)
	}
	if err := createPrivate(path); err != nil {
		return nil, errorf("sqlite: %w", err)
	}
	wdb, err := sql.Open("sqlite", path+"?"+writerParams)
	if err != nil {
		return nil, errorf("sqlite: open %s: %w", path, err)
	}
	wdb.SetMaxOpenConns(1)
	wdb.SetMaxIdleConns(1)
	conn, err := wdb.Conn(ctx)
	if err != nil {
		wdb.Close()
		return nil, errorf("sqlite: open %s: %w", path, err)
	}
	if err := enableWAL(ctx, conn); err != nil {
		conn.Close()
		wdb.Close()
		return nil, errorf("sqlite: enable WAL on %s: %w", path, err)
	}
	if err := setAutoVacuum(ctx, conn); err != nil {
		conn.Close()
		wdb.Close()
		return nil, errorf("sqlite: auto_vacuum on %s: %w", path, err)
	}
	rdb, err := sql.Open("sqlite", path+"?"+readerParams)
	if err != nil {
		conn.Close()
		wdb.Close()
		return nil, errorf("sqlite: open %s: %w", path, err)
	}
	// Every connection is kept, so that each statement is prepared on it
	// once.
	n := max(4, 2*runtime.GOMAXPROCS(0))
	rdb.SetMaxOpenConns(n)
	rdb.SetMaxIdleConns(n)
	cdb, err := sql.Open("sqlite", path+"?"+checkpointParams)
	if err != nil {
		conn.Close()
		wdb.Close()
		rdb.Close()
		return nil, errorf("sqlite: open %s: %w", path, err)
	}
	cdb.SetMaxOpenConns(1)
	cp := newCheckpointer(cdb)
	s := &Store{path: path, w: newWriter(wdb, conn, cp.committed), r: &readers{db: rdb}, cp: cp}
	cp.onWriter = s.checkpointOnWriter
	if err := s.migrate(ctx); err != nil {
		s.Close()
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
func enableWAL(ctx context.Context, db *sql.Conn) error {
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
	if err := s.r.with(ctx).queryRow(`SELECT 1`).Scan(&one); err != nil {
		return errorf("sqlite: ping: %w", err)
	}
	return nil
}

// CheckWrite reports whether the database takes a write, by bumping the
// health row's counter on the writer like any other write: a connection
// that cannot write is replaced on the way (writer.discardIf), so once the
// fault is mended the check that finds it so also mends the writer.
func (s *Store) CheckWrite(ctx context.Context) error {
	if _, err := s.exec(ctx, `UPDATE health SET checks = checks + 1 WHERE id = 1`); err != nil {
		return errorf("sqlite: check write: %w", err)
	}
	return nil
}

// Close closes the database once the writes in hand are committed.
// Calling it again does nothing.
func (s *Store) Close() error {
	var err error
	s.closeOnce.Do(func() {
		s.w.stop()
		rErr := s.r.db.Close()
		// With no reader left and the writer stopped, the whole log can
		// go into the database file and the log be emptied, so that a
		// stopped server's file is whole on its own. Another process
		// still using the file may keep it from finishing; that loses
		// nothing.
		s.cp.finish()
		err = errors.Join(rErr, s.cp.stop(), s.w.close())
	})
	return err
}

// checkpointWait is how long a RESTART or TRUNCATE checkpoint waits for
// the readers of the moment, which take microseconds each, while it holds
// every write of this process back. Given up, it is tried again later.
const checkpointWait = 5 // milliseconds, as busy_timeout takes it

// checkpointOnWriter runs a RESTART or TRUNCATE checkpoint on the writer's
// connection between two write jobs. Either needs the write lock: run on
// a connection of its own, it raced the writer for the file lock, and the
// loser slept in SQLite's busy handler, in steps that grow to 100 ms (a
// login's write was held 50–450 ms during a sweep, measured). Here no
// write of this process can be under way, and the writes that queue
// meanwhile wait in Go, for the checkpoint only.
//
// wait is how long, in milliseconds, it waits for readers. It reports
// whether the checkpoint finished.
func (s *Store) checkpointOnWriter(mode string, wait int) bool {
	finished := false
	s.w.outside(context.Background(), func(conn *sql.Conn) error {
		ctx := context.Background()
		if _, err := conn.ExecContext(ctx, fmt.Sprintf(`PRAGMA busy_timeout = %d`, wait)); err != nil {
			return err
		}
		var busy, logFrames, checkpointed int
		err := conn.QueryRowContext(ctx, `PRAGMA wal_checkpoint(`+mode+`)`).Scan(&busy, &logFrames, &checkpointed)
		finished = err == nil && busy == 0
		_, rErr := conn.ExecContext(ctx, `PRAGMA busy_timeout = `+busyTimeout)
		return errors.Join(err, rErr)
	})
	return finished
}

// read is the readers for one call.
func (s *Store) read(ctx context.Context) reader {
	return s.r.with(ctx)
}

// write runs fn as one write job on the writer (see writer.do).
func (s *Store) write(ctx context.Context, fn func(tx *wtx) error) error {
	return s.w.do(ctx, fn)
}

// exec runs one statement as a write job of its own and reports how many
// rows it changed.
func (s *Store) exec(ctx context.Context, query string, args ...any) (int64, error) {
	var n int64
	err := s.write(ctx, func(tx *wtx) error {
		res, err := tx.exec(query, args...)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return n, err
}

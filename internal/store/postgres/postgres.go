// Package postgres is the store for several replicas on one database:
// PostgreSQL through a pgx connection pool (DESIGN §8). It keeps the SQLite
// backend's behaviour exactly, which the storetest suite checks on both, and
// leaves every decision that two replicas could disagree on to the database:
// single use by conditional UPDATEs, read-modify-write under SELECT … FOR
// UPDATE, the webhook outbox claimed with FOR UPDATE SKIP LOCKED.
//
// The SQL avoids PostgreSQL-only features where a portable form exists, so
// that PostgreSQL-wire databases such as CockroachDB can run it too.
package postgres

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/vippslogin/vippslogin/internal/store"
)

var _ store.Store = (*Store)(nil)

// DefaultConnectTimeout bounds how long opening one connection may take when
// the URL sets no connect_timeout: without it, a database host that drops
// packets would hold a request for minutes instead of failing it with 503.
const DefaultConnectTimeout = 5 * time.Second

// DefaultMaxConns is the pool size when the URL sets no pool_max_conns
// (which still wins), unless the machine has more cores. pgx's own default,
// the number of cores but at least 4, suits queries that keep the database
// busy; ours are short, and a request spends most of its time waiting for
// a round trip or for its commit's WAL flush, with its connection idle
// meanwhile, so connections in flight, not cores, bound throughput until
// the database's CPU is full. Measured with BenchmarkPoolLogins (32
// concurrent logins on 2 cores shared with the database, logins/s, median
// of 5-6 interleaved runs): one store, 4 conns 77, 8 129, 16 162, 32 214;
// two replicas, per replica, 4 192, 8 267, 16 266, 32 241. 16 reaches the
// plateau of two replicas and keeps six under PostgreSQL's default
// max_connections of 100.
const DefaultMaxConns = 16

// Store is a store.Store backed by a PostgreSQL database.
type Store struct {
	pool *pgxpool.Pool
}

// Open connects to the database at url (postgres://…; pgx's pool settings
// such as pool_max_conns may be in the query), checks that it answers, and
// brings its schema up to date. Replicas starting together migrate once.
func Open(ctx context.Context, url string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		// The parse error quotes the URL with its password redacted.
		return nil, fmt.Errorf("postgres: %w", err)
	}
	if cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = DefaultConnectTimeout
	}
	if !poolSizeSet(url) {
		cfg.MaxConns = max(cfg.MaxConns, DefaultMaxConns)
	}
	return openConfig(ctx, cfg)
}

// poolSizeSet reports whether url chooses the pool's size itself; pgxpool
// leaves no trace of that once it has parsed it.
func poolSizeSet(url string) bool {
	cfg, err := pgconn.ParseConfig(url)
	if err != nil {
		return false
	}
	_, set := cfg.RuntimeParams["pool_max_conns"]
	return set
}

// openConfig is Open with the pool's configuration parsed, which a test
// may then adjust (to count round trips, say). The connections' tracer and
// the pool's PrepareConn are openConfig's own: they retire connections
// that cannot write (readOnlyConns).
func openConfig(ctx context.Context, cfg *pgxpool.Config) (*Store, error) {
	retire := new(readOnlyConns)
	cfg.ConnConfig.Tracer = retire
	cfg.PrepareConn = retire.keep
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	s := &Store{pool: pool}
	if err := s.Ping(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	if err := s.migrate(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: migrate: %w", mapErr(err))
	}
	return s, nil
}

// Ping reports whether the database answers a query.
func (s *Store) Ping(ctx context.Context) error {
	var one int
	if err := s.pool.QueryRow(ctx, `SELECT 1`).Scan(&one); err != nil {
		return fmt.Errorf("postgres: ping: %w", mapErr(err))
	}
	return nil
}

// CheckWrite reports whether the database takes a write, by bumping the
// health row's counter. A server that has become a read-only standby (a
// failover moved the primary elsewhere) refuses it with
// read_only_sql_transaction, and so does every connection the pool opened
// to it, for as long as it lives: the pool's connections are then closed
// and the write tried once more on a new one, which finds the new primary
// if the URL's hosts and target_session_attrs lead there. So the check
// that finds the fault mended also mends the pool.
func (s *Store) CheckWrite(ctx context.Context) error {
	const bump = `UPDATE health SET checks = checks + 1 WHERE id = 1`
	_, err := s.pool.Exec(ctx, bump)
	if readOnly(err) {
		s.pool.Reset()
		_, err = s.pool.Exec(ctx, bump)
	}
	if err != nil {
		return fmt.Errorf("postgres: check write: %w", mapErr(err))
	}
	return nil
}

// Close closes every connection. Calling it again does nothing.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}

// inTx runs fn in one transaction and commits if fn returns nil, so that a
// multi-statement write is never left half done. fn's error is returned as
// is, which lets an Update closure's error reach the caller unchanged.
func (s *Store) inTx(ctx context.Context, fn func(tx pgx.Tx) error) error {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(context.WithoutCancel(ctx)) // a no-op after Commit
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

// readModifyWrite runs one read-modify-write (an Update method) as a
// transaction in two round trips, where Begin, the read, each write and
// Commit would take one each: BEGIN travels with the locking read, and the
// writes travel with COMMIT (a pipeline, or one multi-statement query over
// the simple protocol). lockSQL is a SELECT … FOR UPDATE of the row with
// the given key: its row lock keeps every other writer, on any replica,
// out until the commit, so no update is lost. read scans that row; write
// queues the statements that store the change, each with what reads its
// result. An error from either rolls back (one more round trip, on that
// path only) and is returned as is, so an Update closure's error reaches
// the caller unchanged.
func (s *Store) readModifyWrite(ctx context.Context, lockSQL string, key any, read func(pgx.Row) error, write func(*pgx.Batch) error) error {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	// The pool closes a connection released inside a transaction, so a
	// return before the commit, or a panic in write, leaves nothing half
	// done on a connection that someone else then gets.
	defer conn.Release()
	b := &pgx.Batch{}
	b.Queue("BEGIN")
	// read's error (a missing row is pgx.ErrNoRows) is kept out of the
	// batch, which would otherwise drop the connection's prepared
	// statements for BEGIN and the read; the database's errors still
	// come back from Close.
	var readErr error
	b.Queue(lockSQL, key).QueryRow(func(row pgx.Row) error {
		readErr = read(row)
		return nil
	})
	if err := cmp.Or(conn.SendBatch(ctx, b).Close(), readErr); err != nil {
		return rollback(ctx, conn, err)
	}
	b = &pgx.Batch{}
	if err := write(b); err != nil {
		return rollback(ctx, conn, err)
	}
	b.Queue("COMMIT").Exec(func(tag pgconn.CommandTag) error {
		if tag.String() == "ROLLBACK" { // the transaction had failed
			return pgx.ErrTxCommitRollback
		}
		return nil
	})
	if err := conn.SendBatch(ctx, b).Close(); err != nil {
		return rollback(ctx, conn, err)
	}
	return nil
}

// rollback ends the transaction that cause left open on conn, if any, and
// returns cause. Should the ROLLBACK fail too, the pool closes the
// connection when it is released.
func rollback(ctx context.Context, conn *pgxpool.Conn, cause error) error {
	if c := conn.Conn(); !c.IsClosed() && c.PgConn().TxStatus() != 'I' {
		_, _ = c.Exec(context.WithoutCancel(ctx), "ROLLBACK")
	}
	return cause
}

// querier is what both the pool and a transaction offer, so a read can run
// inside or outside a transaction.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// deleted turns an exec result into store.ErrNotFound when it touched no row.
func deleted(tag pgconn.CommandTag, err error) error {
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return store.ErrNotFound
	}
	return nil
}

// mapErr turns the database's errors into the store's: no row is
// store.ErrNotFound, a taken key store.ErrExists, and a database that cannot
// be reached store.ErrUnavailable (with the cause kept in the text). Other
// errors, a foreign key to a missing user among them, stay as they are.
func mapErr(err error) error {
	var pe *pgconn.PgError
	switch {
	case err == nil:
		return nil
	case errors.Is(err, pgx.ErrNoRows):
		return store.ErrNotFound
	case errors.As(err, &pe) && pe.Code == "23505": // unique_violation
		return store.ErrExists
	case unavailable(err):
		return fmt.Errorf("%w: %v", store.ErrUnavailable, err)
	}
	return err
}

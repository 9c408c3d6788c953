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

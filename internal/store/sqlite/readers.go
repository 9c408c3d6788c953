package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"sync"

	"github.com/vippslogin/vippslogin/internal/store"
)

// readers is the pool of read-only connections (query_only) the Store's
// read methods use. In WAL mode they read beside the writer and take no
// write lock; each query is its own short read transaction, so it sees
// every write that was committed before it started, the caller's own
// included.
type readers struct {
	db *sql.DB
	// stmts maps a query to its *sql.Stmt, which database/sql prepares once
	// on each connection of the pool as the query first runs there and
	// keeps for as long as the connection lives (the pool keeps all of
	// them).
	stmts sync.Map
}

// stmt is query prepared, from the cache if it was prepared before.
func (r *readers) stmt(query string) (*sql.Stmt, error) {
	if st, ok := r.stmts.Load(query); ok {
		return st.(*sql.Stmt), nil
	}
	st, err := r.db.PrepareContext(context.Background(), query)
	if err != nil {
		return nil, err
	}
	if prev, loaded := r.stmts.LoadOrStore(query, st); loaded {
		st.Close() // another caller prepared it at the same time
		return prev.(*sql.Stmt), nil
	}
	return st, nil
}

// with is r for the reads of one call, under its context.
func (r *readers) with(ctx context.Context) reader {
	return reader{r: r, ctx: ctx}
}

// reader is the readers for one call: its statements run under ctx.
type reader struct {
	r   *readers
	ctx context.Context
}

// queryRow runs a query that returns at most one row: a lookup by key,
// which takes microseconds and waits for no lock. It runs without ctx's
// cancellation, which the driver would watch with a goroutine of its own
// per query: that cost more than a third of a lookup's CPU.
func (q reader) queryRow(query string, args ...any) scanner {
	st, err := q.r.stmt(query)
	if err != nil {
		return row{err: err}
	}
	return row{Row: st.QueryRowContext(context.WithoutCancel(q.ctx), args...)}
}

// query runs a query that returns rows, as many as there are, so it stops
// when ctx ends.
func (q reader) query(query string, args ...any) (*sql.Rows, error) {
	st, err := q.r.stmt(query)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(q.ctx, args...)
}

// querier is where a read runs: on the readers, or inside a write job on
// the writer when the write depends on what it reads.
type querier interface {
	queryRow(query string, args ...any) scanner
	query(query string, args ...any) (*sql.Rows, error)
}

// scanner is a row or *sql.Rows.
type scanner interface {
	Scan(dest ...any) error
}

// row is a *sql.Row, or the error that kept its statement from running.
type row struct {
	*sql.Row
	err error
}

func (r row) Scan(dest ...any) error {
	if r.err != nil {
		return r.err
	}
	return r.Row.Scan(dest...)
}

// list runs a query and reads every row it returns with scan, into a
// non-nil slice.
func list[T any](q querier, scan func(scanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := q.query(query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	vs := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		vs = append(vs, v)
	}
	return vs, rows.Err()
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

// found turns a count of changed rows into store.ErrNotFound when it is 0.
func found(n int64, err error) error {
	if err == nil && n == 0 {
		return store.ErrNotFound
	}
	return err
}

// notFound maps sql.ErrNoRows to store.ErrNotFound.
func notFound(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return store.ErrNotFound
	}
	return err
}

package postgres

import (
	"context"
	"sync"

	"github.com/jackc/pgx/v5"
)

// readOnlyConns remembers the connections that refused a write as a
// standby does (read_only_sql_transaction, readOnly), so that the pool
// closes each one instead of handing it out again.
// After a failover, a connection to the old primary, now a standby,
// refuses every write for as long as it lives; the pool kept such
// connections, and writes answered 503 until a readiness check
// (CheckWrite) reset the pool: with nothing probing /readyz, for ever.
// Now each failed write retires its connection, and the pool's new ones
// find the new primary where the URL's hosts and target_session_attrs
// lead. It is the pool's tracer (every statement's end, batches included)
// and its PrepareConn, which the pool asks in the acquiring goroutine: an
// AfterRelease hook would cost every release a goroutine of its own, and
// the next acquire the wait for it (GetClient took 116 µs against 74–104).
type readOnlyConns struct {
	conns sync.Map // *pgx.Conn → struct{}
}

func (r *readOnlyConns) see(c *pgx.Conn, err error) {
	if readOnly(err) {
		r.conns.Store(c, struct{}{})
	}
}

// keep is the pool's PrepareConn: false, for a connection that refused a
// write, has the pool close it and acquire another.
func (r *readOnlyConns) keep(_ context.Context, c *pgx.Conn) (bool, error) {
	_, refused := r.conns.LoadAndDelete(c)
	return !refused, nil
}

func (r *readOnlyConns) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	return ctx
}

func (r *readOnlyConns) TraceQueryEnd(_ context.Context, c *pgx.Conn, d pgx.TraceQueryEndData) {
	r.see(c, d.Err)
}

func (r *readOnlyConns) TraceBatchStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	return ctx
}

func (r *readOnlyConns) TraceBatchQuery(_ context.Context, c *pgx.Conn, d pgx.TraceBatchQueryData) {
	r.see(c, d.Err)
}

func (r *readOnlyConns) TraceBatchEnd(_ context.Context, c *pgx.Conn, d pgx.TraceBatchEndData) {
	r.see(c, d.Err)
}

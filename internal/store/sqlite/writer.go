package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"runtime"
)

// maxBatch bounds how many jobs share one commit, and so how long the
// write lock is held at a time and how long the first job of a batch
// waits for its answer.
const maxBatch = 128

// errClosed is what a write on a closed Store fails with.
var errClosed = errors.New("the store is closed")

// writer runs every write of the Store, one job at a time, on its one
// connection and in a goroutine of its own (loop). Callers queue for it in
// Go, in order and cancellably, rather than race for SQLite's write lock
// and sleep in its busy-retry loop.
//
// Jobs that queue up while one runs are committed together (group
// commit): a commit writes the WAL frames of every page the transaction
// touched and takes and drops the file locks, which costs several times
// what a small write does, so under load one commit per batch rather than
// per job multiplies write throughput. Each job after the first runs
// inside a SAVEPOINT, so a job that fails rolls back only its own work,
// and it is answered at once; a job that succeeds is answered only after
// the shared COMMIT has returned, so that an answered write is exactly as
// durable as before.
type writer struct {
	db *sql.DB
	// conn is the connection the jobs run on; nil once discard has dropped
	// it, until the next job opens another with open.
	conn *sql.Conn
	// open opens a connection (db.Conn); a test may replace it, from
	// inside a job, to open connections that cannot write.
	open func(ctx context.Context) (*sql.Conn, error)
	// stmts are the statements prepared on conn, and updates the UPDATEs
	// updateChanged made; only the loop uses them.
	stmts   map[string]*sql.Stmt
	updates map[updateKey]string
	jobs    chan *job
	quit    chan struct{} // closed by stop
	done    chan struct{} // closed when loop has returned
	batch   []*job        // the jobs run in the open transaction, reused
	// committed, when not nil, is called after every commit (the
	// checkpointer's cue); it must not block.
	committed func()
}

// job is one write: fn runs on the writer inside a transaction, and
// done is closed once its outcome (err, or the panic fn raised) is known.
type job struct {
	ctx context.Context
	fn  func(tx *wtx) error
	// out, when set instead of fn, runs on the connection outside any
	// transaction (outside).
	out   func(conn *sql.Conn) error
	err   error
	panic any
	done  chan struct{}
}

func newWriter(db *sql.DB, conn *sql.Conn, committed func()) *writer {
	w := &writer{
		db: db, conn: conn, committed: committed, open: db.Conn,
		stmts:   map[string]*sql.Stmt{},
		updates: map[updateKey]string{},
		jobs:    make(chan *job),
		quit:    make(chan struct{}),
		done:    make(chan struct{}),
	}
	go w.loop()
	return w
}

// do runs fn in a write transaction and returns its error, or the error
// that kept its work from being committed. fn's statements ignore ctx's
// cancellation (see wtx); ctx only bounds the wait for the writer and for
// another process's write lock.
func (w *writer) do(ctx context.Context, fn func(tx *wtx) error) error {
	j := &job{ctx: ctx, fn: fn, done: make(chan struct{})}
	if err := w.hand(j); err != nil {
		return err
	}
	if j.panic != nil {
		panic(j.panic) // in the caller's goroutine, as if fn ran there
	}
	return j.err
}

// outside runs fn on the writer's connection, between two write jobs and
// outside any transaction: a checkpoint that needs the write lock, which
// the writer then does not contend for. It returns fn's error.
func (w *writer) outside(ctx context.Context, fn func(conn *sql.Conn) error) error {
	j := &job{ctx: ctx, out: fn, done: make(chan struct{})}
	if err := w.hand(j); err != nil {
		return err
	}
	return j.err
}

// hand gives j to the writer and waits until it is done. It fails only when
// j could not be handed over: ctx ended first, or the writer is closed.
func (w *writer) hand(j *job) error {
	select {
	case w.jobs <- j:
	case <-j.ctx.Done():
		return j.ctx.Err()
	case <-w.quit:
		return errClosed
	}
	<-j.done
	return nil
}

// runOutside runs a job of outside.
func (w *writer) runOutside(j *job) {
	if w.conn == nil {
		conn, err := w.open(j.ctx)
		if err != nil {
			j.finish(err)
			return
		}
		w.conn = conn
	}
	err := j.out(w.conn)
	w.discardIf(err)
	j.finish(err)
}

// stop ends the loop once the batch in hand is committed; writes after it
// fail with errClosed.
func (w *writer) stop() {
	close(w.quit)
	<-w.done
}

// close closes the writer's connection, if it has one, and its pool; the
// loop must have stopped.
func (w *writer) close() error {
	var err error
	if w.conn != nil {
		err = w.conn.Close()
	}
	return errors.Join(err, w.db.Close())
}

func (w *writer) loop() {
	defer close(w.done)
	for {
		select {
		case j := <-w.jobs:
			if j.out != nil {
				w.runOutside(j)
				continue
			}
			w.runBatch(j)
		case <-w.quit:
			return
		}
	}
}

// runBatch runs first in a new transaction, then each job that is waiting
// by the time the one before it has run, and commits. A batch is as large
// as the queue is long, so an idle writer adds no wait to a lone write.
func (w *writer) runBatch(first *job) {
	if err := w.begin(first.ctx); err != nil {
		first.finish(err)
		return
	}
	// The first job needs no savepoint: if it fails, the transaction holds
	// nothing else and is rolled back whole.
	if err := w.run(first, false); err != nil {
		w.control(context.Background(), "ROLLBACK")
		w.discardIf(err)
		first.finish(err)
		return
	}
	batch := append(w.batch[:0], first)
	defer func() { clear(batch); w.batch = batch[:0] }()
	for len(batch) < maxBatch {
		j := w.next()
		if j == nil {
			break
		}
		err := w.run(j, true)
		if err == nil {
			batch = append(batch, j)
			continue
		}
		if rbErr := w.rollbackTo(); rbErr != nil {
			// SQLite ended the whole transaction itself (it does on a
			// full disk or an I/O error): none of the batch was written.
			w.control(context.Background(), "ROLLBACK")
			w.discardIf(err)
			j.finish(err)
			answer(batch, fmt.Errorf("a write committed together with it failed: %w", err))
			return
		}
		j.finish(err)
	}
	if err := w.control(context.Background(), "COMMIT"); err != nil {
		w.control(context.Background(), "ROLLBACK")
		w.discardIf(err)
		answer(batch, err)
		return
	}
	if w.committed != nil {
		w.committed()
	}
	answer(batch, nil)
}

// begin starts the batch's transaction. BEGIN IMMEDIATE takes the write
// lock, waiting up to busy_timeout while another process holds it; ctx
// (the first job's) may end that wait. On a connection that cannot write
// it fails before any job has run, so it is tried once more on a new
// connection: the first write after a fault is mended then succeeds.
func (w *writer) begin(ctx context.Context) error {
	for attempt := 0; ; attempt++ {
		if w.conn == nil {
			conn, err := w.open(ctx)
			if err != nil {
				return err
			}
			w.conn = conn
		}
		err := w.control(ctx, "BEGIN IMMEDIATE")
		if err == nil || !w.discardIf(err) || attempt > 0 {
			return err
		}
	}
}

// discardIf drops the writer's connection when err says that it cannot
// write, and reports whether it did. SQLite opens a connection read-only
// when it cannot open the file for writing (its directory or file made
// read-only, a read-only mount), and such a connection stays read-only
// after the fault is mended: only a new one can write again. The next job
// opens it.
func (w *writer) discardIf(err error) bool {
	if w.conn == nil || !cannotWrite(err) {
		return false
	}
	for q, st := range w.stmts {
		st.Close()
		delete(w.stmts, q)
	}
	// ErrBadConn from Raw makes database/sql close the connection rather
	// than keep it for the next Conn.
	w.conn.Raw(func(any) error { return driver.ErrBadConn })
	w.conn.Close()
	w.conn = nil
	return true
}

// next is the job waiting for the writer, or nil when none is. With none
// waiting it first yields once: on a busy server the goroutines of other
// requests are then running up to their writes, and joining this batch
// spares each its own commit (measured: a fifth to a third less CPU per
// write from many goroutines). An idle writer loses a scheduler round
// trip.
func (w *writer) next() *job {
	select {
	case j := <-w.jobs:
		return j
	default:
	}
	runtime.Gosched()
	select {
	case j := <-w.jobs:
		return j
	default:
		return nil
	}
}

// run runs j's work, within a savepoint of its own when nested. A job
// whose caller gave up while it queued is not run.
func (w *writer) run(j *job, nested bool) (err error) {
	if err := j.ctx.Err(); err != nil {
		return err
	}
	if nested {
		if err := w.control(context.Background(), "SAVEPOINT job"); err != nil {
			return err
		}
	}
	defer func() {
		if p := recover(); p != nil {
			j.panic = p
			err = fmt.Errorf("panic in a write: %v", p)
		}
	}()
	if err := j.fn(&wtx{w: w, ctx: context.WithoutCancel(j.ctx)}); err != nil {
		return err
	}
	if nested {
		return w.control(context.Background(), "RELEASE job")
	}
	return nil
}

// rollbackTo undoes the work of the job in the innermost savepoint, and
// fails when the transaction itself is gone.
func (w *writer) rollbackTo() error {
	if err := w.control(context.Background(), "ROLLBACK TO job"); err != nil {
		return err
	}
	return w.control(context.Background(), "RELEASE job")
}

// control runs a transaction control statement.
func (w *writer) control(ctx context.Context, query string) error {
	st, err := w.stmt(query)
	if err == nil {
		_, err = st.ExecContext(ctx)
	}
	return err
}

// stmt is query prepared on the writer's connection, from the cache if it
// was prepared before.
func (w *writer) stmt(query string) (*sql.Stmt, error) {
	if st, ok := w.stmts[query]; ok {
		return st, nil
	}
	st, err := w.conn.PrepareContext(context.Background(), query)
	if err != nil {
		return nil, err
	}
	w.stmts[query] = st
	return st, nil
}

// finish answers j's caller.
func (j *job) finish(err error) {
	j.err = err
	close(j.done)
}

// answer answers every job of a batch with err, nil after a commit.
func answer(batch []*job, err error) {
	for _, j := range batch {
		j.finish(err)
	}
}

// wtx is a write job's way to the database: its statements run in the
// batch's transaction on the writer's connection. They run without the
// caller's cancellation: an interrupted statement inside a transaction
// makes SQLite roll back the whole transaction, which would fail every
// job of the batch, and a statement here never waits for a lock (the
// transaction holds the write lock from its start).
type wtx struct {
	w   *writer
	ctx context.Context
}

// exec runs a statement that returns no rows.
func (tx *wtx) exec(query string, args ...any) (sql.Result, error) {
	st, err := tx.w.stmt(query)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(tx.ctx, args...)
}

// queryRow runs a statement that returns at most one row.
func (tx *wtx) queryRow(query string, args ...any) scanner {
	st, err := tx.w.stmt(query)
	if err != nil {
		return row{err: err}
	}
	return row{Row: st.QueryRowContext(tx.ctx, args...)}
}

// query runs a statement that returns rows; the caller closes them before
// the job ends.
func (tx *wtx) query(query string, args ...any) (*sql.Rows, error) {
	st, err := tx.w.stmt(query)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(tx.ctx, args...)
}

// execScript runs a script of several statements, unprepared: the
// migrations, which run once.
func (tx *wtx) execScript(script string) error {
	_, err := tx.w.conn.ExecContext(tx.ctx, script)
	return err
}

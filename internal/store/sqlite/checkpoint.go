package sqlite

import (
	"context"
	"database/sql"
	"time"
)

// Checkpoints copy the pages that commits appended to the write-ahead log
// back into the database file, so that the log can start over instead of
// growing. SQLite by default runs one inside the commit that takes the log
// past 1,000 pages: under load that is several times a second, and each
// one writes megabytes and syncs two files while the one writer, and with
// it every write queued behind it, waits (measured: 35–45 MB/s written,
// the CPU a fifth idle and writes' p99 doubled during a CIBA load).
//
// So the writer's connection does not checkpoint (wal_autocheckpoint=0),
// and a checkpointer of its own does, beside it, with a PASSIVE checkpoint:
// it copies what no reader still needs and never blocks the writer or a
// reader. It runs after commits, at most once per checkpointEvery, and not
// at all while nothing is written. journal_size_limit truncates the log
// back to a bounded size whenever it starts over, so a burst leaves no
// giant file behind. The last connection to close checkpoints the rest, as
// SQLite always does.

// checkpointEvery is the least time between two checkpoints.
const checkpointEvery = 100 * time.Millisecond

// restartFrames is how long the log may grow (in pages, about 64 MB)
// before the checkpointer makes it start over. The log starts over by
// itself when a write finds it wholly copied and no reader in it; under a
// steady load some reader is always in it (checkpoint starvation), and it
// grew past 250 MB in a load test. A RESTART checkpoint then waits, very
// briefly and holding writes back (checkpointWait), for the readers of the
// moment to finish, so the next write starts the log over. It runs on the
// writer, between two write jobs (Store.checkpointOnWriter).
const restartFrames = 16384

// checkpointer runs PASSIVE checkpoints on a connection of its own.
type checkpointer struct {
	db *sql.DB
	// onWriter runs a RESTART or TRUNCATE checkpoint on the writer
	// (Store.checkpointOnWriter); set once the writer exists, before the
	// first commit kicks the loop.
	onWriter func(mode string, wait int) bool
	kick     chan struct{} // a commit happened; buffered, one slot
	quit     chan struct{}
	done     chan struct{}
}

func newCheckpointer(db *sql.DB) *checkpointer {
	c := &checkpointer{db: db, kick: make(chan struct{}, 1), quit: make(chan struct{}), done: make(chan struct{})}
	go c.loop()
	return c
}

// committed tells the checkpointer that the log grew. It never blocks.
func (c *checkpointer) committed() {
	select {
	case c.kick <- struct{}{}:
	default:
	}
}

func (c *checkpointer) loop() {
	defer close(c.done)
	for {
		select {
		case <-c.kick:
		case <-c.quit:
			return
		}
		// A failed checkpoint loses nothing: the pages stay in the log
		// and the next one copies them.
		logFrames, done, err := c.checkpoint(context.Background())
		if err == nil && logFrames >= restartFrames && done == logFrames {
			c.restart(logFrames)
		}
		select {
		case <-time.After(checkpointEvery):
		case <-c.quit:
			return
		}
	}
}

// checkpoint runs one PASSIVE checkpoint and reports the log's size in
// frames and how many of them are now in the database file.
func (c *checkpointer) checkpoint(ctx context.Context) (logFrames, checkpointed int, err error) {
	var busy int
	err = c.db.QueryRowContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &logFrames, &checkpointed)
	return logFrames, checkpointed, err
}

// restart makes the next write start the log over (see restartFrames).
// It waits checkpointWait for the readers of the moment; when that has
// not been enough and the log has grown to twice restartFrames (a 30-minute
// soak saw it reach 93 MB), it waits longWait, holding writes back that
// long, which a log of 128 MB costs once.
func (c *checkpointer) restart(logFrames int) {
	wait := checkpointWait
	if logFrames >= 2*restartFrames {
		wait = longWait
	}
	if c.onWriter != nil {
		c.onWriter("RESTART", wait)
	}
}

// longWait is restart's wait for readers once the log is twice as long as
// it should be, in milliseconds.
const longWait = 50

// truncateLog copies the whole log into the database file and truncates
// it to nothing: DeleteExpired calls it after a sweep, whose deletes grew
// the log, so that the log does not stay at its high-water mark. A PASSIVE
// checkpoint first copies what it can beside the writer, so that the
// TRUNCATE, which holds writes back while it runs, has little left to do.
// Readers, or this checkpointer's own PASSIVE checkpoint running at that
// moment, can keep it from finishing within its brief wait; it is tried a
// few times. Should it never finish, nothing is lost: the pages stay in the
// log, and the next checkpoint copies them.
func (c *checkpointer) truncateLog() {
	for range truncateTries {
		c.checkpoint(context.Background())
		if c.onWriter == nil || c.onWriter("TRUNCATE", checkpointWait) {
			return
		}
	}
}

// truncateTries is how many times truncateLog tries.
const truncateTries = 5

// finishTimeout bounds how long Close waits for another process's readers
// and writers to let the last checkpoint through.
const finishTimeout = time.Second

// finish copies the whole log into the database file and truncates it;
// Close calls it once this process's readers and writer are done.
func (c *checkpointer) finish() {
	ctx, cancel := context.WithTimeout(context.Background(), finishTimeout)
	defer cancel()
	var busy, logFrames, checkpointed int
	c.db.QueryRowContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &logFrames, &checkpointed)
}

func (c *checkpointer) stop() error {
	close(c.quit)
	<-c.done
	return c.db.Close()
}

package sqlite

import (
	"context"
	"fmt"
	"time"

	"github.com/vippslogin/vippslogin/internal/store"
)

// sweep is one table DeleteExpired sweeps: the rows where matches, the
// cutoff being ?1, go. An index serves each condition.
type sweep struct {
	table, where string
	cutoff       func(store.Cutoffs) time.Time
	// logins marks the login requests' sweep, which also counts the
	// requests it deletes that had not ended (store.Swept.Abandoned).
	logins bool
}

// sweepRestartFrames is how long the log may grow during a sweep (in
// pages, 16 MB) before it is made to start over: the TRUNCATE at the end
// of a sweep holds writes back while it truncates the file, for longer
// the longer it is (87 ms at 12 MB, measured).
const sweepRestartFrames = 4096

// keepLogShort runs between two write jobs of a sweep: it copies the last
// job's pages into the database file, beside the writer, and once the log
// is sweepRestartFrames long makes the next write start it over. Back to
// back, a sweep's jobs outran the checkpointer, which needs a moment
// without writes for the log to start over, and the log grew with the
// whole sweep (to 670 MB for 100,000 rows, measured); this also paces the
// sweep to what the disk takes.
func (s *Store) keepLogShort(ctx context.Context) {
	logFrames, done, err := s.cp.checkpoint(ctx)
	if err == nil && logFrames >= sweepRestartFrames && done == logFrames {
		s.checkpointOnWriter("RESTART", checkpointWait)
	}
}

var sweeps = []sweep{
	// An undelivered webhook is still owed until it expires; a delivered
	// one is only the delivery log.
	{table: "webhooks", where: `expires_at < ?1 OR (delivered_at != 0 AND delivered_at < ?1)`, cutoff: func(c store.Cutoffs) time.Time { return c.Webhooks }},
	{table: "app_sessions", where: `expires_at < ?1`, cutoff: func(c store.Cutoffs) time.Time { return c.AppSessions }},
	{table: "browser_sessions", where: `expires_at < ?1`, cutoff: func(c store.Cutoffs) time.Time { return c.BrowserSessions }},
	{table: "login_requests", where: `expires_at < ?1`, cutoff: func(c store.Cutoffs) time.Time { return c.LoginRequests }, logins: true},
	{table: "auth_codes", where: `expires_at < ?1`, cutoff: func(c store.Cutoffs) time.Time { return c.Codes }},
	{table: "access_tokens", where: `expires_at < ?1`, cutoff: func(c store.Cutoffs) time.Time { return c.AccessTokens }},
	{table: "rate_limits", where: `window_start < ?1`, cutoff: func(c store.Cutoffs) time.Time { return c.RateLimits }},
}

// DeleteExpired removes the expired records table by table, at most batch
// rows per write job: the writer, and with it every write of a login, is
// held for one small transaction at a time (some milliseconds), and the
// writes that queue meanwhile run between two of them, and the log is
// kept short between them (keepLogShort). Then the free pages, whichever
// deletes freed them, go back to the file system (releaseFreePages), and
// when anything was removed or given back the log is emptied
// (truncateLog), so that a sweep leaves neither file at its high-water
// mark.
func (s *Store) DeleteExpired(ctx context.Context, before store.Cutoffs, batch int) (store.Swept, error) {
	swept := store.Swept{Abandoned: map[string]int{}}
	if batch <= 0 {
		return swept, fmt.Errorf("sqlite: delete expired: batch %d", batch)
	}
	for _, sw := range sweeps {
		query := `DELETE FROM ` + sw.table + ` WHERE rowid IN (SELECT rowid FROM ` + sw.table + ` WHERE ` + sw.where + ` LIMIT ?2)`
		for {
			var n int64
			var err error
			if sw.logins {
				n, err = s.deleteLogins(ctx, query, swept.Abandoned, micros(sw.cutoff(before)), batch)
			} else {
				n, err = s.exec(ctx, query, micros(sw.cutoff(before)), batch)
			}
			if err != nil {
				return swept, errorf("sqlite: delete expired %s: %w", sw.table, err)
			}
			swept.Rows += int(n)
			if n < int64(batch) {
				break
			}
			s.keepLogShort(ctx)
		}
	}
	// Other deletes freed pages too: the janitor trims the debugger's
	// events just before.
	freed, err := s.releaseFreePages(ctx)
	if err != nil {
		return swept, errorf("sqlite: delete expired: incremental vacuum: %w", err)
	}
	if swept.Rows > 0 || freed > 0 {
		s.cp.truncateLog()
	}
	return swept, nil
}

// deleteLogins runs query, a delete of login requests, in one write job
// and reports how many it deleted. It adds those that had not ended to
// abandoned by flow, once the job is committed: the delete itself returns
// each row's kind and status, so there is no second pass over the table,
// and a request that another process's sweep deleted first is not seen.
func (s *Store) deleteLogins(ctx context.Context, query string, abandoned map[string]int, args ...any) (int64, error) {
	var n int64
	byFlow := map[string]int{}
	err := s.write(ctx, func(tx *wtx) error {
		rows, err := tx.query(query+` RETURNING kind, status`, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var kind, status string
			if err := rows.Scan(&kind, &status); err != nil {
				return err
			}
			n++
			if !store.LoginEnded(status) {
				byFlow[store.FlowOf(kind)]++
			}
		}
		return rows.Err()
	})
	if err != nil {
		return 0, err
	}
	for flow, k := range byFlow {
		abandoned[flow] += k
	}
	return n, nil
}

// vacuumPages is how many free pages one write job gives back to the file
// system: 500 pages of 4 KiB move in some 7 ms.
const vacuumPages = 500

// releaseFreePages gives the database's free pages back to the file
// system, vacuumPages per write job, so that the file shrinks to what its
// records need (auto_vacuum=INCREMENTAL, autovacuum.go), and reports how
// many it gave back. A database whose auto_vacuum is still off (too large
// to have been converted at Open) keeps its free pages, which the next
// records reuse.
func (s *Store) releaseFreePages(ctx context.Context) (int, error) {
	total := 0
	for {
		var freed, left int
		err := s.write(ctx, func(tx *wtx) error {
			freed, left = 0, 0
			var mode int
			if err := tx.queryRow(`PRAGMA auto_vacuum`).Scan(&mode); err != nil || mode != autoVacuumIncremental {
				return err
			}
			rows, err := tx.query(fmt.Sprintf(`PRAGMA incremental_vacuum(%d)`, vacuumPages))
			if err != nil {
				return err
			}
			// The pragma frees one page per row it returns.
			for rows.Next() {
				freed++
			}
			if err := rows.Close(); err != nil {
				return err
			}
			return tx.queryRow(`PRAGMA freelist_count`).Scan(&left)
		})
		total += freed
		if err != nil || left == 0 || freed == 0 {
			return total, err
		}
		s.keepLogShort(ctx)
	}
}

package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/vippslogin/vippslogin/internal/store"
)

// sweep is one table DeleteExpired sweeps: the rows where matches, the
// cutoff being $1, go, found by key through the index that serves where.
type sweep struct {
	table, key, where string
	cutoff            func(store.Cutoffs) time.Time
	// logins marks the login requests' sweep, which also counts the
	// requests it deletes that had not ended (store.Swept.Abandoned).
	logins bool
}

var sweeps = []sweep{
	// An undelivered webhook is still owed until it expires; a delivered
	// one is only the delivery log.
	{table: "webhooks", key: "id", where: `expires_at < $1 OR delivered_at < $1`, cutoff: func(c store.Cutoffs) time.Time { return c.Webhooks }},
	{table: "app_sessions", key: "token_hash", where: `expires_at < $1`, cutoff: func(c store.Cutoffs) time.Time { return c.AppSessions }},
	{table: "browser_sessions", key: "id", where: `expires_at < $1`, cutoff: func(c store.Cutoffs) time.Time { return c.BrowserSessions }},
	{table: "login_requests", key: "id", where: `expires_at < $1`, cutoff: func(c store.Cutoffs) time.Time { return c.LoginRequests }, logins: true},
	{table: "auth_codes", key: "hash", where: `expires_at < $1`, cutoff: func(c store.Cutoffs) time.Time { return c.Codes }},
	{table: "access_tokens", key: "hash", where: `expires_at < $1`, cutoff: func(c store.Cutoffs) time.Time { return c.AccessTokens }},
	{table: "rate_limits", key: "key, window_start", where: `window_start < $1`, cutoff: func(c store.Cutoffs) time.Time { return c.RateLimits }},
}

// DeleteExpired removes the expired records in rounds: each round is one
// round trip, a batch of one DELETE per table of at most batch rows each,
// which the database runs as one implicit transaction (as CreateUsers),
// and rounds go on while some table had more. A round's transaction stays
// small, so it neither holds back vacuum's horizon nor writes a burst of
// WAL; PostgreSQL's autovacuum then makes the deleted rows' space
// reusable (docs/operations.md). Every replica's janitor may run it at
// once: a row two of them both delete is counted by one. A round is added
// to what it reports only once its transaction has committed: a failed
// round's deletes are undone, and their rows are swept, and counted, again.
func (s *Store) DeleteExpired(ctx context.Context, before store.Cutoffs, batch int) (store.Swept, error) {
	swept := store.Swept{Abandoned: map[string]int{}}
	if batch <= 0 {
		return swept, fmt.Errorf("postgres: delete expired: batch %d", batch)
	}
	more := true
	for more {
		more = false
		rows, abandoned := 0, map[string]int{}
		b := &pgx.Batch{}
		for _, sw := range sweeps {
			// PostgreSQL's DELETE has no LIMIT: the keys come from a
			// limited SELECT.
			query := `DELETE FROM ` + sw.table + ` WHERE (` + sw.key + `) IN (SELECT ` + sw.key + ` FROM ` + sw.table + ` WHERE ` + sw.where + ` LIMIT $2)`
			deleted := func(n int) {
				rows += n
				more = more || n == batch
			}
			if !sw.logins {
				b.Queue(query, ts(sw.cutoff(before)), batch).Exec(func(tag pgconn.CommandTag) error {
					deleted(int(tag.RowsAffected()))
					return nil
				})
				continue
			}
			// The delete returns each request's kind and status, so the
			// abandoned ones are counted without a second pass, and only
			// by the sweep whose delete removed them.
			b.Queue(query+` RETURNING kind, status`, ts(sw.cutoff(before)), batch).Query(func(r pgx.Rows) error {
				n := 0
				for r.Next() {
					var kind, status string
					if err := r.Scan(&kind, &status); err != nil {
						return err
					}
					n++
					if !store.LoginEnded(status) {
						abandoned[store.FlowOf(kind)]++
					}
				}
				deleted(n)
				return r.Err()
			})
		}
		if err := s.pool.SendBatch(ctx, b).Close(); err != nil {
			return swept, fmt.Errorf("postgres: delete expired: %w", mapErr(err))
		}
		swept.Rows += rows
		for flow, n := range abandoned {
			swept.Abandoned[flow] += n
		}
	}
	return swept, nil
}

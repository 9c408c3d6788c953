package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/vippslogin/vippslogin/internal/store"
)

const eventColumns = `id, client_id, at, flow, step, outcome, error_code, explanation, params`

// addEventSQL stores one event when its client exists: unknown clients get
// no events, and a client deleted while the event waited in the recorder
// skips it instead of failing its whole batch on the foreign key.
const addEventSQL = `INSERT INTO events (` + eventColumns + `)
	SELECT ?, ?, ?, ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM clients WHERE id = ?)`

// AddEvents stores the events of existing clients in one write job.
func (s *Store) AddEvents(ctx context.Context, events []store.Event) error {
	err := s.write(ctx, func(tx *wtx) error {
		for _, e := range events {
			params, err := paramsJSON(e.Params)
			if err != nil {
				return fmt.Errorf("event %q: %w", e.ID, err)
			}
			_, err = tx.exec(addEventSQL, e.ID, e.ClientID, micros(e.Time), e.Flow, e.Step, e.Outcome,
				e.Error, e.Explanation, params, e.ClientID)
			if err != nil {
				return fmt.Errorf("event %q: %w", e.ID, created(err))
			}
		}
		return nil
	})
	if err != nil {
		return errorf("sqlite: add events: %w", err)
	}
	return nil
}

// listEventsSQL reads a page of a client's events backwards along the
// index events_client_id_id (migration 0012); an empty filter matches all.
const listEventsSQL = `SELECT ` + eventColumns + ` FROM events
	WHERE client_id = :client AND (:before = '' OR id < :before)
		AND (:outcome = '' OR outcome = :outcome) AND (:flow = '' OR flow = :flow)
	ORDER BY id DESC LIMIT :limit`

// ListEvents returns a page of the client's events, newest first.
func (s *Store) ListEvents(ctx context.Context, clientID string, q store.EventQuery) ([]store.Event, error) {
	es, err := list(s.read(ctx), scanEvent, listEventsSQL, sql.Named("client", clientID), sql.Named("before", q.Before),
		sql.Named("outcome", q.Outcome), sql.Named("flow", q.Flow), sql.Named("limit", q.Limit))
	if err != nil {
		return nil, errorf("sqlite: list events of %q: %w", clientID, err)
	}
	return es, nil
}

// Trimming the debugger's events costs the events it deletes, not a read
// of the table: logins wait for the writer while it runs, and a busy
// client's table holds hundreds of thousands of events by the sweep.
//
// trimOldEventsSQL deletes up to :limit events older than :before, along
// events_at.
const trimOldEventsSQL = `DELETE FROM events WHERE id IN (
	SELECT id FROM events WHERE at < :before ORDER BY at LIMIT :limit)`

// eventCutoffsSQL finds, per client with more than :keep events, the id
// of its newest event beyond the newest :keep: that one and all older go.
// Each client costs at most :keep+1 steps along events_client_id_id.
// A client with no more than :keep has none (NULL).
const eventCutoffsSQL = `SELECT id,
	(SELECT e.id FROM events AS e WHERE e.client_id = clients.id ORDER BY e.id DESC LIMIT 1 OFFSET :keep)
	FROM clients`

// trimSurplusEventsSQL deletes up to :limit of a client's events at or
// below :cutoff, oldest first, along events_client_id_id.
const trimSurplusEventsSQL = `DELETE FROM events WHERE id IN (
	SELECT id FROM events WHERE client_id = :client AND id <= :cutoff ORDER BY id LIMIT :limit)`

// TrimEvents deletes up to limit old or surplus events in one write job.
// The clients' cutoffs are read first, beside the writer: an event added
// since only moves a cutoff up, so an old one deletes no event it should
// keep.
func (s *Store) TrimEvents(ctx context.Context, before time.Time, keep, limit int) (int, error) {
	type cutoff struct {
		client string
		id     sql.NullString
	}
	cutoffs, err := list(s.read(ctx), func(row scanner) (c cutoff, err error) {
		return c, row.Scan(&c.client, &c.id)
	}, eventCutoffsSQL, sql.Named("keep", max(keep, 0)))
	if err != nil {
		return 0, errorf("sqlite: trim events: %w", err)
	}
	deleted := 0
	err = s.write(ctx, func(tx *wtx) error {
		deleted = 0
		del := func(query string, args ...any) error {
			res, err := tx.exec(query, append(args, sql.Named("limit", limit-deleted))...)
			if err != nil {
				return err
			}
			n, err := res.RowsAffected()
			deleted += int(n)
			return err
		}
		if err := del(trimOldEventsSQL, sql.Named("before", micros(before))); err != nil {
			return err
		}
		for _, c := range cutoffs {
			if deleted >= limit {
				break
			}
			if !c.id.Valid {
				continue // no more than keep
			}
			if err := del(trimSurplusEventsSQL, sql.Named("client", c.client), sql.Named("cutoff", c.id.String)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, errorf("sqlite: trim events: %w", err)
	}
	return deleted, nil
}

// scanEvent reads one row of eventColumns.
func scanEvent(row scanner) (store.Event, error) {
	var (
		e      store.Event
		at     int64
		params string
	)
	err := row.Scan(&e.ID, &e.ClientID, &at, &e.Flow, &e.Step, &e.Outcome, &e.Error, &e.Explanation, &params)
	if err != nil {
		return store.Event{}, err
	}
	e.Time = fromMicros(at)
	if e.Params, err = fromParamsJSON(params); err != nil {
		return store.Event{}, err
	}
	return e, nil
}

// paramsJSON is an event's params as stored: a JSON object, {} for none.
func paramsJSON(p map[string]string) (string, error) {
	if len(p) == 0 {
		return "{}", nil
	}
	b, err := json.Marshal(p)
	return string(b), err
}

// fromParamsJSON decodes stored params into a non-nil map.
func fromParamsJSON(s string) (map[string]string, error) {
	p := map[string]string{}
	if err := json.Unmarshal([]byte(s), &p); err != nil {
		return nil, fmt.Errorf("column params: %w", err)
	}
	if p == nil {
		p = map[string]string{}
	}
	return p, nil
}

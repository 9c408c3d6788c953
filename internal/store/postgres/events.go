package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vippslogin/vippslogin/internal/store"
)

const eventColumns = `id, client_id, at, flow, step, outcome, error_code, explanation, params`

// addEventsSQL stores a batch of events in one statement, the columns as
// arrays, skipping those whose client does not exist: unknown clients get
// no events, and a client deleted while its events waited in the recorder
// does not fail the others' batch.
const addEventsSQL = `INSERT INTO events (` + eventColumns + `)
	SELECT e.id, e.client_id, e.at, e.flow, e.step, e.outcome, e.error_code, e.explanation, e.params
	FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[])
		AS e (id, client_id, at, flow, step, outcome, error_code, explanation, params)
	WHERE EXISTS (SELECT 1 FROM clients c WHERE c.id = e.client_id)`

// AddEvents stores the events of existing clients in one statement.
func (s *Store) AddEvents(ctx context.Context, events []store.Event) error {
	n := len(events)
	ids, clients, flows, steps := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	outcomes, codes, texts, params := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	ats := make([]time.Time, n)
	for i, e := range events {
		p, err := paramsJSON(e.Params)
		if err != nil {
			return fmt.Errorf("postgres: add events: event %q: %w", e.ID, err)
		}
		ids[i], clients[i], ats[i], flows[i], steps[i] = e.ID, e.ClientID, ts(e.Time), e.Flow, e.Step
		outcomes[i], codes[i], texts[i], params[i] = e.Outcome, e.Error, e.Explanation, p
	}
	if _, err := s.pool.Exec(ctx, addEventsSQL, ids, clients, ats, flows, steps, outcomes, codes, texts, params); err != nil {
		return fmt.Errorf("postgres: add events: %w", mapErr(err))
	}
	return nil
}

// ListEvents returns a page of the client's events, newest first, along
// the index events_client_id_id; an empty filter matches all.
func (s *Store) ListEvents(ctx context.Context, clientID string, q store.EventQuery) ([]store.Event, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+eventColumns+` FROM events
		WHERE client_id = @client AND (@before = '' OR id < @before)
			AND (@outcome = '' OR outcome = @outcome) AND (@flow = '' OR flow = @flow)
		ORDER BY id DESC LIMIT @limit`,
		pgx.NamedArgs{"client": clientID, "before": q.Before, "outcome": q.Outcome, "flow": q.Flow, "limit": q.Limit})
	if err != nil {
		return nil, fmt.Errorf("postgres: list events of %q: %w", clientID, mapErr(err))
	}
	es, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.Event, error) {
		var (
			e      store.Event
			params string
		)
		if err := row.Scan(&e.ID, &e.ClientID, &e.Time, &e.Flow, &e.Step, &e.Outcome, &e.Error, &e.Explanation, &params); err != nil {
			return e, err
		}
		e.Time = fromTS(e.Time)
		var err error
		e.Params, err = fromParamsJSON(params)
		return e, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: list events of %q: %w", clientID, mapErr(err))
	}
	return orEmpty(es), nil
}

// TrimEvents deletes up to limit old or surplus events in one statement.
// It costs the events it deletes, not a read of the table (a busy client's
// holds hundreds of thousands by the sweep): the old ones along events_at,
// and per client the newest event beyond the newest keep (at most keep+1
// steps along events_client_id_id), then that one and older, oldest first.
func (s *Store) TrimEvents(ctx context.Context, before time.Time, keep, limit int) (int, error) {
	tag, err := s.pool.Exec(ctx, `DELETE FROM events WHERE id IN (
		(SELECT id FROM events WHERE at < @before ORDER BY at LIMIT @limit)
		UNION ALL
		(SELECT old.id FROM clients
			CROSS JOIN LATERAL (SELECT id FROM events WHERE client_id = clients.id
				ORDER BY id DESC OFFSET @keep LIMIT 1) AS cutoff
			CROSS JOIN LATERAL (SELECT id FROM events WHERE client_id = clients.id AND id <= cutoff.id
				ORDER BY id LIMIT @limit) AS old
			LIMIT @limit)
		LIMIT @limit)`,
		pgx.NamedArgs{"before": ts(before), "keep": max(keep, 0), "limit": limit})
	if err != nil {
		return 0, fmt.Errorf("postgres: trim events: %w", mapErr(err))
	}
	return int(tag.RowsAffected()), nil
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

package postgres

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/vippslogin/vippslogin/internal/store"
)

const webhookColumns = `id, client_id, event, url, content_type, authorization_header, body, attempts,
	next_attempt_at, locked_until, delivered_at, last_error, last_status,
	created_at, expires_at`

// EnqueueWebhook stores a new event in the outbox; store.ErrExists if the
// id is taken. The client must exist.
func (s *Store) EnqueueWebhook(ctx context.Context, w store.Webhook) error {
	if err := enqueueWebhook(ctx, s.pool, w); err != nil {
		return fmt.Errorf("postgres: %w", mapErr(err))
	}
	return nil
}

// enqueueWebhookSQL stores one event; queueWebhook gives its arguments.
const enqueueWebhookSQL = `INSERT INTO webhooks (` + webhookColumns + `)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`

func enqueueWebhook(ctx context.Context, q querier, w store.Webhook) error {
	if _, err := q.Exec(ctx, enqueueWebhookSQL, webhookArgs(w)...); err != nil {
		return fmt.Errorf("enqueue webhook %q: %w", w.ID, err)
	}
	return nil
}

// queueWebhook queues the event's INSERT in b, to commit with the change
// that owes it.
func queueWebhook(b *pgx.Batch, w store.Webhook) {
	b.Queue(enqueueWebhookSQL, webhookArgs(w)...)
}

// webhookArgs is w as the arguments of enqueueWebhookSQL.
func webhookArgs(w store.Webhook) []any {
	return []any{w.ID, w.ClientID, w.Event, w.URL, w.ContentType, w.Authorization, orEmpty(w.Body), w.Attempts,
		ts(w.NextAttemptAt), nullTS(w.LockedUntil), nullTS(w.DeliveredAt), w.LastError, w.LastStatus,
		ts(w.CreatedAt), ts(w.ExpiresAt)}
}

// ClaimWebhooks leases up to limit due events in one statement. FOR UPDATE
// SKIP LOCKED makes a second claimer, on this replica or another, pass over
// the rows the first is leasing instead of waiting for them, and PostgreSQL
// re-checks a row that changed under it, so a lease just taken is seen.
func (s *Store) ClaimWebhooks(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]store.Webhook, error) {
	rows, err := s.pool.Query(ctx, `UPDATE webhooks SET locked_until = @until
		WHERE id IN (SELECT id FROM webhooks
			WHERE delivered_at IS NULL AND next_attempt_at <= @now
				AND (locked_until IS NULL OR locked_until <= @now) AND expires_at > @now
			ORDER BY next_attempt_at, id COLLATE "C" LIMIT @limit
			FOR UPDATE SKIP LOCKED)
		RETURNING `+webhookColumns,
		pgx.NamedArgs{"until": ts(now.Add(lease)), "now": ts(now), "limit": limit})
	if err != nil {
		return nil, fmt.Errorf("postgres: claim webhooks: %w", mapErr(err))
	}
	ws, err := scanWebhooks(rows)
	if err != nil {
		return nil, fmt.Errorf("postgres: claim webhooks: %w", mapErr(err))
	}
	// RETURNING comes in no promised order.
	slices.SortFunc(ws, func(a, b store.Webhook) int {
		return cmp.Or(a.NextAttemptAt.Compare(b.NextAttemptAt), cmp.Compare(a.ID, b.ID))
	})
	return ws, nil
}

// RecordWebhookAttempt records an attempt and ends the lease. The update
// skips a delivered event, so a late failure cannot undo a delivery; the
// existence check after it tells "already delivered" from "unknown".
func (s *Store) RecordWebhookAttempt(ctx context.Context, id string, a store.WebhookAttempt) error {
	var delivered *time.Time
	if a.Delivered {
		delivered = nullTS(a.At)
	}
	tag, err := s.pool.Exec(ctx, `UPDATE webhooks SET attempts = attempts + 1,
			last_status = $1, last_error = $2, delivered_at = $3,
			next_attempt_at = CASE WHEN $4 THEN next_attempt_at ELSE $5 END,
			locked_until = NULL
		WHERE id = $6 AND delivered_at IS NULL`,
		a.Status, a.Error, delivered, a.Delivered, ts(a.NextAttemptAt), id)
	if err == nil && tag.RowsAffected() == 0 {
		var one int
		err = s.pool.QueryRow(ctx, `SELECT 1 FROM webhooks WHERE id = $1`, id).Scan(&one)
	}
	if err != nil {
		return fmt.Errorf("postgres: record webhook attempt %q: %w", id, mapErr(err))
	}
	return nil
}

// ListWebhooks returns up to limit of the client's events, newest first;
// events made in the same microsecond are ordered by id, descending.
func (s *Store) ListWebhooks(ctx context.Context, clientID string, limit int) ([]store.Webhook, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+webhookColumns+` FROM webhooks
		WHERE client_id = $1 ORDER BY created_at DESC, id COLLATE "C" DESC LIMIT $2`, clientID, limit)
	if err != nil {
		return nil, fmt.Errorf("postgres: list webhooks of %q: %w", clientID, mapErr(err))
	}
	ws, err := scanWebhooks(rows)
	if err != nil {
		return nil, fmt.Errorf("postgres: list webhooks of %q: %w", clientID, mapErr(err))
	}
	return ws, nil
}

// scanWebhooks reads every row of webhookColumns and closes rows.
func scanWebhooks(rows pgx.Rows) ([]store.Webhook, error) {
	ws, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.Webhook, error) {
		var (
			w                 store.Webhook
			locked, delivered pgtype.Timestamptz
		)
		err := row.Scan(&w.ID, &w.ClientID, &w.Event, &w.URL, &w.ContentType, &w.Authorization, &w.Body, &w.Attempts,
			&w.NextAttemptAt, &locked, &delivered, &w.LastError, &w.LastStatus, &w.CreatedAt, &w.ExpiresAt)
		w.Body = orEmpty(w.Body)
		w.NextAttemptAt, w.LockedUntil, w.DeliveredAt = fromTS(w.NextAttemptAt), fromNullTS(locked), fromNullTS(delivered)
		w.CreatedAt, w.ExpiresAt = fromTS(w.CreatedAt), fromTS(w.ExpiresAt)
		return w, err
	})
	return orEmpty(ws), err
}

package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"

	"github.com/vippslogin/vippslogin/internal/store"
)

const webhookColumns = `id, client_id, event, url, content_type, authorization_header, body, attempts,
	next_attempt_at, locked_until, delivered_at, last_error, last_status,
	created_at, expires_at`

// EnqueueWebhook stores a new event in the outbox; store.ErrExists if the
// id is taken. The client must exist.
func (s *Store) EnqueueWebhook(ctx context.Context, w store.Webhook) error {
	if err := s.write(ctx, func(tx *wtx) error { return enqueueWebhook(tx, w) }); err != nil {
		return errorf("sqlite: enqueue %w", err)
	}
	return nil
}

// enqueueWebhook stores w in tx, also as part of a larger write.
func enqueueWebhook(tx *wtx, w store.Webhook) error {
	body := w.Body
	if body == nil {
		body = []byte{} // the column is NOT NULL
	}
	_, err := tx.exec(`INSERT INTO webhooks (`+webhookColumns+`)
		VALUES (`+placeholders(webhookColumns)+`)`,
		w.ID, w.ClientID, w.Event, w.URL, w.ContentType, w.Authorization, body, w.Attempts,
		micros(w.NextAttemptAt), micros(w.LockedUntil), micros(w.DeliveredAt), w.LastError, w.LastStatus,
		micros(w.CreatedAt), micros(w.ExpiresAt))
	if err != nil {
		return fmt.Errorf("webhook %q: %w", w.ID, created(err))
	}
	return nil
}

// ClaimWebhooks leases up to limit due events. The choice and the lease are
// one UPDATE in one write transaction (BEGIN IMMEDIATE), and SQLite lets
// one writer in at a time, in this process or another: a second claimer
// waits and then finds the first one's events leased.
func (s *Store) ClaimWebhooks(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]store.Webhook, error) {
	ws := []store.Webhook{}
	err := s.write(ctx, func(tx *wtx) error {
		var err error
		ws, err = list(tx, scanWebhook, claimWebhooksSQL,
			sql.Named("until", micros(now.Add(lease))), sql.Named("now", micros(now)), sql.Named("limit", limit))
		return err
	})
	if err != nil {
		return nil, errorf("sqlite: claim webhooks: %w", err)
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
	err := s.write(ctx, func(tx *wtx) error {
		delivered, next := int64(0), micros(a.NextAttemptAt)
		if a.Delivered {
			delivered = micros(a.At)
		}
		res, err := tx.exec(`UPDATE webhooks SET attempts = attempts + 1,
				last_status = ?, last_error = ?, delivered_at = ?,
				next_attempt_at = CASE WHEN ? THEN next_attempt_at ELSE ? END,
				locked_until = 0
			WHERE id = ? AND delivered_at = 0`,
			a.Status, a.Error, delivered, a.Delivered, next, id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n > 0 {
			return err
		}
		var one int
		return notFound(tx.queryRow(`SELECT 1 FROM webhooks WHERE id = ?`, id).Scan(&one))
	})
	if err != nil {
		return errorf("sqlite: record webhook attempt %q: %w", id, err)
	}
	return nil
}

// claimWebhooksSQL leases the most overdue events. The index webhooks_due
// (migration 0008) reads them in its order, so the LIMIT stops early.
const claimWebhooksSQL = `UPDATE webhooks SET locked_until = :until
	WHERE id IN (SELECT id FROM webhooks
		WHERE delivered_at = 0 AND next_attempt_at <= :now AND locked_until <= :now AND expires_at > :now
		ORDER BY next_attempt_at, id LIMIT :limit)
	RETURNING ` + webhookColumns

// listWebhooksSQL reads a client's newest events, backwards along the index
// webhooks_client_id_created_at (migration 0008): no sort.
const listWebhooksSQL = `SELECT ` + webhookColumns + ` FROM webhooks
	WHERE client_id = ? ORDER BY created_at DESC, id DESC LIMIT ?`

// ListWebhooks returns up to limit of the client's events, newest first;
// events made in the same microsecond are ordered by id, descending.
func (s *Store) ListWebhooks(ctx context.Context, clientID string, limit int) ([]store.Webhook, error) {
	ws, err := list(s.read(ctx), scanWebhook, listWebhooksSQL, clientID, limit)
	if err != nil {
		return nil, errorf("sqlite: list webhooks of %q: %w", clientID, err)
	}
	return ws, nil
}

// scanWebhook reads one row of webhookColumns.
func scanWebhook(row scanner) (store.Webhook, error) {
	var (
		w                                    store.Webhook
		next, locked, delivered, crt, expiry int64
	)
	err := row.Scan(&w.ID, &w.ClientID, &w.Event, &w.URL, &w.ContentType, &w.Authorization, &w.Body, &w.Attempts,
		&next, &locked, &delivered, &w.LastError, &w.LastStatus, &crt, &expiry)
	if err != nil {
		return store.Webhook{}, err
	}
	if w.Body == nil {
		w.Body = []byte{}
	}
	w.NextAttemptAt, w.LockedUntil, w.DeliveredAt = fromMicros(next), fromMicros(locked), fromMicros(delivered)
	w.CreatedAt, w.ExpiresAt = fromMicros(crt), fromMicros(expiry)
	return w, nil
}

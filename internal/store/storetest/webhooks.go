package storetest

import (
	"sync"
	"testing"
	"time"

	"github.com/vippslogin/vippslogin/internal/store"
)

// newWebhook is a fresh event for clientID, as the outbox enqueues one:
// created at created, due then, expiring a day later.
func newWebhook(id, clientID string, created time.Time) store.Webhook {
	return store.Webhook{
		ID:            id,
		ClientID:      clientID,
		Event:         store.EventConsentRevoked,
		URL:           "https://" + clientID + ".example/hook?id=" + id,
		ContentType:   "text/plain",
		Authorization: "Bearer notify-" + id,
		Body:          []byte("eyJhbGciOiJub25lIn0.e30." + id),
		NextAttemptAt: created,
		CreatedAt:     created,
		ExpiresAt:     created.Add(24 * time.Hour),
	}
}

// wantWebhook is w as every backend must return it.
func wantWebhook(w store.Webhook) store.Webhook {
	w.Body = orEmpty(w.Body)
	w.NextAttemptAt, w.LockedUntil, w.DeliveredAt = stored(w.NextAttemptAt), stored(w.LockedUntil), stored(w.DeliveredAt)
	w.CreatedAt, w.ExpiresAt = stored(w.CreatedAt), stored(w.ExpiresAt)
	return w
}

func enqueue(t *testing.T, s store.Store, ws ...store.Webhook) {
	t.Helper()
	for _, w := range ws {
		must(t, "EnqueueWebhook "+w.ID, s.EnqueueWebhook(t.Context(), w))
	}
}

// webhooks is the client's whole delivery log.
func webhooks(t *testing.T, s store.Store, clientID string) []store.Webhook {
	t.Helper()
	ws, err := s.ListWebhooks(t.Context(), clientID, 1000)
	must(t, "ListWebhooks", err)
	return ws
}

func ids(ws []store.Webhook) []string {
	out := []string{}
	for _, w := range ws {
		out = append(out, w.ID)
	}
	return out
}

// testWebhookEnqueueList round-trips every field, a bare event and the
// delivery log's order and limit.
func testWebhookEnqueueList(t *testing.T, s store.Store) {
	ctx := t.Context()
	createUsersAndClients(t, s, nil, []string{"shop", "other"})
	full := newWebhook("w-full", "shop", at(0))
	full.Attempts, full.LastStatus, full.LastError = 3, 502, "HTTP 502: bad gateway\nø"
	full.LockedUntil, full.DeliveredAt = at(time.Minute), at(2*time.Minute)
	bare := store.Webhook{ID: "w-bare", ClientID: "shop", CreatedAt: at(time.Second)}
	tie := newWebhook("w-tie", "shop", at(time.Second))
	enqueue(t, s, full, bare, tie, newWebhook("w-other", "other", at(time.Hour)))

	equal(t, "ListWebhooks (newest first, ties by id descending)", webhooks(t, s, "shop"),
		[]store.Webhook{wantWebhook(tie), wantWebhook(bare), wantWebhook(full)})
	got, err := s.ListWebhooks(ctx, "shop", 1)
	must(t, "ListWebhooks", err)
	equal(t, "ListWebhooks with limit 1", ids(got), []string{"w-tie"})
	equal(t, "ListWebhooks of a client without any", webhooks(t, s, "nobody"), []store.Webhook{})

	wantErr(t, "EnqueueWebhook with a taken id", s.EnqueueWebhook(ctx, newWebhook("w-full", "other", at(0))), store.ErrExists)
	if err := s.EnqueueWebhook(ctx, newWebhook("w-orphan", "missing", at(0))); err == nil {
		t.Error("EnqueueWebhook for an unknown client succeeded")
	}
}

// testWebhookClaim checks what is due (boundaries included) and that a
// claim leases: nobody claims the event again until the lease lapses.
func testWebhookClaim(t *testing.T, s store.Store) {
	ctx := t.Context()
	createUsersAndClients(t, s, nil, []string{"shop"})
	now := at(time.Hour)
	pending := func(id string, next time.Time, edit func(*store.Webhook)) store.Webhook {
		w := newWebhook(id, "shop", at(0))
		w.NextAttemptAt = next
		if edit != nil {
			edit(&w)
		}
		return w
	}
	ws := []store.Webhook{
		pending("due-early", now.Add(-time.Minute), nil),
		pending("due-now", now, nil),
		pending("due-zero", time.Time{}, nil),
		pending("lease-over", now.Add(-2*time.Minute), func(w *store.Webhook) { w.LockedUntil = now }),
		pending("future", now.Add(time.Microsecond), nil),
		pending("leased", now.Add(-time.Minute), func(w *store.Webhook) { w.LockedUntil = now.Add(time.Microsecond) }),
		pending("delivered", now.Add(-time.Minute), func(w *store.Webhook) { w.DeliveredAt = now.Add(-time.Second) }),
		pending("expired", now.Add(-time.Minute), func(w *store.Webhook) { w.ExpiresAt = now }),
	}
	enqueue(t, s, ws...)

	const lease = 30 * time.Second
	got, err := s.ClaimWebhooks(ctx, now, lease, 10)
	must(t, "ClaimWebhooks", err)
	var want []store.Webhook
	for _, w := range ws[:4] {
		w.LockedUntil = now.Add(lease)
		want = append(want, wantWebhook(w))
	}
	want[0], want[1], want[2], want[3] = want[2], want[3], want[0], want[1] // most overdue first
	equal(t, "ClaimWebhooks", got, want)

	got, err = s.ClaimWebhooks(ctx, now.Add(lease-time.Microsecond), lease, 10)
	must(t, "ClaimWebhooks during the lease", err)
	equal(t, "ClaimWebhooks during the lease (what fell due since)", ids(got), []string{"leased", "future"})

	got, err = s.ClaimWebhooks(ctx, now.Add(lease), lease, 2)
	must(t, "ClaimWebhooks when the lease lapsed", err)
	equal(t, "ClaimWebhooks when the lease lapsed, limit 2", ids(got), []string{"due-zero", "lease-over"})

	for _, w := range webhooks(t, s, "shop") {
		if w.Attempts != 0 {
			t.Errorf("%s: Attempts = %d after claims, want 0", w.ID, w.Attempts)
		}
	}
}

// testWebhookClaimConcurrent has claimers race for the same due events:
// each event goes to exactly one of them.
func testWebhookClaimConcurrent(t *testing.T, s store.Store) {
	createUsersAndClients(t, s, nil, []string{"shop"})
	const events, claimers, batch = 20, 8, 5
	for i := range events {
		enqueue(t, s, newWebhook(string(rune('a'+i)), "shop", at(0)))
	}
	var (
		mu      sync.Mutex
		claimed = map[string]int{}
	)
	race(t, s, claimers, func(int) {
		ws, err := s.ClaimWebhooks(t.Context(), at(time.Minute), time.Minute, batch)
		if err != nil {
			t.Errorf("ClaimWebhooks: %v", err)
			return
		}
		mu.Lock()
		defer mu.Unlock()
		for _, w := range ws {
			claimed[w.ID]++
		}
	})
	if len(claimed) != events {
		t.Errorf("%d of %d events claimed", len(claimed), events)
	}
	for id, n := range claimed {
		if n != 1 {
			t.Errorf("event %s claimed %d times", id, n)
		}
	}
}

// testWebhookRecordAttempt follows one event through a failure and a
// delivery, and checks that nothing undoes the delivery.
func testWebhookRecordAttempt(t *testing.T, s store.Store) {
	ctx := t.Context()
	createUsersAndClients(t, s, nil, []string{"shop"})
	w := newWebhook("w", "shop", at(0))
	enqueue(t, s, w)
	claim := func(now time.Time) []string {
		t.Helper()
		got, err := s.ClaimWebhooks(ctx, now, time.Minute, 10)
		must(t, "ClaimWebhooks", err)
		return ids(got)
	}
	equal(t, "first claim", claim(at(0)), []string{"w"})

	failed := store.WebhookAttempt{At: at(time.Second), Status: 500, Error: "HTTP 500: oops", NextAttemptAt: at(3 * time.Second)}
	must(t, "RecordWebhookAttempt (failed)", s.RecordWebhookAttempt(ctx, "w", failed))
	w.Attempts, w.LastStatus, w.LastError, w.NextAttemptAt = 1, 500, "HTTP 500: oops", at(3*time.Second)
	equal(t, "after a failed attempt", webhooks(t, s, "shop"), []store.Webhook{wantWebhook(w)})
	equal(t, "claim before the next attempt is due", claim(at(3*time.Second-time.Microsecond)), []string{})
	equal(t, "claim when it is due", claim(at(3*time.Second)), []string{"w"})

	ok := store.WebhookAttempt{At: at(4 * time.Second), Status: 204, Delivered: true}
	must(t, "RecordWebhookAttempt (delivered)", s.RecordWebhookAttempt(ctx, "w", ok))
	w.Attempts, w.LastStatus, w.LastError, w.DeliveredAt = 2, 204, "", at(4*time.Second)
	equal(t, "after delivery", webhooks(t, s, "shop"), []store.Webhook{wantWebhook(w)})
	equal(t, "claim after delivery", claim(at(time.Hour)), []string{})

	late := store.WebhookAttempt{At: at(5 * time.Second), Status: 0, Error: "timeout", NextAttemptAt: at(6 * time.Second)}
	must(t, "RecordWebhookAttempt after delivery", s.RecordWebhookAttempt(ctx, "w", late))
	equal(t, "after a late failed attempt", webhooks(t, s, "shop"), []store.Webhook{wantWebhook(w)})

	wantErr(t, "RecordWebhookAttempt of an unknown event", s.RecordWebhookAttempt(ctx, "missing", failed), store.ErrNotFound)
}

// testWebhookDeleteExpired checks that the sweep keeps an event still owed
// however old, and removes expired and delivered ones.
func testWebhookDeleteExpired(t *testing.T, s store.Store) {
	createUsersAndClients(t, s, nil, []string{"shop"})
	cutoff := at(48 * time.Hour)
	expired := newWebhook("expired", "shop", at(0))
	expired.ExpiresAt = cutoff.Add(-time.Microsecond)
	owed := newWebhook("owed", "shop", at(0))
	owed.ExpiresAt = cutoff
	deliveredOld := newWebhook("delivered-old", "shop", at(0))
	deliveredOld.ExpiresAt, deliveredOld.DeliveredAt = cutoff.Add(time.Hour), cutoff.Add(-time.Microsecond)
	deliveredNew := newWebhook("delivered-new", "shop", at(0))
	deliveredNew.ExpiresAt, deliveredNew.DeliveredAt = cutoff.Add(time.Hour), cutoff
	enqueue(t, s, expired, owed, deliveredOld, deliveredNew)

	n := deleteExpired(t, s, store.CutoffsAt(cutoff), 2)
	if n != 2 {
		t.Errorf("DeleteExpired = %d, want 2", n)
	}
	equal(t, "webhooks left", ids(webhooks(t, s, "shop")), []string{"owed", "delivered-new"})
}

// testWebhookClientDeleteCascades checks that a deleted client's events,
// owed or logged, go with it.
func testWebhookClientDeleteCascades(t *testing.T, s store.Store) {
	createUsersAndClients(t, s, nil, []string{"gone", "kept"})
	enqueue(t, s, newWebhook("w-gone", "gone", at(0)), newWebhook("w-kept", "kept", at(0)))
	must(t, "DeleteClient", s.DeleteClient(t.Context(), "gone"))
	must(t, "CreateClient again", s.CreateClient(t.Context(), newClient("gone")))
	equal(t, "webhooks of the re-created client", webhooks(t, s, "gone"), []store.Webhook{})
	equal(t, "webhooks of the other client", ids(webhooks(t, s, "kept")), []string{"w-kept"})
}

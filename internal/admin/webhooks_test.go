package admin_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/vippslogin/vippslogin/internal/admin"
	"github.com/vippslogin/vippslogin/internal/store"
)

// The delivery log shows each event's state, newest first, and no body.
func TestWebhookLog(t *testing.T) {
	e := newEnv(t, token)
	ctx := t.Context()
	if _, err := e.client.CreateClient(ctx, admin.ClientRequest{ClientID: "shop", Name: "Shop", ConsentWebhookURL: "https://shop.example/hook"}); err != nil {
		t.Fatal(err)
	}
	log, err := e.client.ListWebhooks(ctx, "shop")
	if err != nil || log == nil || len(log) != 0 {
		t.Fatalf("log of a client without events = %#v, %v; want an empty list", log, err)
	}
	ev := func(id string, age time.Duration, edit func(*store.Webhook)) {
		w := store.Webhook{ID: id, ClientID: "shop", Event: store.EventConsentRevoked, URL: "https://shop.example/hook",
			ContentType: "text/plain", Body: []byte("body"), CreatedAt: now.Add(-age), NextAttemptAt: now.Add(time.Minute), ExpiresAt: now.Add(time.Hour)}
		edit(&w)
		if err := e.api.Store.EnqueueWebhook(ctx, w); err != nil {
			t.Fatal(err)
		}
	}
	ev("failed", 3*time.Hour, func(w *store.Webhook) {
		w.Attempts, w.LastStatus, w.LastError, w.ExpiresAt = 9, 500, "HTTP 500: down", now
	})
	ev("delivered", 2*time.Hour, func(w *store.Webhook) { w.Attempts, w.LastStatus, w.DeliveredAt = 1, 204, now.Add(-time.Hour) })
	ev("pending", time.Hour, func(w *store.Webhook) { w.Attempts, w.LastStatus, w.LastError = 1, 0, "no answer within 5s" })

	log, err = e.client.ListWebhooks(ctx, "shop")
	if err != nil || len(log) != 3 {
		t.Fatalf("log = %+v, %v", log, err)
	}
	for i, want := range []struct {
		id, state string
		attempts  int
		next      time.Time
	}{
		{"pending", "pending", 1, now.Add(time.Minute)},
		{"delivered", "delivered", 1, time.Time{}},
		{"failed", "failed", 9, time.Time{}},
	} {
		got := log[i]
		if got.ID != want.id || got.State != want.state || got.Attempts != want.attempts || !got.NextAttemptAt.Equal(want.next) ||
			got.Event != "CONSENT_REVOKED" || got.URL != "https://shop.example/hook" {
			t.Errorf("log[%d] = %+v, want %s %s", i, got, want.id, want.state)
		}
	}
	if got := log[2]; got.LastStatus != 500 || got.LastError != "HTTP 500: down" || !got.ExpiresAt.Equal(now) {
		t.Errorf("failed event = %+v", got)
	}
	if got := log[1]; !got.DeliveredAt.Equal(now.Add(-time.Hour)) || got.LastStatus != 204 {
		t.Errorf("delivered event = %+v", got)
	}

	_, err = e.client.ListWebhooks(ctx, "nobody")
	problem(t, err, http.StatusNotFound, "nobody")
	_, err = (&admin.Client{BaseURL: e.url, Token: "wrong-token"}).ListWebhooks(ctx, "shop")
	problem(t, err, http.StatusUnauthorized)
}

package main

import (
	"testing"
	"time"

	"github.com/vippslogin/vippslogin/internal/admin"
	"github.com/vippslogin/vippslogin/internal/store"
)

func TestClientWebhooksCommand(t *testing.T) {
	url, st := adminServer(t)
	env := map[string]string{"VIPPSLOGIN_ADMIN_TOKEN": cliToken, "VIPPSLOGIN_SERVER": url}
	ok(t, runClient, env, nil, "create", "--name", "Shop", "--client-id", "shop", "--consent-webhook-url", "https://shop.example/hook")
	now := time.Now()
	w := store.Webhook{ID: "ev-1", ClientID: "shop", Event: store.EventConsentRevoked, URL: "https://shop.example/hook",
		ContentType: "text/plain", Body: []byte("x"), NextAttemptAt: now, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
	if err := st.EnqueueWebhook(t.Context(), w); err != nil {
		t.Fatal(err)
	}
	var log []admin.WebhookResponse
	ok(t, runClient, env, &log, "webhooks", "shop")
	if len(log) != 1 || log[0].ID != "ev-1" || log[0].State != "pending" {
		t.Errorf("client webhooks printed %+v, want the pending event", log)
	}
}

package webhook_test

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/vippslogin/vippslogin/internal/store"
	"github.com/vippslogin/vippslogin/internal/webhook"
)

// The consent event is the spec's unsigned JWT, as text/plain, to the
// client's consent webhook (vipps-login-webhooks "Revoke").
func TestConsentRevoked(t *testing.T) {
	c := store.Client{ID: "shop", ConsentWebhookURL: "https://shop.example/consent"}
	now := time.Date(2020, 6, 19, 12, 51, 28, 123, time.UTC)
	w := webhook.ConsentRevoked(c, "c9d10444-d992-4850-ac60-9d3502095008", now)
	if w.ID == "" || w.ClientID != "shop" || w.Event != "CONSENT_REVOKED" || w.URL != c.ConsentWebhookURL ||
		w.ContentType != "text/plain" || !w.NextAttemptAt.Equal(now) || !w.CreatedAt.Equal(now) || !w.ExpiresAt.Equal(now.Add(24*time.Hour)) {
		t.Errorf("event = %+v", w)
	}
	parts := strings.Split(string(w.Body), ".")
	if len(parts) != 3 || parts[2] != "" {
		t.Fatalf("body %q is not header.payload. (unsigned)", w.Body)
	}
	header, err1 := base64.RawURLEncoding.DecodeString(parts[0])
	payload, err2 := base64.RawURLEncoding.DecodeString(parts[1])
	if err1 != nil || err2 != nil {
		t.Fatalf("body %q is not base64url: %v, %v", w.Body, err1, err2)
	}
	if string(header) != `{"alg":"none","typ":"JWT"}` {
		t.Errorf("header = %s", header)
	}
	want := `{"exp":1592571388,"iat":1592571088,"nbf":1592571088,"sub":"c9d10444-d992-4850-ac60-9d3502095008","event":"CONSENT_REVOKED"}`
	if string(payload) != want {
		t.Errorf("payload = %s\nwant      %s", payload, want)
	}
	var claims map[string]any
	if err := json.Unmarshal(payload, &claims); err != nil || len(claims) != 5 {
		t.Errorf("payload claims = %v, %v", claims, err)
	}
	if other := webhook.ConsentRevoked(c, "sub", now); other.ID == w.ID {
		t.Error("two events share an id")
	}
}

func TestState(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	exp := now.Add(time.Hour)
	for _, tt := range []struct {
		w    store.Webhook
		want string
	}{
		{store.Webhook{NextAttemptAt: now, ExpiresAt: exp}, webhook.StatePending},
		{store.Webhook{NextAttemptAt: now, ExpiresAt: exp, DeliveredAt: now}, webhook.StateDelivered},
		{store.Webhook{NextAttemptAt: now, ExpiresAt: now}, webhook.StateFailed},
		{store.Webhook{NextAttemptAt: exp, ExpiresAt: exp}, webhook.StateFailed}, // given up
		{store.Webhook{NextAttemptAt: now, ExpiresAt: now, DeliveredAt: now}, webhook.StateDelivered},
	} {
		if got := webhook.State(tt.w, now); got != tt.want {
			t.Errorf("State(%+v) = %s, want %s", tt.w, got, tt.want)
		}
	}
}

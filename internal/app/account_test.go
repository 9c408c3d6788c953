package app

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vippslogin/vippslogin/internal/flow"
	"github.com/vippslogin/vippslogin/internal/store"
)

func TestConsents(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	now := w.clock.Now()
	for _, phone := range []string{"4712345678", "4712345679"} {
		c := store.Consent{PhoneNumber: phone, ClientID: "demo-client", Scopes: []string{"name", "email"}, CreatedAt: now, UpdatedAt: now}
		if err := w.st.SaveConsent(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	cs, err := w.ada.Consents(ctx)
	if err != nil || len(cs) != 1 {
		t.Fatalf("Consents = %+v, %v; want Ada's one", cs, err)
	}
	if c := cs[0]; c.ClientID != "demo-client" || c.ClientName != "Demo Shop" || !slices.Equal(c.Scopes, []string{"name", "email"}) || !c.CreatedAt.Equal(now) || !c.UpdatedAt.Equal(now) {
		t.Errorf("consent = %+v", c)
	}
	if err := w.ada.RevokeConsent(ctx, "demo-client"); err != nil {
		t.Fatal(err)
	}
	if err := w.ada.RevokeConsent(ctx, "demo-client"); status(err) != 404 {
		t.Errorf("second RevokeConsent = %v, want 404", err)
	}
	if cs, err := w.ada.Consents(ctx); err != nil || cs == nil || len(cs) != 0 {
		t.Errorf("Consents after revoking = %#v, %v; want an empty list", cs, err)
	}
	// Revoking asks for consent again at the next login; Bob's stays.
	if need, _ := flow.ConsentRequired(ctx, w.st, "4712345678", "demo-client", []string{"openid", "name"}); !need {
		t.Error("consent not required after revoking it")
	}
	if cs, _ := w.bob.Consents(ctx); len(cs) != 1 {
		t.Errorf("Bob's consents = %+v, want his one", cs)
	}
}

func TestBrowsers(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	now := w.clock.Now()
	for _, bs := range []store.BrowserSession{
		{ID: "ada-firefox", TokenHash: "h1", PhoneNumber: "4712345678", Description: "Firefox on Linux", CreatedAt: now, ExpiresAt: now.Add(flow.BrowserSessionTTL)},
		{ID: "ada-old", TokenHash: "h2", PhoneNumber: "4712345678", Description: "Safari on macOS", CreatedAt: now.Add(-flow.BrowserSessionTTL), ExpiresAt: now.Add(-time.Second)},
		{ID: "bob-chrome", TokenHash: "h3", PhoneNumber: "4712345679", Description: "Chrome on Android", CreatedAt: now, ExpiresAt: now.Add(flow.BrowserSessionTTL)},
	} {
		if err := w.st.CreateBrowserSession(ctx, bs); err != nil {
			t.Fatal(err)
		}
	}
	bs, err := w.ada.Browsers(ctx)
	want := Browser{ID: "ada-firefox", Description: "Firefox on Linux", CreatedAt: now, ExpiresAt: now.Add(flow.BrowserSessionTTL)}
	if err != nil || len(bs) != 1 || bs[0].ID != want.ID || bs[0].Description != want.Description || !bs[0].CreatedAt.Equal(want.CreatedAt) || !bs[0].ExpiresAt.Equal(want.ExpiresAt) {
		t.Fatalf("Browsers = %+v, %v; want only %+v", bs, err, want)
	}
	if err := w.ada.ForgetBrowser(ctx, "bob-chrome"); status(err) != 404 {
		t.Errorf("forgetting Bob's browser = %v, want 404", err)
	}
	if err := w.ada.ForgetBrowser(ctx, "ada-firefox"); err != nil {
		t.Fatal(err)
	}
	if bs, err := w.ada.Browsers(ctx); err != nil || bs == nil || len(bs) != 0 {
		t.Errorf("Browsers after forgetting = %#v, %v; want an empty list", bs, err)
	}
	if bs, _ := w.bob.Browsers(ctx); len(bs) != 1 {
		t.Errorf("Bob's browsers = %+v, want his one", bs)
	}
}

// Revoking a consent enqueues CONSENT_REVOKED with the user's pairwise sub
// at the client, the one its ID tokens carry; a client without a consent
// webhook gets nothing.
func TestRevokeConsentEnqueuesWebhook(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	now := w.clock.Now()
	for _, phone := range []string{"4712345678", "4712345679"} {
		c := store.Consent{PhoneNumber: phone, ClientID: "demo-client", Scopes: []string{"name"}, CreatedAt: now, UpdatedAt: now}
		if err := w.st.SaveConsent(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.bob.RevokeConsent(ctx, "demo-client"); err != nil {
		t.Fatal(err)
	}
	if ws, err := w.st.ListWebhooks(ctx, "demo-client", 10); err != nil || len(ws) != 0 {
		t.Fatalf("webhooks for a client without a consent webhook = %+v, %v", ws, err)
	}

	if _, err := w.st.UpdateClient(ctx, "demo-client", func(c store.Client) (store.Client, error) {
		c.ConsentWebhookURL = "https://shop.example/consent-revoked"
		return c, nil
	}); err != nil {
		t.Fatal(err)
	}
	sub, err := w.st.PairwiseSubject(ctx, "4712345678", "demo-client", "ada-at-demo") // as her ID token made it
	if err != nil {
		t.Fatal(err)
	}
	w.clock.Add(time.Minute)
	if err := w.ada.RevokeConsent(ctx, "demo-client"); err != nil {
		t.Fatal(err)
	}
	ws, err := w.st.ListWebhooks(ctx, "demo-client", 10)
	if err != nil || len(ws) != 1 {
		t.Fatalf("webhooks after revoking = %+v, %v; want one", ws, err)
	}
	ev := ws[0]
	if ev.Event != store.EventConsentRevoked || ev.URL != "https://shop.example/consent-revoked" || ev.ContentType != "text/plain" ||
		!ev.NextAttemptAt.Equal(w.clock.Now()) || !ev.ExpiresAt.Equal(w.clock.Now().Add(24*time.Hour)) {
		t.Errorf("event = %+v", ev)
	}
	parts := strings.Split(string(ev.Body), ".")
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	var claims struct {
		Sub, Event string
		Iat, Exp   int64
	}
	if err := json.Unmarshal(payload, &claims); err != nil || claims.Sub != sub || claims.Event != "CONSENT_REVOKED" ||
		claims.Iat != w.clock.Now().Unix() || claims.Exp != claims.Iat+300 {
		t.Errorf("token claims = %+v (%v), want sub %s", claims, err, sub)
	}
}

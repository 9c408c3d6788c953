package server

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"

	"github.com/vippslogin/vippslogin/internal/admin"
	"github.com/vippslogin/vippslogin/internal/app"
	"github.com/vippslogin/vippslogin/internal/devseed"
	"github.com/vippslogin/vippslogin/internal/flow"
	"github.com/vippslogin/vippslogin/internal/testenv"
)

// posted is what a webhook receiver got.
type posted struct {
	ContentType, ID, Body string
	// Authorization is the Authorization header, which only a CIBA ping has.
	Authorization string
}

// A consent revoked in the app reaches the merchant's consent webhook
// through the outbox, with the sub of the merchant's ID tokens, and the
// delivery shows in the admin log.
func TestConsentRevokedWebhookEndToEnd(t *testing.T) {
	ctx := context.Background()
	st := testenv.SQLite(t)
	km := testenv.Keys(t, st, nil)
	ts := httptest.NewUnstartedServer(nil)
	base := "http://" + ts.Listener.Addr().String()
	if err := devseed.Seed(ctx, st, base, time.Now()); err != nil {
		t.Fatal(err)
	}
	s := &Server{BaseURL: base, Store: st, Keys: km, AdminToken: "e2e-admin-token-0123", Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	ts.Config.Handler = s.Handler()
	ts.Start()
	t.Cleanup(ts.Close)
	p, err := oidc.NewProvider(ctx, base+flow.IssuerPath)
	if err != nil {
		t.Fatal(err)
	}
	e := &e2e{BaseURL: base, Issuer: base + flow.IssuerPath, Provider: p}

	got := make(chan posted, 10)
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		got <- posted{r.Header.Get("Content-Type"), r.Header.Get("Webhook-Id"), string(body), r.Header.Get("Authorization")}
	}))
	t.Cleanup(rcv.Close)
	adm := &admin.Client{BaseURL: base, Token: s.AdminToken}
	hook := rcv.URL + "/consent-revoked"
	if _, err := adm.UpdateClient(ctx, devseed.ClientID, admin.ClientPatch{ConsentWebhookURL: &hook}); err != nil {
		t.Fatal(err)
	}

	// Ada logs in and consents; her ID token names her sub at the shop.
	cfg := e.oauth(devseed.ClientID, devseed.ClientSecret, "openid", "name")
	b := newBrowser(t)
	page := e.loginWithPhone(t, b, cfg.AuthCodeURL("state-webhook"), devseed.Ada, false)
	b.post(base+"/vipps-login-idp/consent", url.Values{"tabId": {page.URL.Query().Get("tabId")}, "action": {"accept"}})
	if b.Landed == nil {
		t.Fatal("no code after consent")
	}
	tok, err := cfg.Exchange(ctx, b.Landed.Query().Get("code"))
	if err != nil {
		t.Fatal(err)
	}
	idToken, err := p.Verifier(&oidc.Config{ClientID: devseed.ClientID}).Verify(ctx, tok.Extra("id_token").(string))
	if err != nil {
		t.Fatal(err)
	}

	// She revokes the consent in the app; the outbox delivers the event.
	phone := &app.Client{BaseURL: base}
	if _, err := phone.SignIn(ctx, devseed.Ada, devseed.PIN); err != nil {
		t.Fatal(err)
	}
	if err := phone.RevokeConsent(ctx, devseed.ClientID); err != nil {
		t.Fatal(err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { s.Webhooks(runCtx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })

	var req posted
	select {
	case req = <-got:
	case <-time.After(10 * time.Second):
		t.Fatal("the consent webhook was not delivered")
	}
	parts := strings.Split(req.Body, ".")
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	var claims struct{ Sub, Event string }
	if err := json.Unmarshal(payload, &claims); err != nil || req.ContentType != "text/plain" || req.ID == "" ||
		claims.Event != "CONSENT_REVOKED" || claims.Sub != idToken.Subject {
		t.Fatalf("receiver got %+v with claims %+v (%v); want CONSENT_REVOKED for sub %s", req, claims, err, idToken.Subject)
	}

	// The delivery is recorded once the POST returns.
	eventually(t, "the admin log shows the event delivered", func() bool {
		log, err := adm.ListWebhooks(ctx, devseed.ClientID)
		return err == nil && len(log) == 1 && log[0].ID == req.ID && log[0].State == "delivered" && log[0].Attempts == 1
	})
}

// eventually waits, up to 10 s, for a background goroutine to make cond
// true: it polls for an outcome and waits for no time to pass.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out: %s", what)
		}
		<-tick.C
	}
}

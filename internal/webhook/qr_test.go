package webhook_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/vippslogin/vippslogin/internal/store"
	"github.com/vippslogin/vippslogin/internal/testenv"
	"github.com/vippslogin/vippslogin/internal/webhook"
)

// The QR event is a JWS signed ES256 by a published key, with the claims
// of Vipps' example, to the client's QR webhook; the outbox tries it as
// long as the token lives and a poll more.
func TestQRLogin(t *testing.T) {
	st := newStore(t)
	km := testenv.Keys(t, st, func() time.Time { return start })
	c := store.Client{ID: "shop", QRWebhookURL: "https://shop.example/qr"}
	now := start.Add(1500 * time.Millisecond)
	w, err := webhook.QRLogin(t.Context(), km, c, "https://vipps.example/access-management-1.0/access/", "auth-req-1", now)
	if err != nil {
		t.Fatal(err)
	}
	if w.ID == "" || w.ClientID != "shop" || w.Event != store.EventQRLogin || w.URL != c.QRWebhookURL || w.ContentType != "application/jwt" ||
		!w.NextAttemptAt.Equal(now) || !w.CreatedAt.Equal(now) || !w.ExpiresAt.Equal(now.Add(300*time.Second+webhook.DefaultPoll)) {
		t.Errorf("event = %+v", w)
	}
	set, err := km.JWKS(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	sig, err := jose.ParseSignedCompact(string(w.Body), []jose.SignatureAlgorithm{jose.ES256})
	if err != nil {
		t.Fatalf("body %q: %v", w.Body, err)
	}
	h := sig.Signatures[0].Header
	published := set.Key(h.KeyID)
	if len(published) != 1 || h.Algorithm != "ES256" || h.ExtraHeaders["typ"] != "JWT" {
		t.Fatalf("header %+v; JWKS keys for its kid: %d", h, len(published))
	}
	payload, err := sig.Verify(published[0])
	if err != nil {
		t.Fatal(err)
	}
	var claims map[string]any
	json.Unmarshal(payload, &claims)
	iat := float64(now.Unix())
	want := map[string]any{"iss": "https://vipps.example/access-management-1.0/access/", "aud": "shop",
		"auth_req_id": "auth-req-1", "iat": iat, "exp": iat + 300}
	if len(claims) != len(want) {
		t.Errorf("claims %v, want %v", claims, want)
	}
	for k, v := range want {
		if claims[k] != v {
			t.Errorf("claim %s = %v, want %v", k, claims[k], v)
		}
	}
}

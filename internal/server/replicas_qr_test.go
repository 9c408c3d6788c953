package server

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/go-jose/go-jose/v4"

	"github.com/vippslogin/vippslogin/internal/admin"
	"github.com/vippslogin/vippslogin/internal/app"
	"github.com/vippslogin/vippslogin/internal/devseed"
	"github.com/vippslogin/vippslogin/internal/flow"
	"github.com/vippslogin/vippslogin/internal/webhook"
)

// A login from QR code (the webhook variant) alternates too: the client
// and its code are registered on A and B, the app scans on A and approves
// on B, B's outbox deliverer sends the webhook, which verifies against A's
// JWKS, and the merchant redeems the auth_req_id on A and reads userinfo on
// B.
func TestReplicasQR(t *testing.T) {
	c := twoReplicas(t)
	hook := &hookRecorder{}
	hookServer := httptest.NewServer(hook)
	t.Cleanup(hookServer.Close)

	const secret = "replicas-qr-secret-0123"
	adm := &admin.Client{BaseURL: c.BaseURL, Token: "replica-admin-token"}
	c.on(A)
	if _, err := adm.CreateClient(c.ctx, admin.ClientRequest{ClientID: "shop", ClientSecret: secret, Name: "QR shop",
		Flows: []string{"qr"}, QRWebhookURL: hookServer.URL + "/qr"}); err != nil {
		t.Fatalf("create client on A: %v", err)
	}
	c.on(B)
	code, err := adm.CreateQRCode(c.ctx, "shop", admin.QRCodeRequest{Description: "Till 2"})
	if err != nil {
		t.Fatalf("create QR code on B: %v", err)
	}

	phone := c.signIn(t, A, devseed.Ada)
	req, err := phone.ScanQR(c.ctx, code.URL)
	if err != nil || req.QRDescription != "Till 2" {
		t.Fatalf("scan on A: %+v, %v", req, err)
	}
	c.on(B)
	if _, err := phone.Approve(c.ctx, req.ID, app.ApproveRequest{}); err != nil {
		t.Fatalf("approve on B: %v", err)
	}
	deliverer := &webhook.Deliverer{Store: c.stores[B], Now: c.clock.Now, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if n, err := deliverer.DeliverDue(c.ctx); n != 1 || err != nil {
		t.Fatalf("B's outbox made %d attempts (%v), want 1", n, err)
	}
	posts := hook.all()
	if len(posts) != 1 {
		t.Fatalf("the webhook got %d posts", len(posts))
	}
	c.on(A)
	claims := c.verifyJWS(t, posts[0])
	authReqID, _ := claims["auth_req_id"].(string)
	if authReqID != req.ID {
		t.Fatalf("JWS claims %v, want auth_req_id %s", claims, req.ID)
	}

	form := url.Values{"grant_type": {"urn:vipps:params:grant-type:qr"}, "auth_req_id": {authReqID}}
	r, _ := http.NewRequest(http.MethodPost, c.BaseURL+flow.IssuerPath+"oauth2/token", strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.SetBasicAuth("shop", secret)
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tokens struct {
		IDToken     string `json:"id_token"`
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tokens); err != nil || resp.StatusCode != 200 {
		t.Fatalf("qr grant on A: %d (%v)", resp.StatusCode, err)
	}
	c.on(B)
	idt, err := c.Provider.Verifier(&oidc.Config{ClientID: "shop", Now: c.clock.Now}).Verify(c.ctx, tokens.IDToken)
	if err != nil {
		t.Fatalf("QR ID token: %v", err)
	}
	var qr struct {
		QRID string `json:"qr_id"`
	}
	if err := idt.Claims(&qr); err != nil || qr.QRID != code.QRID {
		t.Errorf("ID token qr_id = %q (%v), want %s", qr.QRID, err, code.QRID)
	}
	r, _ = http.NewRequest(http.MethodGet, c.BaseURL+flow.IssuerPath+"userinfo", nil)
	r.Header.Set("Authorization", "Bearer "+tokens.AccessToken)
	if resp, err := http.DefaultClient.Do(r); err != nil || resp.StatusCode != 200 {
		t.Errorf("userinfo on B: %v %v", resp.Status, err)
	} else {
		resp.Body.Close()
	}
}

// verifyJWS checks a compact ES256 JWS against the published keys and
// returns its claims.
func (c *cluster) verifyJWS(t *testing.T, jws string) map[string]any {
	t.Helper()
	sig, err := jose.ParseSignedCompact(jws, []jose.SignatureAlgorithm{jose.ES256})
	if err != nil {
		t.Fatalf("the webhook body is no ES256 JWS: %v", err)
	}
	resp, err := http.Get(c.Issuer + ".well-known/jwks.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var set jose.JSONWebKeySet
	if err := json.NewDecoder(resp.Body).Decode(&set); err != nil {
		t.Fatal(err)
	}
	found := set.Key(sig.Signatures[0].Header.KeyID)
	if len(found) != 1 {
		t.Fatalf("the JWKS has no key %q", sig.Signatures[0].Header.KeyID)
	}
	payload, err := sig.Verify(found[0])
	if err != nil {
		t.Fatalf("the JWS does not verify: %v", err)
	}
	var claims map[string]any
	if err := json.Unmarshal(payload, &claims); err != nil {
		t.Fatal(err)
	}
	return claims
}

// hookRecorder is a merchant's webhook that accepts and keeps every body.
type hookRecorder struct {
	mu     sync.Mutex
	bodies []string
}

func (h *hookRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	h.mu.Lock()
	defer h.mu.Unlock()
	h.bodies = append(h.bodies, string(body))
}

func (h *hookRecorder) all() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.bodies...)
}

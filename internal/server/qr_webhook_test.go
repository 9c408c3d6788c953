package server

import (
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/vippslogin/vippslogin/internal/admin"
	"github.com/vippslogin/vippslogin/internal/app"
	"github.com/vippslogin/vippslogin/internal/devseed"
	"github.com/vippslogin/vippslogin/internal/flow"
	"github.com/vippslogin/vippslogin/internal/webhook"
)

// qrHookClient registers a client of the webhook variant whose
// qr_webhook_url is hook, and a QR code of it.
func (e *qrEnv) qrHookClient(id, hook string) admin.QRCodeResponse {
	e.t.Helper()
	e.client(admin.ClientRequest{ClientID: id, Name: "Shop " + id, Flows: []string{"browser", "qr"}, QRWebhookURL: hook})
	return e.qrCode(id, "Counter of "+id, "")
}

// A QR code without redirect URI, end to end: Ada scans it and approves;
// the outbox POSTs a JWS to the merchant's webhook, which verifies it
// against the JWKS; the merchant redeems its auth_req_id with the qr grant
// once, verifies the ES256 ID token and reads userinfo.
func TestQRWebhookEndToEnd(t *testing.T) {
	e := newQREnv(t)
	rcv := &receiver{}
	hook := httptest.NewServer(rcv)
	t.Cleanup(hook.Close)
	code := e.qrHookClient("shop", hook.URL+"/vipps/qr")
	if code.URL != e.base+"/qr/"+code.QRID || code.ImageURL != code.URL+"/image" || !flow.ValidQRID(code.QRID) {
		t.Errorf("created %+v", code)
	}

	phone := e.phone(devseed.Ada)
	req, err := phone.ScanQR(e.ctx, code.URL)
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	if req.Kind != app.KindQR || req.ClientName != "Shop shop" || req.QRDescription != "Counter of shop" || !req.ConsentRequired ||
		req.Scopes[0] != "openid" || !slices.Contains(req.Scopes, "name") || slices.Contains(req.Scopes, "nin") || req.Status != "waiting" {
		t.Errorf("the app shows %+v", req)
	}
	if listed, err := phone.Requests(e.ctx, 0); err != nil || len(listed) != 1 || listed[0].ID != req.ID || listed[0].Kind != app.KindQR {
		t.Errorf("requests = %+v, %v", listed, err)
	}
	if n := e.deliver(); n != 0 {
		t.Errorf("%d deliveries before the approval", n)
	}
	res, err := phone.Approve(e.ctx, req.ID, app.ApproveRequest{})
	if err != nil || res.OpenURL != "" {
		t.Fatalf("approve: %+v, %v", res, err)
	}

	// The outbox delivers the JWS.
	if n := e.deliver(); n != 1 {
		t.Fatalf("%d attempts, want 1", n)
	}
	got := rcv.posts()
	if len(got) != 1 || got[0].ContentType != "application/jwt" || got[0].ID == "" {
		t.Fatalf("the webhook got %+v", got)
	}
	claims := e.verifyJWS(got[0].Body)
	now := e.clock.Now().Unix()
	if claims["iss"] != e.base+flow.IssuerPath || claims["aud"] != "shop" || claims["auth_req_id"] != req.ID ||
		int64(claims["iat"].(float64)) != now || int64(claims["exp"].(float64)) != now+300 || len(claims) != 5 {
		t.Errorf("JWS claims %v", claims)
	}
	if n := e.deliver(); n != 0 {
		t.Errorf("a delivered event was sent again (%d attempts)", n)
	}

	// The merchant redeems the auth_req_id, a little later.
	e.clock.Add(3 * time.Second)
	authReqID := claims["auth_req_id"].(string)
	status, tokens := e.poll("shop", authReqID)
	if status != http.StatusOK {
		t.Fatalf("qr grant: %d %v", status, tokens)
	}
	access, _ := tokens["access_token"].(string)
	if !strings.HasPrefix(access, "ciba.") || tokens["token_type"] != "Bearer" || tokens["expires_in"] != float64(300) {
		t.Errorf("token response %v", tokens)
	}
	raw := tokens["id_token"].(string)
	idt, err := e.prov.Verifier(&oidc.Config{ClientID: "shop", Now: e.clock.Now}).Verify(e.ctx, raw)
	if err != nil {
		t.Fatalf("verify the ID token against the JWKS: %v", err)
	}
	var c struct {
		QRID          string `json:"qr_id"`
		QRDescription string `json:"qr_description"`
		AuthReqID     string `json:"auth_req_id"`
		Camel         string `json:"authReqId"`
		Aud           string `json:"aud"`
		Exp, Iat      int64
	}
	if err := idt.Claims(&c); err != nil || c.QRID != code.QRID || c.QRDescription != "Counter of shop" ||
		c.AuthReqID != authReqID || c.Camel != authReqID || c.Aud != "shop" || c.Exp-c.Iat != 600 {
		t.Errorf("ID token claims %+v (%v)", c, err)
	}
	if err := idt.VerifyAccessToken(access); err != nil {
		t.Errorf("at_hash: %v", err)
	}
	info, err := e.prov.UserInfo(e.ctx, oauth2.StaticTokenSource(&oauth2.Token{AccessToken: access, TokenType: "Bearer"}))
	var profile struct{ Name string }
	if err != nil || info.Subject != idt.Subject || info.Claims(&profile) != nil || profile.Name != "Ada Lovelace" {
		t.Errorf("userinfo %+v %+v (%v)", info, profile, err)
	}

	// Once only; and approving gave the consent.
	status, body := e.poll("shop", authReqID)
	wantOAuthError(t, "a second redemption", status, body, "invalid_grant")
	if consents, err := phone.Consents(e.ctx); err != nil || len(consents) != 1 || consents[0].ClientID != "shop" {
		t.Errorf("consents %+v, %v", consents, err)
	}
	log, err := e.adm.ListWebhooks(e.ctx, "shop")
	if err != nil || len(log) != 1 || log[0].Event != "QR_LOGIN" || log[0].State != "delivered" || log[0].Attempts != 1 || log[0].LastStatus != 200 {
		t.Errorf("delivery log %+v, %v", log, err)
	}
}

// A receiver that fails twice gets the event a third time, after the
// backoff, once it accepts; every attempt shows in the delivery log.
func TestQRWebhookRetries(t *testing.T) {
	e := newQREnv(t)
	rcv := &receiver{statuses: []int{http.StatusInternalServerError, http.StatusServiceUnavailable}}
	hook := httptest.NewServer(rcv)
	t.Cleanup(hook.Close)
	code := e.qrHookClient("shop", hook.URL)
	phone := e.phone(devseed.Ada)
	req, err := phone.ScanQR(e.ctx, code.URL)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := phone.Approve(e.ctx, req.ID, app.ApproveRequest{}); err != nil {
		t.Fatal(err)
	}

	for i, want := range []struct {
		attempts int
		status   int
		state    string
	}{{1, 500, "pending"}, {2, 503, "pending"}, {3, 200, "delivered"}} {
		if n := e.deliver(); n != 1 {
			t.Fatalf("pass %d: %d attempts", i, n)
		}
		// Not due again until the backoff has passed.
		if n := e.deliver(); n != 0 {
			t.Errorf("pass %d: retried at once", i)
		}
		log, err := e.adm.ListWebhooks(e.ctx, "shop")
		if err != nil || len(log) != 1 || log[0].Attempts != want.attempts || log[0].LastStatus != want.status || log[0].State != want.state {
			t.Fatalf("after attempt %d: log %+v, %v", i+1, log, err)
		}
		if want.state == "pending" && (!strings.Contains(log[0].LastError, "receiver says no") || log[0].NextAttemptAt.IsZero()) {
			t.Errorf("after attempt %d: last_error %q, next attempt %v", i+1, log[0].LastError, log[0].NextAttemptAt)
		}
		if want.state == "delivered" && log[0].LastError != "" {
			t.Errorf("delivered with last_error %q", log[0].LastError)
		}
		e.clock.Add(webhook.Backoff(want.attempts))
	}
	got := rcv.posts()
	if len(got) != 3 || got[0].ID != got[2].ID || got[0].Body != got[2].Body {
		t.Fatalf("the receiver got %d posts: %+v", len(got), got)
	}
	// The JWS is still valid when it finally arrives, and redeemable.
	claims := e.verifyJWS(got[2].Body)
	if exp := int64(claims["exp"].(float64)); e.clock.Now().Unix() >= exp {
		t.Errorf("delivered at %v, after the JWS expired (%d)", e.clock.Now(), exp)
	}
	if status, body := e.poll("shop", claims["auth_req_id"].(string)); status != http.StatusOK {
		t.Errorf("qr grant after the retries: %d %v", status, body)
	}
}

// A receiver that is down when the user approves, and a server killed
// before it could deliver: after a restart on the same database, the
// outbox delivers, and the merchant gets its tokens from the restarted
// server.
func TestQRWebhookSurvivesRestart(t *testing.T) {
	e := newQREnv(t)
	// The merchant's address, with nobody listening yet.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	code := e.qrHookClient("shop", "http://"+addr+"/hook")
	phone := e.phone(devseed.Ada)
	req, err := phone.ScanQR(e.ctx, code.URL)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := phone.Approve(e.ctx, req.ID, app.ApproveRequest{}); err != nil {
		t.Fatal(err)
	}
	if n := e.deliver(); n != 1 {
		t.Fatalf("%d attempts while the receiver is down", n)
	}
	log, err := e.adm.ListWebhooks(e.ctx, "shop")
	if err != nil || len(log) != 1 || log[0].State != "pending" || log[0].LastStatus != 0 || log[0].LastError == "" {
		t.Fatalf("log while the receiver is down: %+v, %v", log, err)
	}

	// The server dies and starts again; the receiver comes up.
	e.restart()
	rcv := &receiver{}
	ln, err = net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("listen on the receiver's address again: %v", err)
	}
	hook := &httptest.Server{Listener: ln, Config: &http.Server{Handler: rcv}}
	hook.Start()
	t.Cleanup(hook.Close)
	e.clock.Add(webhook.Backoff(1))
	if n := e.deliver(); n != 1 {
		t.Fatalf("%d attempts after the restart", n)
	}
	got := rcv.posts()
	if len(got) != 1 {
		t.Fatalf("the receiver got %+v", got)
	}
	claims := e.verifyJWS(got[0].Body)
	if claims["auth_req_id"] != req.ID {
		t.Errorf("claims %v", claims)
	}
	if status, body := e.poll("shop", req.ID); status != http.StatusOK {
		t.Errorf("qr grant after the restart: %d %v", status, body)
	}
	log, err = e.adm.ListWebhooks(e.ctx, "shop")
	if err != nil || len(log) != 1 || log[0].State != "delivered" || log[0].Attempts != 2 {
		t.Errorf("log after the restart: %+v, %v", log, err)
	}
}

// An approval is never lost between the app's answer and the outbox: the
// event is in the store as soon as the approval is, before any deliverer
// ran, and a rejected or expired request owes the merchant nothing.
func TestQRWebhookEnqueuedWithTheApproval(t *testing.T) {
	e := newQREnv(t)
	code := e.qrHookClient("shop", "https://shop.example/hook")
	phone := e.phone(devseed.Ada)
	scan := func() string {
		req, err := phone.ScanQR(e.ctx, code.URL)
		if err != nil {
			t.Fatal(err)
		}
		return req.ID
	}
	if err := phone.Reject(e.ctx, scan()); err != nil {
		t.Fatal(err)
	}
	late := scan()
	e.clock.Add(flow.LoginTTL)
	if _, err := phone.Approve(e.ctx, late, app.ApproveRequest{}); err == nil {
		t.Error("approving an expired request succeeded")
	}
	approved := scan()
	if _, err := phone.Approve(e.ctx, approved, app.ApproveRequest{}); err != nil {
		t.Fatal(err)
	}
	// A second tap changes nothing.
	if _, err := phone.Approve(e.ctx, approved, app.ApproveRequest{}); err == nil {
		t.Error("a second approval succeeded")
	}
	log, err := e.adm.ListWebhooks(e.ctx, "shop")
	if err != nil || len(log) != 1 || log[0].Event != "QR_LOGIN" || log[0].Attempts != 0 ||
		!log[0].ExpiresAt.Equal(e.clock.Now().Add(webhook.QRLoginTTL)) {
		t.Errorf("outbox %+v, %v; want the one approval's event, due", log, err)
	}
}

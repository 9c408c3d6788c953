package vippstest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"

	"github.com/vippslogin/vippslogin/vippstest"
)

// qrShop is the merchant's code under test: a webhook that Vipps tells of
// a login by QR code with a signed JWS, and the redemption of the login.
type qrShop struct {
	issuer, id, secret string
	keys               *oidc.RemoteKeySet
	logins             chan string // the names of the users who logged in
}

func (s *qrShop) webhook(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<16))
	payload, err := s.keys.VerifySignature(ctx, string(body))
	if err != nil {
		http.Error(w, "bad signature", http.StatusBadRequest)
		return
	}
	var event struct {
		AuthReqID string `json:"auth_req_id"`
	}
	json.Unmarshal(payload, &event)
	w.WriteHeader(http.StatusOK)
	s.logins <- s.redeem(ctx, event.AuthReqID)
}

// redeem exchanges the auth_req_id for tokens with the qr grant and
// returns the user's name from userinfo.
func (s *qrShop) redeem(ctx context.Context, authReqID string) string {
	form := url.Values{"grant_type": {"urn:vipps:params:grant-type:qr"}, "auth_req_id": {authReqID}}
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, s.issuer+"oauth2/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(s.id), url.QueryEscape(s.secret))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err.Error()
	}
	defer resp.Body.Close()
	var tokens struct {
		AccessToken string `json:"access_token"`
		IDToken     string `json:"id_token"`
	}
	json.NewDecoder(resp.Body).Decode(&tokens)
	if _, err := s.keys.VerifySignature(ctx, tokens.IDToken); err != nil {
		return err.Error()
	}
	req, _ = http.NewRequestWithContext(ctx, http.MethodGet, s.issuer+"userinfo", nil)
	req.Header.Set("Authorization", "Bearer "+tokens.AccessToken)
	info, err := http.DefaultClient.Do(req)
	if err != nil {
		return err.Error()
	}
	defer info.Body.Close()
	var claims struct {
		Name string `json:"name"`
	}
	json.NewDecoder(info.Body).Decode(&claims)
	return claims.Name
}

// testQRLogin is the merchant's test: its webhook runs on an httptest
// server, registered as the client's qr_webhook_url, and a user scans
// the client's QR code and approves.
func testQRLogin(t testing.TB) {
	srv := vippstest.New(t)
	s := &qrShop{issuer: srv.Issuer(), logins: make(chan string, 1),
		keys: oidc.NewRemoteKeySet(context.Background(), srv.Issuer()+".well-known/jwks.json")}
	hook := httptest.NewServer(http.HandlerFunc(s.webhook))
	t.Cleanup(hook.Close)
	client := srv.Client(vippstest.QRWebhookURL(hook.URL))
	s.id, s.secret = client.ID, client.Secret
	qrID := srv.QRCode(client, "") // no redirect URI: the webhook kind

	grace := srv.User(vippstest.Name("Grace", "Hopper"))
	grace.Approve()
	if _, err := srv.ScanQR(grace, qrID); err != nil {
		t.Fatal(err)
	}
	select {
	case name := <-s.logins:
		fmt.Println("logged in by QR code:", name)
	case <-time.After(10 * time.Second):
		t.Fatal("the webhook was not called")
	}
}

// A login by QR code whose approval reaches the merchant's webhook, an
// httptest server.
func Example_qrWebhook() {
	runTest(testQRLogin)
	// Output:
	// logged in by QR code: Grace Hopper
}

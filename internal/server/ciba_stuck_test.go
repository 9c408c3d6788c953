package server

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/vippslogin/vippslogin/internal/admin"
	"github.com/vippslogin/vippslogin/internal/app"
	"github.com/vippslogin/vippslogin/internal/devseed"
	"github.com/vippslogin/vippslogin/internal/flow"
)

// A login from phone number whose answer never reached its client (the
// server stopped between the commit and the answer) keeps the user's next
// one at 429 until it expires: Vipps' rule of one waiting request per
// user. The user sees that request in the app and may reject it, and a
// support desk may cancel the user's pending logins; either way the next
// backchannel request goes through at once, and the client that did learn
// of a cancelled request gets access_denied.
func TestStuckCIBARequest(t *testing.T) {
	e := newQREnv(t)
	e.cibaPingClient("shop", "")

	status, body := e.backchannel("shop", nil)
	lost, _ := body["auth_req_id"].(string)
	if status != http.StatusOK || lost == "" {
		t.Fatalf("backchannel: %d %v", status, body)
	}
	e.restart() // the answer is lost with the process; the request stays
	if status, body := e.backchannel("shop", nil); status != http.StatusTooManyRequests {
		t.Fatalf("a second backchannel request = %d %v, want 429 while the lost one waits", status, body)
	}

	ada := e.phone(devseed.Ada)
	reqs, err := ada.Requests(e.ctx, 0)
	if err != nil || len(reqs) != 1 || reqs[0].ID != lost || reqs[0].Kind != app.KindCIBA || reqs[0].ClientName != "Shop shop" {
		t.Fatalf("the app's requests = %+v, %v; want the lost CIBA request", reqs, err)
	}
	if err := ada.Reject(e.ctx, lost); err != nil {
		t.Fatal(err)
	}
	status, body = e.backchannel("shop", nil)
	next, _ := body["auth_req_id"].(string)
	if status != http.StatusOK || next == "" {
		t.Fatalf("backchannel after the user rejected the lost request = %d %v, want 200", status, body)
	}

	// The support desk's way: the next one is stuck too, and the user
	// cannot reach the app.
	if status, _ := e.backchannel("shop", nil); status != http.StatusTooManyRequests {
		t.Fatalf("backchannel while %s waits = %d, want 429", next, status)
	}
	n, err := e.adm.CancelLogins(e.ctx, devseed.Ada)
	if err != nil || n != 1 {
		t.Fatalf("CancelLogins = %d, %v; want 1", n, err)
	}
	status, body = e.pollCIBA("shop", next)
	wantOAuthError(t, "poll of a cancelled request", status, body, "access_denied")
	if body["error_description"] != admin.CancelledDescription {
		t.Errorf("error_description %q, want %q", body["error_description"], admin.CancelledDescription)
	}
	if status, body := e.backchannel("shop", nil); status != http.StatusOK {
		t.Errorf("backchannel after cancel-logins = %d %v, want 200", status, body)
	}
}

// An operator's cancel-logins ends a browser login too: the browser on the
// wait page goes back to the client with error=access_denied and the
// cancellation's description.
func TestCancelLoginsEndsABrowserLogin(t *testing.T) {
	e := startE2E(t)
	ctx := t.Context()
	cfg := e.oauth(devseed.ClientID, devseed.ClientSecret, "openid")
	b := newBrowser(t)
	p := b.get(cfg.AuthCodeURL("state-support"))
	tabID := p.URL.Query().Get("tabId")
	b.post(e.BaseURL+"/vipps-login-idp/phone", url.Values{"tabId": {tabID}, "phone_number": {devseed.Ada}})
	adm := &admin.Client{BaseURL: e.BaseURL, Token: e.Server.AdminToken}
	if n, err := adm.CancelLogins(ctx, devseed.Ada); err != nil || n != 1 {
		t.Fatalf("CancelLogins = %d, %v; want 1", n, err)
	}
	b.get(e.BaseURL + flow.LoginPath + "?tabId=" + url.QueryEscape(tabID))
	if b.Landed == nil || b.Landed.Query().Get("error") != "access_denied" ||
		b.Landed.Query().Get("error_description") != admin.CancelledDescription || b.Landed.Query().Get("state") != "state-support" {
		t.Fatalf("the cancelled login landed at %v, want access_denied with the cancellation's description", b.Landed)
	}
}

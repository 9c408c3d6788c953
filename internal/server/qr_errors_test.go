package server

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/vippslogin/vippslogin/internal/admin"
	"github.com/vippslogin/vippslogin/internal/app"
	"github.com/vippslogin/vippslogin/internal/devseed"
	"github.com/vippslogin/vippslogin/internal/jsonapi"
)

// wantProblem asserts a problem answer with the status whose detail holds
// want.
func wantProblem(t *testing.T, what string, err error, status int, want string) {
	t.Helper()
	var p *jsonapi.Problem
	if !errors.As(err, &p) || p.Status != status || !strings.Contains(p.Detail, want) {
		t.Errorf("%s: %v, want %d mentioning %q", what, err, status, want)
	}
}

// Scans that cannot log in: not a QR code, an unknown or deleted one, a
// client that lost the qr flow or its webhook.
func TestQRScanErrors(t *testing.T) {
	e := newQREnv(t)
	code := e.qrHookClient("shop", "https://shop.example/hook")
	phone := e.phone(devseed.Ada)

	_, err := phone.ScanQR(e.ctx, "https://example.com/not-a-qr-code")
	wantProblem(t, "a URL that is no QR code", err, http.StatusBadRequest, "not a Vipps login QR code")
	_, err = phone.ScanQR(e.ctx, e.base+"/qr/Nope1234")
	wantProblem(t, "an unknown code", err, http.StatusNotFound, "deleted, or never existed")
	// The bare id, and the URL as another host name reaches it, scan too.
	if _, err := phone.ScanQR(e.ctx, code.QRID); err != nil {
		t.Errorf("scan of the bare id: %v", err)
	}
	if _, err := phone.ScanQR(e.ctx, "https://vipps.example/qr/"+code.QRID+"/"); err != nil {
		t.Errorf("scan of the URL on another host: %v", err)
	}

	none := ""
	if _, err := e.adm.UpdateClient(e.ctx, "shop", admin.ClientPatch{QRWebhookURL: &none}); err != nil {
		t.Fatal(err)
	}
	_, err = phone.ScanQR(e.ctx, code.URL)
	wantProblem(t, "a client without qr_webhook_url", err, http.StatusConflict, "qr_webhook_url")
	flows := []string{"browser"}
	if _, err := e.adm.UpdateClient(e.ctx, "shop", admin.ClientPatch{Flows: &flows}); err != nil {
		t.Fatal(err)
	}
	_, err = phone.ScanQR(e.ctx, code.URL)
	wantProblem(t, "a client without the qr flow", err, http.StatusForbidden, "qr flow")

	if err := e.adm.DeleteQRCode(e.ctx, "shop", code.QRID); err != nil {
		t.Fatal(err)
	}
	_, err = phone.ScanQR(e.ctx, code.URL)
	wantProblem(t, "a deleted code", err, http.StatusNotFound, "deleted, or never existed")
	status, _ := httpGet(t, code.URL)
	if status != http.StatusNotFound {
		t.Errorf("the deleted code's page: %d", status)
	}
}

// The qr grant before and after the answer: CIBA's answers, for the
// client's own requests only.
func TestQRGrantErrors(t *testing.T) {
	e := newQREnv(t)
	code := e.qrHookClient("shop", "https://shop.example/hook")
	e.qrHookClient("other", "https://other.example/hook")
	e.client(admin.ClientRequest{ClientID: "browser-only", Name: "Browser Only"})
	phone := e.phone(devseed.Ada)
	scan := func(p *app.Client) string {
		t.Helper()
		req, err := p.ScanQR(e.ctx, code.URL)
		if err != nil {
			t.Fatal(err)
		}
		return req.ID
	}

	id := scan(phone)
	for _, tc := range []struct {
		what, client string
		form         url.Values
		status       int
		want         string
	}{
		{"no auth_req_id", "shop", url.Values{"grant_type": {"urn:vipps:params:grant-type:qr"}}, 400, "invalid_request"},
		{"an unknown id", "shop", qrForm("nope"), 400, "invalid_grant"},
		{"another client's id", "other", qrForm(id), 400, "invalid_grant"},
		{"a client without the qr flow", "browser-only", qrForm(id), 400, "unauthorized_client"},
		{"a wrong secret", "nobody", qrForm(id), 401, "invalid_client"},
		{"the first poll", "shop", qrForm(id), 400, "authorization_pending"},
		{"a poll too soon", "shop", qrForm(id), 400, "slow_down"},
	} {
		status, body := e.token(tc.client, tc.form)
		if status != tc.status || body["error"] != tc.want {
			t.Errorf("%s: %d %v, want %d %s", tc.what, status, body, tc.status, tc.want)
		}
	}
	e.clock.Add(10 * time.Second) // the interval after one slow_down
	status, body := e.poll("shop", id)
	wantOAuthError(t, "a poll after the interval", status, body, "authorization_pending")

	// Rejected: access_denied, from then on.
	if err := phone.Reject(e.ctx, id); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		status, body = e.poll("shop", id)
		wantOAuthError(t, "a rejected request", status, body, "access_denied")
	}

	// Not answered in time: expired_token, and the app is told so.
	id = scan(phone)
	e.clock.Add(5 * time.Minute)
	status, body = e.poll("shop", id)
	wantOAuthError(t, "an expired request", status, body, "expired_token")
	_, err := phone.Approve(e.ctx, id, app.ApproveRequest{})
	wantProblem(t, "approving an expired request", err, http.StatusConflict, "already answered")
	id = scan(phone)
	e.clock.Add(5 * time.Minute)
	_, err = phone.Approve(e.ctx, id, app.ApproveRequest{})
	wantProblem(t, "approving a request that expired unpolled", err, http.StatusGone, "scan the QR code again")

	// An outdated app cannot approve: access_denied.
	old := e.phone(devseed.OutdatedApp)
	id = scan(old)
	_, err = old.Approve(e.ctx, id, app.ApproveRequest{})
	wantProblem(t, "an outdated app", err, http.StatusConflict, "too old")
	status, body = e.poll("shop", id)
	wantOAuthError(t, "an outdated app's request", status, body, "access_denied")

	// Approved, the auth_req_id is redeemable for a while, however late in
	// the scan's five minutes the approval came, and then expires.
	id = scan(phone)
	e.clock.Add(4 * time.Minute)
	if _, err := phone.Approve(e.ctx, id, app.ApproveRequest{}); err != nil {
		t.Fatal(err)
	}
	e.clock.Add(app.QRRedeemTTL)
	status, body = e.poll("shop", id)
	wantOAuthError(t, "an approval never redeemed", status, body, "expired_token")
	id = scan(phone)
	e.clock.Add(4 * time.Minute)
	if _, err := phone.Approve(e.ctx, id, app.ApproveRequest{}); err != nil {
		t.Fatal(err)
	}
	e.clock.Add(app.QRRedeemTTL - time.Second)
	if status, body := e.poll("shop", id); status != http.StatusOK {
		t.Errorf("redeemed a second before the window closes: %d %v", status, body)
	}
}

func qrForm(authReqID string) url.Values {
	return url.Values{"grant_type": {"urn:vipps:params:grant-type:qr"}, "auth_req_id": {authReqID}}
}

func httpGet(t *testing.T, u string) (int, string) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

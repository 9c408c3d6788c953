package server

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/vippslogin/vippslogin/internal/admin"
	"github.com/vippslogin/vippslogin/internal/app"
	"github.com/vippslogin/vippslogin/internal/devseed"
	"github.com/vippslogin/vippslogin/internal/flow"
)

// A QR code with a redirect URI, end to end: the approval's open_url takes
// the phone's browser to the merchant with a code, which the qr-redirect
// grant redeems once for tokens naming the code scanned.
func TestQRRedirectEndToEnd(t *testing.T) {
	e := newQREnv(t)
	const redirect = "https://shop.example/qr-done?shop=1"
	e.client(admin.ClientRequest{ClientID: "web", Name: "Web Shop", Flows: []string{"qr", "ciba", "browser"}, RedirectURIs: []string{redirect}})
	code := e.qrCode("web", "Poster in the window", redirect)
	phone := e.phone(devseed.Ada)
	scanApprove := func() (app.Request, url.Values) {
		t.Helper()
		req, err := phone.ScanQR(e.ctx, code.URL)
		if err != nil {
			t.Fatal(err)
		}
		res, err := phone.Approve(e.ctx, req.ID, app.ApproveRequest{})
		if err != nil {
			t.Fatal(err)
		}
		open, err := url.Parse(res.OpenURL)
		if err != nil || !strings.HasPrefix(res.OpenURL, redirect+"&") {
			t.Fatalf("open_url %q, want %s&code=…", res.OpenURL, redirect)
		}
		return req, open.Query()
	}
	req, q := scanApprove()
	if q.Get("code") == "" || q.Has("state") || q.Get("iss") != e.base+flow.IssuerPath || q.Get("shop") != "1" {
		t.Errorf("open_url query %v", q)
	}
	// Its tokens come by the code, not by polling.
	status, body := e.poll("web", req.ID)
	wantOAuthError(t, "the qr grant for a redirect code's login", status, body, "invalid_grant")

	redeem := func(grant, code string) (int, map[string]any) {
		return e.token("web", url.Values{"grant_type": {grant}, "code": {code}})
	}
	status, tokens := redeem("urn:vipps:params:grant-type:qr-redirect", q.Get("code"))
	if status != http.StatusOK {
		t.Fatalf("qr-redirect: %d %v", status, tokens)
	}
	access := tokens["access_token"].(string)
	// The browser flow's token response, as the document's example for
	// this grant: "expires_in": 3599, "token_type": "bearer".
	if strings.HasPrefix(access, "ciba.") || tokens["token_type"] != "bearer" || tokens["expires_in"] != float64(3599) {
		t.Errorf("token response %v", tokens)
	}
	idt, err := e.prov.Verifier(&oidc.Config{ClientID: "web", Now: e.clock.Now}).Verify(e.ctx, tokens["id_token"].(string))
	if err != nil {
		t.Fatal(err)
	}
	var c struct {
		QRID          string `json:"qr_id"`
		QRDescription string `json:"qr_description"`
		AuthReqID     string `json:"auth_req_id"`
	}
	if err := idt.Claims(&c); err != nil || c.QRID != code.QRID || c.QRDescription != "Poster in the window" || c.AuthReqID != req.ID {
		t.Errorf("ID token claims %+v (%v)", c, err)
	}
	src := oauth2.StaticTokenSource(&oauth2.Token{AccessToken: access, TokenType: "Bearer"})
	if info, err := e.prov.UserInfo(e.ctx, src); err != nil || info.Subject != idt.Subject {
		t.Errorf("userinfo %+v, %v", info, err)
	}

	// Once: a replay is refused and revokes what the code gave.
	status, body = redeem("urn:vipps:params:grant-type:qr-redirect", q.Get("code"))
	wantOAuthError(t, "a replayed code", status, body, "invalid_grant")
	if _, err := e.prov.UserInfo(e.ctx, src); err == nil {
		t.Error("userinfo works after the replay")
	}

	// A QR code's code is not a CIBA one, nor a browser one.
	_, q = scanApprove()
	status, body = redeem("urn:vipps:params:grant-type:ciba-redirect", q.Get("code"))
	wantOAuthError(t, "ciba-redirect with a QR code", status, body, "invalid_grant")
	if d, _ := body["error_description"].(string); !strings.Contains(d, "qr-redirect") {
		t.Errorf("the error does not say which grant: %q", d)
	}
	_, q = scanApprove()
	status, body = e.token("web", url.Values{"grant_type": {"authorization_code"}, "code": {q.Get("code")}, "redirect_uri": {redirect}})
	wantOAuthError(t, "authorization_code with a QR code", status, body, "invalid_grant")
}

// The demo shop's QR code, seeded in dev mode: scanned and approved, the
// open_url lands on the shop, which shows the ID token with the code's
// qr_id and the user's name.
func TestQRDemoShop(t *testing.T) {
	e := startE2E(t)
	shop, err := http.Get(e.BaseURL + "/demo/")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(shop.Body)
	shop.Body.Close()
	if !strings.Contains(string(page), e.BaseURL+"/qr/"+devseed.QRID) || !strings.Contains(string(page), `src="../qr/DemoShop/image"`) {
		t.Fatalf("the demo shop does not show its QR code:\n%s", page)
	}
	phone := &app.Client{BaseURL: e.BaseURL}
	if _, err := phone.SignIn(t.Context(), devseed.Ada, devseed.PIN); err != nil {
		t.Fatal(err)
	}
	req, err := phone.ScanQR(t.Context(), e.BaseURL+"/qr/"+devseed.QRID)
	if err != nil {
		t.Fatal(err)
	}
	res, err := phone.Approve(t.Context(), req.ID, app.ApproveRequest{})
	if err != nil || !strings.HasPrefix(res.OpenURL, e.BaseURL+devseed.QRCallbackPath+"?") {
		t.Fatalf("approve: %+v, %v", res, err)
	}
	landed, err := http.Get(res.OpenURL)
	if err != nil {
		t.Fatal(err)
	}
	defer landed.Body.Close()
	body, _ := io.ReadAll(landed.Body)
	for _, want := range []string{"Welcome, Ada Lovelace", `&#34;qr_id&#34;: &#34;DemoShop&#34;`, "The demo shop&#39;s counter"} {
		if landed.StatusCode != http.StatusOK || !strings.Contains(string(body), want) {
			t.Fatalf("the shop's QR callback (%d) lacks %s:\n%s", landed.StatusCode, want, body)
		}
	}
}

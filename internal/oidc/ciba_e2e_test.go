package oidc

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"

	"github.com/vippslogin/vippslogin/internal/app"
	"github.com/vippslogin/vippslogin/internal/store"
)

// A merchant's CIBA client, written as plain form posts from the discovery
// document, logs Ada in while her app, waiting for requests, approves; the
// client polls to the tokens, verifies the ES256 ID token against the JWKS
// and reads userinfo with the access token.
func TestCIBAEndToEnd(t *testing.T) {
	e := newCIBAEnv(t)
	var meta struct {
		Backchannel string   `json:"backchannel_authentication_endpoint"`
		Modes       []string `json:"backchannel_token_delivery_modes_supported"`
		Grants      []string `json:"grant_types_supported"`
	}
	if err := e.prov.Claims(&meta); err != nil {
		t.Fatal(err)
	}
	if meta.Backchannel != e.srv.URL+BackchannelPath || !slices.Equal(meta.Modes, []string{"poll", "ping"}) ||
		!slices.Contains(meta.Grants, grantCIBA) || !slices.Contains(meta.Grants, grantCIBARedirect) {
		t.Fatalf("discovery: %+v", meta)
	}

	// The phone waits for a request and approves it once it shows the
	// binding message.
	phone := e.phone(adaPhone)
	answered := make(chan app.Request, 1)
	go func() {
		defer close(answered)
		reqs, err := phone.Requests(e.ctx, 10*time.Second)
		if err != nil || len(reqs) != 1 {
			t.Errorf("requests = %v, %v", reqs, err)
			return
		}
		if _, err := phone.Approve(e.ctx, reqs[0].ID, app.ApproveRequest{}); err != nil {
			t.Errorf("approve: %v", err)
		}
		answered <- reqs[0]
	}()

	form := url.Values{"login_hint": {"urn:msisdn:" + adaPhone}, "scope": {"openid name phoneNumber"},
		"binding_message": {"SHOP-42"}, "nonce": {"n-0S6_WzA2Mj"}}
	resp, body := e.do("POST", strings.TrimPrefix(meta.Backchannel, e.srv.URL), form, asClient(cibaClient))
	if resp.StatusCode != 200 {
		t.Fatalf("start: %d %v", resp.StatusCode, body)
	}
	id := body["auth_req_id"].(string)
	interval := time.Duration(jsonNumber(body["interval"])) * time.Second

	// Poll as a client does, waiting the interval (on the fake clock).
	var (
		tokens map[string]any
		shown  app.Request
		seen   bool
	)
	for i := 0; tokens == nil; i++ {
		if i > 0 {
			if !seen {
				shown, seen = <-answered, true // the app's answer may be seen from now on
			}
			e.clock.Add(interval)
		}
		resp, body := e.poll(cibaClient, id)
		switch {
		case resp.StatusCode == 200:
			tokens = body
		case body["error"] == ErrAuthorizationPending && i < 3:
		case body["error"] == ErrSlowDown:
			interval += 5 * time.Second
		default:
			t.Fatalf("poll %d: %d %v", i, resp.StatusCode, body)
		}
	}
	if !seen {
		shown = <-answered // the app was quicker than the first poll
	}
	if shown.Kind != app.KindCIBA || shown.BindingMessage != "SHOP-42" || shown.ClientName != "Shop "+cibaClient ||
		!shown.ConsentRequired || len(shown.ChallengeOptions) != 0 || !slices.Equal(shown.Scopes, []string{"openid", "name", "phoneNumber"}) {
		t.Errorf("the app showed %+v", shown)
	}

	access, _ := tokens["access_token"].(string)
	if !strings.HasPrefix(access, "ciba.") || len(access) < 5+43 || tokens["token_type"] != "Bearer" ||
		tokens["expires_in"] != float64(300) || tokens["scope"] != "openid name phoneNumber" {
		t.Errorf("token response %v", tokens)
	}
	raw := tokens["id_token"].(string)
	idt, err := e.prov.Verifier(&oidc.Config{ClientID: cibaClient, Now: e.clock.Now}).Verify(e.ctx, raw)
	if err != nil {
		t.Fatalf("verify the ID token against the JWKS: %v", err)
	}
	header, payload := jwtParts(t, raw)
	approvedAt := e.request(id).AuthTime
	if header["alg"] != "ES256" || !strings.HasPrefix(header["kid"].(string), "public:") {
		t.Errorf("header %v", header)
	}
	if payload["aud"] != cibaClient || payload["iss"] != e.p.Issuer() || payload["auth_req_id"] != id || payload["authReqId"] != id ||
		payload["nonce"] != "n-0S6_WzA2Mj" || payload["sid"] == "" || idt.Nonce != "n-0S6_WzA2Mj" ||
		jsonNumber(payload["exp"])-jsonNumber(payload["iat"]) != 600 || jsonNumber(payload["iat"]) != e.clock.Now().Unix() ||
		jsonNumber(payload["auth_time"]) != approvedAt.Unix() {
		t.Errorf("claims %v", payload)
	}
	if err := idt.VerifyAccessToken(access); err != nil {
		t.Errorf("at_hash: %v", err)
	}

	// The sub is the one the client sees for Ada in the browser flow.
	_, browser := e.mustExchange(cibaClient, e.code(func(c *store.AuthCode) { c.ClientID = cibaClient }), "")
	if browser.Subject != idt.Subject {
		t.Errorf("CIBA sub %s, browser sub %s", idt.Subject, browser.Subject)
	}

	resp, info := e.userinfo("GET", access)
	if resp.StatusCode != 200 || info["sub"] != idt.Subject || info["name"] != "Ada Lovelace" ||
		info["phone_number"] != adaPhone || info["sid"] != payload["sid"] {
		t.Errorf("userinfo: %d %v", resp.StatusCode, info)
	}
	// Approving was the consent, as the consent page's accept would be.
	if c, err := e.st.GetConsent(e.ctx, adaPhone, cibaClient); err != nil || !slices.Equal(c.Scopes, []string{"name", "phoneNumber"}) {
		t.Errorf("consent = %+v, %v", c, err)
	}
	// The access token lives 300 s.
	e.clock.Add(300 * time.Second)
	if resp, _ := e.userinfo("GET", access); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("userinfo after 300 s: %d", resp.StatusCode)
	}
}

// redeem asks for the tokens of a login_to_webpage code.
func (e *cibaEnv) redeem(client, code string) (*http.Response, map[string]any) {
	e.t.Helper()
	form := url.Values{"grant_type": {grantCIBARedirect}}
	if code != "" {
		form.Set("code", code)
	}
	return e.do("POST", IssuerPath+"oauth2/token", form, asClient(client))
}

// Redirect to browser: the approval opens the client's redirect_uri with a
// code, and the ciba-redirect grant redeems it once for tokens that carry
// the auth_req_id the client got at the start.
func TestCIBALoginToWebpage(t *testing.T) {
	e := newCIBAEnv(t)
	id := e.mustStart(cibaClient, cibaForm(func(f url.Values) {
		f.Set("requested_flow", "login_to_webpage")
		f.Set("redirect_uri", shopCallback)
	}))
	resp, body := e.poll(cibaClient, id)
	wantError(t, resp, body, 400, ErrAuthorizationPending)

	open := e.answer(e.phone(adaPhone), id, true).OpenURL
	u, err := url.Parse(open)
	if err != nil || !strings.HasPrefix(open, shopCallback+"?") || u.Query().Get("state") != "state-123" || u.Query().Get("code") == "" {
		t.Fatalf("open_url = %q", open)
	}
	code := u.Query().Get("code")
	if r := e.request(id); r.Status != store.LoginDone {
		t.Errorf("status after approval %s", r.Status)
	}
	// Its tokens come only through the code.
	resp, body = e.poll(cibaClient, id)
	wantError(t, resp, body, 400, ErrInvalidGrant)

	resp, tokens := e.redeem(cibaClient, code)
	// The browser flow's token response (TestRedirectGrantsHaveTheBrowserShape).
	if resp.StatusCode != 200 || strings.HasPrefix(tokens["access_token"].(string), "ciba.") || tokens["token_type"] != "bearer" || tokens["expires_in"] != float64(3599) {
		t.Fatalf("redeem: %d %v", resp.StatusCode, tokens)
	}
	idt, err := e.prov.Verifier(&oidc.Config{ClientID: cibaClient, Now: e.clock.Now}).Verify(e.ctx, tokens["id_token"].(string))
	if err != nil {
		t.Fatal(err)
	}
	var c struct {
		AuthReqID string `json:"auth_req_id"`
		Camel     string `json:"authReqId"`
		Nonce     string `json:"nonce"`
	}
	if err := idt.Claims(&c); err != nil || c.AuthReqID != id || c.Camel != id || c.Nonce != "nonce-123" {
		t.Errorf("claims %+v, %v", c, err)
	}
	access := tokens["access_token"].(string)
	if resp, info := e.userinfo("GET", access); resp.StatusCode != 200 || info["name"] != "Ada Lovelace" {
		t.Errorf("userinfo %d %v", resp.StatusCode, info)
	}

	// A replay is refused and revokes what the code gave.
	resp, body = e.redeem(cibaClient, code)
	wantError(t, resp, body, 400, ErrInvalidGrant)
	if resp, _ := e.userinfo("GET", access); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("userinfo after the replay: %d", resp.StatusCode)
	}

	// Without a state, the open_url has none.
	id = e.mustStart(cibaClient, cibaForm(func(f url.Values) {
		f.Set("requested_flow", "login_to_webpage")
		f.Set("redirect_uri", shopCallback)
		f.Del("state")
	}))
	if open := e.answer(e.phone(adaPhone), id, true).OpenURL; strings.Contains(open, "state=") {
		t.Errorf("open_url = %q", open)
	}
}

func TestCIBARedirectErrors(t *testing.T) {
	e := newCIBAEnv(t)
	cibaCode := func(change func(*store.AuthCode)) string {
		return e.code(func(c *store.AuthCode) {
			c.ClientID, c.AuthReqID = cibaClient, "auth-req"
			if change != nil {
				change(c)
			}
		})
	}
	tests := []struct {
		name   string
		client string
		code   string
		want   string
	}{
		{"unknown code", cibaClient, "nope", ErrInvalidGrant},
		{"no code", cibaClient, "", ErrInvalidRequest},
		{"a browser code", cibaClient, e.code(func(c *store.AuthCode) { c.ClientID = cibaClient }), ErrInvalidGrant},
		{"another client's code", cibaPostClient, cibaCode(nil), ErrInvalidGrant},
		{"expired code", cibaClient, cibaCode(func(c *store.AuthCode) { c.ExpiresAt = e.clock.Now() }), ErrInvalidGrant},
		{"client without the ciba flow", basicClient, cibaCode(func(c *store.AuthCode) { c.ClientID = basicClient }), ErrUnauthorizedClient},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := e.redeem(tt.client, tt.code)
			wantError(t, resp, body, 400, tt.want)
		})
	}
	// And the authorization_code grant refuses a CIBA code.
	_, err := e.exchange(cibaClient, cibaCode(nil), "")
	oauthErr(t, err, ErrInvalidGrant)
	// A good one works, two minutes less a second after it was made.
	code := cibaCode(nil)
	e.clock.Add(2*time.Minute - time.Second)
	if resp, body := e.redeem(cibaClient, code); resp.StatusCode != 200 {
		t.Errorf("redeem: %d %v", resp.StatusCode, body)
	}
}

package server

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/vippslogin/vippslogin/internal/app"
	"github.com/vippslogin/vippslogin/internal/devseed"
)

// The redirect carries the request's scope string, order included, in
// every way a login ends with a code (vipps-login-api-2.0 "OAuth 2.0
// Authorize": the scope "will always be the same as in the request
// query"): a desktop login through the consent page, a remembered
// browser, no_dialog, and a login from phone number that sends the
// browser to the merchant (login_to_webpage). Along the way, an unchanged
// merchant (x/oauth2 + go-oidc) takes the browser flow's ID token without
// a nonce, which carries "nonce": "" as Vipps' example does, and the
// ciba-redirect grant's browser-shaped tokens.
func TestRedirectScopeEndToEnd(t *testing.T) {
	e := startE2E(t)
	ctx := context.Background()
	cfg := e.oauth(devseed.ClientID, devseed.ClientSecret)
	authURL := func(scope string, opts ...oauth2.AuthCodeOption) string {
		c := *cfg
		c.Scopes = strings.Fields(scope)
		return c.AuthCodeURL("state-12345678", opts...)
	}
	landedScope := func(b *browser, what, want string) url.Values {
		t.Helper()
		if b.Landed == nil {
			t.Fatalf("%s: the browser did not come back to the merchant", what)
		}
		q := b.Landed.Query()
		if q.Get("code") == "" || q.Get("scope") != want {
			t.Errorf("%s: came back with %s, want a code and scope %q", what, b.Landed, want)
		}
		return q
	}

	// Desktop, through the consent page.
	b := newBrowser(t)
	p := e.loginWithPhone(t, b, authURL("openid phoneNumber name"), devseed.Ada, true)
	b.post(e.BaseURL+"/vipps-login-idp/consent", url.Values{"tabId": {p.URL.Query().Get("tabId")}, "action": {"accept"}})
	q := landedScope(b, "desktop login", "openid phoneNumber name")

	// No nonce was sent: the ID token has an empty one, which go-oidc
	// verifies and reads as none.
	tok, err := cfg.Exchange(ctx, q.Get("code"))
	if err != nil {
		t.Fatalf("token: %v", err)
	}
	if tok.Extra("scope") != "openid phoneNumber name" {
		t.Errorf("token response scope %v", tok.Extra("scope"))
	}
	idt, err := e.Provider.Verifier(&oidc.Config{ClientID: devseed.ClientID}).Verify(ctx, tok.Extra("id_token").(string))
	if err != nil {
		t.Fatalf("go-oidc refuses the ID token: %v", err)
	}
	var claims map[string]any
	if err := idt.Claims(&claims); err != nil {
		t.Fatal(err)
	}
	if nonce, ok := claims["nonce"]; !ok || nonce != "" || idt.Nonce != "" {
		t.Errorf(`nonce claim %#v (present: %v), go-oidc's %q; want ""`, nonce, ok, idt.Nonce)
	}

	// The remembered browser, in another order, and no_dialog.
	b.get(authURL("name openid"))
	landedScope(b, "remembered browser", "name openid")
	b.get(authURL("phoneNumber openid name", oauth2.SetAuthURLParam("requested_flow", "no_dialog")))
	landedScope(b, "no_dialog", "phoneNumber openid name")

	// Login from phone number, redirected to the browser.
	status, body := postForm(t, e.BaseURL+oidcBackchannelPath, url.Values{
		"login_hint": {"urn:msisdn:" + devseed.Ada}, "scope": {"phoneNumber openid name"},
		"requested_flow": {"login_to_webpage"}, "redirect_uri": {merchantRedirect},
	}, devseed.ClientID, devseed.ClientSecret)
	if status != 200 {
		t.Fatalf("backchannel: %d %v", status, body)
	}
	phoneApp := &app.Client{BaseURL: e.BaseURL}
	if _, err := phoneApp.SignIn(ctx, devseed.Ada, devseed.PIN); err != nil {
		t.Fatal(err)
	}
	res, err := phoneApp.Approve(ctx, body["auth_req_id"].(string), app.ApproveRequest{})
	if err != nil {
		t.Fatalf("approve: %v", err)
	}
	open, err := url.Parse(res.OpenURL)
	if err != nil || open.Query().Get("scope") != "phoneNumber openid name" || open.Query().Get("code") == "" {
		t.Fatalf("open_url %q, want a code and scope %q", res.OpenURL, "phoneNumber openid name")
	}
	status, tokens := postForm(t, e.Issuer+"oauth2/token", url.Values{
		"grant_type": {"urn:vipps:params:grant-type:ciba-redirect"}, "code": {open.Query().Get("code")},
	}, devseed.ClientID, devseed.ClientSecret)
	if status != 200 || tokens["scope"] != "phoneNumber openid name" || tokens["token_type"] != "bearer" || tokens["expires_in"] != float64(3599) {
		t.Fatalf("ciba-redirect: %d %v", status, tokens)
	}
	src := oauth2.StaticTokenSource(&oauth2.Token{AccessToken: tokens["access_token"].(string), TokenType: "bearer"})
	if info, err := e.Provider.UserInfo(ctx, src); err != nil || info.Subject != idt.Subject {
		t.Errorf("userinfo with the ciba-redirect access token: %+v, %v (browser sub %s)", info, err, idt.Subject)
	}
}

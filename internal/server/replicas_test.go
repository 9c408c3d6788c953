package server

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/vippslogin/vippslogin/internal/app"
	"github.com/vippslogin/vippslogin/internal/devseed"
	"github.com/vippslogin/vippslogin/internal/flow"
	"github.com/vippslogin/vippslogin/internal/secret"
	"github.com/vippslogin/vippslogin/internal/store"
	"github.com/vippslogin/vippslogin/internal/store/postgres/pgtest"
)

// A and B name the replicas in the steps below.
const (
	A = 0
	B = 1
)

// twoReplicas is two servers, each with its own pool, on one fresh
// PostgreSQL schema; the test skips without VIPPSLOGIN_TEST_POSTGRES.
func twoReplicas(t *testing.T) *cluster {
	t.Helper()
	return newCluster(t, openPostgres(t, pgtest.URL(t), 2)...)
}

// browserLogin walks a browser login up to the code, alternating between
// the replicas (when pinning): authorize on A, the phone page on B, the
// app's sign-in on A and its inbox and approval on B, the wait page's poll
// on A, the consent page on B and the consent on A (unless the scopes need
// none). phone is the user's
// signed-in app. It returns the code and the verifier to redeem it with.
func (c *cluster) browserLogin(tb testing.TB, cfg *oauth2.Config, phone *app.Client, phoneNumber string) (code, verifier string) {
	tb.Helper()
	verifier = oauth2.GenerateVerifier()
	b := newBrowser(tb)
	c.on(A)
	p := b.get(cfg.AuthCodeURL("state-"+phoneNumber, oidc.Nonce("nonce-"+phoneNumber), oauth2.S256ChallengeOption(verifier)))
	tabID := p.URL.Query().Get("tabId")
	if !strings.Contains(p.Body, `name="phone_number"`) || tabID == "" {
		tb.Fatalf("expected the phone page, got %d at %s", p.Status, p.URL)
	}
	c.on(B)
	p = b.post(c.BaseURL+"/vipps-login-idp/phone", url.Values{"tabId": {tabID}, "phone_number": {phoneNumber}})
	m := challengeRE.FindStringSubmatch(p.Body)
	if m == nil {
		tb.Fatalf("no challenge on the wait page (%d at %s)", p.Status, p.URL)
	}
	reqs, err := phone.Requests(c.ctx, 0)
	if err != nil || len(reqs) != 1 {
		tb.Fatalf("the app sees %v (%v), want one login request", reqs, err)
	}
	if _, err := phone.Approve(c.ctx, reqs[0].ID, app.ApproveRequest{Challenge: m[1]}); err != nil {
		tb.Fatalf("approve: %v", err)
	}
	c.on(A)
	if p = b.get(c.BaseURL + "/vipps-login-idp/api/status?tabId=" + url.QueryEscape(tabID)); !strings.Contains(p.Body, `"approved"`) {
		tb.Fatalf("the wait page's poll says %d %s, want approved", p.Status, p.Body)
	}
	c.on(B)
	p = b.get(c.BaseURL + flow.LoginPath + "?tabId=" + url.QueryEscape(tabID))
	if b.Landed == nil { // not openid alone: the consent page
		if !strings.Contains(p.Body, `name="action"`) {
			tb.Fatalf("expected the consent page, got %d at %s", p.Status, p.URL)
		}
		c.on(A)
		b.post(c.BaseURL+"/vipps-login-idp/consent", url.Values{"tabId": {tabID}, "action": {"accept"}})
	}
	if b.Landed == nil || b.Landed.Query().Get("code") == "" {
		tb.Fatal("the consent did not send the browser back with a code")
	}
	return b.Landed.Query().Get("code"), verifier
}

// signIn signs a user's app in on replica i.
func (c *cluster) signIn(tb testing.TB, i int, phoneNumber string) *app.Client {
	tb.Helper()
	c.on(i)
	phone := &app.Client{BaseURL: c.BaseURL}
	if _, err := phone.SignIn(c.ctx, phoneNumber, devseed.PIN); err != nil {
		tb.Fatalf("sign in %s: %v", phoneNumber, err)
	}
	return phone
}

// Every step of a browser login alternates between the replicas; the ID
// token verifies against the JWKS and userinfo answers on the other one.
func TestReplicasBrowserLogin(t *testing.T) {
	c := twoReplicas(t)
	cfg := c.oauth(devseed.ClientID, devseed.ClientSecret, "openid", "name", "email")
	phone := c.signIn(t, A, devseed.Ada)
	code, verifier := c.browserLogin(t, cfg, phone, devseed.Ada)

	c.on(B)
	tok, err := cfg.Exchange(c.ctx, code, oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("token on B: %v", err)
	}
	c.on(A)
	idt, err := c.Provider.Verifier(&oidc.Config{ClientID: devseed.ClientID}).Verify(c.ctx, tok.Extra("id_token").(string))
	if err != nil || idt.Nonce != "nonce-"+devseed.Ada {
		t.Fatalf("ID token from B against A's JWKS: %v (nonce %q)", err, idt.Nonce)
	}
	info, err := c.Provider.UserInfo(c.ctx, oauth2.StaticTokenSource(tok))
	var claims struct{ Name string }
	if err != nil || info.Subject != idt.Subject || info.Claims(&claims) != nil || claims.Name != "Ada Lovelace" {
		t.Errorf("userinfo on A: %+v %+v (%v)", info, claims, err)
	}
	if hits := c.hits(); hits[A] < 5 || hits[B] < 5 {
		t.Errorf("requests per replica %v: the login did not alternate", hits)
	}
}

// A CIBA login alternates too: the backchannel request on A, the app's
// approval on B, and the client's polls (with the interval waited out on
// the shared clock) on A and B in turn.
func TestReplicasCIBA(t *testing.T) {
	c := twoReplicas(t)
	c.on(A)
	status, body := c.post(t, oidcBackchannelPath, url.Values{"login_hint": {"urn:msisdn:" + devseed.Ada},
		"scope": {"openid name"}, "binding_message": {"REPL-1"}})
	id, _ := body["auth_req_id"].(string)
	if status != 200 || id == "" {
		t.Fatalf("backchannel on A: %d %v", status, body)
	}
	interval := time.Duration(body["interval"].(float64)) * time.Second

	poll := func(i int) (int, map[string]any) {
		c.clock.Add(interval)
		c.on(i)
		return c.post(t, flow.IssuerPath+"oauth2/token", url.Values{"grant_type": {"urn:openid:params:grant-type:ciba"}, "auth_req_id": {id}})
	}
	if status, body := poll(B); status != 400 || body["error"] != "authorization_pending" {
		t.Fatalf("first poll on B: %d %v, want authorization_pending", status, body)
	}
	// Too soon, on the other replica: the interval is the database's.
	c.on(A)
	if status, body := c.post(t, flow.IssuerPath+"oauth2/token", url.Values{"grant_type": {"urn:openid:params:grant-type:ciba"}, "auth_req_id": {id}}); status != 400 || body["error"] != "slow_down" {
		t.Errorf("an early poll on A: %d %v, want slow_down", status, body)
	}
	interval += 5 * time.Second

	phone := c.signIn(t, B, devseed.Ada)
	reqs, err := phone.Requests(c.ctx, 0)
	if err != nil || len(reqs) != 1 || reqs[0].ID != id {
		t.Fatalf("the app on B sees %+v (%v)", reqs, err)
	}
	if _, err := phone.Approve(c.ctx, id, app.ApproveRequest{}); err != nil {
		t.Fatalf("approve on B: %v", err)
	}
	status, tokens := poll(A)
	if status != 200 {
		t.Fatalf("poll on A after the approval: %d %v", status, tokens)
	}
	c.on(B)
	if _, err := c.Provider.Verifier(&oidc.Config{ClientID: devseed.ClientID, Now: c.clock.Now}).Verify(c.ctx, tokens["id_token"].(string)); err != nil {
		t.Errorf("CIBA ID token against B's JWKS: %v", err)
	}
	if status, body := poll(B); status != 400 || body["error"] != "invalid_grant" {
		t.Errorf("a second redemption on B: %d %v, want invalid_grant", status, body)
	}
}

// oidcBackchannelPath is CIBA's backchannel authentication endpoint.
const oidcBackchannelPath = "/vipps-login-ciba/api/backchannel/authentication"

// post sends a form as the demo client (client_secret_basic) through the
// balancer and returns the status and the JSON answer.
func (c *cluster) post(tb testing.TB, path string, form url.Values) (int, map[string]any) {
	tb.Helper()
	return postForm(tb, c.BaseURL+path, form, devseed.ClientID, devseed.ClientSecret)
}

// postForm sends a form as the client (client_secret_basic) and returns
// the status and the JSON answer.
func postForm(tb testing.TB, u string, form url.Values, clientID, clientSecret string) (int, map[string]any) {
	tb.Helper()
	req, _ := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(clientID, clientSecret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		tb.Fatalf("POST %s: %d, not JSON: %v", u, resp.StatusCode, err)
	}
	return resp.StatusCode, body
}

// generatedSecretClient registers a browser-flow client whose secret was
// generated, as the admin API's are: checking it is one SHA-256, where the
// demo client's chosen secret takes a PBKDF2 (0.4 s under the race
// detector), which would make the races below races for the CPU.
func (c *cluster) generatedSecretClient(tb testing.TB, id string, scopes ...string) *oauth2.Config {
	tb.Helper()
	sec := secret.New()
	now := c.clock.Now()
	err := c.stores[0].CreateClient(c.ctx, store.Client{ID: id, SecretHash: secret.HashGenerated(sec), Name: "Shop " + id,
		RedirectURIs: []string{merchantRedirect}, TokenEndpointAuthMethod: store.AuthSecretBasic,
		Flows: []string{store.FlowBrowser}, Scopes: store.Scopes, CreatedAt: now, UpdatedAt: now})
	if err != nil {
		tb.Fatal(err)
	}
	return c.oauth(id, sec, scopes...)
}

// Fifty redemptions of one code at once, half on each replica (straight to
// their listeners): exactly one gets tokens.
func TestReplicasRedeemRace(t *testing.T) {
	c := twoReplicas(t)
	cfg := c.generatedSecretClient(t, "racer", "openid")
	code, verifier := c.browserLogin(t, cfg, c.signIn(t, A, devseed.Ada), devseed.Ada)

	const n = 50
	var (
		wg       sync.WaitGroup
		start    = make(chan struct{})
		statuses [n]int
		errs     [n]any
	)
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {merchantRedirect}, "code_verifier": {verifier}}
	for i := range n {
		wg.Go(func() {
			<-start
			var body map[string]any
			statuses[i], body = postForm(t, c.backends[i%2].URL+flow.IssuerPath+"oauth2/token", form, cfg.ClientID, cfg.ClientSecret)
			errs[i] = body["error"]
		})
	}
	close(start)
	wg.Wait()
	won := 0
	for i := range n {
		switch {
		case statuses[i] == 200:
			won++
		case statuses[i] != 400 || errs[i] != "invalid_grant":
			t.Errorf("redemption %d on replica %d: %d %v, want 200 once and invalid_grant otherwise", i, i%2, statuses[i], errs[i])
		}
	}
	if won != 1 {
		t.Errorf("%d of %d concurrent redemptions got tokens, want exactly 1", won, n)
	}
}

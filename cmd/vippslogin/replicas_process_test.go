package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/vippslogin/vippslogin/internal/admin"
	"github.com/vippslogin/vippslogin/internal/app"
	"github.com/vippslogin/vippslogin/internal/flow"
	"github.com/vippslogin/vippslogin/internal/store"
	"github.com/vippslogin/vippslogin/internal/store/postgres/pgtest"
	"github.com/vippslogin/vippslogin/internal/testenv"
)

// The two-replica tests of internal/server run two servers in one process;
// these run two `vippslogin serve` OS processes on one PostgreSQL schema,
// behind one balancer whose URL is both processes' --base-url (one issuer),
// and pin every step of a login to one process or the other: nothing a
// step needs may live in the memory of the process that did the previous
// one. Each process is the test binary re-executed (serveArgsEnv).

// procCluster is the two processes, the balancer in front of them and what
// the test set up through the admin API.
type procCluster struct {
	BaseURL  string // the balancer's: the public URL of both
	Issuer   string
	Provider *oidc.Provider // discovered through the balancer
	// Client is the merchant: a client made through the admin API, with a
	// generated secret (one SHA-256 to check, where a chosen one costs a
	// PBKDF2: the 50 racing redemptions would race for the CPU).
	Client admin.ClientResponse

	ctx   context.Context
	lb    *balancer
	procs []*serverProcess
	// args are the processes' flags after serve --addr: what a restart
	// needs to join the others.
	args       []string
	adminToken string
}

// The test users, one per subtest so that the parallel ones' app inboxes
// hold their own login alone.
const (
	procPIN     = "2468"
	userBrowser = "4790000001"
	userCIBA    = "4790000002"
	userRace    = "4790000003"
	userCrash   = "4790000004"
	procRedir   = "http://localhost:3000/callback"
)

// startProcesses starts the balancer and then both processes at once, as
// a deployment's replicas start, on a fresh schema (the test skips without
// VIPPSLOGIN_TEST_POSTGRES), and sets up a client and the users through
// the admin API. Serve mode seeds nothing.
func startProcesses(t *testing.T) *procCluster {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("the server processes are stopped with SIGTERM")
	}
	db := pgtest.URL(t)
	lb := newBalancer(t, 2)
	c := &procCluster{BaseURL: lb.URL(), Issuer: lb.URL() + flow.IssuerPath, ctx: context.Background(), lb: lb,
		procs: make([]*serverProcess, 2), adminToken: randomToken()}
	c.args = []string{"--db", db, "--base-url", c.BaseURL, "--admin-token", c.adminToken, "--key-encryption-key", randomKEK()}

	errs := make([]error, 2)
	var wg sync.WaitGroup
	for i := range c.procs {
		wg.Go(func() { c.procs[i], errs[i] = launch(replicaNames[i], c.args...) })
	}
	wg.Wait()
	for i, p := range c.procs {
		if p != nil {
			p.stopAtCleanup(t)
			lb.setTarget(i, p.Addr)
		}
	}
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}

	var err error
	if c.Provider, err = oidc.NewProvider(c.on(A), c.Issuer); err != nil {
		t.Fatalf("discovery through the balancer, on A: %v", err)
	}
	c.Client, err = c.admin(A).CreateClient(c.ctx, admin.ClientRequest{
		Name: "Two-process shop", RedirectURIs: []string{procRedir}, TokenEndpointAuthMethod: store.AuthSecretBasic,
		Flows: []string{store.FlowBrowser, store.FlowCIBA}, Scopes: []string{"openid", "name", "email", "phoneNumber"}})
	if err != nil {
		t.Fatalf("create the client on A: %v", err)
	}
	for _, phone := range []string{userBrowser, userCIBA, userRace, userCrash} {
		_, err := c.admin(B).CreateUser(c.ctx, admin.UserRequest{PhoneNumber: phone, PIN: procPIN,
			GivenName: "Ada", FamilyName: "Lovelace " + phone[len(phone)-1:], Birthdate: "1815-12-10",
			Email: "ada" + phone + "@example.com", EmailVerified: true})
		if err != nil {
			t.Fatalf("create user %s on B: %v", phone, err)
		}
	}
	return c
}

// on is ctx with the HTTP client that go-oidc and x/oauth2 use pinned to
// replica i.
func (c *procCluster) on(i int) context.Context {
	return oidc.ClientContext(c.ctx, pinnedClient(i))
}

// admin is the admin API's client, on replica i.
func (c *procCluster) admin(i int) *admin.Client {
	return &admin.Client{BaseURL: c.BaseURL, Token: c.adminToken, HTTP: pinnedClient(i)}
}

// phoneOn points the user's app at replica i for the calls that follow.
func phoneOn(phone *app.Client, i int) *app.Client {
	phone.HTTP = pinnedClient(i)
	return phone
}

// signIn signs the user's app in on replica i.
func (c *procCluster) signIn(t *testing.T, i int, phoneNumber string) *app.Client {
	t.Helper()
	phone := phoneOn(&app.Client{BaseURL: c.BaseURL}, i)
	if _, err := phone.SignIn(c.ctx, phoneNumber, procPIN); err != nil {
		t.Fatalf("app sign-in of %s on %s: %v", phoneNumber, replicaNames[i], err)
	}
	return phone
}

// oauth is the merchant's OAuth 2.0 configuration, for scopes.
func (c *procCluster) oauth(scopes ...string) *oauth2.Config {
	ep := c.Provider.Endpoint()
	ep.AuthStyle = oauth2.AuthStyleInHeader // client_secret_basic
	return &oauth2.Config{ClientID: c.Client.ClientID, ClientSecret: c.Client.ClientSecret, Endpoint: ep,
		RedirectURL: procRedir, Scopes: scopes}
}

// postForm sends a form as the merchant (client_secret_basic) to replica
// i and returns the status and the JSON answer.
func (c *procCluster) postForm(t *testing.T, i int, path string, form url.Values) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, c.BaseURL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(c.Client.ClientID), url.QueryEscape(c.Client.ClientSecret))
	resp, err := pinnedClient(i).Do(req)
	if err != nil {
		t.Errorf("POST %s on %s: %v", path, replicaNames[i], err)
		return 0, nil
	}
	defer resp.Body.Close()
	var body map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Errorf("POST %s on %s: %d, not JSON: %v", path, replicaNames[i], resp.StatusCode, err)
	}
	return resp.StatusCode, body
}

// jwksKids is the kids replica i publishes, read where its discovery
// document (fetched from it) says.
func (c *procCluster) jwksKids(t *testing.T, i int) []string {
	t.Helper()
	p, err := oidc.NewProvider(c.on(i), c.Issuer)
	if err != nil {
		t.Fatalf("discovery on %s: %v", replicaNames[i], err)
	}
	var meta struct {
		JWKSURI string `json:"jwks_uri"`
	}
	if err := p.Claims(&meta); err != nil || meta.JWKSURI == "" {
		t.Fatalf("discovery on %s: no jwks_uri (%v)", replicaNames[i], err)
	}
	resp, err := pinnedClient(i).Get(meta.JWKSURI)
	if err != nil {
		t.Fatalf("JWKS on %s: %v", replicaNames[i], err)
	}
	defer resp.Body.Close()
	var set struct {
		Keys []struct {
			Kid string `json:"kid"`
		} `json:"keys"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&set); err != nil {
		t.Fatalf("JWKS on %s: %d: %v", replicaNames[i], resp.StatusCode, err)
	}
	var kids []string
	for _, k := range set.Keys {
		kids = append(kids, k.Kid)
	}
	slices.Sort(kids)
	return kids
}

// procBrowser is a cookie-keeping browser whose every request (redirects
// included) goes to the replica it is on, and which stops at the merchant.
type procBrowser struct{ *testenv.Browser }

func newProcBrowser(t *testing.T) *procBrowser {
	return &procBrowser{testenv.NewBrowser(t, procRedir)}
}

// on sends the browser's next requests to replica i.
func (b *procBrowser) on(i int) *procBrowser {
	b.Client.Transport = pinnedClient(i).Transport
	return b
}

// procPage is where a navigation ended.
type procPage = testenv.Page

func (b *procBrowser) get(u string) procPage                   { return b.Get(u) }
func (b *procBrowser) post(u string, form url.Values) procPage { return b.Post(u, form) }

var procChallengeRE = regexp.MustCompile(`data-testid="challenge"[^>]*>\s*([^<\s]+)\s*<`)

// browserSteps names the replica each step of a browser login runs on.
type browserSteps struct {
	Authorize, Phone, Approve, Status, ConsentPage, Consent int
	// AfterPhone, when set, runs between the phone page and the app's
	// approval.
	AfterPhone func()
}

// browserLogin walks a browser login with the scopes up to the code, each
// step on its replica; phone is the user's app, signed in. It returns the
// code, the verifier to redeem it with and the nonce.
func (c *procCluster) browserLogin(t *testing.T, cfg *oauth2.Config, phone *app.Client, phoneNumber string, s browserSteps) (code, verifier, nonce string) {
	t.Helper()
	verifier, nonce = oauth2.GenerateVerifier(), "nonce-"+phoneNumber
	b := newProcBrowser(t)
	p := b.on(s.Authorize).get(cfg.AuthCodeURL("state-"+phoneNumber, oidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier)))
	tabID := p.URL.Query().Get("tabId")
	if !strings.Contains(p.Body, `name="phone_number"`) || tabID == "" {
		t.Fatalf("authorize on %s: expected the phone page, got %d at %s", replicaNames[s.Authorize], p.Status, p.URL)
	}
	p = b.on(s.Phone).post(c.BaseURL+"/vipps-login-idp/phone", url.Values{"tabId": {tabID}, "phone_number": {phoneNumber}})
	m := procChallengeRE.FindStringSubmatch(p.Body)
	if m == nil {
		t.Fatalf("phone page on %s: no challenge on the wait page (%d at %s)", replicaNames[s.Phone], p.Status, p.URL)
	}
	if s.AfterPhone != nil {
		s.AfterPhone()
	}
	phoneOn(phone, s.Approve)
	reqs, err := phone.Requests(c.ctx, 0)
	if err != nil || len(reqs) != 1 || reqs[0].Kind != app.KindLogin {
		t.Fatalf("the app on %s sees %+v (%v), want one login request", replicaNames[s.Approve], reqs, err)
	}
	if !slices.Contains(reqs[0].ChallengeOptions, m[1]) {
		t.Errorf("the app on %s offers %v, without the browser's challenge %q", replicaNames[s.Approve], reqs[0].ChallengeOptions, m[1])
	}
	if _, err := phone.Approve(c.ctx, reqs[0].ID, app.ApproveRequest{Challenge: m[1]}); err != nil {
		t.Fatalf("approve on %s: %v", replicaNames[s.Approve], err)
	}
	if p = b.on(s.Status).get(c.BaseURL + "/vipps-login-idp/api/status?tabId=" + url.QueryEscape(tabID)); !strings.Contains(p.Body, `"approved"`) {
		t.Fatalf("the wait page's poll on %s says %d %s, want approved", replicaNames[s.Status], p.Status, p.Body)
	}
	p = b.on(s.ConsentPage).get(c.BaseURL + flow.LoginPath + "?tabId=" + url.QueryEscape(tabID))
	if !strings.Contains(p.Body, `name="action"`) {
		t.Fatalf("on %s: expected the consent page, got %d at %s", replicaNames[s.ConsentPage], p.Status, p.URL)
	}
	b.on(s.Consent).post(c.BaseURL+"/vipps-login-idp/consent", url.Values{"tabId": {tabID}, "action": {"accept"}})
	if b.Landed == nil || b.Landed.Query().Get("code") == "" || b.Landed.Query().Get("iss") != c.Issuer {
		t.Fatalf("the consent on %s did not send the browser back with a code and iss %s (landed at %v)", replicaNames[s.Consent], c.Issuer, b.Landed)
	}
	return b.Landed.Query().Get("code"), verifier, nonce
}

// TestTwoServerProcesses is issue 7's two-replica end-to-end test with
// real processes: a browser login, a CIBA login and a race of redemptions
// spread over both, at once, then a crash of one in the middle of a login
// that the other finishes, and its restart on the same database.
func TestTwoServerProcesses(t *testing.T) {
	begin := time.Now()
	c := startProcesses(t)
	t.Logf("two server processes started and set up in %v", time.Since(begin).Round(time.Millisecond))
	kids := c.jwksKids(t, A)
	// The two started at once on an empty database: between them they
	// must have made one key per algorithm, and both publish it.
	if b := c.jwksKids(t, B); len(kids) != 2 || !slices.Equal(kids, b) {
		t.Fatalf("A publishes kids %v, B %v: want the same two, one key per algorithm", kids, b)
	}

	t.Run("flows", func(t *testing.T) {
		t.Run("BrowserLogin", func(t *testing.T) { t.Parallel(); c.testBrowserLogin(t) })
		t.Run("CIBA", func(t *testing.T) { t.Parallel(); c.testCIBA(t) })
		t.Run("RedeemRace", func(t *testing.T) { t.Parallel(); c.testRedeemRace(t) })
	})
	t.Run("CrashAndRestart", func(t *testing.T) { c.testCrash(t, kids) })

	hits, unpinned := c.lb.counts()
	t.Logf("requests served: A %d, B %d; %v in all", hits[A], hits[B], time.Since(begin).Round(time.Millisecond))
	if unpinned != 0 {
		t.Errorf("%d requests reached the balancer without a pin: some step ran on whichever replica", unpinned)
	}
}

// Every step of a browser login on the other process than the step before:
// authorize on A, phone page on B, app sign-in and approval on A, the wait
// page's poll on B, the consent page on A and the consent on B, the token
// on A; the ID token verifies against B's JWKS, and userinfo answers on B.
func (c *procCluster) testBrowserLogin(t *testing.T) {
	cfg := c.oauth("openid", "name", "email", "phoneNumber")
	phone := c.signIn(t, A, userBrowser)
	code, verifier, nonce := c.browserLogin(t, cfg, phone, userBrowser, browserSteps{
		Authorize: A, Phone: B, Approve: A, Status: B, ConsentPage: A, Consent: B})

	tok, err := cfg.Exchange(c.on(A), code, oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("token on A: %v", err)
	}
	raw, _ := tok.Extra("id_token").(string)
	idt, err := c.Provider.VerifierContext(c.on(B), &oidc.Config{ClientID: cfg.ClientID}).Verify(c.ctx, raw)
	if err != nil {
		t.Fatalf("A's ID token against B's JWKS: %v", err)
	}
	if idt.Nonce != nonce || idt.Issuer != c.Issuer {
		t.Errorf("ID token nonce %q, issuer %q; want %q, %q", idt.Nonce, idt.Issuer, nonce, c.Issuer)
	}
	info, err := c.Provider.UserInfo(c.on(B), oauth2.StaticTokenSource(tok))
	if err != nil {
		t.Fatalf("userinfo on B: %v", err)
	}
	var claims struct {
		Name  string `json:"name"`
		Email string `json:"email"`
		Phone string `json:"phone_number"`
	}
	if err := info.Claims(&claims); err != nil || info.Subject != idt.Subject || claims.Name != "Ada Lovelace 1" ||
		claims.Email != "ada"+userBrowser+"@example.com" || claims.Phone != userBrowser {
		t.Errorf("userinfo on B: sub %q (ID token's %q), %+v (%v)", info.Subject, idt.Subject, claims, err)
	}
}

// A CIBA login: the backchannel request on B, the first poll at once on A
// (pending), the app's approval on A, and after the interval, waited out
// in real time since these are real processes, the poll on B gets the
// tokens; A then refuses the spent auth_req_id.
func (c *procCluster) testCIBA(t *testing.T) {
	const tokenPath = flow.IssuerPath + "oauth2/token"
	status, body := c.postForm(t, B, "/vipps-login-ciba/api/backchannel/authentication", url.Values{
		"login_hint": {"urn:msisdn:" + userCIBA}, "scope": {"openid name"}, "binding_message": {"PROC-1"}})
	id, _ := body["auth_req_id"].(string)
	seconds, _ := body["interval"].(float64)
	if status != 200 || id == "" || seconds <= 0 {
		t.Fatalf("backchannel on B: %d %v", status, body)
	}
	interval := time.Duration(seconds) * time.Second
	poll := url.Values{"grant_type": {"urn:openid:params:grant-type:ciba"}, "auth_req_id": {id}}

	if status, body := c.postForm(t, A, tokenPath, poll); status != 400 || body["error"] != "authorization_pending" {
		t.Fatalf("first poll, at once, on A: %d %v; want authorization_pending", status, body)
	}
	// The server noted the poll before it answered: the interval counts
	// from no later than now.
	next := time.NewTimer(interval)
	defer next.Stop()

	phone := c.signIn(t, A, userCIBA)
	reqs, err := phone.Requests(c.ctx, 0)
	if err != nil || len(reqs) != 1 || reqs[0].ID != id || reqs[0].BindingMessage != "PROC-1" {
		t.Fatalf("the app on A sees %+v (%v); want the CIBA request %s", reqs, err, id)
	}
	if _, err := phone.Approve(c.ctx, id, app.ApproveRequest{}); err != nil {
		t.Fatalf("approve on A: %v", err)
	}

	<-next.C
	status, tokens := c.postForm(t, B, tokenPath, poll)
	raw, _ := tokens["id_token"].(string)
	if status != 200 || raw == "" || tokens["access_token"] == nil {
		t.Fatalf("poll on B after the interval and the approval: %d %v", status, tokens)
	}
	idt, err := c.Provider.VerifierContext(c.on(A), &oidc.Config{ClientID: c.Client.ClientID}).Verify(c.ctx, raw)
	if err != nil {
		t.Fatalf("B's CIBA ID token against A's JWKS: %v", err)
	}
	if idt.Issuer != c.Issuer {
		t.Errorf("CIBA ID token's issuer %q, want %q", idt.Issuer, c.Issuer)
	}
	if status, body := c.postForm(t, A, tokenPath, poll); status != 400 || body["error"] != "invalid_grant" {
		t.Errorf("the spent auth_req_id on A: %d %v; want invalid_grant", status, body)
	}
}

// Fifty redemptions of one fresh code at once, alternately on A and B:
// exactly one gets tokens, the others invalid_grant.
func (c *procCluster) testRedeemRace(t *testing.T) {
	cfg := c.oauth("openid", "name") // not openid alone: a consent step
	code, verifier, _ := c.browserLogin(t, cfg, c.signIn(t, B, userRace), userRace, browserSteps{
		Authorize: B, Phone: A, Approve: B, Status: A, ConsentPage: B, Consent: A})

	const n = 50
	var (
		wg       sync.WaitGroup
		start    = make(chan struct{})
		statuses [n]int
		errs     [n]any
	)
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {procRedir}, "code_verifier": {verifier}}
	for i := range n {
		wg.Go(func() {
			<-start
			var body map[string]any
			statuses[i], body = c.postForm(t, i%2, flow.IssuerPath+"oauth2/token", form)
			errs[i] = body["error"]
		})
	}
	began := time.Now()
	close(start)
	wg.Wait()
	won := 0
	for i := range n {
		switch {
		case statuses[i] == 200:
			won++
			t.Logf("redemption %d, on %s, got the tokens", i, replicaNames[i%2])
		case statuses[i] != 400 || errs[i] != "invalid_grant":
			t.Errorf("redemption %d on %s: %d %v; want 200 once and invalid_grant otherwise", i, replicaNames[i%2], statuses[i], errs[i])
		}
	}
	if won != 1 {
		t.Errorf("%d of %d concurrent redemptions on two processes got tokens, want exactly 1", won, n)
	}
	t.Logf("%d redemptions answered in %v", n, time.Since(began).Round(time.Millisecond))
}

// A is killed (SIGKILL: no shutdown) in the middle of a browser login,
// after the phone page it served and before the approval; B finishes the
// login alone, from the app session A made to the tokens. A started again
// on the same database publishes the keys it had, decrypted with the same
// key-encryption key, and accepts what B issued.
func (c *procCluster) testCrash(t *testing.T, kids []string) {
	cfg := c.oauth("openid", "name")
	phone := c.signIn(t, A, userCrash)
	code, verifier, nonce := c.browserLogin(t, cfg, phone, userCrash, browserSteps{
		Authorize: A, Phone: A, Approve: B, Status: B, ConsentPage: B, Consent: B,
		AfterPhone: func() { c.procs[A].Kill(t) }})

	tok, err := cfg.Exchange(c.on(B), code, oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("token on B: %v", err)
	}
	raw, _ := tok.Extra("id_token").(string)
	idt, err := c.Provider.VerifierContext(c.on(B), &oidc.Config{ClientID: cfg.ClientID}).Verify(c.ctx, raw)
	if err != nil || idt.Nonce != nonce {
		t.Fatalf("ID token against B's JWKS: %v (nonce %q)", err, idt.Nonce)
	}
	if _, err := c.Provider.UserInfo(c.on(B), oauth2.StaticTokenSource(tok)); err != nil {
		t.Errorf("userinfo on B: %v", err)
	}

	begin := time.Now()
	c.procs[A] = startProcess(t, "A (restarted)", c.args...)
	c.lb.setTarget(A, c.procs[A].Addr)
	t.Logf("A restarted in %v", time.Since(begin).Round(time.Millisecond))
	if got, onB := c.jwksKids(t, A), c.jwksKids(t, B); !slices.Equal(got, kids) || !slices.Equal(onB, kids) {
		t.Errorf("after the restart A publishes kids %v and B %v; want the ones both had, %v", got, onB, kids)
	}
	if _, err := c.Provider.VerifierContext(c.on(A), &oidc.Config{ClientID: cfg.ClientID}).Verify(c.ctx, raw); err != nil {
		t.Errorf("B's ID token against the restarted A's JWKS: %v", err)
	}
	info, err := c.Provider.UserInfo(c.on(A), oauth2.StaticTokenSource(tok))
	if err != nil || info.Subject != idt.Subject {
		t.Errorf("userinfo on the restarted A with B's access token: %+v (%v)", info, err)
	}
}

package oidc

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vippslogin/vippslogin/internal/app"
	"github.com/vippslogin/vippslogin/internal/jsonapi"
	"github.com/vippslogin/vippslogin/internal/login"
	"github.com/vippslogin/vippslogin/internal/secret"
	"github.com/vippslogin/vippslogin/internal/store"
	"github.com/vippslogin/vippslogin/internal/testenv"
)

// callsEnv is the provider, the login pages and the app API on one server,
// as the server wires them, over a real SQLite store seen through a
// countingStore. Each step is one HTTP request (redirects are not
// followed), so the store calls recorded after it are that request's.
type callsEnv struct {
	t      *testing.T
	ctx    context.Context
	st     *countingStore
	srv    *httptest.Server
	clock  *testenv.Clock
	secret string
	// browser keeps cookies and never follows a redirect.
	browser *http.Client
	phone   *app.Client
	got     map[string]storeCalls
	order   []string
}

const callsClient = "client-calls"

func newCallsEnv(t *testing.T) *callsEnv {
	t.Helper()
	ctx := t.Context()
	raw := testenv.SQLite(t)
	clk := testenv.NewClock(time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC))
	// The key manager reads the raw store: key caching is the keys
	// package's business, and its reads are not the handlers'.
	km := testenv.Keys(t, raw, clk.Now)
	st := &countingStore{Store: raw}
	p := &Provider{Keys: km, Store: st, Now: clk.Now}
	pages := &login.Pages{Store: st, Now: clk.Now}
	api := &app.API{Store: st, Now: clk.Now, Keys: km}
	mux := http.NewServeMux()
	p.Mount(mux)
	pages.Mount(mux)
	appMux := http.NewServeMux()
	api.Mount(appMux)
	mux.Handle("/app/", jsonapi.Routes(appMux))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	p.BaseURL, api.BaseURL, pages.BaseURL, pages.Issuer = srv.URL, srv.URL, srv.URL, p.Issuer()

	e := &callsEnv{t: t, ctx: ctx, st: st, srv: srv, clock: clk, secret: secret.New(), got: map[string]storeCalls{}}
	now := clk.Now()
	err := raw.CreateClient(ctx, store.Client{
		ID: callsClient, SecretHash: secret.HashGenerated(e.secret), Name: "Calls shop", RedirectURIs: []string{shopCallback},
		TokenEndpointAuthMethod: store.AuthSecretBasic, Flows: []string{store.FlowBrowser, store.FlowCIBA},
		Scopes: store.Scopes, CreatedAt: now, UpdatedAt: now,
	})
	if err != nil {
		t.Fatal(err)
	}
	err = raw.CreateUser(ctx, store.User{PhoneNumber: adaPhone, PINHash: secret.Hash(pin), GivenName: "Ada", FamilyName: "Lovelace",
		Birthdate: "1815-12-10", CreatedAt: now, UpdatedAt: now})
	if err != nil {
		t.Fatal(err)
	}
	jar, _ := cookiejar.New(nil)
	e.browser = &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	e.phone = &app.Client{BaseURL: srv.URL, HTTP: srv.Client()}
	if _, err := e.phone.SignIn(ctx, adaPhone, pin); err != nil {
		t.Fatal(err)
	}
	st.take()
	return e
}

// record files the store calls since the last step under name.
func (e *callsEnv) record(name string) {
	if _, dup := e.got[name]; dup {
		e.t.Fatalf("step %q recorded twice", name)
	}
	e.got[name] = countCalls(e.st.take())
	e.order = append(e.order, name)
}

// send makes one request and returns its status, Location and body.
func (e *callsEnv) send(c *http.Client, method, path string, form url.Values, change func(*http.Request)) (int, string, string) {
	e.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	u := path
	if !strings.HasPrefix(u, "http") {
		u = e.srv.URL + path
	}
	req, err := http.NewRequestWithContext(e.ctx, method, u, body)
	if err != nil {
		e.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if change != nil {
		change(req)
	}
	resp, err := c.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Location"), string(b)
}

// browse is one browser request, recorded as name; it wants status.
func (e *callsEnv) browse(name, method, path string, form url.Values, status int) (string, string) {
	e.t.Helper()
	code, loc, body := e.send(e.browser, method, path, form, nil)
	e.record(name)
	if code != status {
		e.t.Fatalf("%s: status %d (want %d) at %s: %.300s", name, code, status, loc, body)
	}
	return loc, body
}

// api is one merchant request to the provider, authenticated as the
// client, recorded as name; it returns the status and the JSON body.
func (e *callsEnv) api(name, path string, form url.Values, change func(*http.Request)) (int, map[string]any) {
	e.t.Helper()
	if change == nil {
		change = func(r *http.Request) { r.SetBasicAuth(callsClient, e.secret) }
	}
	method := "POST"
	if form == nil {
		method = "GET"
	}
	code, _, body := e.send(e.srv.Client(), method, path, form, change)
	e.record(name)
	var m map[string]any
	json.Unmarshal([]byte(body), &m)
	return code, m
}

var waitChallenge = regexp.MustCompile(`data-testid="challenge"[^>]*>\s*([^<\s]+)\s*<`)

// browserLogin walks a desktop browser login from authorize to the code,
// recording each request under prefix. remember ticks the phone page's
// box; consent says whether the consent page is expected.
func (e *callsEnv) browserLogin(prefix string, remember, consent bool) (code, verifier string) {
	e.t.Helper()
	verifier = secret.New() + "-verifier"
	challenge := pkceS256(verifier)
	q := url.Values{
		"client_id": {callsClient}, "redirect_uri": {shopCallback}, "response_type": {"code"},
		"scope": {"openid name"}, "state": {"state-" + prefix}, "nonce": {"nonce"},
		"code_challenge": {challenge}, "code_challenge_method": {"S256"},
	}
	loc, _ := e.browse(prefix+"authorize", "GET", IssuerPath+"oauth2/auth?"+q.Encode(), nil, http.StatusFound)
	index := loc
	tabID := mustURL(e.t, loc).Query().Get("tabId")
	_, body := e.browse(prefix+"page: phone (GET)", "GET", index, nil, http.StatusOK)
	if !strings.Contains(body, `name="phone_number"`) {
		e.t.Fatalf("not the phone page: %.300s", body)
	}
	form := url.Values{"tabId": {tabID}, "phone_number": {adaPhone}}
	if remember {
		form.Set("remember", "on")
	}
	e.browse(prefix+"phone page POST", "POST", "/vipps-login-idp/phone", form, http.StatusSeeOther)
	_, body = e.browse(prefix+"page: wait (GET)", "GET", index, nil, http.StatusOK)
	m := waitChallenge.FindStringSubmatch(body)
	if m == nil {
		e.t.Fatalf("no challenge on the wait page: %.300s", body)
	}
	status := "/vipps-login-idp/api/status?tabId=" + url.QueryEscape(tabID)
	if _, body = e.browse(prefix+"status poll (waiting)", "GET", status, nil, http.StatusOK); !strings.Contains(body, `"waiting"`) {
		e.t.Fatalf("status: %s", body)
	}
	reqs, err := e.phone.Requests(e.ctx, 0)
	e.record(prefix + "app: GET requests")
	if err != nil || len(reqs) != 1 {
		e.t.Fatalf("app sees %v, %v", reqs, err)
	}
	_, err = e.phone.Approve(e.ctx, tabID, app.ApproveRequest{Challenge: m[1]})
	e.record(prefix + "app: approve")
	if err != nil {
		e.t.Fatal(err)
	}
	if _, body = e.browse(prefix+"status poll (approved)", "GET", status, nil, http.StatusOK); !strings.Contains(body, `"approved"`) {
		e.t.Fatalf("status: %s", body)
	}
	if consent {
		_, body = e.browse(prefix+"page: consent (GET)", "GET", index, nil, http.StatusOK)
		if !strings.Contains(body, `name="action"`) {
			e.t.Fatalf("not the consent page: %.300s", body)
		}
		loc, _ = e.browse(prefix+"consent accept POST", "POST", "/vipps-login-idp/consent", url.Values{"tabId": {tabID}, "action": {"accept"}}, http.StatusSeeOther)
	} else {
		loc, _ = e.browse(prefix+"page: redirect with code (GET)", "GET", index, nil, http.StatusSeeOther)
	}
	code = mustURL(e.t, loc).Query().Get("code")
	if code == "" {
		e.t.Fatalf("no code in %s", loc)
	}
	return code, verifier
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// exchange redeems the code and returns the access token.
func (e *callsEnv) exchange(name, code, verifier string) string {
	e.t.Helper()
	status, body := e.api(name, IssuerPath+"oauth2/token", url.Values{
		"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {shopCallback}, "code_verifier": {verifier},
	}, nil)
	tok, _ := body["access_token"].(string)
	if status != 200 || tok == "" {
		e.t.Fatalf("%s: %d %v", name, status, body)
	}
	return tok
}

func (e *callsEnv) userinfo(name, token string) {
	e.t.Helper()
	status, body := e.api(name, "/vipps-userinfo-api/userinfo", nil, func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+token) })
	if status != 200 || body["sub"] == nil {
		e.t.Fatalf("%s: %d %v", name, status, body)
	}
}

// storeCallsWant is a hot request's budget: exactly Writes write
// transactions and at most Calls store calls in all (caches in front of
// the store may make fewer).
type storeCallsWant struct{ Calls, Writes int }

// The store calls and write transactions of every hot request, walked as
// a user and a merchant make them. Read-only requests (pages shown, status
// polls, userinfo, the app's list) write nothing; a step that changes
// state writes once; nothing reads the same record twice.
func TestStoreCallsPerRequest(t *testing.T) {
	e := newCallsEnv(t)

	// A first login: phone page, app, consent, remembered browser.
	code, verifier := e.browserLogin("1st login: ", true, true)
	tok := e.exchange("token: authorization_code", code, verifier)
	e.userinfo("userinfo", tok)
	if status, _ := e.api("revoke", IssuerPath+"oauth2/revoke", url.Values{"token": {tok}}, nil); status != 200 {
		t.Fatalf("revoke: %d", status)
	}
	status, body := e.api("token: replayed code", IssuerPath+"oauth2/token", url.Values{
		"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {shopCallback}, "code_verifier": {verifier},
	}, nil)
	if status != 400 || body["error"] != ErrInvalidGrant {
		t.Fatalf("replay: %d %v", status, body)
	}

	// The remembered browser: authorize, then the page that sends it back
	// with a code at once.
	q := url.Values{
		"client_id": {callsClient}, "redirect_uri": {shopCallback}, "response_type": {"code"},
		"scope": {"openid name"}, "state": {"state-remembered"},
	}
	loc, _ := e.browse("remembered: authorize", "GET", IssuerPath+"oauth2/auth?"+q.Encode(), nil, http.StatusFound)
	loc, _ = e.browse("remembered: page: redirect with code (GET)", "GET", loc, nil, http.StatusSeeOther)
	if mustURL(t, loc).Query().Get("code") == "" {
		t.Fatalf("remembered login: no code in %s", loc)
	}

	// A phone's browser: its first view binds the login and sends it to
	// the app in one write.
	jar, _ := cookiejar.New(nil)
	e.browser.Jar = jar
	q.Set("state", "state-mobile")
	loc, _ = e.browse("mobile: authorize", "GET", IssuerPath+"oauth2/auth?"+q.Encode(), nil, http.StatusFound)
	status, _, page := e.send(e.browser, "GET", loc, nil, func(r *http.Request) { r.Header.Set("User-Agent", "Mozilla/5.0 (iPhone) Mobile") })
	e.record("mobile: page: deeplink (GET)")
	if status != 200 || !strings.Contains(page, "/app/?request=") {
		t.Fatalf("mobile: %d %.300s", status, page)
	}

	// A login the user rejects in the app, in a browser of its own.
	jar, _ = cookiejar.New(nil)
	e.browser.Jar = jar
	q.Set("state", "state-rejected")
	loc, _ = e.browse("rejected: authorize", "GET", IssuerPath+"oauth2/auth?"+q.Encode(), nil, http.StatusFound)
	tabID := mustURL(t, loc).Query().Get("tabId")
	e.browse("rejected: page: phone (GET)", "GET", loc, nil, http.StatusOK)
	e.browse("rejected: phone page POST", "POST", "/vipps-login-idp/phone", url.Values{"tabId": {tabID}, "phone_number": {adaPhone}}, http.StatusSeeOther)
	e.st.take()
	err := e.phone.Reject(e.ctx, tabID)
	e.record("app: reject")
	if err != nil {
		t.Fatal(err)
	}
	loc, _ = e.browse("rejected: page: redirect with error (GET)", "GET", loc, nil, http.StatusSeeOther)
	if mustURL(t, loc).Query().Get("error") != ErrAccessDenied {
		t.Fatalf("rejected login: %s", loc)
	}

	// CIBA: start, a pending poll, the app's approval, the poll that gets
	// the tokens, and userinfo with them.
	// A scope the user has not consented to at the client: the approval
	// saves it.
	status, body = e.api("CIBA: backchannel", BackchannelPath, url.Values{"login_hint": {"urn:msisdn:" + adaPhone}, "scope": {"openid phoneNumber"}}, nil)
	id, _ := body["auth_req_id"].(string)
	if status != 200 || id == "" {
		t.Fatalf("backchannel: %d %v", status, body)
	}
	poll := url.Values{"grant_type": {grantCIBA}, "auth_req_id": {id}}
	if status, body = e.api("CIBA: poll (pending)", IssuerPath+"oauth2/token", poll, nil); body["error"] != ErrAuthorizationPending {
		t.Fatalf("poll: %d %v", status, body)
	}
	_, err = e.phone.Approve(e.ctx, id, app.ApproveRequest{})
	e.record("CIBA: app approve")
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Add(store.DefaultCIBAInterval)
	status, body = e.api("CIBA: poll (approved, tokens)", IssuerPath+"oauth2/token", poll, nil)
	cibaTok, _ := body["access_token"].(string)
	if status != 200 || cibaTok == "" {
		t.Fatalf("poll: %d %v", status, body)
	}
	e.userinfo("CIBA: userinfo", cibaTok)

	want := map[string]storeCallsWant{
		"1st login: authorize":              {2, 1},
		"1st login: page: phone (GET)":      {3, 1},
		"1st login: phone page POST":        {3, 1},
		"1st login: page: wait (GET)":       {2, 0},
		"1st login: status poll (waiting)":  {1, 0},
		"1st login: app: GET requests":      {4, 0},
		"1st login: app: approve":           {4, 1},
		"1st login: status poll (approved)": {1, 0},
		"1st login: page: consent (GET)":    {4, 1},
		// The consent, the login ended and its code: one transaction.
		"1st login: consent accept POST": {3, 1},
		// The code read and checked; the user's first sub at the client (a
		// returning user's is read); the code used and the access token
		// stored in one transaction.
		"token: authorization_code": {4, 2},
		"userinfo":                  {3, 0},
		"revoke":                    {3, 1},
		// Not hot: the replay, seen on the read, revokes what the code
		// issued.
		"token: replayed code":  {3, 1},
		"remembered: authorize": {2, 1},
		// Bound, approved and ended with its code in one write.
		"remembered: page: redirect with code (GET)": {4, 1},
		"mobile: authorize":                          {2, 1},
		"mobile: page: deeplink (GET)":               {3, 1},
		"rejected: authorize":                        {2, 1},
		"rejected: page: phone (GET)":                {3, 1},
		"rejected: phone page POST":                  {3, 1},
		"app: reject":                                {3, 1},
		"rejected: page: redirect with error (GET)":  {2, 1},
		"CIBA: backchannel":                          {3, 1},
		"CIBA: poll (pending)":                       {2, 1},
		// The answer, its ping (if any) and the consent it gives in one
		// write.
		"CIBA: app approve": {5, 1},
		// The request done, exactly once, with its access token.
		"CIBA: poll (approved, tokens)": {3, 1},
		"CIBA: userinfo":                {3, 0},
	}
	var table strings.Builder
	fmt.Fprintf(&table, "\n%-48s %5s %6s  %s\n", "request", "calls", "writes", "store calls (W: write)")
	for _, name := range e.order {
		sc := e.got[name]
		fmt.Fprintf(&table, "%-48s %5d %6d  %s\n", name, sc.Calls, sc.Writes, sc)
		w, ok := want[name]
		if !ok {
			t.Errorf("%s: no budget", name)
		}
		if sc.Writes != w.Writes || sc.Calls > w.Calls {
			t.Errorf("%s: %d calls, %d writes; want at most %d calls and %d writes (%s)", name, sc.Calls, sc.Writes, w.Calls, w.Writes, sc)
		}
	}
	t.Log(table.String())
}

// pkceS256 is the S256 code_challenge of verifier (RFC 7636 §4.2).
func pkceS256(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

package server

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vippslogin/vippslogin/internal/admin"
	"github.com/vippslogin/vippslogin/internal/app"
	"github.com/vippslogin/vippslogin/internal/devseed"
	"github.com/vippslogin/vippslogin/internal/flow"
	"github.com/vippslogin/vippslogin/internal/store"
	"github.com/vippslogin/vippslogin/internal/store/postgres/pgtest"
	"github.com/vippslogin/vippslogin/internal/testenv"
)

// The single-use races (issue 11): racers requests at once for one thing
// that may be had once, through the real HTTP handlers on the real store.
// The database decides each race (DESIGN §8: single use is enforced by the
// database, never by process memory), so each runs on SQLite and, when
// VIPPSLOGIN_TEST_POSTGRES is set, on PostgreSQL.
const racers = 50

// raceEnv is the whole server on one store, seeded as in dev mode, on a
// clock that stands still.
type raceEnv struct {
	t     *testing.T
	ctx   context.Context
	clock *testenv.Clock
	base  string
	adm   *admin.Client
}

// onEachStore runs test on a fresh SQLite store and on a fresh PostgreSQL
// schema; the PostgreSQL run skips without VIPPSLOGIN_TEST_POSTGRES.
func onEachStore(t *testing.T, test func(t *testing.T, e *raceEnv)) {
	t.Run("SQLite", func(t *testing.T) { test(t, newRaceEnv(t, testenv.SQLite(t))) })
	t.Run("PostgreSQL", func(t *testing.T) { test(t, newRaceEnv(t, openPostgres(t, pgtest.URL(t), 1)[0])) })
}

func newRaceEnv(t *testing.T, st store.Store) *raceEnv {
	t.Helper()
	// The clock stands at the real time the test starts, so that the
	// browser's cookies are not already expired to its cookie jar.
	e := &raceEnv{t: t, ctx: t.Context(), clock: testenv.NewClock(time.Now().Truncate(time.Second))}
	km := testenv.Keys(t, st, e.clock.Now)
	ts := httptest.NewUnstartedServer(nil)
	e.base = "http://" + ts.Listener.Addr().String()
	s := &Server{BaseURL: e.base, Store: st, Keys: km, AdminToken: "race-admin-token-0123", Logger: discard, Now: e.clock.Now}
	ts.Config.Handler = s.Handler()
	ts.Start()
	t.Cleanup(ts.Close)
	if err := devseed.Seed(e.ctx, st, e.base, e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	e.adm = &admin.Client{BaseURL: e.base, Token: s.AdminToken}
	return e
}

// client registers a client with every flow through the admin API. Its
// secret is generated, so checking it is one SHA-256: a chosen secret
// costs a PBKDF2 (0.4 s under the race detector), which would make the
// races races for the CPU.
func (e *raceEnv) client() admin.ClientResponse {
	e.t.Helper()
	c, err := e.adm.CreateClient(e.ctx, admin.ClientRequest{Name: "Racing Shop", RedirectURIs: []string{merchantRedirect},
		Flows: []string{store.FlowBrowser, store.FlowCIBA, store.FlowQR}, Scopes: []string{"openid", "name"},
		QRWebhookURL: "https://shop.example/qr-webhook"}) // never delivered: no deliverer runs
	if err != nil {
		e.t.Fatalf("create client: %v", err)
	}
	return c
}

// phone signs Ada's app in.
func (e *raceEnv) phone() *app.Client {
	e.t.Helper()
	p := &app.Client{BaseURL: e.base}
	if _, err := p.SignIn(e.ctx, devseed.Ada, devseed.PIN); err != nil {
		e.t.Fatalf("sign in: %v", err)
	}
	return p
}

// answer is one racer's answer.
type answer struct {
	status int
	body   map[string]any
	header http.Header
}

// outcome names an answer for counting: the status, and the OAuth error
// when there is one.
func (a answer) outcome() string {
	if e, _ := a.body["error"].(string); e != "" {
		return fmt.Sprintf("%d %s", a.status, e)
	}
	return fmt.Sprint(a.status)
}

// race sends racers copies of one form POST to path as client c, all at
// once: every request is built and every goroutine waiting before the
// start is given.
func (e *raceEnv) race(path string, c admin.ClientResponse, form url.Values) []answer {
	e.t.Helper()
	answers := make([]answer, racers)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range answers {
		req, err := http.NewRequestWithContext(e.ctx, http.MethodPost, e.base+path, strings.NewReader(form.Encode()))
		if err != nil {
			e.t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(c.ClientID, c.ClientSecret)
		wg.Go(func() {
			<-start
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				e.t.Errorf("racer %d: %v", i, err)
				return
			}
			defer resp.Body.Close()
			answers[i] = answer{status: resp.StatusCode, header: resp.Header}
			if err := json.NewDecoder(resp.Body).Decode(&answers[i].body); err != nil {
				e.t.Errorf("racer %d: %d, not JSON: %v", i, resp.StatusCode, err)
			}
		})
	}
	close(start)
	wg.Wait()
	return answers
}

// wantOneWinner checks that exactly one answer has status 200 and every
// other the status and OAuth error lost, and returns the winner.
func wantOneWinner(t *testing.T, answers []answer, lost string) answer {
	t.Helper()
	counts := map[string]int{}
	var winner answer
	for _, a := range answers {
		counts[a.outcome()]++
		if a.status == http.StatusOK {
			winner = a
		}
	}
	if counts["200"] != 1 || counts[lost] != len(answers)-1 {
		t.Fatalf("answers to %d racing requests: %v, want one 200 and the rest %s; for example:\n%s",
			len(answers), counts, lost, examples(answers))
	}
	return winner
}

// examples is one answer of each outcome, for a failure message.
func examples(answers []answer) string {
	var lines []string
	seen := map[string]bool{}
	for _, a := range answers {
		if o := a.outcome(); !seen[o] {
			seen[o] = true
			lines = append(lines, fmt.Sprintf("  %s: %v", o, a.body))
		}
	}
	slices.Sort(lines)
	return strings.Join(lines, "\n")
}

// tokenPath is the token endpoint's path.
const tokenPath = flow.IssuerPath + "oauth2/token"

// userinfo is the userinfo endpoint's status for an access token: 200
// while the token is live, 401 once it is revoked.
func (e *raceEnv) userinfo(access string) int {
	e.t.Helper()
	req, _ := http.NewRequestWithContext(e.ctx, http.MethodGet, e.base+"/vipps-userinfo-api/userinfo", nil)
	req.Header.Set("Authorization", "Bearer "+access)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// wantRevokedByReplays checks the replay rule of the grants that redeem
// a code (RFC 6749 §4.1.2, grant_code.go): every loser's request is a
// second redemption of the code, which revokes what the first issued, so
// the winner's access token is dead once the race is over.
func (e *raceEnv) wantRevokedByReplays(winner answer) {
	e.t.Helper()
	access, _ := winner.body["access_token"].(string)
	if got := e.userinfo(access); got != http.StatusUnauthorized {
		e.t.Errorf("userinfo with the winner's access token after %d replays of its code: %d, want 401 (revoked)", racers-1, got)
	}
}

// wantLive checks that the winner's access token still works: a second
// poll of an auth_req_id is answered invalid_grant but revokes nothing
// (grant_ciba.go), as a client may poll once more than it needed to.
func (e *raceEnv) wantLive(winner answer) {
	e.t.Helper()
	access, _ := winner.body["access_token"].(string)
	if got := e.userinfo(access); got != http.StatusOK {
		e.t.Errorf("userinfo with the winner's access token after %d late polls: %d, want 200", racers-1, got)
	}
}

// Racing redemptions of one authorization code: exactly one gets tokens,
// the rest invalid_grant, and being replays they revoke the winner's
// access token.
func TestRaceAuthorizationCode(t *testing.T) {
	onEachStore(t, func(t *testing.T, e *raceEnv) {
		c := e.client()
		verifier := strings.Repeat("v", 43)
		sum := sha256.Sum256([]byte(verifier))
		authURL := e.base + flow.IssuerPath + "oauth2/auth?" + url.Values{
			"response_type": {"code"}, "client_id": {c.ClientID}, "redirect_uri": {merchantRedirect}, "scope": {"openid"},
			"state": {"race-state"}, "code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"},
		}.Encode()
		b := newBrowser(t)
		(&e2e{BaseURL: e.base}).loginWithPhone(t, b, authURL, devseed.Ada, false)
		if b.Landed == nil || b.Landed.Query().Get("code") == "" {
			t.Fatal("the login did not send the browser back with a code")
		}
		form := url.Values{"grant_type": {"authorization_code"}, "code": {b.Landed.Query().Get("code")},
			"redirect_uri": {merchantRedirect}, "code_verifier": {verifier}}
		e.wantRevokedByReplays(wantOneWinner(t, e.race(tokenPath, c, form), "400 invalid_grant"))
	})
}

// cibaStart sends a backchannel authentication request for Ada as c and
// returns its auth_req_id.
func (e *raceEnv) cibaStart(c admin.ClientResponse, form url.Values) string {
	e.t.Helper()
	form.Set("login_hint", "urn:msisdn:"+devseed.Ada)
	form.Set("scope", "openid name")
	status, body := postForm(e.t, e.base+oidcBackchannelPath, form, c.ClientID, c.ClientSecret)
	id, _ := body["auth_req_id"].(string)
	if status != http.StatusOK || id == "" {
		e.t.Fatalf("backchannel authentication: %d %v", status, body)
	}
	return id
}

// approve approves the request id on the phone and returns the open_url's
// code, if any.
func (e *raceEnv) approve(phone *app.Client, id string) string {
	e.t.Helper()
	res, err := phone.Approve(e.ctx, id, app.ApproveRequest{})
	if err != nil {
		e.t.Fatalf("approve: %v", err)
	}
	if res.OpenURL == "" {
		return ""
	}
	open, err := url.Parse(res.OpenURL)
	if err != nil {
		e.t.Fatalf("open_url %q: %v", res.OpenURL, err)
	}
	return open.Query().Get("code")
}

// Racing polls of one approved CIBA auth_req_id: exactly one gets tokens,
// the rest invalid_grant ("already redeemed").
func TestRaceCIBAPoll(t *testing.T) {
	onEachStore(t, func(t *testing.T, e *raceEnv) {
		c := e.client()
		id := e.cibaStart(c, url.Values{})
		e.approve(e.phone(), id)
		form := url.Values{"grant_type": {"urn:openid:params:grant-type:ciba"}, "auth_req_id": {id}}
		e.wantLive(wantOneWinner(t, e.race(tokenPath, c, form), "400 invalid_grant"))
	})
}

// Racing redemptions of one ciba-redirect code (requested_flow=
// login_to_webpage): exactly one gets tokens, and the replays revoke them.
func TestRaceCIBARedirectCode(t *testing.T) {
	onEachStore(t, func(t *testing.T, e *raceEnv) {
		c := e.client()
		id := e.cibaStart(c, url.Values{"requested_flow": {"login_to_webpage"}, "redirect_uri": {merchantRedirect}})
		code := e.approve(e.phone(), id)
		if code == "" {
			t.Fatal("the approval's open_url has no code")
		}
		form := url.Values{"grant_type": {"urn:vipps:params:grant-type:ciba-redirect"}, "code": {code}}
		e.wantRevokedByReplays(wantOneWinner(t, e.race(tokenPath, c, form), "400 invalid_grant"))
	})
}

// qrScan registers a QR code for c (with redirectURI, or for the webhook
// when it is empty), has Ada's phone scan and approve it, and returns the
// login's id (its auth_req_id) and the open_url's code.
func (e *raceEnv) qrScan(c admin.ClientResponse, redirectURI string) (id, code string) {
	e.t.Helper()
	q, err := e.adm.CreateQRCode(e.ctx, c.ClientID, admin.QRCodeRequest{Description: "Till 1", RedirectURI: redirectURI})
	if err != nil {
		e.t.Fatalf("create QR code: %v", err)
	}
	phone := e.phone()
	req, err := phone.ScanQR(e.ctx, q.URL)
	if err != nil {
		e.t.Fatalf("scan: %v", err)
	}
	return req.ID, e.approve(phone, req.ID)
}

// Racing redemptions of one approved QR login's auth_req_id (the qr grant,
// after the webhook): exactly one gets tokens, the rest invalid_grant.
func TestRaceQRPoll(t *testing.T) {
	onEachStore(t, func(t *testing.T, e *raceEnv) {
		c := e.client()
		id, _ := e.qrScan(c, "")
		form := url.Values{"grant_type": {"urn:vipps:params:grant-type:qr"}, "auth_req_id": {id}}
		e.wantLive(wantOneWinner(t, e.race(tokenPath, c, form), "400 invalid_grant"))
	})
}

// Racing redemptions of one qr-redirect code: exactly one gets tokens, and
// the replays revoke them.
func TestRaceQRRedirectCode(t *testing.T) {
	onEachStore(t, func(t *testing.T, e *raceEnv) {
		c := e.client()
		_, code := e.qrScan(c, merchantRedirect)
		if code == "" {
			t.Fatal("the approval's open_url has no code")
		}
		form := url.Values{"grant_type": {"urn:vipps:params:grant-type:qr-redirect"}, "code": {code}}
		e.wantRevokedByReplays(wantOneWinner(t, e.race(tokenPath, c, form), "400 invalid_grant"))
	})
}

// Racing backchannel authentication requests for one user: one login from
// phone number may wait for a user at a time, so exactly one is accepted
// and the rest are told 429 with when to retry.
func TestRaceBackchannelOneUser(t *testing.T) {
	onEachStore(t, func(t *testing.T, e *raceEnv) {
		c := e.client()
		form := url.Values{"login_hint": {"urn:msisdn:" + devseed.Ada}, "scope": {"openid"}}
		answers := e.race(oidcBackchannelPath, c, form)
		winner := wantOneWinner(t, answers, "429 invalid_request")
		// The default expiry, on a clock that stands still.
		if winner.body["expires_in"] != 600.0 {
			t.Errorf("the accepted request: %v, want expires_in 600", winner.body)
		}
		for _, a := range answers {
			if a.status == http.StatusTooManyRequests && a.header.Get("Retry-After") != "600" {
				t.Errorf("a refused request's Retry-After is %q, want 600 (the waiting request's time left)", a.header.Get("Retry-After"))
				break
			}
		}
		id, _ := winner.body["auth_req_id"].(string)
		reqs, err := e.phone().Requests(e.ctx, 0)
		if err != nil || len(reqs) != 1 || reqs[0].ID != id {
			t.Errorf("the app sees %+v (%v), want the one accepted request %s", reqs, err, id)
		}
	})
}

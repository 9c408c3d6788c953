package oidc

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/vippslogin/vippslogin/internal/debugger"
	"github.com/vippslogin/vippslogin/internal/secret"
	"github.com/vippslogin/vippslogin/internal/store"
)

// debugEnv is a tokenEnv whose provider records debugger events.
func debugEnv(t *testing.T) *tokenEnv {
	e := newTokenEnv(t)
	e.p.Events = debugger.NewRecorder(e.st, 0)
	return e
}

// events flushes the recorder and returns the client's events, newest
// first.
func (e *tokenEnv) events(clientID string) []store.Event {
	e.t.Helper()
	if err := e.p.Events.Flush(e.ctx); err != nil {
		e.t.Fatal(err)
	}
	es, err := e.st.ListEvents(e.ctx, clientID, store.EventQuery{Limit: 100})
	if err != nil {
		e.t.Fatal(err)
	}
	return es
}

// oneEvent asserts that the client has exactly one event, with the flow,
// step, outcome, error and explanation given, and returns it.
func (e *tokenEnv) oneEvent(clientID, flow, step, outcome, code, explanation string) store.Event {
	e.t.Helper()
	es := e.events(clientID)
	if len(es) != 1 {
		e.t.Fatalf("%d events %+v, want one", len(es), es)
	}
	ev := es[0]
	if ev.Flow != flow || ev.Step != step || ev.Outcome != outcome || ev.Error != code {
		e.t.Errorf("event %s/%s/%s/%s, want %s/%s/%s/%s", ev.Flow, ev.Step, ev.Outcome, ev.Error, flow, step, outcome, code)
	}
	if ev.Explanation != explanation {
		e.t.Errorf("explanation:\n got %q\nwant %q", ev.Explanation, explanation)
	}
	if !ev.Time.Equal(e.clock.Now()) {
		e.t.Errorf("event time %v, want the provider's clock %v", ev.Time, e.clock.Now())
	}
	return ev
}

// noSecrets asserts that no part of the event holds any of the values.
func noSecrets(t *testing.T, ev store.Event, values ...string) {
	t.Helper()
	for _, v := range values {
		for k, p := range ev.Params {
			if strings.Contains(p, v) {
				t.Errorf("param %s = %q holds a secret", k, p)
			}
		}
		if strings.Contains(ev.Explanation, v) {
			t.Errorf("explanation holds a secret: %q", ev.Explanation)
		}
	}
}

func TestEventWrongAuthMethod(t *testing.T) {
	e := debugEnv(t)
	a := e.tokenRequest(nil, basicAs(postClient, postSecret))
	if a.Status != http.StatusUnauthorized {
		t.Fatalf("answer %d %s", a.Status, a.Body)
	}
	ev := e.oneEvent(postClient, store.FlowBrowser, debugger.StepToken, store.OutcomeFailure, ErrInvalidClient,
		debugger.WrongAuthMethod(store.AuthSecretPost, store.AuthSecretBasic))
	if ev.Params["auth_method"] != store.AuthSecretBasic || ev.Params["grant_type"] != "authorization_code" || ev.Params["code"] != debugger.Sent {
		t.Errorf("params %v", ev.Params)
	}
	noSecrets(t, ev, postSecret, "no-such-code")
}

// A wrong secret gets the unknown client's answer; the debugger says it
// was the secret.
func TestEventWrongSecret(t *testing.T) {
	e := debugEnv(t)
	a := e.tokenRequest(postAs(postClient, "not-the-secret"), nil)
	if a.Status != http.StatusUnauthorized || !strings.Contains(a.Body, badCredentials) {
		t.Fatalf("answer %d %s, want the unknown client's", a.Status, a.Body)
	}
	ev := e.oneEvent(postClient, store.FlowBrowser, debugger.StepToken, store.OutcomeFailure, ErrInvalidClient,
		debugger.WrongSecret(store.AuthSecretPost))
	if ev.Params["client_secret"] != debugger.Sent {
		t.Errorf("params %v", ev.Params)
	}
	noSecrets(t, ev, "not-the-secret")
}

// Unknown clients get no events: one created after the request, before
// the flush, has none.
func TestEventUnknownClient(t *testing.T) {
	e := debugEnv(t)
	e.tokenRequest(postAs("late-client", "whatever-secret"), nil)
	e.client("late-client", "whatever-secret", store.AuthSecretPost)
	if es := e.events("late-client"); len(es) != 0 {
		t.Errorf("events of a client unknown at the request: %+v", es)
	}
}

func TestEventCodeReplayed(t *testing.T) {
	e := debugEnv(t)
	code := e.code(nil)
	e.mustExchange(basicClient, code, "")
	usedAt := e.clock.Now()
	e.clock.Add(10 * time.Second)
	_, err := e.exchange(basicClient, code, "")
	oauthErr(t, err, ErrInvalidGrant)
	es := e.events(basicClient)
	if len(es) != 2 || es[1].Outcome != store.OutcomeSuccess || es[1].Explanation != debugger.TokensIssued("authorization_code") {
		t.Fatalf("events %+v, want the success, then the replay", es)
	}
	if es[0].Outcome != store.OutcomeFailure || es[0].Error != ErrInvalidGrant || es[0].Explanation != debugger.CodeReplayed(1, usedAt) {
		t.Errorf("replay event %+v", es[0])
	}
	noSecrets(t, es[0], code)
}

func TestEventPKCEMismatch(t *testing.T) {
	e := debugEnv(t)
	verifier := oauth2.GenerateVerifier()
	for _, method := range []string{"S256", ""} {
		challenge := verifier
		if method == "S256" {
			challenge = oauth2.S256ChallengeFromVerifier(verifier)
		}
		code := e.code(func(c *store.AuthCode) { c.CodeChallenge, c.CodeChallengeMethod = challenge, method })
		wrong := oauth2.GenerateVerifier()
		_, err := e.exchange(basicClient, code, wrong)
		oauthErr(t, err, ErrInvalidGrant)
		want := "S256"
		if method == "" {
			want = "plain"
		}
		ev := e.oneEvent(basicClient, store.FlowBrowser, debugger.StepToken, store.OutcomeFailure, ErrInvalidGrant, debugger.PKCEMismatch(want))
		if ev.Params["code_verifier_length"] != "43" {
			t.Errorf("params %v", ev.Params)
		}
		noSecrets(t, ev, wrong, verifier, code)
		if _, err := e.st.TrimEvents(e.ctx, e.clock.Now().Add(time.Hour), 0, 100); err != nil {
			t.Fatal(err)
		}
	}
}

// authorize sends a browser to the authorize endpoint and returns where
// it was sent (or the error page's status).
func (e *tokenEnv) authorize(q url.Values) *http.Response {
	e.t.Helper()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(e.srv.URL + IssuerPath + "oauth2/auth?" + q.Encode())
	if err != nil {
		e.t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

func debugAuthorizeQuery() url.Values {
	return url.Values{"client_id": {basicClient}, "redirect_uri": {shopCallback}, "response_type": {"code"},
		"scope": {"openid"}, "state": {"state-123456"}, "login_hint": {"urn:msisdn:4712345678"}}
}

func TestEventStateTooShort(t *testing.T) {
	e := debugEnv(t)
	q := debugAuthorizeQuery()
	q.Set("state", "abc")
	resp := e.authorize(q)
	if loc := resp.Header.Get("Location"); !strings.HasPrefix(loc, shopCallback+"?error=invalid_request") {
		t.Fatalf("redirect to %q, want the error at the callback", loc)
	}
	ev := e.oneEvent(basicClient, store.FlowBrowser, debugger.StepAuthorize, store.OutcomeFailure, ErrInvalidRequest, debugger.StateTooShort(3, minStateLength))
	if ev.Params["state_length"] != "3" || ev.Params["redirect_uri"] != shopCallback || ev.Params["login_hint"] != debugger.Sent {
		t.Errorf("params %v", ev.Params)
	}
	noSecrets(t, ev, "4712345678", "abc")
}

// An unregistered redirect URI gets the error page and no redirect; its
// event says what the page says.
func TestEventRedirectMismatch(t *testing.T) {
	e := debugEnv(t)
	q := debugAuthorizeQuery()
	sent := shopCallback + "/"
	q.Set("redirect_uri", sent)
	resp := e.authorize(q)
	if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" {
		t.Fatalf("answer %d to %q, want the error page", resp.StatusCode, resp.Header.Get("Location"))
	}
	ev := e.oneEvent(basicClient, store.FlowBrowser, debugger.StepAuthorize, store.OutcomeFailure, ErrInvalidRequest, mismatch(sent, []string{shopCallback}))
	if !strings.Contains(ev.Explanation, "the one sent ends with a slash") || ev.Params["redirect_uri"] != sent {
		t.Errorf("event %+v", ev)
	}
}

// A CIBA client that polls too soon gets slow_down and an event saying by
// how much; one that polls on after expiry gets expired_token and an
// event. authorization_pending, and the poll that finds the login expired
// (the login's own event, debugger.Watch), are not events.
func TestEventCIBAPolls(t *testing.T) {
	e := debugEnv(t)
	const cibaClient = "client-ciba"
	now := e.clock.Now()
	err := e.st.CreateClient(e.ctx, store.Client{ID: cibaClient, SecretHash: secret.Hash(postSecret), Name: "CIBA",
		TokenEndpointAuthMethod: store.AuthSecretPost, Flows: []string{store.FlowCIBA}, Scopes: store.Scopes, CreatedAt: now, UpdatedAt: now})
	if err != nil {
		t.Fatal(err)
	}
	id := secret.New()
	err = e.st.CreateLoginRequest(e.ctx, store.LoginRequest{ID: id, Kind: store.KindCIBA, ClientID: cibaClient, Scopes: []string{"openid"},
		PhoneNumber: adaPhone, Status: store.LoginWaiting, PollInterval: 5 * time.Second, CreatedAt: now, UpdatedAt: now, ExpiresAt: now.Add(time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	poll := func(want string) {
		t.Helper()
		form := postAs(cibaClient, postSecret)
		form.Set("grant_type", grantCIBA)
		form.Set("auth_req_id", id)
		if a := e.tokenRequest(form, nil); !strings.Contains(a.Body, `"error":"`+want+`"`) {
			t.Fatalf("poll answered %d %s, want %s", a.Status, a.Body, want)
		}
	}
	poll(ErrAuthorizationPending)
	e.clock.Add(time.Second)
	poll(ErrSlowDown)
	ev := e.oneEvent(cibaClient, store.FlowCIBA, debugger.StepToken, store.OutcomeFailure, ErrSlowDown,
		debugger.SlowDown(time.Second, 5*time.Second, 10*time.Second))
	noSecrets(t, ev, id, postSecret)
	if ev.Params["auth_req_id"] != debugger.Sent {
		t.Errorf("params %v", ev.Params)
	}

	e.clock.Add(2 * time.Minute)
	poll(ErrExpiredToken)
	if es := e.events(cibaClient); len(es) != 1 {
		t.Fatalf("the poll that found the login expired made an event: %+v", es[0])
	}
	e.clock.Add(5 * time.Second)
	poll(ErrExpiredToken)
	es := e.events(cibaClient)
	if len(es) != 2 || es[0].Error != ErrExpiredToken || es[0].Explanation != debugger.PolledAfterExpiry(now.Add(time.Minute)) {
		t.Errorf("events %+v, want the poll after expiry", es)
	}
}

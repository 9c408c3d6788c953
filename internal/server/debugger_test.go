package server

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/vippslogin/vippslogin/internal/admin"
	"github.com/vippslogin/vippslogin/internal/app"
	"github.com/vippslogin/vippslogin/internal/debugger"
	"github.com/vippslogin/vippslogin/internal/devseed"
	"github.com/vippslogin/vippslogin/internal/flow"
	"github.com/vippslogin/vippslogin/internal/store"
	"github.com/vippslogin/vippslogin/internal/testenv"
)

// A merchant's failed logins, seen through the integration debugger: a
// redirect URI with a trailing slash, then a login whose token request
// sends the wrong PKCE verifier. Each failure is at the admin API with its
// explanation, the standard answers unchanged, and nothing secret stored.
func TestDebuggerEndToEnd(t *testing.T) {
	e := startE2E(t)
	ctx := context.Background()
	cfg := e.oauth(devseed.ClientID, devseed.ClientSecret, "openid", "name")
	// Not auto-detected: x/oauth2 would retry a failed request with the
	// secret in the body, a second failure (wrong auth method).
	cfg.Endpoint.AuthStyle = oauth2.AuthStyleInHeader
	verifier := oauth2.GenerateVerifier()

	// 1. The shop registered .../callback but sends .../callback/.
	slashed := *cfg
	slashed.RedirectURL = merchantRedirect + "/"
	b := newBrowser(t)
	p := b.get(slashed.AuthCodeURL("state-0123456789", oauth2.S256ChallengeOption(verifier)))
	if p.Status != 400 || b.Landed != nil || !strings.Contains(p.Body, "ends with a slash") {
		t.Fatalf("want the redirect URI error page, got %d at %s", p.Status, p.URL)
	}

	// 2. The login itself works, but the token request sends another
	// verifier.
	authURL := cfg.AuthCodeURL("state-0123456789", oidc.Nonce("n-1"), oauth2.S256ChallengeOption(verifier))
	p = e.loginWithPhone(t, b, authURL, devseed.Ada, false)
	if strings.Contains(p.Body, `name="action"`) {
		b.post(e.BaseURL+"/vipps-login-idp/consent", url.Values{"tabId": {p.URL.Query().Get("tabId")}, "action": {"accept"}})
	}
	if b.Landed == nil || b.Landed.Query().Get("code") == "" {
		t.Fatalf("no code came back: %s", p.URL)
	}
	code := b.Landed.Query().Get("code")
	wrong := oauth2.GenerateVerifier()
	_, err := cfg.Exchange(ctx, code, oauth2.VerifierOption(wrong))
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) || re.ErrorCode != "invalid_grant" || re.ErrorDescription != "The code_verifier does not match the code_challenge." {
		t.Fatalf("token answer %v, want the standard invalid_grant", err)
	}

	if err := e.Server.Events().Flush(ctx); err != nil {
		t.Fatal(err)
	}
	ac := &admin.Client{BaseURL: e.BaseURL, Token: "e2e-admin-token-0123"}
	failures, err := ac.ListEvents(ctx, devseed.ClientID, admin.EventQuery{Outcome: store.OutcomeFailure})
	if err != nil {
		t.Fatal(err)
	}
	if len(failures.Events) != 2 || failures.NextCursor != "" {
		t.Fatalf("failures %+v, want the PKCE one and the redirect URI one", failures)
	}
	pkce, redirect := failures.Events[0], failures.Events[1]
	if pkce.Flow != "browser" || pkce.Step != "token" || pkce.Error != "invalid_grant" || pkce.Explanation != debugger.PKCEMismatch("S256") ||
		pkce.Params["code_verifier_length"] != "43" || pkce.Params["auth_method"] != store.AuthSecretBasic {
		t.Errorf("PKCE event %+v", pkce)
	}
	if redirect.Step != "authorize" || !strings.Contains(redirect.Explanation, `"`+merchantRedirect+`"`) ||
		!strings.Contains(redirect.Explanation, "the one sent ends with a slash") || redirect.Params["redirect_uri"] != merchantRedirect+"/" ||
		redirect.Params["state_length"] != "16" {
		t.Errorf("redirect URI event %+v", redirect)
	}

	// The login's own success (the code sent back) is there too, between
	// them; paging one at a time walks all three.
	var all []admin.EventResponse
	q := admin.EventQuery{Limit: 1, Flow: "browser"}
	for range 10 {
		page, err := ac.ListEvents(ctx, devseed.ClientID, q)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, page.Events...)
		if page.NextCursor == "" {
			break
		}
		q.Cursor = page.NextCursor
	}
	if len(all) != 3 || all[1].Outcome != "success" || all[1].Step != "login" || all[0].ID != pkce.ID || all[2].ID != redirect.ID {
		t.Errorf("paged events %+v, want the PKCE failure, the code sent, the redirect URI failure", all)
	}
	for _, ev := range all {
		for k, v := range ev.Params {
			for _, secret := range []string{code, wrong, verifier, devseed.ClientSecret, devseed.Ada, "state-0123456789"} {
				if strings.Contains(v, secret) || strings.Contains(ev.Explanation, secret) {
					t.Errorf("event %s keeps a secret in %s", ev.ID, k)
				}
			}
		}
	}
}

// The janitor keeps events for the retention and at most
// debugger.MaxPerClient per client, by the server's clock.
func TestJanitorTrimsEvents(t *testing.T) {
	st := testenv.SQLite(t)
	ctx := t.Context()
	clk := testenv.NewClock(time.Date(2025, 3, 14, 12, 0, 0, 0, time.UTC))
	for _, id := range []string{"busy", "quiet"} {
		if err := st.CreateClient(ctx, store.Client{ID: id, Name: id, Flows: []string{store.FlowBrowser}}); err != nil {
			t.Fatal(err)
		}
	}
	s := &Server{Store: st, Now: clk.Now, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), EventsRetention: 24 * time.Hour}
	var batch []store.Event
	start := clk.Now().Add(-time.Hour)
	for i := range debugger.MaxPerClient + 600 {
		batch = append(batch, store.Event{ID: debugger.NewEventID(start.Add(time.Duration(i) * time.Millisecond)), ClientID: "busy",
			Time: start.Add(time.Duration(i) * time.Millisecond), Flow: store.FlowBrowser, Step: debugger.StepToken, Outcome: store.OutcomeSuccess})
	}
	old := clk.Now().Add(-25 * time.Hour)
	batch = append(batch,
		store.Event{ID: debugger.NewEventID(old), ClientID: "quiet", Time: old, Flow: store.FlowCIBA, Step: debugger.StepToken, Outcome: store.OutcomeFailure},
		store.Event{ID: debugger.NewEventID(clk.Now()), ClientID: "quiet", Time: clk.Now(), Flow: store.FlowCIBA, Step: debugger.StepToken, Outcome: store.OutcomeFailure})
	if err := st.AddEvents(ctx, batch); err != nil {
		t.Fatal(err)
	}

	s.sweep(ctx)
	count := func(id string) int {
		es, err := st.ListEvents(ctx, id, store.EventQuery{Limit: 2 * debugger.MaxPerClient})
		if err != nil {
			t.Fatal(err)
		}
		return len(es)
	}
	if n := count("busy"); n != debugger.MaxPerClient {
		t.Errorf("busy client keeps %d events, want %d", n, debugger.MaxPerClient)
	}
	if n := count("quiet"); n != 1 {
		t.Errorf("quiet client keeps %d events, want the one within the retention", n)
	}
	clk.Add(24*time.Hour + time.Second)
	s.sweep(ctx)
	if n, m := count("busy"), count("quiet"); n != 0 || m != 0 {
		t.Errorf("a day later, %d and %d events are left, want none", n, m)
	}
}

// One sweep trims all a busy client's surplus, however much ten minutes
// at a high rate left (some 290,000 events at 243 logins/s): a sweep that
// stopped after 50,000 let the table grow without bound, as a soak found.
func TestJanitorKeepsUpWithABusyClient(t *testing.T) {
	st := testenv.SQLite(t)
	ctx := t.Context()
	clk := testenv.NewClock(time.Date(2025, 3, 14, 12, 0, 0, 0, time.UTC))
	if err := st.CreateClient(ctx, store.Client{ID: "busy", Name: "busy", Flows: []string{store.FlowBrowser}}); err != nil {
		t.Fatal(err)
	}
	s := &Server{Store: st, Now: clk.Now, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	const events = 60_000 + debugger.MaxPerClient + 1
	start := clk.Now().Add(-10 * time.Minute)
	for i := 0; i < events; i += 10_000 {
		batch := make([]store.Event, 0, 10_000)
		for j := i; j < min(i+10_000, events); j++ {
			at := start.Add(time.Duration(j) * time.Millisecond)
			batch = append(batch, store.Event{ID: debugger.NewEventID(at), ClientID: "busy", Time: at,
				Flow: store.FlowBrowser, Step: debugger.StepToken, Outcome: store.OutcomeSuccess})
		}
		if err := st.AddEvents(ctx, batch); err != nil {
			t.Fatal(err)
		}
	}

	s.sweep(ctx)
	es, err := st.ListEvents(ctx, "busy", store.EventQuery{Limit: 2 * debugger.MaxPerClient})
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != debugger.MaxPerClient {
		t.Fatalf("the busy client keeps %d events after a sweep, want %d", len(es), debugger.MaxPerClient)
	}
	if newest := start.Add((events - 1) * time.Millisecond); !es[0].Time.Equal(newest) {
		t.Errorf("the newest event kept is of %v, want %v", es[0].Time, newest)
	}
}

// The user's side of a failure reaches the debugger from real requests
// too: a login from phone number the user rejected in the app, and one
// nobody answered until it expired, each explained when the merchant's
// poll learns of it.
func TestDebuggerUserRejectsOrIgnores(t *testing.T) {
	e := startE2E(t)
	ctx := t.Context()
	start := func() (id string, expiresIn float64) {
		t.Helper()
		status, body := postForm(t, e.BaseURL+oidcBackchannelPath, url.Values{"login_hint": {"urn:msisdn:" + devseed.Ada}, "scope": {"openid"}},
			devseed.ClientID, devseed.ClientSecret)
		id, _ = body["auth_req_id"].(string)
		expiresIn, _ = body["expires_in"].(float64)
		if status != 200 || id == "" || expiresIn == 0 {
			t.Fatalf("backchannel: %d %v", status, body)
		}
		return id, expiresIn
	}
	poll := func(id, want string) {
		t.Helper()
		status, body := postForm(t, e.BaseURL+flow.IssuerPath+"oauth2/token", url.Values{"grant_type": {"urn:openid:params:grant-type:ciba"}, "auth_req_id": {id}},
			devseed.ClientID, devseed.ClientSecret)
		if status != 400 || body["error"] != want {
			t.Fatalf("poll: %d %v, want %s", status, body, want)
		}
	}
	phone := &app.Client{BaseURL: e.BaseURL}
	if _, err := phone.SignIn(ctx, devseed.Ada, devseed.PIN); err != nil {
		t.Fatal(err)
	}

	rejected, _ := start()
	if err := phone.Reject(ctx, rejected); err != nil {
		t.Fatal(err)
	}
	poll(rejected, "access_denied")

	ignored, expiresIn := start()
	e.Clock.Add(time.Duration(expiresIn)*time.Second + time.Second)
	poll(ignored, "expired_token")

	if err := e.Server.Events().Flush(ctx); err != nil {
		t.Fatal(err)
	}
	ac := &admin.Client{BaseURL: e.BaseURL, Token: "e2e-admin-token-0123"}
	failures, err := ac.ListEvents(ctx, devseed.ClientID, admin.EventQuery{Outcome: store.OutcomeFailure, Flow: store.FlowCIBA})
	if err != nil {
		t.Fatal(err)
	}
	if len(failures.Events) != 2 {
		t.Fatalf("CIBA failures %+v, want the unanswered one and the rejected one", failures.Events)
	}
	expired, rejection := failures.Events[0], failures.Events[1]
	if expired.Error != "expired_token" || !strings.Contains(expired.Explanation, "did not answer") {
		t.Errorf("unanswered login's event %+v", expired)
	}
	if rejection.Error != "access_denied" || !strings.Contains(rejection.Explanation, "rejected the login") {
		t.Errorf("rejected login's event %+v", rejection)
	}
}

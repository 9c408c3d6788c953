package oidc

import (
	"math/rand/v2"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vippslogin/vippslogin/internal/flow"
	"github.com/vippslogin/vippslogin/internal/store"
)

// redirectScope runs an authorization request with scope (and the
// parameters extra adds) through authorize's checks, approves the login it
// makes and returns the scope of the redirect that sends the browser back
// with the code (flow.End, which every browser flow ends through).
func redirectScope(t *testing.T, scope string, extra url.Values) string {
	t.Helper()
	client := store.Client{ID: basicClient, Flows: []string{store.FlowBrowser}, Scopes: store.Scopes,
		RedirectURIs: []string{shopCallback}, AppCallbackURIs: []string{"merchant-app://callback"}}
	params := url.Values{"response_type": {"code"}, "client_id": {basicClient}, "redirect_uri": {shopCallback},
		"state": {"state-123"}, "scope": {scope}}
	for k, v := range extra {
		params[k] = v
	}
	p := &Provider{BaseURL: "https://vipps.example"}
	r, oerr := p.authorizeRequest(client, shopCallback, params)
	if oerr != nil {
		t.Fatalf("scope %q, %v: %s", scope, extra, oerr.Description)
	}
	return endScope(t, r)
}

// endScope approves the login r and returns its redirect's scope.
func endScope(t *testing.T, r store.LoginRequest) string {
	t.Helper()
	r.ID, r.Status, r.PhoneNumber = "login-1", store.LoginApproved, adaPhone
	_, code, to, err := flow.End(r, "https://vipps.example"+IssuerPath, time.Now())
	if err != nil || code == nil {
		t.Fatalf("end: %v", err)
	}
	u, err := url.Parse(to)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Count(u.RawQuery, "scope=") != 1 {
		t.Fatalf("redirect %s: want one scope", to)
	}
	return u.Query().Get("scope")
}

// The redirect's scope is the request's scope string, as sent, order
// included, in every browser flow: vipps-login-api-2.0 "OAuth 2.0
// Authorize", the success response: "scope: The scopes that the end user
// has consented to. This list will always be the same as in the request
// query as end users are not allowed to remove individual scopes when
// they give consent." Nothing but the parsed list is stored: its join
// reproduces every request that lists Vipps scopes once each, one space
// apart, which this checks for every order of three scopes and for
// random subsets and orders of all nine, in each requested_flow.
func TestRedirectScopeIsTheRequests(t *testing.T) {
	var scopes []string
	for _, perm := range permutations([]string{"openid", "phoneNumber", "name"}) {
		scopes = append(scopes, strings.Join(perm, " "))
	}
	rng := rand.New(rand.NewPCG(12, 6))
	for range 200 {
		s := slices.Clone(store.Scopes)
		rng.Shuffle(len(s), func(i, j int) { s[i], s[j] = s[j], s[i] })
		s = s[:1+rng.IntN(len(s))]
		if !slices.Contains(s, "openid") {
			s = append(s, "openid")
			rng.Shuffle(len(s), func(i, j int) { s[i], s[j] = s[j], s[i] })
		}
		scopes = append(scopes, strings.Join(s, " "))
	}
	flows := []url.Values{
		{},
		{"requested_flow": {flow.NoDialog}},
		{"requested_flow": {flow.AppToApp}, "app_callback_uri": {"merchant-app://callback"}},
		{"requested_flow": {flow.AppToAppV2}, "app_callback_uri": {"merchant-app://callback"},
			"code_challenge": {strings.Repeat("c", 43)}, "code_challenge_method": {"S256"}},
		{"requested_flow": {flow.AutomaticReturn}},
	}
	for _, extra := range flows {
		for _, scope := range scopes {
			if got := redirectScope(t, scope, extra); got != scope {
				t.Errorf("requested_flow=%q: scope %q came back as %q", extra.Get("requested_flow"), scope, got)
			}
		}
	}
}

// What authorize accepts but the join cannot give back as sent: the list
// comes back normalised, which is also what the token response's scope
// says. Extra white space and a repeated scope come back as the same
// scopes once each, one space apart, in the order first sent; a scope
// Vipps does not know is dropped, as authorize drops it, since the user
// consented to no such scope.
func TestRedirectScopeNormalised(t *testing.T) {
	for _, tc := range []struct{ sent, back string }{
		{"openid  phoneNumber name", "openid phoneNumber name"},
		{" openid phoneNumber name ", "openid phoneNumber name"},
		{"openid\tphoneNumber", "openid phoneNumber"},
		{"phoneNumber openid phoneNumber name openid", "phoneNumber openid name"},
		{"openid profile name", "openid name"},
	} {
		if got := redirectScope(t, tc.sent, nil); got != tc.back {
			t.Errorf("scope %q came back as %q, want %q", tc.sent, got, tc.back)
		}
	}
}

// A login from phone number with requested_flow=login_to_webpage keeps the
// backchannel request's scope on the redirect the app opens, as the
// browser flow does.
func TestCIBARedirectScopeIsTheRequests(t *testing.T) {
	client := store.Client{ID: cibaClient, Flows: []string{store.FlowCIBA}, Scopes: store.Scopes}
	for _, perm := range permutations([]string{"openid", "phoneNumber", "name", "address"}) {
		scope := strings.Join(perm, " ")
		parsed, oerr := cibaScopes(client, url.Values{"scope": {scope}}, true)
		if oerr != nil {
			t.Fatalf("scope %q: %s", scope, oerr.Description)
		}
		r := store.LoginRequest{Kind: store.KindCIBA, ClientID: cibaClient, RedirectURI: shopCallback,
			RequestedFlow: LoginToWebpage, Scopes: parsed}
		if got := endScope(t, r); got != scope {
			t.Errorf("scope %q came back as %q", scope, got)
		}
	}
}

// permutations returns every order of s.
func permutations(s []string) [][]string {
	if len(s) <= 1 {
		return [][]string{slices.Clone(s)}
	}
	var out [][]string
	for i := range s {
		rest := slices.Concat(s[:i], s[i+1:])
		for _, p := range permutations(rest) {
			out = append(out, append([]string{s[i]}, p...))
		}
	}
	return out
}

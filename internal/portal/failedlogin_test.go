package portal_test

import (
	"context"
	"errors"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/vippslogin/vippslogin/internal/app"
	"github.com/vippslogin/vippslogin/internal/flow"
	"github.com/vippslogin/vippslogin/internal/testenv"
)

var challengeRE = regexp.MustCompile(`data-testid="challenge"[^>]*>\s*([^<\s]+)\s*<`)

// failedLogin makes the two mistakes of issue 14's walk-through with the
// client clientID, whose secret and registered redirect URI it is given:
// an authorize request whose redirect_uri has a trailing slash the
// registered one lacks, then a login Ada (e.ada) confirms whose token
// request sends the wrong PKCE verifier. It writes the debugger's events
// out before it returns.
func (e *env) failedLogin(t *testing.T, clientID, secret, redirectURI string) {
	t.Helper()
	ctx := context.Background()
	cfg := &oauth2.Config{
		ClientID: clientID, ClientSecret: secret, RedirectURL: redirectURI, Scopes: []string{"openid", "name"},
		Endpoint: oauth2.Endpoint{
			AuthURL:  e.base + "/access-management-1.0/access/oauth2/auth",
			TokenURL: e.base + "/access-management-1.0/access/oauth2/token",
			// Not auto-detected: x/oauth2 would retry the failed request
			// with the secret in the body, a second (auth method) failure.
			AuthStyle: oauth2.AuthStyleInHeader,
		},
	}
	verifier := oauth2.GenerateVerifier()
	b := testenv.NewBrowser(t, redirectURI)

	slashed := *cfg
	slashed.RedirectURL = redirectURI + "/"
	if p := b.Get(slashed.AuthCodeURL("state-0123456789", oauth2.S256ChallengeOption(verifier))); p.Status != 400 || b.Landed != nil {
		t.Fatalf("a slashed redirect URI: %d at %s; want the error page", p.Status, p.URL)
	}

	p := b.Get(cfg.AuthCodeURL("state-0123456789", oauth2.S256ChallengeOption(verifier)))
	tabID := p.URL.Query().Get("tabId")
	p = b.Post(e.base+"/vipps-login-idp/phone", url.Values{"tabId": {tabID}, "phone_number": {"4712345678"}})
	m := challengeRE.FindStringSubmatch(p.Body)
	if m == nil {
		t.Fatalf("no challenge on %s (%d)", p.URL, p.Status)
	}
	phone := &app.Client{BaseURL: e.base}
	if _, err := phone.SignIn(ctx, "4712345678", "1236"); err != nil {
		t.Fatal(err)
	}
	reqs, err := phone.Requests(ctx, 0)
	if err != nil || len(reqs) != 1 {
		t.Fatalf("the app sees %v (%v); want one login", reqs, err)
	}
	if _, err := phone.Approve(ctx, reqs[0].ID, app.ApproveRequest{Challenge: m[1]}); err != nil {
		t.Fatal(err)
	}
	p = b.Get(e.base + flow.LoginPath + "?tabId=" + url.QueryEscape(tabID))
	if strings.Contains(p.Body, `name="action"`) {
		b.Post(e.base+"/vipps-login-idp/consent", url.Values{"tabId": {tabID}, "action": {"accept"}})
	}
	if b.Landed == nil || b.Landed.Query().Get("code") == "" {
		t.Fatalf("no code came back to %s; last page %s", redirectURI, p.URL)
	}
	_, err = cfg.Exchange(ctx, b.Landed.Query().Get("code"), oauth2.VerifierOption(oauth2.GenerateVerifier()))
	if re := (*oauth2.RetrieveError)(nil); !errors.As(err, &re) || re.ErrorCode != "invalid_grant" {
		t.Fatalf("the wrong verifier: %v; want invalid_grant", err)
	}
	if err := e.srv.Events().Flush(ctx); err != nil {
		t.Fatal(err)
	}
}

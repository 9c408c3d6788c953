package server

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"golang.org/x/oauth2"

	"github.com/vippslogin/vippslogin/internal/app"
	"github.com/vippslogin/vippslogin/internal/devseed"
)

// TestBrowserRememberedOverHTTPS: over https the login pages' cookies are
// __Host- cookies, and Chromium, which refuses a __Host- cookie whose
// attributes break the prefix's rules (Secure, no Domain, Path "/"), keeps
// them: a browser remembered in one login goes through the next one
// without a page.
func TestBrowserRememberedOverHTTPS(t *testing.T) {
	e := startE2EOn(t, true)
	ctx := newChrome(t, "", chromedp.Flag("ignore-certificate-errors", true))

	// Chromium does enforce the prefix: of two __Host- cookies, the one
	// with a path below "/" is dropped.
	control := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Set-Cookie", "__Host-good=1; Path=/; Secure; HttpOnly")
		w.Header().Add("Set-Cookie", "__Host-bad=1; Path=/x/; Secure; HttpOnly")
	}))
	t.Cleanup(control.Close)
	// Cookies are the host's whatever the port, and the server is on 127.0.0.1.
	controlURL := strings.Replace(control.URL, "127.0.0.1", "localhost", 1) + "/x/"
	if err := chromedp.Do(ctx, chromedp.Navigate(controlURL)); err != nil {
		t.Fatal(err)
	}
	if got := cookieNames(t, ctx, controlURL); !slices.Equal(got, []string{"__Host-good"}) {
		t.Fatalf("Chromium kept %v, want only __Host-good: it does not enforce the prefix, and this test proves nothing", got)
	}

	ctxHTTP := context.WithValue(context.Background(), oauth2.HTTPClient, e.HTTP)
	cfg := e.oauth(devseed.ClientID, devseed.ClientSecret, "openid", "name")
	cfg.RedirectURL = e.BaseURL + "/demo/callback" // a page, so the address can be read
	login := func(state string) (authURL, verifier string) {
		verifier = oauth2.GenerateVerifier()
		return cfg.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier)), verifier
	}
	redeem := func(loc, verifier string) {
		t.Helper()
		landed, _ := url.Parse(loc)
		if _, err := cfg.Exchange(ctxHTTP, landed.Query().Get("code"), oauth2.VerifierOption(verifier)); err != nil {
			t.Fatalf("the code does not redeem: %v (at %s)", err, loc)
		}
	}

	authURL, verifier := login("state-https-1")
	err := chromedp.Do(ctx,
		chromedp.Navigate(authURL),
		chromedp.WaitVisible(css(`input[name="phone_number"]`)),
		chromedp.SendKeys(css(`input[name="phone_number"]`), devseed.Ada),
		chromedp.Click(css(`input[name="remember"]`)),
		chromedp.Submit(css(`input[name="phone_number"]`)),
		chromedp.WaitVisible(css(`[data-testid="challenge"]`)),
	)
	if err != nil {
		t.Fatalf("up to the challenge: %v", err)
	}
	challenge, _ := chromedp.Run(ctx, chromedp.Text(css(`[data-testid="challenge"]`)))
	c, reqs := phone(t, e)
	if _, err := c.Approve(context.Background(), reqs[0].ID, app.ApproveRequest{Challenge: challenge}); err != nil {
		t.Fatal(err)
	}
	err = chromedp.Do(ctx,
		chromedp.WaitVisible(css(`button[name="action"][value="accept"]`)),
		chromedp.Click(css(`button[name="action"][value="accept"]`)),
	)
	if err != nil {
		t.Fatalf("consent: %v", err)
	}
	redeem(waitForURL(t, ctx, cfg.RedirectURL), verifier)
	if got := cookieNames(t, ctx, e.BaseURL+"/vipps-login-idp/"); !slices.Equal(got, []string{"__Host-vl_browser", "__Host-vl_remember"}) {
		t.Fatalf("the login pages' cookies in Chromium: %v, want __Host-vl_browser and __Host-vl_remember", got)
	}

	// The next login: remembered, consented, straight back with a code.
	authURL, verifier = login("state-https-2")
	if err := chromedp.Do(ctx, chromedp.Navigate(authURL)); err != nil {
		t.Fatal(err)
	}
	redeem(waitForURL(t, ctx, cfg.RedirectURL), verifier)
}

// cookieNames lists, sorted, the names of the cookies Chromium would send
// to u.
func cookieNames(t *testing.T, ctx context.Context, u string) []string {
	t.Helper()
	res, err := chromedp.Call(ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{u}})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range res.Cookies {
		names = append(names, c.Name)
	}
	slices.Sort(names)
	return names
}

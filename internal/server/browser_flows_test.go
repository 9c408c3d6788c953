package server

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"golang.org/x/oauth2"

	"github.com/vippslogin/vippslogin/internal/app"
	"github.com/vippslogin/vippslogin/internal/devseed"
)

type css = chromedp.CSS

// desktopLoginThroughShop logs Ada in through the demo shop's button, with
// "remember me" ticked, approving the challenge on the phone.
func desktopLoginThroughShop(t *testing.T, e *e2e, ctx context.Context) {
	t.Helper()
	err := chromedp.Do(ctx,
		chromedp.Navigate(e.BaseURL+"/demo/login"),
		chromedp.WaitVisible(css(`input[name="phone_number"]`)),
		chromedp.SendKeys(css(`input[name="phone_number"]`), devseed.Ada),
		chromedp.Click(css(`input[name="remember"]`)),
		chromedp.Submit(css(`input[name="phone_number"]`)),
		chromedp.WaitVisible(css(`[data-testid="challenge"]`)),
	)
	if err != nil {
		t.Fatalf("phone page: %v", err)
	}
	challenge, _ := chromedp.Run(ctx, chromedp.Text(css(`[data-testid="challenge"]`)))
	c, reqs := phone(t, e)
	if _, err := c.Approve(context.Background(), reqs[0].ID, app.ApproveRequest{Challenge: strings.TrimSpace(challenge)}); err != nil {
		t.Fatal(err)
	}
	err = chromedp.Do(ctx,
		chromedp.WaitVisible(css(`button[name="action"][value="accept"]`)),
		chromedp.Click(css(`button[name="action"][value="accept"]`)),
		chromedp.WaitVisible(css(`[data-testid="demo-welcome"]`)),
	)
	if err != nil {
		t.Fatalf("consent: %v", err)
	}
}

// no_dialog never shows a page: login_required in a fresh browser, a code
// at once in a remembered one.
func TestBrowserNoDialog(t *testing.T) {
	e := startE2E(t)
	ctx := newChrome(t, "")
	if err := chromedp.Do(ctx, chromedp.Navigate(e.BaseURL+"/demo/login?requested_flow=no_dialog"),
		chromedp.WaitVisible(css(`[data-testid="demo-error"]`))); err != nil {
		t.Fatalf("no_dialog in a fresh browser: %v", err)
	}
	msg, _ := chromedp.Run(ctx, chromedp.Text(css(`[data-testid="demo-error"]`)))
	if !strings.HasPrefix(msg, "login_required") {
		t.Errorf("fresh browser: the shop shows %q, want login_required", msg)
	}

	desktopLoginThroughShop(t, e, ctx)
	if err := chromedp.Do(ctx, chromedp.Navigate(e.BaseURL+"/demo/login?requested_flow=no_dialog"),
		chromedp.WaitVisible(css(`[data-testid="demo-welcome"]`))); err != nil {
		t.Fatalf("no_dialog in a remembered browser: %v", err)
	}
}

// startToChallenge walks a fresh desktop login from url to its challenge
// and returns the challenge the page shows.
func startToChallenge(t *testing.T, ctx context.Context, url string) string {
	t.Helper()
	err := chromedp.Do(ctx,
		chromedp.Navigate(url),
		chromedp.WaitVisible(css(`input[name="phone_number"]`)),
		chromedp.SendKeys(css(`input[name="phone_number"]`), devseed.Ada),
		chromedp.Submit(css(`input[name="phone_number"]`)),
		chromedp.WaitVisible(css(`[data-testid="challenge"]`)),
	)
	if err != nil {
		t.Fatalf("up to the challenge: %v", err)
	}
	challenge, err := chromedp.Run(ctx, chromedp.Text(css(`[data-testid="challenge"]`)))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(challenge)
}

// app_to_app: the app's open_url carries a resume_uri that finishes the
// login in the browser that started it.
func TestBrowserAppToAppResume(t *testing.T) {
	e := startE2E(t)
	ctx := newChrome(t, "")
	challenge := startToChallenge(t, ctx, e.BaseURL+"/demo/login?requested_flow=app_to_app")
	// The user leaves the browser for the app.
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatal(err)
	}
	c, reqs := phone(t, e)
	ans, err := c.Approve(context.Background(), reqs[0].ID, app.ApproveRequest{Challenge: challenge})
	if err != nil {
		t.Fatal(err)
	}
	open, err := url.Parse(ans.OpenURL)
	if err != nil || !strings.HasPrefix(ans.OpenURL, "demo-app://callback?") || open.Query().Get("state") == "" {
		t.Fatalf("open_url = %q, want the app callback with state and resume_uri", ans.OpenURL)
	}
	// The merchant's app opens the resume_uri in the same browser.
	err = chromedp.Do(ctx,
		chromedp.Navigate(open.Query().Get("resume_uri")),
		chromedp.WaitVisible(css(`button[name="action"][value="accept"]`)),
		chromedp.Click(css(`button[name="action"][value="accept"]`)),
		chromedp.WaitVisible(css(`[data-testid="demo-welcome"]`)),
	)
	if err != nil {
		t.Fatalf("resume in the same browser: %v", err)
	}
}

// automatic_return_from_vipps_app: the open_url finishes the login in a
// browser that has none of the original cookies.
func TestBrowserAutomaticReturnInAnotherBrowser(t *testing.T) {
	e := startE2E(t)
	first := newChrome(t, "")
	cfg := e.oauth(devseed.ClientID, devseed.ClientSecret, "openid", "name")
	// The demo shop's callback serves a page (it refuses the state, since
	// this browser never started a login there), so the address can be read.
	cfg.RedirectURL = e.BaseURL + "/demo/callback"
	verifier := oauth2.GenerateVerifier()
	authURL := cfg.AuthCodeURL("state-automatic-1", oauth2.S256ChallengeOption(verifier),
		oauth2.SetAuthURLParam("requested_flow", "automatic_return_from_vipps_app"))
	challenge := startToChallenge(t, first, authURL)
	c, reqs := phone(t, e)
	ans, err := c.Approve(context.Background(), reqs[0].ID, app.ApproveRequest{Challenge: challenge})
	if err != nil || !strings.HasPrefix(ans.OpenURL, e.BaseURL+"/vipps-login-idp/return?") {
		t.Fatalf("approve = %+v, %v; want an open_url to the return page", ans, err)
	}

	second, cancel := chromedp.NewContext(first, chromedp.WithNewBrowserContext())
	defer cancel()
	err = chromedp.Do(second,
		chromedp.Navigate(ans.OpenURL),
		chromedp.WaitVisible(css(`button[name="action"][value="accept"]`)),
		chromedp.Click(css(`button[name="action"][value="accept"]`)),
	)
	if err != nil {
		t.Fatalf("the second browser: %v", err)
	}
	loc := waitForURL(t, second, cfg.RedirectURL)
	landed, _ := url.Parse(loc)
	if _, err := cfg.Exchange(context.Background(), landed.Query().Get("code"), oauth2.VerifierOption(verifier)); err != nil {
		t.Fatalf("the code the second browser got does not redeem: %v (at %s)", err, loc)
	}
}

// waitForURL waits, within the test's browser deadline, until the browser's
// address starts with prefix.
func waitForURL(t *testing.T, ctx context.Context, prefix string) string {
	t.Helper()
	var last string
	for range 100 {
		loc, err := chromedp.Run(ctx, chromedp.Location())
		if err == nil && strings.HasPrefix(loc, prefix) {
			return loc
		}
		last = loc
		select {
		case <-ctx.Done():
			t.Fatalf("the browser never reached %s; last at %q", prefix, last)
		case <-time.After(100 * time.Millisecond):
		}
	}
	t.Fatalf("the browser never reached %s; last at %q", prefix, last)
	return ""
}

package server

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/vippslogin/vippslogin/internal/app"
	"github.com/vippslogin/vippslogin/internal/devseed"
	"github.com/vippslogin/vippslogin/internal/testenv"
)

// newChrome starts a headless Chromium for the test (see testenv.Chrome),
// with 90 s for all it does.
func newChrome(t *testing.T, userAgent string, opts ...chromedp.ExecAllocatorOption) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(testenv.Chrome(t, userAgent, opts...), 90*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// phone is the user's app, driven by the Go client.
func phone(t *testing.T, e *e2e) (*app.Client, []app.Request) {
	t.Helper()
	ctx := context.Background()
	c := &app.Client{BaseURL: e.BaseURL, HTTP: e.HTTP}
	if _, err := c.SignIn(ctx, devseed.Ada, devseed.PIN); err != nil {
		t.Fatal(err)
	}
	reqs, err := c.Requests(ctx, 10*time.Second)
	if err != nil || len(reqs) != 1 {
		t.Fatalf("the app sees %v (%v), want one login request", reqs, err)
	}
	return c, reqs
}

func TestBrowserDesktopLogin(t *testing.T) {
	e := startE2E(t)
	ctx := newChrome(t, "")
	type css = chromedp.CSS
	err := chromedp.Do(ctx,
		chromedp.Navigate(e.BaseURL+"/demo/"),
		chromedp.Click(css(`[data-testid="demo-login"]`)),
		chromedp.WaitVisible(css(`input[name="phone_number"]`)),
		chromedp.SendKeys(css(`input[name="phone_number"]`), "+47 123 45 678"),
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
	c, reqs := phone(t, e)
	if _, err := c.Approve(context.Background(), reqs[0].ID, app.ApproveRequest{Challenge: strings.TrimSpace(challenge)}); err != nil {
		t.Fatalf("approve: %v", err)
	}
	// The wait page follows the app's answer by itself, to the consent page.
	err = chromedp.Do(ctx,
		chromedp.WaitVisible(css(`button[name="action"][value="accept"]`)),
		chromedp.Click(css(`button[name="action"][value="accept"]`)),
		chromedp.WaitVisible(css(`[data-testid="demo-welcome"]`)),
	)
	if err != nil {
		t.Fatalf("after the approval: %v", err)
	}
	welcome, _ := chromedp.Run(ctx, chromedp.Text(css(`[data-testid="demo-welcome"]`)))
	userinfo, _ := chromedp.Run(ctx, chromedp.Text(css(`[data-testid="demo-userinfo"]`)))
	if !strings.Contains(welcome, "Ada Lovelace") || !strings.Contains(userinfo, `"phone_number": "4712345678"`) {
		t.Errorf("demo shop shows %q and userinfo %s", welcome, userinfo)
	}
}

// TestBrowserMobileLogin plays a phone: the deeplink page opens the test
// app by itself (in the same tab: the app is a web page), the user signs
// in there and approves, asking to be remembered, then goes back to the
// browser, where the login goes on to consent and the shop.
func TestBrowserMobileLogin(t *testing.T) {
	e := startE2E(t)
	const iPhone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
	ctx := newChrome(t, iPhone)
	type css = chromedp.CSS
	hook := func(id string) css { return css(`[data-testid="` + id + `"]`) }
	if err := chromedp.Do(ctx, chromedp.Navigate(e.BaseURL+"/demo/login"), chromedp.WaitVisible(hook("open-app"))); err != nil {
		t.Fatalf("deeplink page: %v", err)
	}
	n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('input[name="phone_number"],[data-testid="challenge"]').length`))
	if n != 0 {
		t.Error("the mobile page shows a phone input or a challenge")
	}
	// No tap: the page opens the app, which asks the user to sign in.
	err := chromedp.Do(ctx,
		chromedp.WaitVisible(hook("app-phone")),
		chromedp.SendKeys(hook("app-phone"), devseed.Ada),
		chromedp.SendKeys(hook("app-pin"), devseed.PIN),
		chromedp.Click(hook("app-signin")),
		chromedp.WaitVisible(hook("app-remember")),
		chromedp.Click(hook("app-remember")),
		chromedp.Click(hook("app-approve")),
		chromedp.WaitNotPresent(hook("app-approve")),
	)
	if err != nil {
		t.Fatalf("approve in the app the deeplink opened: %v", err)
	}
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	u, _ := url.Parse(loc)
	if u == nil || u.Path != "/app/" || u.Query().Get("request") == "" {
		t.Errorf("the deeplink opened %q, want the test app with the login's request", loc)
	}
	err = chromedp.Do(ctx,
		chromedp.NavigateBack(),
		chromedp.WaitVisible(css(`button[name="action"][value="accept"]`)),
		chromedp.Click(css(`button[name="action"][value="accept"]`)),
		chromedp.WaitVisible(css(`[data-testid="demo-welcome"]`)),
	)
	welcome, _ := chromedp.Run(ctx, chromedp.Text(css(`[data-testid="demo-welcome"]`)))
	if err != nil || !strings.Contains(welcome, "Ada Lovelace") {
		t.Fatalf("back in the browser after the app approved: %v, %q", err, welcome)
	}
	c := &app.Client{BaseURL: e.BaseURL}
	bg := context.Background()
	if _, err := c.SignIn(bg, devseed.Ada, devseed.PIN); err != nil {
		t.Fatal(err)
	}
	bs, err := c.Browsers(bg)
	if err != nil || len(bs) != 1 {
		t.Errorf("remembered browsers = %v (%v), want this one", bs, err)
	}
}

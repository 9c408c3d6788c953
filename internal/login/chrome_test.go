package login

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/vippslogin/vippslogin/internal/store"
	"github.com/vippslogin/vippslogin/internal/testenv"
)

// newChrome starts a headless Chromium (see testenv.Chrome), as the server
// package's browser tests do, with 60 s for all it does.
func newChrome(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(testenv.Chrome(t, ""), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// TestChromiumBackToApp checks the final_redirect_is_app page in a real
// browser: Chromium tries to open the app's custom scheme by itself (the
// meta refresh) and, since no app takes it, stays on the page, whose
// button the user can tap.
func TestChromiumBackToApp(t *testing.T) {
	ctx := newChrome(t)
	e := newEnv(t)
	id := e.startWith(t, toApp(appRedirect, true))
	navigations := make(chan string, 10)
	if err := chromedp.Listen(ctx, func(ev any) {
		if nav, ok := ev.(*page.EventFrameRequestedNavigation); ok && strings.HasPrefix(nav.URL, appRedirect) {
			select {
			case navigations <- string(nav.Reason) + " " + nav.URL:
			default:
			}
		}
	}); err != nil {
		t.Fatal(err)
	}
	type css = chromedp.CSS
	index := e.srv.URL + "/vipps-login-idp/index.html?tabId=" + id
	if err := chromedp.Do(ctx, chromedp.Navigate(index), chromedp.WaitVisible(css(`input[name="phone_number"]`))); err != nil {
		t.Fatal(err)
	}
	// The user confirmed in the app; the browser comes back with no tap
	// (as after an app switch) and the login ends.
	e.update(t, id, func(r *store.LoginRequest) { r.PhoneNumber = testUser })
	e.approve(t, id)
	if err := chromedp.Do(ctx, chromedp.Navigate(index), chromedp.WaitVisible(css(`[data-testid="back-to-app"]`))); err != nil {
		t.Fatal(err)
	}
	select {
	case nav := <-navigations:
		if !strings.HasPrefix(nav, "metaTagRefresh "+appRedirect+"?code=") {
			t.Errorf("the page navigated by itself to %s", nav)
		}
	case <-ctx.Done():
		t.Fatal("the page did not try to open the app by itself")
	}
	// The page is still there, and its button opens the app too.
	if err := chromedp.Do(ctx, chromedp.Click(css(`[data-testid="back-to-app"]`))); err != nil {
		t.Fatal(err)
	}
	select {
	case nav := <-navigations:
		if !strings.HasPrefix(nav, "anchorClick "+appRedirect+"?") {
			t.Errorf("the button navigated to %s", nav)
		}
	case <-ctx.Done():
		t.Fatal("the button did not open the app")
	}
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil || !strings.Contains(loc, "/vipps-login-idp/") {
		t.Errorf("the browser left the page for %q (%v)", loc, err)
	}
}

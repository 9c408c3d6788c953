package login

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/vippslogin/vippslogin/internal/testenv"
)

const iPhoneSafari = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"

// TestDeeplinkOpensAppOnce: the view that sends a phone's login to the app
// opens the app by itself, as Vipps' landing page "will automatically
// trigger a deeplink to the Vipps app" (vipps-login-api-2.0 "Mobile flow -
// deeplink based flow"), after deeplinkOpenAfter seconds; a later view (the
// user back from the app, a reload) only offers the button, so that coming
// back never throws the user into the app again.
func TestDeeplinkOpensAppOnce(t *testing.T) {
	e := newEnv(t)
	b := e.browser(t)
	b.ua = iPhoneSafari
	id := e.start(t)
	app := e.srv.URL + "/app/?request=" + url.QueryEscape(id)
	refresh := fmt.Sprintf(`<meta http-equiv="refresh" content="%d;url=%s">`, deeplinkOpenAfter, app)
	first := b.index(t, id)
	if first.status != http.StatusOK || !strings.Contains(first.body, refresh) {
		t.Fatalf("the first view does not open the app by itself (want %s):\n%s", refresh, first.body)
	}
	if !strings.Contains(first.body, `href="`+app+`"`) || !strings.Contains(first.body, `data-testid="open-app"`) {
		t.Errorf("the first view lacks the button to the app:\n%s", first.body)
	}
	again := b.index(t, id)
	if again.status != http.StatusOK || strings.Contains(again.body, "http-equiv") || !strings.Contains(again.body, `href="`+app+`"`) {
		t.Errorf("a second view opens the app again, or lacks its button:\n%s", again.body)
	}
}

// TestChromiumDeeplinkOpensApp follows a phone's login in Chromium: the
// deeplink page opens the app with no tap; the user approves there and
// goes back to the browser, where the page waits (it does not open the
// app again) and then goes on by itself to consent.
func TestChromiumDeeplinkOpensApp(t *testing.T) {
	ctx, cancel := context.WithTimeout(testenv.Chrome(t, iPhoneSafari), 60*time.Second)
	t.Cleanup(cancel)
	e := newEnv(t)
	mux := e.srv.Config.Handler.(*http.ServeMux)
	// Stand-ins for the shop the login starts from and for the test app
	// (internal/app), which this package does not serve.
	mux.HandleFunc("GET /shop", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<!doctype html><title>shop</title><p id="shop">shop</p>`)
	})
	mux.HandleFunc("GET /app/", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<!doctype html><title>app</title><p id="app">app</p>`)
	})
	id := e.start(t, "openid", "name")
	app := e.srv.URL + "/app/?request=" + url.QueryEscape(id)
	opened := make(chan string, 10)
	if err := chromedp.Listen(ctx, func(ev any) {
		if nav, ok := ev.(*page.EventFrameRequestedNavigation); ok && strings.Contains(nav.URL, "/app/") {
			select {
			case opened <- string(nav.Reason) + " " + nav.URL:
			default:
			}
		}
	}); err != nil {
		t.Fatal(err)
	}
	type css = chromedp.CSS
	index := e.srv.URL + "/vipps-login-idp/index.html?tabId=" + url.QueryEscape(id)
	// No click: the page opens the app by itself.
	if err := chromedp.Do(ctx, chromedp.Navigate(e.srv.URL+"/shop"), chromedp.Navigate(index), chromedp.WaitVisible(css(`#app`))); err != nil {
		t.Fatalf("the deeplink page did not open the app by itself: %v", err)
	}
	if nav := <-opened; nav != "metaTagRefresh "+app {
		t.Errorf("the app was opened by %q, want the meta refresh to %s", nav, app)
	}
	// The user comes back to the browser before answering: the login page,
	// not the shop (the refresh did not take its place in the history), and
	// it stays, with its button.
	if err := chromedp.Do(ctx, chromedp.NavigateBack(), chromedp.WaitVisible(css(`[data-testid="open-app"]`))); err != nil {
		t.Fatalf("back from the app: %v", err)
	}
	if loc, err := chromedp.Run(ctx, chromedp.Location()); err != nil || loc != index {
		t.Errorf("back from the app at %q (%v), want the login page", loc, err)
	}
	if n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('meta[http-equiv="refresh"]').length`)); err != nil || n != 0 {
		t.Errorf("the page seen again would open the app again (%d refreshes, %v)", n, err)
	}
	// The user approves in the app; the page follows by itself.
	e.approve(t, id)
	if err := chromedp.Do(ctx, chromedp.WaitVisible(css(`button[name="action"][value="accept"]`))); err != nil {
		t.Fatalf("after the approval: %v", err)
	}
	select {
	case nav := <-opened:
		t.Errorf("the app was opened again: %s", nav)
	default:
	}
}

package server

import (
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/vippslogin/vippslogin/internal/devseed"
)

// Logout in a real browser (RP-Initiated Logout 1.0 §2, issue 11 point 5):
// another site can neither log a remembered browser out with a link nor
// confirm the logout with a form of its own; the user's own click on the
// confirmation page does, and the browser lands on the client's registered
// URI with the state.
func TestBrowserLogoutAsksFirst(t *testing.T) {
	e := startE2E(t)
	ctx := newChrome(t, "")
	desktopLoginThroughShop(t, e, ctx)

	logout := e.Issuer + "oauth2/sessions/logout?" + url.Values{
		"client_id": {devseed.ClientID}, "post_logout_redirect_uri": {e.BaseURL + "/demo/"}, "state": {"bye-12345"},
	}.Encode()
	// Another site: "localhost" is not the server's site (127.0.0.1), so
	// the browser sends the cross-site headers and keeps SameSite=Lax
	// cookies off its form posts.
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		switch r.URL.Path {
		case "/link":
			fmt.Fprintf(w, `<a id="go" href="%s">win a prize</a>`, html.EscapeString(logout))
		case "/form":
			fmt.Fprintf(w, `<form id="f" method="post" action="%s"><input name="action" value="logout"><input name="csrf_token" value=""></form>
<script>document.getElementById("f").submit()</script>`, html.EscapeString(e.BaseURL+"/vipps-login-idp/logout"))
		}
	}))
	t.Cleanup(evil.Close)
	evilURL := strings.Replace(evil.URL, "127.0.0.1", "localhost", 1)

	err := chromedp.Do(ctx,
		chromedp.Navigate(evilURL+"/link"),
		chromedp.Click(css(`#go`)),
		chromedp.WaitVisible(css(`[data-testid="logout-confirm"]`)),
		chromedp.WaitVisible(css(`[data-testid="logout-cancel"]`)),
	)
	if err != nil {
		t.Fatalf("a link from another site: %v", err)
	}
	err = chromedp.Do(ctx,
		chromedp.Navigate(evilURL+"/form"),
		chromedp.WaitVisible(css(`[data-testid="error-detail"]`)),
	)
	if err != nil {
		t.Fatalf("a form from another site: %v", err)
	}
	if title, _ := chromedp.Run(ctx, chromedp.Text(css(`h1`))); title != "Logout refused" {
		t.Errorf("another site's confirmation shows %q, want Logout refused", title)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(e.BaseURL+"/demo/login?requested_flow=no_dialog"),
		chromedp.WaitVisible(css(`[data-testid="demo-welcome"]`))); err != nil {
		t.Fatalf("after the other site's attempts the browser should still be remembered: %v", err)
	}

	// The user's own click.
	err = chromedp.Do(ctx,
		chromedp.Navigate(logout),
		chromedp.WaitVisible(css(`[data-testid="logout-confirm"]`)),
		chromedp.Click(css(`[data-testid="logout-confirm"]`)),
	)
	if err != nil {
		t.Fatalf("confirming: %v", err)
	}
	loc := waitForURL(t, ctx, e.BaseURL+"/demo/")
	if u, _ := url.Parse(loc); u.Path != "/demo/" || u.Query().Get("state") != "bye-12345" {
		t.Errorf("after confirming the browser is at %s, want the shop with the state", loc)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(e.BaseURL+"/demo/login?requested_flow=no_dialog"),
		chromedp.WaitVisible(css(`[data-testid="demo-error"]`))); err != nil {
		t.Fatalf("after logout no_dialog should fail with login_required: %v", err)
	}
}

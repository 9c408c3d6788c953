package app

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/vippslogin/vippslogin/internal/flow"
	"github.com/vippslogin/vippslogin/internal/store"
	"github.com/vippslogin/vippslogin/internal/testenv"
)

// The test app page offers the rejection Vipps lists as "unknown_reject_reason
// Something went wrong. Reject reason is unknown." (vipps-login-api-2.0
// "Custom error codes") under "More ways to answer", with a description the
// button points at; an app_to_app login rejected so sends the user back to
// the shop's app with the error, as "Parameters state and possibly error
// will be passed as query parameters to the app_callback_uri".
func TestPageRejectsForAnUnknownReason(t *testing.T) {
	w := newWorld(t)
	ctx := testenv.Chrome(t, "")
	type css = chromedp.CSS
	hook := func(id string) css { return css(`[data-testid="` + id + `"]`) }
	answered := func(id string) chromedp.Action[chromedp.Void] {
		return chromedp.WaitNotPresent(css(`[data-request-id="` + id + `"]`))
	}
	rejectUnknown := func(id string) []chromedp.Action[chromedp.Void] {
		card := `[data-request-id="` + id + `"] `
		return []chromedp.Action[chromedp.Void]{
			chromedp.WaitVisible(css(card + `[data-testid="app-more"] summary`)),
			chromedp.Click(css(card + `[data-testid="app-more"] summary`)),
			chromedp.WaitVisible(css(card + `[data-testid="app-reject-unknown"]`)),
			chromedp.Click(css(card + `[data-testid="app-reject-unknown"]`)),
			answered(id),
		}
	}

	desktop := w.login(t, "4712345678")
	if err := chromedp.Do(ctx, chromedp.Navigate(w.ada.BaseURL+"/app/")); err != nil {
		t.Fatal(err)
	}
	step(t, ctx, "sign in",
		chromedp.SendKeys(hook("app-phone"), "4712345678"),
		chromedp.SendKeys(hook("app-pin"), "1236"),
		chromedp.Click(hook("app-signin")),
		chromedp.WaitVisible(hook("app-more")),
	)
	// The choice is hidden until asked for, and described to assistive
	// technology by the text next to it.
	described, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(() => {
		const b = document.querySelector('[data-testid="app-reject-unknown"]');
		const d = document.getElementById(b.getAttribute("aria-describedby"));
		return (b.checkVisibility() ? "visible " : "hidden ") + (d ? d.textContent : "");
	})()`))
	if err != nil || !strings.HasPrefix(described, "hidden ") || !strings.Contains(described, "unknown_reject_reason") {
		t.Errorf("before opening the details, the button is %q (%v); want hidden and described", described, err)
	}
	step(t, ctx, "reject the desktop login, reason unknown", rejectUnknown(desktop.ID)...)
	if got := w.get(t, desktop.ID); got.Status != store.LoginFailed || got.Error != "unknown_reject_reason" {
		t.Errorf("after rejecting for an unknown reason: %+v", got)
	}
	if msg, _ := chromedp.Run(ctx, chromedp.Text(hook("app-notice"))); !strings.Contains(msg, "reason is unknown") {
		t.Errorf("the page says %q after rejecting for an unknown reason", msg)
	}

	appToApp := w.login(t, "4712345678")
	_, err = w.st.UpdateLoginRequest(context.Background(), appToApp.ID, func(lr store.LoginRequest) (store.LoginRequest, error) {
		lr.RequestedFlow, lr.AppCallbackURI = flow.AppToApp, "demo-app://callback"
		return lr, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	step(t, ctx, "reject the app_to_app login, which the long poll brings, reason unknown",
		append(rejectUnknown(appToApp.ID), chromedp.WaitVisible(hook("open-url")))...)
	notice, _ := chromedp.Run(ctx, chromedp.Text(hook("app-notice")))
	href, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('[data-testid="open-url"]').getAttribute("href")`))
	u, _ := url.Parse(href)
	if !strings.HasPrefix(notice, "Rejected.") || !strings.HasPrefix(href, "demo-app://callback?") || u.Query().Get("error") != "unknown_reject_reason" {
		t.Errorf("after rejecting the app_to_app login the page says %q and links %q; want Rejected and the app callback with error=unknown_reject_reason", notice, href)
	}
}

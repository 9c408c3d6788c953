package app

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/vippslogin/vippslogin/internal/store"
	"github.com/vippslogin/vippslogin/internal/testenv"
)

// step runs actions with a deadline taken from a context that already ran
// once, so that the deadline cannot stop the browser itself.
func step(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(sctx, actions...); err != nil {
		msg, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("error").textContent`))
		t.Fatalf("%s: %v (the page shows %q)", what, err, msg)
	}
}

// discard drops an action's value, to run it among steps.
func discard[T any](a chromedp.Action[T]) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		_, err := a(ctx, t)
		return chromedp.Void{}, err
	}
}

// The test app page, driven as a person would: sign in, pick the challenge
// of a desktop login, approve a deeplinked mobile login remembering the
// browser, reject one, and revoke a consent.
func TestPageInBrowser(t *testing.T) {
	w := newWorld(t)
	ctx := testenv.Chrome(t, "")
	if err := chromedp.Do(ctx, chromedp.Navigate(w.ada.BaseURL+"/app/")); err != nil {
		t.Fatal(err)
	}
	type css = chromedp.CSS
	hook := func(id string) css { return css(`[data-testid="` + id + `"]`) }
	// answered waits until the page has the API's answer to request id:
	// then its card is gone.
	answered := func(id string) chromedp.Action[chromedp.Void] {
		return chromedp.WaitNotPresent(css(`[data-request-id="` + id + `"]`))
	}

	step(t, ctx, "wrong PIN",
		chromedp.SendKeys(hook("app-phone"), "4712345678"),
		chromedp.SendKeys(hook("app-pin"), "0000"),
		chromedp.Click(hook("app-signin")),
		chromedp.WaitVisible(hook("app-error")),
	)
	if msg, _ := chromedp.Run(ctx, chromedp.Text(hook("app-error"))); !strings.Contains(msg, "Wrong phone number or PIN") {
		t.Errorf("a wrong PIN shows %q", msg)
	}

	desktop := w.login(t, "4712345678")
	step(t, ctx, "sign in and pick the challenge",
		chromedp.SetValue(hook("app-pin"), "1236"),
		chromedp.Click(hook("app-signin")),
		chromedp.WaitVisible(hook("challenge-option")),
		discard(chromedp.Evaluate[bool](`[...document.querySelectorAll('[data-testid="challenge-option"]')].find(b => b.textContent === "42").click() ?? true`)),
		answered(desktop.ID),
	)
	if got := w.get(t, desktop.ID); got.Status != store.LoginApproved {
		t.Errorf("after picking 42 the login is %s, want approved", got.Status)
	}

	mobile := w.login(t, "")
	step(t, ctx, "approve the deeplinked mobile login",
		chromedp.Navigate(w.ada.BaseURL+"/app/?request="+mobile.ID),
		chromedp.WaitVisible(hook("app-remember")),
		chromedp.Click(hook("app-remember")),
		chromedp.Click(hook("app-approve")),
		answered(mobile.ID),
	)
	if got := w.get(t, mobile.ID); got.Status != store.LoginApproved || got.PhoneNumber != "4712345678" || !got.Remember {
		t.Errorf("after approving the mobile login: %+v", got)
	}

	rejected := w.login(t, "4712345678")
	step(t, ctx, "reject the next login, which the long poll brings",
		chromedp.WaitVisible(hook("app-reject")),
		chromedp.Click(hook("app-reject")),
		answered(rejected.ID),
	)
	if got := w.get(t, rejected.ID); got.Error != "access_denied" {
		t.Errorf("after rejecting: %+v", got)
	}

	now := w.clock.Now()
	if err := w.st.SaveConsent(context.Background(), store.Consent{PhoneNumber: "4712345678", ClientID: "demo-client", Scopes: []string{"name"}, CreatedAt: now, UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}
	step(t, ctx, "revoke the consent",
		chromedp.Click(hook("tab-consents")),
		chromedp.WaitVisible(hook("consent-revoke")),
		chromedp.Click(hook("consent-revoke")),
		chromedp.WaitNotPresent(hook("consent")),
	)
	if _, err := w.st.GetConsent(context.Background(), "4712345678", "demo-client"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("consent after revoking: %v", err)
	}
}

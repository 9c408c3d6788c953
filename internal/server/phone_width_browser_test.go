package server

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// phoneWidth is an iPhone's viewport width in CSS pixels.
const phoneWidth = 390

// fitsPhone asserts that the page in ctx is no wider than the viewport: it
// does not scroll sideways, whatever long token, URL or JSON it shows.
func fitsPhone(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	w, err := chromedp.Run(ctx, chromedp.Evaluate[struct{ Scroll, Inner int }](`({Scroll: document.documentElement.scrollWidth, Inner: innerWidth})`))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if w.Inner != phoneWidth || w.Scroll > w.Inner {
		t.Errorf("%s is %d px wide in a %d px viewport (want at most %d)", name, w.Scroll, w.Inner, phoneWidth)
	}
}

// TestPagesFitAPhone walks every page a person sees at a phone's width, the
// way a person does: the landing page, the demo shop, the login pages
// (phone, wait, consent), the test app (signed out, and signed in with the
// login pending), the shop's result with its tokens, its logout, a QR
// login's result, the shop's login by phone number and its QR code's page.
func TestPagesFitAPhone(t *testing.T) {
	e := startE2E(t)
	shop := newChrome(t, "")
	type css = chromedp.CSS
	hook := func(id string) css { return css(`[data-testid="` + id + `"]`) }
	viewport := chromedp.EmulateViewport(phoneWidth, 844)
	step := func(ctx context.Context, name string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		fitsPhone(t, ctx, name)
	}

	step(shop, "the landing page", viewport, chromedp.Navigate(e.BaseURL+"/"), chromedp.WaitVisible(css("h1")))
	step(shop, "the demo shop", chromedp.Navigate(e.BaseURL+"/demo/"), chromedp.WaitVisible(hook("demo-login")))
	step(shop, "the phone page", chromedp.Click(hook("demo-login")), chromedp.WaitVisible(css(`input[name="phone_number"]`)))
	step(shop, "the wait page",
		chromedp.SendKeys(css(`input[name="phone_number"]`), "+47 123 45 678"),
		chromedp.Click(css(`input[name="remember"]`)),
		chromedp.Submit(css(`input[name="phone_number"]`)),
		chromedp.WaitVisible(hook("challenge")))
	challenge, err := chromedp.Run(shop, chromedp.Text(hook("challenge")))
	if err != nil {
		t.Fatal(err)
	}

	// The user's phone: the test app in a second tab of the same browser.
	phone, cancel := chromedp.NewContext(shop)
	defer cancel()
	step(phone, "the test app, signed out", viewport, chromedp.Navigate(e.BaseURL+"/app/"), chromedp.WaitVisible(hook("app-phone")))
	step(phone, "the test app with a pending login",
		chromedp.SendKeys(hook("app-phone"), "4712345678"),
		chromedp.SendKeys(hook("app-pin"), "1236"),
		chromedp.Click(hook("app-signin")),
		chromedp.WaitVisible(hook("challenge-option")))
	if err := chromedp.Do(phone, chromedp.Click(chromedp.Search(`//button[@data-testid="challenge-option"][normalize-space()="`+strings.TrimSpace(challenge)+`"]`))); err != nil {
		t.Fatalf("pick the challenge: %v", err)
	}

	step(shop, "the consent page", chromedp.WaitVisible(css(`button[name="action"][value="accept"]`)))
	step(shop, "the shop's result", chromedp.Click(css(`button[name="action"][value="accept"]`)), chromedp.WaitVisible(hook("demo-id-token")))

	// Log out ends the browser's session and comes back to the shop.
	step(shop, "the shop after logging out", chromedp.Click(hook("demo-logout")), chromedp.WaitVisible(hook("demo-login")))
	loc, _ := chromedp.Run(shop, chromedp.Location())
	if !strings.HasPrefix(loc, e.BaseURL+"/demo/") {
		t.Errorf("Log out ended at %s, want the shop", loc)
	}
	step(phone, "the shop's result of a QR login",
		chromedp.SetValue(hook("app-scan-url"), e.BaseURL+"/qr/DemoShop"),
		chromedp.Click(hook("app-scan")),
		chromedp.WaitVisible(hook("app-approve")),
		chromedp.Click(hook("app-approve")),
		chromedp.WaitVisible(hook("open-url")),
		chromedp.Click(hook("open-url")),
		chromedp.WaitVisible(hook("demo-id-token")))
	step(shop, "the shop's login by phone number", chromedp.Click(hook("demo-ciba")), chromedp.WaitVisible(hook("demo-binding-message")))
	step(shop, "the shop's QR code page", chromedp.Navigate(e.BaseURL+"/qr/DemoShop"), chromedp.WaitVisible(hook("qr-image")))
}

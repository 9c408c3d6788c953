package portal_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/vippslogin/vippslogin/internal/flow"
	"github.com/vippslogin/vippslogin/internal/testenv"
)

// TestChromiumPortal runs the portal's main tasks in a real browser, as a
// person does them: sign in, create a sale unit, add a redirect URI and
// enable login from phone number, create a QR code and open its print
// view, create a test user and make them too young, see a failed login's
// explanations in the sale unit's events, sign out.
func TestChromiumPortal(t *testing.T) {
	ctx := testenv.Chrome(t, "")
	e := newEnv(t)
	type css = chromedp.CSS
	// The first call starts the browser and so has no deadline; each step
	// after it has one.
	if err := chromedp.Do(ctx, chromedp.Navigate(e.base+"/portal/")); err != nil {
		t.Fatal(err)
	}
	run := func(step string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		if err := chromedp.Do(sctx, actions...); err != nil {
			t.Fatalf("%s: %v", step, err)
		}
	}
	value := func(a chromedp.Action[string]) string {
		t.Helper()
		s, err := chromedp.Run(ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	text := func(sel string) string { t.Helper(); return value(chromedp.Text(css(sel))) }

	run("sign in",
		chromedp.SendKeys(css("#token"), adminToken),
		chromedp.Submit(css("#token")),
		chromedp.WaitVisible(css(`[data-testid="signout"]`)),
	)

	run("create a sale unit",
		chromedp.Click(css(`a[href$="clients/new"]`)),
		chromedp.WaitVisible(css("#name")),
		chromedp.SendKeys(css("#client_id"), "chromium-shop"),
		chromedp.SendKeys(css("#name"), "Chromium Shop"),
		chromedp.SendKeys(css("#redirect_uris"), "https://shop.example/callback"),
		chromedp.Click(css(`input[name="flows"][value="qr"]`)),
		chromedp.Submit(css("#name")),
		chromedp.WaitVisible(css(`[data-testid="client-secret"]`)),
	)
	secretShown := value(chromedp.Value(css(`[data-testid="client-secret"]`)))
	copyHidden, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector("button[data-copy]").hidden`))
	if err != nil {
		t.Fatal(err)
	}
	if len(secretShown) != 43 || copyHidden {
		t.Errorf("secret %q shown, copy button hidden: %v", secretShown, copyHidden)
	}

	run("open the settings",
		chromedp.Click(css(`a[href$="clients/chromium-shop/"]`)),
		chromedp.WaitVisible(css("#redirect_uris")),
	)
	uris := value(chromedp.Value(css("#redirect_uris")))
	run("add a redirect URI and enable login from phone number",
		chromedp.SetValue(css("#redirect_uris"), uris+"\nhttps://shop.example/second"),
		chromedp.Click(css(`input[name="flows"][value="ciba"]`)),
		chromedp.Submit(css("#name")),
		chromedp.WaitVisible(css(".notice")),
	)
	if n := text(".notice"); n != "Saved." {
		t.Errorf("after save the notice is %q", n)
	}
	c, err := e.admin.GetClient(t.Context(), "chromium-shop")
	if err != nil || !slices.Equal(c.RedirectURIs, []string{"https://shop.example/callback", "https://shop.example/second"}) ||
		!slices.Contains(c.Flows, "ciba") || !slices.Contains(c.Flows, "qr") {
		t.Fatalf("the client = %+v, %v", c, err)
	}

	run("create a QR code",
		chromedp.Click(css(`nav.tabs a[href$="qr/"]`)),
		chromedp.WaitVisible(css("#description")),
		chromedp.SendKeys(css("#description"), "Till 1"),
		chromedp.SetValue(css("#redirect_uri"), "https://shop.example/second"),
		chromedp.Submit(css("#description")),
		chromedp.WaitVisible(css(".qr-list img")),
	)
	run("print the QR code",
		chromedp.Click(css(`a[href$="/print"]`)),
		chromedp.WaitVisible(css(".print img")),
		discard(chromedp.Poll[bool](`document.querySelector(".print img").complete && document.querySelector(".print img").naturalWidth > 0`, chromedp.WithPollingTimeout(10*time.Second))),
		chromedp.WaitVisible(css("button[data-print]")),
	)
	qs, err := e.admin.ListQRCodes(t.Context(), "chromium-shop")
	if err != nil || len(qs) != 1 || qs[0].RedirectURI != "https://shop.example/second" {
		t.Fatalf("QR codes = %+v, %v", qs, err)
	}
	if got := text(".print"); !strings.Contains(got, "Till 1") || !strings.Contains(got, flow.QRURL(e.base, qs[0].QRID)) {
		t.Errorf("the print view says %q", got)
	}

	run("create a test user",
		chromedp.Navigate(e.base+"/portal/users/new"),
		chromedp.WaitVisible(css("#phone_number")),
		chromedp.SetValue(css("#phone_number"), "4791234567"),
		chromedp.Submit(css("#phone_number")),
		chromedp.WaitVisible(css(`button[value="too_young"]`)),
		chromedp.Click(css(`button[value="too_young"]`)),
		chromedp.WaitVisible(css(`button[value="adult"]`)),
	)
	u, err := e.admin.GetUser(t.Context(), "4791234567")
	if err != nil || !flow.TooYoung(u.Birthdate, start) || u.NIN == "" || u.GivenName == "" {
		t.Fatalf("the user = %+v, %v", u, err)
	}

	// A login with two mistakes, and the events page explains both.
	e.ada(t)
	e.failedLogin(t, "chromium-shop", secretShown, "https://shop.example/callback")
	run("read the events",
		chromedp.Navigate(e.base+"/portal/clients/chromium-shop/"),
		chromedp.WaitVisible(css("#redirect_uris")),
		chromedp.Click(css(`nav.tabs a[href$="events/"]`)),
		chromedp.WaitVisible(css(`[data-testid="event-filter"]`)),
		chromedp.SetValue(css("#outcome"), "failure"),
		chromedp.Submit(css("#outcome")),
		chromedp.WaitVisible(css(`li.event-failure summary`)),
		chromedp.Click(css(`li.event-failure summary`)),
		chromedp.WaitVisible(css(`li.event-failure .explanation`)),
	)
	failures, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("[data-testid=event]")].map(li => li.className + ": " + li.textContent)`))
	if err != nil {
		t.Fatal(err)
	}
	if len(failures) != 2 || !strings.Contains(failures[0], "code_verifier does not match") || !strings.Contains(failures[1], "ends with a slash") {
		t.Errorf("the failures shown:\n%s\nwant the PKCE one, then the redirect URI one", strings.Join(failures, "\n"))
	}
	if open := text(`li.event-failure .explanation`); !strings.Contains(open, "code_challenge_method=S256") {
		t.Errorf("the opened event explains %q", open)
	}

	run("sign out",
		chromedp.Click(css(`[data-testid="signout"]`)),
		chromedp.WaitVisible(css("#token")),
		chromedp.Navigate(e.base+"/portal/keys/"),
		chromedp.WaitVisible(css("#token")),
	)
}

// discard drops an action's value, to run it among steps.
func discard[T any](a chromedp.Action[T]) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		_, err := a(ctx, t)
		return chromedp.Void{}, err
	}
}

package app

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/vippslogin/vippslogin/internal/store"
	"github.com/vippslogin/vippslogin/internal/testenv"
)

// The test app's Scan QR, driven as a person would: a QR code's page links
// to the test app with ?qr=<its URL>, which fills the scan field; the
// scanned request shows the code's description, and approving it gives the
// link that continues at the shop.
func TestScanQRInBrowser(t *testing.T) {
	w := newWorld(t)
	ctx := testenv.Chrome(t, "")
	now := w.clock.Now()
	const redirect = "https://shop.example/qr-done"
	if err := w.st.CreateClient(context.Background(), store.Client{ID: "qr-shop", Name: "QR Shop", Flows: []string{store.FlowQR},
		RedirectURIs: []string{redirect}, CreatedAt: now, UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}
	if err := w.st.CreateQRCode(context.Background(), store.QRCode{ID: "AbCd1234", ClientID: "qr-shop",
		Description: "Table 7", RedirectURI: redirect, CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	hook := func(id string) chromedp.CSS { return chromedp.CSS(`[data-testid="` + id + `"]`) }
	code := "http://vipps.example/qr/AbCd1234"
	if err := chromedp.Do(ctx, chromedp.Navigate(w.ada.BaseURL+"/app/?qr="+url.QueryEscape(code))); err != nil {
		t.Fatal(err)
	}
	step(t, ctx, "sign in and scan",
		chromedp.SendKeys(hook("app-phone"), "4712345678"),
		chromedp.SendKeys(hook("app-pin"), "1236"),
		chromedp.Click(hook("app-signin")),
		chromedp.WaitVisible(hook("app-scan")),
		chromedp.Click(hook("app-scan")),
		chromedp.WaitVisible(hook("request-message")),
	)
	msg, err := chromedp.Run(ctx, chromedp.Text(hook("request-message")))
	if err != nil || msg != "Table 7" {
		t.Errorf("the scanned request shows %q (%v), want the code's description", msg, err)
	}
	step(t, ctx, "approve",
		chromedp.Click(hook("app-approve")),
		chromedp.WaitVisible(hook("open-url")),
	)
	href, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('[data-testid="open-url"]').href`))
	if err != nil || !strings.HasPrefix(href, redirect+"?code=") {
		t.Errorf("Continue goes to %q (%v), want %s?code=…", href, err, redirect)
	}

	step(t, ctx, "scan an unknown code",
		chromedp.SetValue(hook("app-scan-url"), "http://vipps.example/qr/Nope1234"),
		chromedp.Click(hook("app-scan")),
		chromedp.WaitVisible(hook("app-error")),
	)
	if msg, _ := chromedp.Run(ctx, chromedp.Text(hook("app-error"))); !strings.Contains(msg, "deleted, or never existed") {
		t.Errorf("an unknown code shows %q", msg)
	}
}

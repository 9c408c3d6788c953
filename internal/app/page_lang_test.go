package app

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/vippslogin/vippslogin/internal/store"
	"github.com/vippslogin/vippslogin/internal/testenv"
)

// TestPageLanguage checks that the test app's page takes its language by
// the login pages' rule (web.Language): Norwegian without a preference or
// for a Norwegian one, English for any other.
func TestPageLanguage(t *testing.T) {
	w := newWorld(t)
	for header, want := range map[string]string{"": "nb", "nb-NO,nb;q=0.9": "nb", "nn": "nb", "en-US,en;q=0.9": "en", "de-DE": "en"} {
		req, _ := http.NewRequest(http.MethodGet, w.ada.BaseURL+"/app/", nil)
		if header != "" {
			req.Header.Set("Accept-Language", header)
		}
		resp, err := w.ada.HTTP.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(string(b), `<html lang="`+want+`">`) || resp.Header.Get("Vary") != "Accept-Language" {
			t.Errorf("Accept-Language %q: the page is not in %s (Vary %q):\n%.200s", header, want, resp.Header.Get("Vary"), b)
		}
	}
}

// TestPageSwitchAndPINWarning drives the test app in Chromium (English, by
// its Accept-Language): the wrong PIN before the last warns of the lock;
// the switch turns the page Norwegian, where the lock that follows says
// how to unlock; a consent's list reads as one sentence.
func TestPageSwitchAndPINWarning(t *testing.T) {
	w := newWorld(t)
	ctx := testenv.Chrome(t, "")
	type css = chromedp.CSS
	hook := func(id string) css { return css(`[data-testid="` + id + `"]`) }
	text := func(sel css) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(sel))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return s
	}
	// The first action starts the browser: not under step's deadline.
	if err := chromedp.Do(ctx, chromedp.Navigate(w.ada.BaseURL+"/app/")); err != nil {
		t.Fatal(err)
	}
	step(t, ctx, "open the app", chromedp.WaitVisible(hook("app-phone")))
	if h, l := text(css("h1")), text(hook("app-lang")); h != "Log in to Vipps" || l != "Norsk" {
		t.Errorf("the page says %q with a switch to %q, want English with a switch to Norsk", h, l)
	}
	step(t, ctx, "type the phone number", chromedp.SendKeys(hook("app-phone"), "4712345679"))
	for i := 1; i < MaxPINAttempts; i++ {
		step(t, ctx, "a wrong PIN",
			discard(chromedp.Evaluate[bool](`document.getElementById("error").hidden = true`)),
			chromedp.SetValue(hook("app-pin"), "0000"),
			chromedp.Click(hook("app-signin")),
			chromedp.WaitVisible(hook("app-error")))
		msg := text(hook("app-error"))
		if i < MaxPINAttempts-1 && msg != "Wrong phone number or PIN." {
			t.Errorf("wrong PIN %d shows %q", i, msg)
		}
		if i == MaxPINAttempts-1 && msg != "Wrong phone number or PIN. 1 attempt left before a 15-minute lock." {
			t.Errorf("the wrong PIN before the last shows %q, want the warning", msg)
		}
	}

	step(t, ctx, "switch to Norwegian", chromedp.Click(hook("app-lang")), chromedp.WaitVisible(hook("app-phone")))
	if h, l := text(css("h1")), text(hook("app-lang")); h != "Logg inn i Vipps" || l != "English" {
		t.Errorf("after the switch the page says %q with a switch to %q", h, l)
	}
	step(t, ctx, "the last wrong PIN",
		chromedp.SetValue(hook("app-phone"), "4712345679"),
		chromedp.SetValue(hook("app-pin"), "0000"),
		chromedp.Click(hook("app-signin")),
		chromedp.WaitVisible(hook("app-error")))
	if msg := text(hook("app-error")); !strings.Contains(msg, "låst i 15 minutt(er)") || !strings.Contains(msg, "vippslogin user unlock 4712345679") {
		t.Errorf("the lock shows %q, want how long and how to unlock, in Norwegian", msg)
	}

	now := w.clock.Now()
	if err := w.st.SaveConsent(context.Background(), store.Consent{PhoneNumber: "4712345678", ClientID: "demo-client", Scopes: []string{"openid", "name", "email", "address"}, CreatedAt: now, UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}
	step(t, ctx, "sign in as another user and see the consents",
		chromedp.SetValue(hook("app-phone"), "4712345678"),
		chromedp.SetValue(hook("app-pin"), "1236"),
		chromedp.Click(hook("app-signin")),
		chromedp.WaitVisible(hook("tab-consents")),
		chromedp.Click(hook("tab-consents")),
		chromedp.WaitVisible(hook("consent-scopes")))
	if got := text(hook("consent-scopes")); got != "Navnet ditt, e-postadressen din, adressene dine" {
		t.Errorf("the consent's list reads %q", got)
	}
}

package login

import (
	"net/http"
	"reflect"
	"testing"

	"github.com/vippslogin/vippslogin/internal/flow"
	"github.com/vippslogin/vippslogin/internal/store"
)

func TestNormalizePhone(t *testing.T) {
	for _, tc := range []struct{ typed, want string }{
		{"12345678", "4712345678"},
		{"+47 123 45 678", "4712345678"},
		{"4712345678", "4712345678"},
		{"47 12 34 56 78", "4712345678"},
		{"004712345678", "4712345678"},
		{"+47-123.45.678", "4712345678"},
		{"(+47) 12345678", "4712345678"},
		{"+46 70 123 45 67", "46701234567"},
		{"123456789012345", "123456789012345"},
		{"", ""},
		{"1234567", ""},
		{"123456789", ""},
		{"+12345678", ""},
		{"0012345678", ""},
		{"1234567890123456", ""},
		{"0712345678", ""},
		{"12 34 56 7a", ""},
		{"++4712345678", ""},
		{"４７１２３４５６７８", ""},
		{"+47 123 45 678                      ", ""},
	} {
		got, ok := store.NormalizePhoneNumber(tc.typed, "")
		if got != tc.want || ok != (tc.want != "") {
			t.Errorf("store.NormalizePhoneNumber(%q) = %q, %v; want %q", tc.typed, got, ok, tc.want)
		}
	}
}

func TestDescribeBrowser(t *testing.T) {
	for ua, want := range map[string]string{
		"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36":                                       "Chrome on Linux",
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36 Edg/126.0":                   "Edge on Windows",
		"Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15":                      "Safari on macOS",
		"Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1": "Safari on iPhone",
		"Mozilla/5.0 (Android 14; Mobile; rv:127.0) Gecko/127.0 Firefox/127.0":                                                                    "Firefox on Android",
		"curl/8.5.0": "Browser",
	} {
		if got := describeBrowser(ua); got != want {
			t.Errorf("describeBrowser(%q) = %q, want %q", ua, got, want)
		}
	}
}

func TestMobileUserAgents(t *testing.T) {
	for ua, want := range map[string]bool{
		"Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) Mobile/15E148":       true,
		"Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X)":                              true,
		"Mozilla/5.0 (Linux; Android 14; Pixel 8) Chrome/126.0 Mobile Safari/537.36": true,
		"Mozilla/5.0 (X11; Linux x86_64) Chrome/126.0 Safari/537.36":                 false,
		"Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) Version/17.5 Safari/605.1.15":  false,
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) Gecko/20100101 Firefox/127.0":     false,
	} {
		if got := mobile(ua); got != want {
			t.Errorf("mobile(%q) = %v", ua, got)
		}
	}
}

// TestTexts checks that both languages have every word: an empty field or
// a missing scope or error would show as a blank on a page.
func TestTexts(t *testing.T) {
	for lang, tx := range texts {
		v := reflect.ValueOf(tx)
		for i := range v.NumField() {
			if f := v.Field(i); f.Kind() == reflect.String && f.String() == "" {
				t.Errorf("%s: %s is empty", lang, v.Type().Field(i).Name)
			}
		}
		for _, s := range store.Scopes {
			if flow.NeedsConsent(s) && tx.Scopes[s] == "" {
				t.Errorf("%s: no words for scope %s", lang, s)
			}
		}
		for k := errNotFound; k <= errServer; k++ {
			if m := tx.Errors[k]; m.Title == "" || m.Detail == "" {
				t.Errorf("%s: no words for error %d", lang, k)
			}
		}
	}
	if len(texts) != 2 {
		t.Errorf("%d languages", len(texts))
	}
}

// TestCIBANotServed checks that the pages do not serve a CIBA request,
// which shares the login requests' table: its id is no tabId.
func TestCIBANotServed(t *testing.T) {
	e := newEnv(t)
	b := e.browser(t)
	id := e.startWith(t, func(r *store.LoginRequest) { r.Kind = store.KindCIBA })
	if r := b.index(t, id); r.status != http.StatusNotFound {
		t.Errorf("index: %d", r.status)
	}
	if code, _ := b.status(t, id); code != http.StatusNotFound {
		t.Errorf("status: %d", code)
	}
	if lr := e.get(t, id); lr.BrowserBindingHash != "" {
		t.Error("a browser bound itself to a CIBA request")
	}
}

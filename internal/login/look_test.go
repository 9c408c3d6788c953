package login

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/vippslogin/vippslogin/internal/secret"
	"github.com/vippslogin/vippslogin/internal/store"
)

// walk brings a fresh login id on browser b to one page and returns it.
type walk func(t *testing.T, e *env, b *browser, id string) response

// twin is a second browser with b's languages: another browser of the
// same person.
func twin(t *testing.T, e *env, b *browser) *browser {
	o := e.browser(t)
	o.header = b.header.Clone()
	return o
}

// everyPage reaches each page a login can show, for checks that hold on
// all of them (language, brand). Each gets a login made with
// automaticReturn, so that the return link's pages are reachable too.
var everyPage = []struct {
	name   string
	status int
	walk   walk
}{
	{"phone", http.StatusOK, func(t *testing.T, e *env, b *browser, id string) response { return b.index(t, id) }},
	{"wait", http.StatusOK, waitPage},
	{"deeplink", http.StatusOK, func(t *testing.T, e *env, b *browser, id string) response {
		b.ua = "Mozilla/5.0 (Linux; Android 14; Pixel 8) Chrome/126.0 Mobile Safari/537.36"
		return b.index(t, id)
	}},
	{"consent", http.StatusOK, consentPage},
	{"back to app", http.StatusOK, backToAppPage},
	{"other browser", http.StatusForbidden, func(t *testing.T, e *env, b *browser, id string) response {
		b.index(t, id)
		return twin(t, e, b).index(t, id)
	}},
	{"done", http.StatusGone, func(t *testing.T, e *env, b *browser, id string) response {
		b.index(t, id)
		b.post(t, "/vipps-login-idp/cancel", url.Values{"tabId": {id}})
		return b.index(t, id)
	}},
	{"link not valid", http.StatusForbidden, returnInvalidPage},
	{"link too early", http.StatusConflict, returnEarlyPage},
	{"moved on", http.StatusForbidden, movedOnPage},
}

func backToAppPage(t *testing.T, e *env, b *browser, id string) response {
	e.update(t, id, toApp(appRedirect, true))
	b.index(t, id)
	return b.post(t, "/vipps-login-idp/cancel", url.Values{"tabId": {id}})
}

func returnInvalidPage(t *testing.T, e *env, b *browser, id string) response {
	b.index(t, id)
	b.enterPhone(t, id, testUser, false)
	e.approveWithSecret(t, id)
	return twin(t, e, b).open(t, returnURL(id, secret.New()))
}

func returnEarlyPage(t *testing.T, e *env, b *browser, id string) response {
	b.index(t, id)
	b.enterPhone(t, id, testUser, false)
	return twin(t, e, b).open(t, returnURL(id, secret.New()))
}

func movedOnPage(t *testing.T, e *env, b *browser, id string) response {
	b.index(t, id)
	b.enterPhone(t, id, testUser, false)
	twin(t, e, b).open(t, e.approveWithSecret(t, id)).location(t)
	return b.index(t, id)
}

var (
	bodyClass = regexp.MustCompile(`<body class="([^"]*)">`)
	logo      = regexp.MustCompile(`<span class="logo">([^<]*)</span>`)
	title     = regexp.MustCompile(`<title>([^<]*)</title>`)
	htmlLang  = regexp.MustCompile(`<html lang="([^"]*)">`)
)

// TestMarket checks that every page wears the brand of the login's market:
// MobilePay in Denmark and Finland, Vipps elsewhere.
func TestMarket(t *testing.T) {
	for _, tc := range []struct{ market, class, logo, brand, not string }{
		{"", "vipps", "vipps", "Vipps", "MobilePay"},
		{"NO", "vipps", "vipps", "Vipps", "MobilePay"},
		{"SE", "vipps", "vipps", "Vipps", "MobilePay"},
		{"DK", "mobilepay", "MobilePay", "MobilePay", "Vipps"},
		{"FI", "mobilepay", "MobilePay", "MobilePay", "Vipps"},
	} {
		for _, page := range everyPage {
			t.Run(tc.market+" "+page.name, func(t *testing.T) {
				e := newEnv(t)
				b := e.browser(t)
				id := e.startWith(t, func(r *store.LoginRequest) { automaticReturn(r); r.Market = tc.market }, "openid", "name")
				r := page.walk(t, e, b, id)
				if r.status != page.status {
					t.Fatalf("status %d, want %d:\n%s", r.status, page.status, r.body)
				}
				if m := bodyClass.FindStringSubmatch(r.body); m == nil || m[1] != tc.class {
					t.Errorf("body class %v, want %q", m, tc.class)
				}
				if m := logo.FindStringSubmatch(r.body); m == nil || m[1] != tc.logo {
					t.Errorf("logo %v, want %q", m, tc.logo)
				}
				if m := title.FindStringSubmatch(r.body); m == nil || strings.Count(m[1], tc.brand) != 1 {
					t.Errorf("title %v does not name %s once", m, tc.brand)
				}
				if text := visibleText(r.body); strings.Contains(text, tc.not) {
					t.Errorf("a %s page speaks of %s:\n%s", tc.market, tc.not, text)
				}
			})
		}
	}
}

// TestLocaleEveryPage checks that ui_locales (the login's Locale) wins
// over Accept-Language on every page, error pages included.
func TestLocaleEveryPage(t *testing.T) {
	for _, tc := range []struct{ locale, accept string }{{"en", "nb-NO,nb;q=0.9"}, {"nb", "en-GB,en;q=0.9"}} {
		for _, page := range everyPage {
			t.Run(tc.locale+" "+page.name, func(t *testing.T) {
				e := newEnv(t)
				b := e.browser(t)
				b.header.Set("Accept-Language", tc.accept)
				id := e.startWith(t, func(r *store.LoginRequest) { automaticReturn(r); r.Locale = tc.locale }, "openid", "name")
				r := page.walk(t, e, b, id)
				if m := htmlLang.FindStringSubmatch(r.body); r.status != page.status || m == nil || m[1] != tc.locale {
					t.Fatalf("%d, lang %v; want %d in %s:\n%s", r.status, m, page.status, tc.locale, r.body)
				}
				norwegian := strings.ContainsAny(visibleText(r.body), "æøåÆØÅ")
				if norwegian != (tc.locale == "nb") {
					t.Errorf("ui_locales=%s, yet the words are:\n%s", tc.locale, visibleText(r.body))
				}
			})
		}
	}
}

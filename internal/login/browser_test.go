package login

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/vippslogin/vippslogin/internal/store"
)

func TestOtherBrowser(t *testing.T) {
	e := newEnv(t)
	first, other := e.browser(t), e.browser(t)
	id := e.start(t)
	first.index(t, id)

	r := other.index(t, id)
	if r.status != http.StatusForbidden || !strings.Contains(r.body, "This login was started in another browser") {
		t.Fatalf("other browser: %d\n%s", r.status, r.body)
	}
	if code, body := other.status(t, id); code != http.StatusForbidden || !strings.Contains(body, "other_browser") {
		t.Errorf("other browser's status: %d %s", code, body)
	}
	for _, path := range []string{"/vipps-login-idp/phone", "/vipps-login-idp/cancel", "/vipps-login-idp/consent"} {
		r := other.post(t, path, url.Values{"tabId": {id}, "phone_number": {testUser}, "action": {"accept"}})
		if r.status != http.StatusForbidden {
			t.Errorf("other browser's POST %s: %d", path, r.status)
		}
	}
	if lr := e.get(t, id); lr.Status != store.LoginCreated {
		t.Errorf("the other browser moved the login to %q", lr.Status)
	}
	if r := first.index(t, id); r.status != http.StatusOK {
		t.Errorf("the first browser lost its login: %d", r.status)
	}
}

func TestUnknownLogin(t *testing.T) {
	e := newEnv(t)
	b := e.browser(t)
	for _, tc := range []struct{ lang, want string }{
		{"en", "This login does not exist or has expired. Go back to the shop and start again."},
		{"nb-NO,nb;q=0.9", "Denne innloggingen finnes ikke eller har utløpt."},
	} {
		b.header.Set("Accept-Language", tc.lang)
		for _, id := range []string{"no-such-login", "", strings.Repeat("x", 200)} {
			r := b.index(t, id)
			if r.status != http.StatusNotFound || !strings.Contains(r.body, tc.want) {
				t.Errorf("tabId %q (%s): %d\n%s", id, tc.lang, r.status, r.body)
			}
		}
	}
	if code, body := b.status(t, "nope"); code != http.StatusNotFound || !strings.Contains(body, "not_found") {
		t.Errorf("status of an unknown login: %d %s", code, body)
	}
	r := b.post(t, "/vipps-login-idp/phone", url.Values{"tabId": {"nope"}, "phone_number": {testUser}})
	if r.status != http.StatusNotFound {
		t.Errorf("phone post for an unknown login: %d", r.status)
	}
}

func TestMobile(t *testing.T) {
	e := newEnv(t)
	b := e.browser(t)
	b.ua = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
	id := e.start(t)
	r := b.index(t, id)
	app := `href="` + e.srv.URL + "/app/?request=" + url.QueryEscape(id) + `"`
	if r.status != http.StatusOK || !strings.Contains(r.body, app) || !strings.Contains(r.body, "Open Vipps") {
		t.Fatalf("deeplink page lacks %s:\n%s", app, r.body)
	}
	if strings.Contains(r.body, `data-testid="challenge"`) || strings.Contains(r.body, `name="phone_number"`) {
		t.Error("a phone is shown the challenge or the phone-number page")
	}
	if !strings.Contains(r.body, "status.js") || !strings.Contains(r.body, `action="cancel"`) {
		t.Error("deeplink page lacks polling or the way back to the shop")
	}
	lr := e.get(t, id)
	if !lr.Mobile || lr.Status != store.LoginWaiting || lr.Challenge != "" {
		t.Errorf("stored mobile %v status %q challenge %q", lr.Mobile, lr.Status, lr.Challenge)
	}
	if _, body := b.status(t, id); !strings.Contains(body, `"waiting"`) {
		t.Errorf("status %s", body)
	}
	if r := b.index(t, id); !strings.Contains(r.body, app) {
		t.Error("a second view does not show the deeplink again")
	}
	// The user picks "remember" in the app.
	e.update(t, id, func(r *store.LoginRequest) { r.Remember = true })
	e.approve(t, id)
	checkCode(t, e, b.index(t, id).location(t), "openid")
	if cookieValue(t, b, rememberCookie) == "" {
		t.Error("the phone's browser is not remembered though the user asked in the app")
	}
}

func TestCrossOriginPost(t *testing.T) {
	e := newEnv(t)
	b := e.browser(t)
	id := e.start(t)
	b.index(t, id)
	for _, path := range []string{"/vipps-login-idp/phone", "/vipps-login-idp/consent", "/vipps-login-idp/cancel"} {
		r := b.do(t, http.MethodPost, path, url.Values{"tabId": {id}, "phone_number": {testUser}},
			http.Header{"Sec-Fetch-Site": {"cross-site"}, "Origin": {"https://evil.example"}})
		if r.status != http.StatusForbidden || !strings.Contains(r.body, "another site") {
			t.Errorf("cross-site POST %s: %d\n%s", path, r.status, r.body)
		}
	}
	if lr := e.get(t, id); lr.Status != store.LoginCreated {
		t.Errorf("a cross-site POST moved the login to %q", lr.Status)
	}
	// The same form from the page itself goes through.
	r := b.do(t, http.MethodPost, "/vipps-login-idp/phone", url.Values{"tabId": {id}, "phone_number": {testUser}},
		http.Header{"Sec-Fetch-Site": {"same-origin"}, "Origin": {e.srv.URL}})
	if r.status != http.StatusSeeOther {
		t.Errorf("same-origin POST: %d", r.status)
	}
}

func TestLanguage(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct{ accept, locale, want string }{
		{"", "", "nb"},
		{"nb-NO,nb;q=0.9,en;q=0.8", "", "nb"},
		{"nn", "", "nb"},
		{"no", "", "nb"},
		{"en-US,en;q=0.9,nb;q=0.5", "", "en"},
		{"en;q=0.5,nb;q=0.9", "", "nb"},
		{"de-DE", "", "en"},
		{"en", "nb", "nb"},
		{"nb", "en", "en"},
	} {
		b := e.browser(t)
		b.header.Set("Accept-Language", tc.accept)
		id := e.start(t)
		e.update(t, id, func(r *store.LoginRequest) { r.Locale = tc.locale })
		r := b.index(t, id)
		word := map[string]string{"nb": "Husk meg i denne nettleseren", "en": "Remember me in this browser"}[tc.want]
		if !strings.Contains(r.body, `<html lang="`+tc.want+`">`) || !strings.Contains(r.body, word) {
			t.Errorf("Accept-Language %q, locale %q: want %s", tc.accept, tc.locale, tc.want)
		}
	}
}

func TestStatic(t *testing.T) {
	e := newEnv(t)
	b := e.browser(t)
	for _, tc := range []struct{ file, ctype string }{{"vipps.css", "text/css"}, {"status.js", "javascript"}} {
		r := b.do(t, http.MethodGet, "/vipps-login-idp/static/"+tc.file, nil, nil)
		if r.status != 200 || !strings.Contains(r.header.Get("Content-Type"), tc.ctype) || r.header.Get("Cache-Control") != "public, max-age=3600" {
			t.Errorf("%s: %d %q %q", tc.file, r.status, r.header.Get("Content-Type"), r.header.Get("Cache-Control"))
		}
	}
	for _, path := range []string{"/vipps-login-idp/static/", "/vipps-login-idp/static/nope.js"} {
		if r := b.do(t, http.MethodGet, path, nil, nil); r.status == 200 {
			t.Errorf("%s: 200", path)
		}
	}
}

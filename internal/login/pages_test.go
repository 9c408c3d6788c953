package login

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/vippslogin/vippslogin/internal/flow"
	"github.com/vippslogin/vippslogin/internal/secret"
	"github.com/vippslogin/vippslogin/internal/store"
)

func TestPhonePage(t *testing.T) {
	e := newEnv(t)
	b := e.browser(t)
	id := e.start(t)
	r := b.index(t, id)
	if r.status != http.StatusOK {
		t.Fatalf("status %d:\n%s", r.status, r.body)
	}
	for _, want := range []string{`name="phone_number"`, `type="tel"`, `autocomplete="tel"`, `name="remember"`,
		`action="phone"`, `action="cancel"`, `<html lang="en">`, "Remember me in this browser", "Demo Shop"} {
		if !strings.Contains(r.body, want) {
			t.Errorf("phone page lacks %s", want)
		}
	}
	if strings.Contains(r.body, "checked") {
		t.Error("the remember box is checked by default")
	}
	lr := e.get(t, id)
	if lr.Status != store.LoginCreated || lr.BrowserBindingHash == "" {
		t.Errorf("after the first view: status %q, binding %q", lr.Status, lr.BrowserBindingHash)
	}
	var c *http.Cookie
	for _, x := range (&http.Response{Header: r.header}).Cookies() {
		if x.Name == browserCookie {
			c = x
		}
	}
	if c == nil || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/vipps-login-idp/" || c.MaxAge != 0 || c.Secure {
		t.Fatalf("vl_browser cookie %+v", c)
	}
	if secret.Digest(c.Value) != lr.BrowserBindingHash {
		t.Error("the login is not bound to the browser's cookie")
	}
	// A second view keeps the binding.
	if r := b.index(t, id); r.status != http.StatusOK {
		t.Errorf("second view: %d", r.status)
	}
}

func TestPhoneFormats(t *testing.T) {
	e := newEnv(t)
	for _, typed := range []string{"12345678", "+47 123 45 678", "4712345678", "47 12 34 56 78", "004712345678", " 123-45-678 "} {
		t.Run(typed, func(t *testing.T) {
			b := e.browser(t)
			id := e.start(t)
			b.index(t, id)
			b.enterPhone(t, id, typed, false)
			lr := e.get(t, id)
			if lr.PhoneNumber != testUser || lr.Status != store.LoginWaiting || lr.Remember {
				t.Errorf("stored phone %q status %q remember %v", lr.PhoneNumber, lr.Status, lr.Remember)
			}
			if lr.Challenge == "" || !slices.Contains(lr.ChallengeOptions, lr.Challenge) || len(lr.ChallengeOptions) < 3 {
				t.Errorf("challenge %q options %v", lr.Challenge, lr.ChallengeOptions)
			}
			if want := e.clock.Now().Add(flow.LoginTTL); !lr.ExpiresAt.Equal(want) {
				t.Errorf("ExpiresAt %v, want %v", lr.ExpiresAt, want)
			}
		})
	}
}

func TestPhoneRejected(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct{ typed, lang, want string }{
		{"1234", "en", "Enter the mobile number as 8 digits"},
		{"", "en", "Enter the mobile number as 8 digits"},
		{"phone", "en", "Enter the mobile number as 8 digits"},
		{"+12345678", "en", "Enter the mobile number as 8 digits"},
		{"1234567890123456", "en", "Enter the mobile number as 8 digits"},
		{strings.Repeat("1", 40), "en", "Enter the mobile number as 8 digits"},
		{"1234", "nb", "Skriv mobilnummeret med 8 siffer"},
		{"41234567", "en", "No Vipps user with this number."},
		{"+46 70 123 45 67", "nb", "Ingen Vipps-bruker med dette nummeret."},
	} {
		t.Run(tc.typed, func(t *testing.T) {
			b := e.browser(t)
			b.header.Set("Accept-Language", tc.lang)
			id := e.start(t)
			b.index(t, id)
			r := b.post(t, "/vipps-login-idp/phone", url.Values{"tabId": {id}, "phone_number": {tc.typed}, "remember": {"on"}})
			if r.status != http.StatusBadRequest || !strings.Contains(r.body, tc.want) {
				t.Fatalf("status %d, want 400 with %q:\n%s", r.status, tc.want, r.body)
			}
			if !strings.Contains(r.body, "checked") {
				t.Error("the remember box the user ticked is unticked again")
			}
			if lr := e.get(t, id); lr.Status != store.LoginCreated || lr.PhoneNumber != "" {
				t.Errorf("stored status %q phone %q", lr.Status, lr.PhoneNumber)
			}
		})
	}
}

func TestDesktopLogin(t *testing.T) {
	e := newEnv(t)
	b := e.browser(t)
	id := e.start(t)
	b.index(t, id)
	b.enterPhone(t, id, "12345678", false)

	r := b.index(t, id)
	lr := e.get(t, id)
	if want := `data-testid="challenge">` + lr.Challenge + "<"; r.status != http.StatusOK || !strings.Contains(r.body, want) {
		t.Fatalf("wait page lacks %s:\n%s", want, r.body)
	}
	if !strings.Contains(r.body, "vipps-login-idp/static/status.js") || !strings.Contains(r.body, "<noscript>") {
		t.Error("wait page lacks its script or its noscript fallback")
	}
	if code, body := b.status(t, id); code != 200 || body != `{"status":"waiting"}`+"\n" {
		t.Errorf("status %d %s", code, body)
	}
	// Posting the phone page again does not restart the login.
	b.post(t, "/vipps-login-idp/phone", url.Values{"tabId": {id}, "phone_number": {"98765432"}})
	if got := e.get(t, id); got.PhoneNumber != testUser || got.Challenge != lr.Challenge {
		t.Errorf("a second phone post changed the login: %q %q", got.PhoneNumber, got.Challenge)
	}

	e.approve(t, id)
	if _, body := b.status(t, id); body != `{"status":"approved"}`+"\n" {
		t.Errorf("status %s", body)
	}
	before := cookieValue(t, b, browserCookie)
	q := b.index(t, id).location(t)
	checkCode(t, e, q, "openid")
	if after := cookieValue(t, b, browserCookie); after == "" || after == before {
		t.Error("vl_browser was not rotated at login")
	}
	if r := b.index(t, id); r.status != http.StatusGone || !strings.Contains(r.body, "already been completed") {
		t.Errorf("after the redirect: %d\n%s", r.status, r.body)
	}
	if _, body := b.status(t, id); body != `{"status":"done"}`+"\n" {
		t.Errorf("status %s", body)
	}
}

// checkCode checks a successful redirect back to the client and that its
// code is stored for the user, and returns the code.
func checkCode(t *testing.T, e *env, loc *url.URL, scope string) string {
	t.Helper()
	q := loc.Query()
	if got := loc.Scheme + "://" + loc.Host + loc.Path; got != testRedirect {
		t.Fatalf("redirected to %s", loc)
	}
	if q.Get("error") != "" || q.Get("code") == "" || q.Get("state") != testState || q.Get("scope") != scope || q.Get("iss") != e.srv.URL+flow.IssuerPath {
		t.Fatalf("redirect query %v", q)
	}
	c, err := e.st.GetAuthCode(t.Context(), secret.Digest(q.Get("code")))
	if err != nil || c.PhoneNumber != testUser || c.ClientID != testClient {
		t.Fatalf("stored code %+v, %v", c, err)
	}
	return q.Get("code")
}

// checkError checks a redirect back to the client with an error.
func checkError(t *testing.T, e *env, loc *url.URL, code, description string) {
	t.Helper()
	q := loc.Query()
	if q.Get("error") != code || q.Get("error_description") != description || q.Get("state") != testState ||
		q.Get("iss") != e.srv.URL+flow.IssuerPath || q.Has("code") {
		t.Errorf("redirect query %v, want error %q (%q)", q, code, description)
	}
}

func cookieValue(t *testing.T, b *browser, name string) string {
	t.Helper()
	u, _ := url.Parse(b.e.srv.URL + "/vipps-login-idp/")
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

func TestFailures(t *testing.T) {
	for _, tc := range []struct {
		name, code, description string
		end                     func(t *testing.T, e *env, b *browser, id string)
	}{
		{"wrong challenge", "wrong_challenge", "The user picked the wrong number.", func(t *testing.T, e *env, b *browser, id string) {
			flow.Fail(t.Context(), e.st, id, "wrong_challenge", "The user picked the wrong number.", e.clock.Now())
		}},
		{"rejected in the app", "access_denied", "The user rejected the login.", func(t *testing.T, e *env, b *browser, id string) {
			flow.Fail(t.Context(), e.st, id, "access_denied", "The user rejected the login.", e.clock.Now())
		}},
		{"outdated app", "outdated_app_version", "", func(t *testing.T, e *env, b *browser, id string) {
			flow.Fail(t.Context(), e.st, id, "outdated_app_version", "", e.clock.Now())
		}},
		{"timeout", "access_denied", flow.TimeoutDescription, func(t *testing.T, e *env, b *browser, id string) {
			e.clock.Add(flow.LoginTTL - 1)
			if _, body := b.status(t, id); !strings.Contains(body, "waiting") {
				t.Errorf("before the timeout: %s", body)
			}
			e.clock.Add(1)
			if _, body := b.status(t, id); !strings.Contains(body, `"failed"`) {
				t.Errorf("after the timeout: %s", body)
			}
		}},
		{"cancelled on the wait page", "access_denied", cancelDescription, func(t *testing.T, e *env, b *browser, id string) {
			checkError(t, e, b.post(t, "/vipps-login-idp/cancel", url.Values{"tabId": {id}}).location(t), "access_denied", cancelDescription)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			b := e.browser(t)
			id := e.start(t)
			b.index(t, id)
			b.enterPhone(t, id, testUser, false)
			tc.end(t, e, b, id)
			if e.get(t, id).Status == store.LoginDone {
				return // the cancel answered with the redirect itself
			}
			checkError(t, e, b.index(t, id).location(t), tc.code, tc.description)
		})
	}
}

func TestCancelOnPhonePage(t *testing.T) {
	e := newEnv(t)
	b := e.browser(t)
	id := e.start(t)
	b.index(t, id)
	checkError(t, e, b.post(t, "/vipps-login-idp/cancel", url.Values{"tabId": {id}}).location(t), "access_denied", cancelDescription)
	if r := b.post(t, "/vipps-login-idp/cancel", url.Values{"tabId": {id}}); r.status != http.StatusGone {
		t.Errorf("a second cancel: %d", r.status)
	}
}

func TestTimeoutOnPhonePage(t *testing.T) {
	e := newEnv(t)
	b := e.browser(t)
	id := e.start(t)
	b.index(t, id)
	e.clock.Add(flow.LoginTTL)
	r := b.post(t, "/vipps-login-idp/phone", url.Values{"tabId": {id}, "phone_number": {testUser}})
	if r.location(t).String() != "index.html?tabId="+url.QueryEscape(id) {
		t.Fatalf("Location %q", r.header.Get("Location"))
	}
	checkError(t, e, b.index(t, id).location(t), "access_denied", flow.TimeoutDescription)
}

// TestPhoneFollowsTheMarket: a number typed on the phone page is read in
// the login's market (the spec's market: "Where the user is: NO, DK, FI
// …"; issue 12, point 7): 8 digits on a market=DK login are a Danish
// number, so a Danish user never starts a login for a Norwegian one, and
// the hint shows the market's form.
func TestPhoneFollowsTheMarket(t *testing.T) {
	e := newEnv(t)
	for _, phone := range []string{"4512345678", "358401234567"} {
		if err := e.st.CreateUser(t.Context(), store.User{PhoneNumber: phone, PINHash: "x", GivenName: "Ada",
			CreatedAt: e.clock.Now(), UpdatedAt: e.clock.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct{ market, typed, want, hint string }{
		{"DK", "12 34 56 78", "4512345678", "+45 12 34 56 78"},
		{"FI", "040 123 4567", "358401234567", "+358 40 123 4567"},
		{"NO", "123 45 678", testUser, "+47 123 45 678"},
		{"DK", "+47 123 45 678", testUser, "+45 12 34 56 78"},
	} {
		b := e.browser(t)
		id := e.startWith(t, func(r *store.LoginRequest) { r.Market = tc.market })
		if page := b.index(t, id); !strings.Contains(page.body, strings.ReplaceAll(tc.hint, "+", "&#43;")) {
			t.Errorf("market %s: the phone page's hint lacks %s", tc.market, tc.hint)
		}
		b.enterPhone(t, id, tc.typed, false)
		if got := e.get(t, id).PhoneNumber; got != tc.want {
			t.Errorf("market %s: %q started a login for %s, want %s", tc.market, tc.typed, got, tc.want)
		}
	}
}

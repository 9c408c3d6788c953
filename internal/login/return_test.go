package login

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/vippslogin/vippslogin/internal/flow"
	"github.com/vippslogin/vippslogin/internal/secret"
	"github.com/vippslogin/vippslogin/internal/store"
)

func automaticReturn(r *store.LoginRequest) { r.RequestedFlow = flow.AutomaticReturn }

// approveWithSecret does what the app does when the user approves an
// automatic-return login, and returns the URL the app opens.
func (e *env) approveWithSecret(t *testing.T, id string) string {
	t.Helper()
	s := secret.New()
	e.approve(t, id)
	e.update(t, id, func(r *store.LoginRequest) { r.ResumeSecretHash = secret.Digest(s) })
	return returnURL(id, s)
}

func returnURL(id, s string) string {
	return flow.ReturnPath + "?" + url.Values{"tabId": {id}, "secret": {s}}.Encode()
}

func (b *browser) open(t *testing.T, path string) response {
	t.Helper()
	return b.do(t, http.MethodGet, path, nil, nil)
}

// TestAutomaticReturn walks the flow: the login starts in one browser, the
// app opens its link in another, which finishes it with a code.
func TestAutomaticReturn(t *testing.T) {
	e := newEnv(t)
	first, second := e.browser(t), e.browser(t)
	second.ua = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) Mobile/15E148"
	id := e.startWith(t, automaticReturn, "openid", "name")
	first.index(t, id)
	first.enterPhone(t, id, testUser, true)
	link := e.approveWithSecret(t, id)

	r := second.open(t, link)
	if loc := r.location(t); loc.String() != "index.html?tabId="+url.QueryEscape(id) {
		t.Fatalf("the link sends the browser to %s", loc)
	}
	if cookieValue(t, second, browserCookie) == "" {
		t.Fatal("the second browser got no vl_browser cookie")
	}
	lr := e.get(t, id)
	if lr.ResumeSecretHash != "" || lr.Remember {
		t.Errorf("after the link: secret %q remember %v; want both cleared", lr.ResumeSecretHash, lr.Remember)
	}
	// The link works once, in any browser.
	for _, b := range []*browser{second, e.browser(t)} {
		if r := b.open(t, link); r.status != http.StatusForbidden || !strings.Contains(r.body, "already been used") {
			t.Errorf("the link again: %d\n%s", r.status, r.body)
		}
	}
	// The first browser, still polling, is told the login went on.
	if code, body := first.status(t, id); code != http.StatusForbidden || !strings.Contains(body, "other_browser") {
		t.Errorf("first browser's status: %d %s", code, body)
	}
	if r := first.index(t, id); r.status != http.StatusForbidden || !strings.Contains(r.body, "Continued in another browser") {
		t.Errorf("first browser: %d\n%s", r.status, r.body)
	}

	r = second.index(t, id)
	if r.status != http.StatusOK || !strings.Contains(r.body, `value="accept"`) {
		t.Fatalf("second browser: want the consent page, got %d\n%s", r.status, r.body)
	}
	checkCode(t, e, second.post(t, "/vipps-login-idp/consent", url.Values{"tabId": {id}, "action": {"accept"}}).location(t), "openid name")
	if cookieValue(t, second, rememberCookie) != "" {
		t.Error("the browser the login moved to is remembered; the user asked that of the first")
	}
	if r := first.index(t, id); r.status != http.StatusGone || !strings.Contains(r.body, "already been completed") {
		t.Errorf("first browser after the code: %d\n%s", r.status, r.body)
	}
	if r := second.open(t, link); r.status != http.StatusForbidden {
		t.Errorf("the link after the code: %d", r.status)
	}
}

// TestAutomaticReturnFirstBrowserWins checks the race the other way: the
// browser that started the login finishes it before the app's link is
// opened, and the link then says so; no second code exists.
func TestAutomaticReturnFirstBrowserWins(t *testing.T) {
	e := newEnv(t)
	first, second := e.browser(t), e.browser(t)
	id := e.startWith(t, automaticReturn)
	first.index(t, id)
	first.enterPhone(t, id, testUser, true)
	link := e.approveWithSecret(t, id)
	checkCode(t, e, first.index(t, id).location(t), "openid")
	if cookieValue(t, first, rememberCookie) == "" {
		t.Error("the first browser is not remembered though the user asked")
	}
	r := second.open(t, link)
	if r.status != http.StatusGone || !strings.Contains(r.body, "already been completed") {
		t.Errorf("the link after the first browser finished: %d\n%s", r.status, r.body)
	}
	if r := second.index(t, id); r.status != http.StatusGone {
		t.Errorf("second browser's view: %d", r.status)
	}
}

// TestAutomaticReturnSameBrowser: the app may open its link in the browser
// the login started in; the user's "remember me" holds there.
func TestAutomaticReturnSameBrowser(t *testing.T) {
	e := newEnv(t)
	b := e.browser(t)
	id := e.startWith(t, automaticReturn)
	b.index(t, id)
	b.enterPhone(t, id, testUser, true)
	link := e.approveWithSecret(t, id)
	b.open(t, link).location(t)
	checkCode(t, e, b.index(t, id).location(t), "openid")
	if cookieValue(t, b, rememberCookie) == "" {
		t.Error("not remembered")
	}
}

func TestAutomaticReturnRefused(t *testing.T) {
	for _, tc := range []struct {
		name   string
		setup  func(t *testing.T, e *env, id string) string // returns the link
		status int
		want   string
	}{
		{"wrong secret", func(t *testing.T, e *env, id string) string {
			e.approveWithSecret(t, id)
			return returnURL(id, secret.New())
		}, http.StatusForbidden, "not valid"},
		{"no secret", func(t *testing.T, e *env, id string) string {
			e.approveWithSecret(t, id)
			return flow.ReturnPath + "?tabId=" + url.QueryEscape(id)
		}, http.StatusForbidden, "not valid"},
		{"secret too long", func(t *testing.T, e *env, id string) string {
			e.approveWithSecret(t, id)
			return returnURL(id, strings.Repeat("x", 200))
		}, http.StatusForbidden, "not valid"},
		{"unknown login", func(t *testing.T, e *env, id string) string {
			return returnURL("no-such-login", secret.New())
		}, http.StatusNotFound, "does not exist"},
		{"not approved yet", func(t *testing.T, e *env, id string) string {
			return returnURL(id, secret.New())
		}, http.StatusConflict, "not been confirmed in the Vipps app yet"},
		{"too late", func(t *testing.T, e *env, id string) string {
			link := e.approveWithSecret(t, id)
			e.clock.Add(flow.LoginTTL)
			return link
		}, http.StatusForbidden, "not valid"},
		{"rejected", func(t *testing.T, e *env, id string) string {
			flow.Fail(t.Context(), e.st, id, "access_denied", "no", e.clock.Now())
			return returnURL(id, secret.New())
		}, http.StatusForbidden, "not valid"},
		{"not an automatic return", func(t *testing.T, e *env, id string) string {
			link := e.approveWithSecret(t, id)
			e.update(t, id, func(r *store.LoginRequest) { r.RequestedFlow = flow.AppToApp })
			return link
		}, http.StatusForbidden, "not valid"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			first, other := e.browser(t), e.browser(t)
			id := e.startWith(t, automaticReturn)
			first.index(t, id)
			first.enterPhone(t, id, testUser, false)
			link := tc.setup(t, e, id)
			before := e.get(t, id)
			r := other.open(t, link)
			if r.status != tc.status || !strings.Contains(r.body, tc.want) {
				t.Fatalf("%d, want %d with %q:\n%s", r.status, tc.status, tc.want, r.body)
			}
			if after := e.get(t, id); after.BrowserBindingHash != before.BrowserBindingHash || after.ResumeSecretHash != before.ResumeSecretHash {
				t.Error("a refused link changed the login")
			}
			if r := other.index(t, id); r.status != http.StatusForbidden && r.status != http.StatusGone {
				t.Errorf("the other browser may view the login: %d", r.status)
			}
		})
	}
}

// TestAppToApp: the resume URI is the login's page, which the browser that
// started the login (its cookies) can open and no other can.
func TestAppToApp(t *testing.T) {
	for _, requested := range []string{flow.AppToApp, flow.AppToAppV2} {
		t.Run(requested, func(t *testing.T) {
			e := newEnv(t)
			first, other := e.browser(t), e.browser(t)
			id := e.startWith(t, func(r *store.LoginRequest) {
				r.RequestedFlow, r.AppCallbackURI = requested, "demo-app://callback"
			})
			first.index(t, id)
			first.enterPhone(t, id, testUser, false)
			if r := first.index(t, id); !strings.Contains(r.body, `data-testid="challenge"`) {
				t.Fatalf("wait page: %d\n%s", r.status, r.body)
			}
			e.approve(t, id)
			resume := "/vipps-login-idp/index.html?tabId=" + url.QueryEscape(id)
			if r := other.open(t, resume); r.status != http.StatusForbidden || !strings.Contains(r.body, "started in another browser") {
				t.Errorf("resume URI in another browser: %d\n%s", r.status, r.body)
			}
			checkCode(t, e, first.open(t, resume).location(t), "openid")
		})
	}
}

// TestAppToAppMobile: on a phone, app_to_app shows the deeplink page, and
// the resume URI finishes the login in the same browser.
func TestAppToAppMobile(t *testing.T) {
	e := newEnv(t)
	b, other := e.browser(t), e.browser(t)
	b.ua = "Mozilla/5.0 (Linux; Android 14; Pixel 8) Chrome/126.0 Mobile Safari/537.36"
	id := e.startWith(t, func(r *store.LoginRequest) {
		r.RequestedFlow, r.AppCallbackURI = flow.AppToApp, "demo-app://callback"
	}, "openid", "name")
	r := b.index(t, id)
	if !strings.Contains(r.body, `data-testid="open-app"`) || strings.Contains(r.body, `name="phone_number"`) {
		t.Fatalf("want the deeplink page:\n%s", r.body)
	}
	e.approve(t, id)
	if r := other.index(t, id); r.status != http.StatusForbidden {
		t.Errorf("resume URI in another browser: %d", r.status)
	}
	if r := b.index(t, id); r.status != http.StatusOK || !strings.Contains(r.body, `value="accept"`) {
		t.Fatalf("resume URI: want consent, got %d", r.status)
	}
	checkCode(t, e, b.post(t, "/vipps-login-idp/consent", url.Values{"tabId": {id}, "action": {"accept"}}).location(t), "openid name")
}

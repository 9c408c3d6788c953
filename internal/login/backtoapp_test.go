package login

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/vippslogin/vippslogin/internal/flow"
	"github.com/vippslogin/vippslogin/internal/secret"
	"github.com/vippslogin/vippslogin/internal/store"
)

const appRedirect = "demo-app://callback"

// toApp is a login whose final redirect goes to an app.
func toApp(redirect string, isApp bool) func(*store.LoginRequest) {
	return func(r *store.LoginRequest) { r.RedirectURI, r.FinalRedirectIsApp = redirect, isApp }
}

var (
	backLink    = regexp.MustCompile(`<a class="button primary" href="([^"]*)" data-testid="back-to-app">`)
	backRefresh = regexp.MustCompile(`<meta http-equiv="refresh" content="0;url=([^"]*)">`)
)

// backToApp checks the compatibility page and returns where it sends the
// browser: the link and the meta refresh agree.
func backToApp(t *testing.T, r response) *url.URL {
	t.Helper()
	link, refresh := backLink.FindStringSubmatch(r.body), backRefresh.FindStringSubmatch(r.body)
	if r.status != http.StatusOK || link == nil || refresh == nil || link[1] != refresh[1] {
		t.Fatalf("want the page back to the app; %d\n%s", r.status, r.body)
	}
	u, err := url.Parse(html.UnescapeString(link[1]))
	if err != nil || u.Scheme+"://"+u.Host+u.Path != appRedirect {
		t.Fatalf("back to %q (%v)", link[1], err)
	}
	if !strings.Contains(r.header.Get("Content-Security-Policy"), "default-src 'none'") || strings.Contains(r.body, "<script") {
		t.Error("the page needs script or lost its CSP")
	}
	return u
}

func TestFinalRedirectIsApp(t *testing.T) {
	e := newEnv(t)
	b := e.browser(t)
	id := loginUntilApproved(t, e, b, false)
	e.update(t, id, toApp(appRedirect, true))
	before := cookieValue(t, b, browserCookie)
	r := b.index(t, id)
	u := backToApp(t, r)
	q := u.Query()
	if q.Get("state") != testState || q.Get("scope") != "openid" || q.Get("iss") != e.srv.URL+flow.IssuerPath {
		t.Errorf("query %v", q)
	}
	c, err := e.st.GetAuthCode(t.Context(), secret.Digest(q.Get("code")))
	if err != nil || c.RedirectURI != appRedirect || c.PhoneNumber != testUser {
		t.Errorf("code %+v, %v", c, err)
	}
	for _, want := range []string{"Returning to the app", "Demo Shop", "Return to the app", `<html lang="en">`} {
		if !strings.Contains(r.body, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	if after := cookieValue(t, b, browserCookie); after == before {
		t.Error("vl_browser was not rotated at login")
	}
	if r := b.index(t, id); r.status != http.StatusGone {
		t.Errorf("reload: %d", r.status)
	}
}

// TestFinalRedirectIsAppError: an error goes back to the app the same way.
func TestFinalRedirectIsAppError(t *testing.T) {
	e := newEnv(t)
	b := e.browser(t)
	id := e.startWith(t, toApp(appRedirect, true))
	b.index(t, id)
	q := backToApp(t, b.post(t, "/vipps-login-idp/cancel", url.Values{"tabId": {id}})).Query()
	if q.Get("error") != "access_denied" || q.Get("error_description") != cancelDescription || q.Get("state") != testState || q.Has("code") {
		t.Errorf("query %v", q)
	}
}

// TestFinalRedirectPlain: a web redirect URI, or an app's without
// final_redirect_is_app, gets the plain 303.
func TestFinalRedirectPlain(t *testing.T) {
	for _, tc := range []struct {
		redirect string
		isApp    bool
	}{{testRedirect, true}, {appRedirect, false}, {"http://localhost:3000/callback", true}} {
		e := newEnv(t)
		b := e.browser(t)
		id := loginUntilApproved(t, e, b, false)
		e.update(t, id, toApp(tc.redirect, tc.isApp))
		loc := b.index(t, id).location(t)
		if got := loc.Scheme + "://" + loc.Host + loc.Path; got != tc.redirect || loc.Query().Get("code") == "" {
			t.Errorf("%s (final_redirect_is_app=%v): Location %s", tc.redirect, tc.isApp, loc)
		}
	}
}

// TestUnsafeRedirectRefused: a login whose redirect URI is not a place a
// browser may be sent (a row older than the registration rule) ends on an
// error page, never in a Location header or the back-to-app page's meta
// refresh (issue 11, point 11).
func TestUnsafeRedirectRefused(t *testing.T) {
	for _, tc := range []struct {
		redirect string
		isApp    bool
	}{
		{"javascript:alert(document.domain)//cb", true},
		{"javascript:alert(document.domain)//cb", false},
		{"view-source:https://evil.example/cb", true},
		{"chrome://settings/cb", true},
		{"data:text/html,<script>alert(1)</script>", true},
	} {
		e := newEnv(t)
		b := e.browser(t)
		id := loginUntilApproved(t, e, b, false)
		e.update(t, id, toApp(tc.redirect, tc.isApp))
		r := b.index(t, id)
		if r.status != http.StatusBadRequest || r.header.Get("Location") != "" || strings.Contains(r.body, tc.redirect) {
			t.Errorf("%s (final_redirect_is_app=%v): status %d, Location %q, page names the URI: %v",
				tc.redirect, tc.isApp, r.status, r.header.Get("Location"), strings.Contains(r.body, tc.redirect))
		}
		if !strings.Contains(r.body, "Cannot send you back") {
			t.Errorf("%s: the page does not say why", tc.redirect)
		}
	}
}

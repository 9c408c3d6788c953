package login

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/vippslogin/vippslogin/internal/flow"
	"github.com/vippslogin/vippslogin/internal/store"
)

func TestRememberedBrowser(t *testing.T) {
	e := newEnv(t)
	b := e.browser(t)
	first := loginUntilApproved(t, e, b, true, "openid", "name")
	r := b.index(t, first) // consent page; the browser is remembered now
	c := setCookie(r, rememberCookie)
	if c == nil || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/vipps-login-idp/" ||
		c.MaxAge != int(flow.BrowserSessionTTL.Seconds()) {
		t.Fatalf("vl_remember cookie %+v", c)
	}
	sessions, err := e.st.ListBrowserSessions(t.Context(), testUser)
	if err != nil || len(sessions) != 1 {
		t.Fatalf("browser sessions %v, %v", sessions, err)
	}
	s := sessions[0]
	if s.ID != e.get(t, first).SessionID || s.Description != "Chrome on Linux" || !s.ExpiresAt.Equal(e.clock.Now().Add(flow.BrowserSessionTTL)) {
		t.Errorf("browser session %+v", s)
	}
	// Reloading the consent page makes no second session.
	b.index(t, first)
	b.post(t, "/vipps-login-idp/consent", map[string][]string{"tabId": {first}, "action": {"accept"}}).location(t)
	if sessions, _ := e.st.ListBrowserSessions(t.Context(), testUser); len(sessions) != 1 {
		t.Errorf("%d browser sessions", len(sessions))
	}

	// The next login: no phone page, no app, straight back with a code.
	e.clock.Add(time.Hour)
	second := e.start(t, "openid", "name")
	checkCode(t, e, b.index(t, second).location(t), "openid name")
	lr := e.get(t, second)
	if lr.PhoneNumber != testUser || lr.SessionID != s.ID || !lr.AuthTime.Equal(s.CreatedAt) || lr.Challenge != "" {
		t.Errorf("remembered login %+v", lr)
	}

	// Asking for more shows the consent page, still without the app.
	third := e.start(t, "openid", "email")
	if r := b.index(t, third); r.status != http.StatusOK || !strings.Contains(r.body, "Email address") {
		t.Fatalf("remembered login with new scopes: %d\n%s", r.status, r.body)
	}
	if lr := e.get(t, third); lr.Status != store.LoginApproved {
		t.Errorf("status %q", lr.Status)
	}

	// A browser the user forgot in the app gets the phone page again, and
	// its stale cookie is deleted.
	if err := e.st.DeleteBrowserSession(t.Context(), testUser, s.ID); err != nil {
		t.Fatal(err)
	}
	fourth := e.start(t)
	r = b.index(t, fourth)
	if r.status != http.StatusOK || !strings.Contains(r.body, `name="phone_number"`) {
		t.Fatalf("forgotten browser: %d\n%s", r.status, r.body)
	}
	if c := setCookie(r, rememberCookie); c == nil || c.MaxAge >= 0 {
		t.Errorf("the stale vl_remember cookie is not deleted: %+v", c)
	}
}

// A remembered browser of a user who was deleted gets the phone page, and
// its cookie is deleted.
func TestRememberedBrowserOfDeletedUser(t *testing.T) {
	e := newEnv(t)
	b := e.browser(t)
	first := loginUntilApproved(t, e, b, true)
	checkCode(t, e, b.index(t, first).location(t), "openid")
	if err := e.st.DeleteUser(t.Context(), testUser); err != nil {
		t.Fatal(err)
	}
	r := b.index(t, e.start(t))
	if r.status != http.StatusOK || !strings.Contains(r.body, `name="phone_number"`) {
		t.Fatalf("deleted user's browser: %d\n%s", r.status, r.body)
	}
	if c := setCookie(r, rememberCookie); c == nil || c.MaxAge >= 0 {
		t.Errorf("the stale vl_remember cookie is not deleted: %+v", c)
	}
}

func TestRememberedBrowserExpires(t *testing.T) {
	e := newEnv(t)
	b := e.browser(t)
	first := loginUntilApproved(t, e, b, true)
	checkCode(t, e, b.index(t, first).location(t), "openid")
	e.clock.Add(flow.BrowserSessionTTL)
	id := e.start(t)
	if r := b.index(t, id); !strings.Contains(r.body, `name="phone_number"`) {
		t.Errorf("an expired remembered browser skipped the phone page: %d", r.status)
	}
}

func TestNotRemembered(t *testing.T) {
	e := newEnv(t)
	b := e.browser(t)
	first := loginUntilApproved(t, e, b, false)
	checkCode(t, e, b.index(t, first).location(t), "openid")
	if sessions, _ := e.st.ListBrowserSessions(t.Context(), testUser); len(sessions) != 0 || cookieValue(t, b, rememberCookie) != "" {
		t.Errorf("remembered without being asked: %v", sessions)
	}
	if r := b.index(t, e.start(t)); !strings.Contains(r.body, `name="phone_number"`) {
		t.Error("the next login skips the phone page")
	}
}

// TestRememberedBrowserLegacyCookie: over https the remember cookie is
// __Host-vl_remember, and a browser that still holds it under the bare
// name that servers before cookie prefixes set stays remembered; setting or
// deleting the cookie deletes the legacy one.
func TestRememberedBrowserLegacyCookie(t *testing.T) {
	e := newTLSEnv(t)
	b := e.browser(t)
	pages, _ := url.Parse(e.srv.URL + "/vipps-login-idp/")
	legacy := func(value string) {
		b.c.Jar.SetCookies(pages, []*http.Cookie{{Name: "vl_remember", Value: value, Path: "/vipps-login-idp/", Secure: true, HttpOnly: true}})
	}

	legacy("from-before-the-upgrade")
	first := loginUntilApproved(t, e, b, true)
	checkCode(t, e, b.index(t, first).location(t), "openid")
	token := cookieValue(t, b, "__Host-vl_remember")
	if token == "" || cookieValue(t, b, "vl_remember") != "" {
		t.Fatalf("after remembering: __Host-vl_remember %q, vl_remember %q; want the prefixed cookie only",
			token, cookieValue(t, b, "vl_remember"))
	}

	// The browser as an older server left it: the token under the bare name.
	b.c.Jar.SetCookies(pages, []*http.Cookie{{Name: "__Host-vl_remember", Path: "/", Secure: true, MaxAge: -1}})
	legacy(token)
	second := e.start(t)
	checkCode(t, e, b.index(t, second).location(t), "openid")

	// Forgotten in the app: the stale legacy cookie is deleted.
	sessions, _ := e.st.ListBrowserSessions(t.Context(), testUser)
	if len(sessions) != 1 {
		t.Fatalf("%d browser sessions", len(sessions))
	}
	if err := e.st.DeleteBrowserSession(t.Context(), testUser, sessions[0].ID); err != nil {
		t.Fatal(err)
	}
	if r := b.index(t, e.start(t)); !strings.Contains(r.body, `name="phone_number"`) {
		t.Fatalf("forgotten browser: %d\n%s", r.status, r.body)
	}
	if v := cookieValue(t, b, "vl_remember"); v != "" {
		t.Errorf("the stale legacy cookie is kept: %q", v)
	}
}

// setCookie returns the cookie the response sets by name, or nil.
func setCookie(r response, name string) *http.Cookie {
	for _, c := range (&http.Response{Header: r.header}).Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

package login

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/vippslogin/vippslogin/internal/store"
)

// loginUntilApproved walks a desktop login with scopes up to the app's
// approval and returns its id.
func loginUntilApproved(t *testing.T, e *env, b *browser, remember bool, scopes ...string) string {
	t.Helper()
	id := e.start(t, scopes...)
	b.index(t, id)
	b.enterPhone(t, id, testUser, remember)
	e.approve(t, id)
	return id
}

func TestConsent(t *testing.T) {
	e := newEnv(t)
	b := e.browser(t)
	scopes := []string{"openid", "name", "email", "phoneNumber", "birthDate", "address", "nin", "accountNumbers", "api_version_2"}
	id := loginUntilApproved(t, e, b, false, scopes...)

	r := b.index(t, id)
	if r.status != http.StatusOK {
		t.Fatalf("consent page: %d\n%s", r.status, r.body)
	}
	for _, want := range []string{"Demo Shop", "Name", "Email address", "Phone number", "Date of birth", "Address",
		"National identity number", "Bank account numbers", `name="action" value="accept"`, `name="action" value="reject"`,
		`action="consent"`, `name="tabId" value="` + id + `"`} {
		if !strings.Contains(r.body, want) {
			t.Errorf("consent page lacks %s", want)
		}
	}
	if strings.Contains(r.body, "openid") || strings.Contains(r.body, "api_version_2") {
		t.Error("consent page lists a scope that needs no consent")
	}
	if _, err := e.st.GetConsent(t.Context(), testUser, testClient); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("consent stored before the user answered: %v", err)
	}

	checkCode(t, e, b.post(t, "/vipps-login-idp/consent", url.Values{"tabId": {id}, "action": {"accept"}}).location(t), strings.Join(scopes, " "))
	c, err := e.st.GetConsent(t.Context(), testUser, testClient)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"name", "email", "phoneNumber", "birthDate", "address", "nin", "accountNumbers"}
	if slices.Sort(c.Scopes); !slices.Equal(c.Scopes, slices.Sorted(slices.Values(want))) {
		t.Errorf("consented scopes %v, want %v", c.Scopes, want)
	}

	// The second login asking for the same or less skips the page.
	id = loginUntilApproved(t, e, b, false, "openid", "email", "name")
	checkCode(t, e, b.index(t, id).location(t), "openid email name")
}

func TestConsentNorwegian(t *testing.T) {
	e := newEnv(t)
	b := e.browser(t)
	b.header.Set("Accept-Language", "nb")
	id := loginUntilApproved(t, e, b, false, "openid", "name", "nin", "accountNumbers")
	r := b.index(t, id)
	for _, want := range []string{"Navn", "Fødselsnummer", "Kontonummer", "Godta", "Avslå", `<html lang="nb">`} {
		if !strings.Contains(r.body, want) {
			t.Errorf("consent page lacks %s", want)
		}
	}
}

func TestConsentGrows(t *testing.T) {
	e := newEnv(t)
	b := e.browser(t)
	id := loginUntilApproved(t, e, b, false, "openid", "name")
	b.post(t, "/vipps-login-idp/consent", url.Values{"tabId": {id}, "action": {"accept"}}).location(t)

	// Asking for more shows the page again; accepting keeps the old scopes.
	id = loginUntilApproved(t, e, b, false, "openid", "email")
	if r := b.index(t, id); r.status != http.StatusOK || !strings.Contains(r.body, "Email address") || strings.Contains(r.body, "<li>Name") {
		t.Fatalf("consent page for the new scope: %d\n%s", r.status, r.body)
	}
	b.post(t, "/vipps-login-idp/consent", url.Values{"tabId": {id}, "action": {"accept"}}).location(t)
	c, _ := e.st.GetConsent(t.Context(), testUser, testClient)
	if slices.Sort(c.Scopes); !slices.Equal(c.Scopes, []string{"email", "name"}) {
		t.Errorf("consent %v, want the union", c.Scopes)
	}
}

func TestConsentRejected(t *testing.T) {
	e := newEnv(t)
	b := e.browser(t)
	id := loginUntilApproved(t, e, b, false, "openid", "name")
	b.index(t, id)
	checkError(t, e, b.post(t, "/vipps-login-idp/consent", url.Values{"tabId": {id}, "action": {"reject"}}).location(t), "access_denied", rejectDescription)
	if _, err := e.st.GetConsent(t.Context(), testUser, testClient); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a declined consent was stored: %v", err)
	}
}

func TestConsentBadPosts(t *testing.T) {
	e := newEnv(t)
	b := e.browser(t)
	id := loginUntilApproved(t, e, b, false, "openid", "name")
	if r := b.post(t, "/vipps-login-idp/consent", url.Values{"tabId": {id}, "action": {"maybe"}}); r.status != http.StatusBadRequest {
		t.Errorf("unknown action: %d", r.status)
	}
	// Consent before the app approved is not taken.
	other := e.start(t, "openid", "name")
	b.index(t, other)
	r := b.post(t, "/vipps-login-idp/consent", url.Values{"tabId": {other}, "action": {"accept"}})
	if r.location(t).String() != "index.html?tabId="+url.QueryEscape(other) {
		t.Errorf("consent on a created login: %d %q", r.status, r.header.Get("Location"))
	}
	if _, err := e.st.GetConsent(t.Context(), testUser, testClient); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("consent stored from a login not approved: %v", err)
	}
	big := url.Values{"tabId": {id}, "action": {"accept"}, "pad": {strings.Repeat("x", 70<<10)}}
	if r := b.post(t, "/vipps-login-idp/consent", big); r.status != http.StatusBadRequest {
		t.Errorf("an oversized form: %d", r.status)
	}
}

func TestNoConsentForOpenID(t *testing.T) {
	e := newEnv(t)
	b := e.browser(t)
	id := loginUntilApproved(t, e, b, false, "openid", "api_version_2")
	checkCode(t, e, b.index(t, id).location(t), "openid api_version_2")
}

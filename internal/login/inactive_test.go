package login

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/vippslogin/vippslogin/internal/store"
)

// deactivate makes the user's account not active.
func (e *env) deactivate(t *testing.T, phone string) {
	t.Helper()
	if _, err := e.st.UpdateUser(t.Context(), phone, func(u store.User) (store.User, error) { u.Inactive = true; return u, nil }); err != nil {
		t.Fatal(err)
	}
}

// An account that is not active cannot log in (Vipps counts "the user's
// account is not active" with "No account exists" under one error_code,
// invalid_user): the phone page answers its number as it answers a number
// with no account, and starts no login for the app.
func TestPhoneOfInactiveUser(t *testing.T) {
	e := newEnv(t)
	e.deactivate(t, "4798765432")
	b := e.browser(t)
	id := e.start(t)
	b.index(t, id)
	r := b.post(t, "/vipps-login-idp/phone", url.Values{"tabId": {id}, "phone_number": {"98765432"}})
	if r.status != http.StatusBadRequest || !strings.Contains(r.body, "No Vipps user with this number.") {
		t.Fatalf("status %d, want 400 as for an unknown number:\n%s", r.status, r.body)
	}
	if lr := e.get(t, id); lr.Status != store.LoginCreated || lr.PhoneNumber != "" {
		t.Errorf("stored status %q phone %q; want the login not started", lr.Status, lr.PhoneNumber)
	}
}

// A browser that remembers a user whose account is then made inactive no
// longer logs them in: deactivating ends the user's browser sessions, so
// the browser gets the phone page, which refuses the number.
func TestRememberedBrowserOfInactiveUser(t *testing.T) {
	e := newEnv(t)
	b := e.browser(t)
	first := loginUntilApproved(t, e, b, true)
	checkCode(t, e, b.index(t, first).location(t), "openid")
	e.deactivate(t, testUser)
	id := e.start(t)
	if r := b.index(t, id); r.status != http.StatusOK || !strings.Contains(r.body, `name="phone_number"`) {
		t.Fatalf("an inactive user's remembered browser: %d\n%s", r.status, r.body)
	}
	if r := b.post(t, "/vipps-login-idp/phone", url.Values{"tabId": {id}, "phone_number": {testUser}}); r.status != http.StatusBadRequest {
		t.Errorf("phone page for the inactive user: %d, want 400", r.status)
	}
}

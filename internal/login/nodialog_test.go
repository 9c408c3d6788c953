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

// rememberMe logs the user in on b with "remember me" and consent to
// scopes, so that b is a remembered browser, and returns its session.
func rememberMe(t *testing.T, e *env, b *browser, scopes ...string) store.BrowserSession {
	t.Helper()
	id := loginUntilApproved(t, e, b, true, scopes...)
	r := b.index(t, id)
	if r.status == http.StatusOK {
		r = b.post(t, "/vipps-login-idp/consent", url.Values{"tabId": {id}, "action": {"accept"}})
	}
	r.location(t)
	sessions, err := e.st.ListBrowserSessions(t.Context(), testUser)
	if err != nil || len(sessions) == 0 {
		t.Fatalf("browser sessions %v, %v", sessions, err)
	}
	return sessions[len(sessions)-1]
}

// startWith creates a login as authorize would with the special
// parameters change sets.
func (e *env) startWith(t *testing.T, change func(*store.LoginRequest), scopes ...string) string {
	t.Helper()
	id := e.start(t, scopes...)
	e.update(t, id, change)
	return id
}

func noDialog(r *store.LoginRequest) { r.RequestedFlow = flow.NoDialog }

func TestNoDialog(t *testing.T) {
	const (
		iPhone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) Mobile/15E148"
	)
	for _, tc := range []struct {
		name       string
		remembered []string // the scopes the remembered browser consented to; nil: not remembered
		ask        []string
		change     func(*store.LoginRequest)
		ua         string
		code       string // "" for a code
		desc       string
	}{
		{"remembered with consent", []string{"openid", "name"}, []string{"openid", "name"}, noDialog, "", "", ""},
		{"remembered, nothing to consent to", []string{"openid"}, []string{"openid", "api_version_2"}, noDialog, "", "", ""},
		{"remembered on a phone", []string{"openid", "name"}, []string{"openid", "name"}, noDialog, iPhone, "", ""},
		{"remembered without consent", []string{"openid", "name"}, []string{"openid", "email"}, noDialog, "", "interaction_required", interactionRequiredDescription},
		{"not remembered", nil, []string{"openid"}, noDialog, "", "login_required", loginRequiredDescription},
		{"not remembered on a phone", nil, []string{"openid"}, noDialog, iPhone, "login_required", loginRequiredDescription},
		{"prompt=login", []string{"openid"}, []string{"openid"}, func(r *store.LoginRequest) {
			r.RequestedFlow, r.ForceLogin = flow.NoDialog, true
		}, "", "login_required", loginRequiredDescription},
		{"max_age exceeded", []string{"openid"}, []string{"openid"}, func(r *store.LoginRequest) {
			r.RequestedFlow, r.MaxAuthAge = flow.NoDialog, time.Minute
		}, "", "login_required", loginRequiredDescription},
		{"max_age met", []string{"openid"}, []string{"openid"}, func(r *store.LoginRequest) {
			r.RequestedFlow, r.MaxAuthAge = flow.NoDialog, 2*time.Hour
		}, "", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			b := e.browser(t)
			if tc.remembered != nil {
				rememberMe(t, e, b, tc.remembered...)
			}
			e.clock.Add(time.Hour)
			if tc.ua != "" {
				b.ua = tc.ua
			}
			id := e.startWith(t, tc.change, tc.ask...)
			loc := b.index(t, id).location(t) // no page: straight back
			if tc.code == "" {
				checkCode(t, e, loc, strings.Join(tc.ask, " "))
			} else {
				checkError(t, e, loc, tc.code, tc.desc)
			}
			lr := e.get(t, id)
			if lr.Status != store.LoginDone || lr.Challenge != "" || lr.Mobile {
				t.Errorf("login %q, challenge %q, mobile %v", lr.Status, lr.Challenge, lr.Mobile)
			}
			if r := b.index(t, id); r.status != http.StatusGone {
				t.Errorf("a second view: %d", r.status)
			}
		})
	}
}

// TestNoDialogIgnoresForms checks that a no_dialog login never takes a
// phone number or a consent, even from forms posted without a page.
func TestNoDialogIgnoresForms(t *testing.T) {
	e := newEnv(t)
	b := e.browser(t)
	rememberMe(t, e, b, "openid")
	id := e.startWith(t, noDialog, "openid", "email")
	r := b.post(t, "/vipps-login-idp/phone", url.Values{"tabId": {id}, "phone_number": {testUser}})
	if r.location(t).String() != "index.html?tabId="+url.QueryEscape(id) || e.get(t, id).Status != store.LoginCreated {
		t.Fatalf("a phone number posted for a no_dialog login moved it to %q", e.get(t, id).Status)
	}
	// Approved by the remembered browser, but the consent is missing: a
	// consent posted anyway is not saved.
	e.update(t, id, func(r *store.LoginRequest) {
		r.Status, r.PhoneNumber, r.SessionID, r.AuthTime = store.LoginApproved, testUser, "sid", e.clock.Now()
	})
	b.post(t, "/vipps-login-idp/consent", url.Values{"tabId": {id}, "action": {"accept"}}).location(t)
	if c, _ := e.st.GetConsent(t.Context(), testUser, testClient); strings.Contains(strings.Join(c.Scopes, " "), "email") {
		t.Errorf("a no_dialog login saved consent %v", c.Scopes)
	}
	checkError(t, e, b.index(t, id).location(t), "interaction_required", interactionRequiredDescription)
}

// TestFreshLogin checks prompt=login and max_age: the remembered browser is
// not used, the user confirms in the app again, and with "remember me" the
// browser's session is replaced by one with the new auth_time.
func TestFreshLogin(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(*store.LoginRequest)
		fresh  bool // the remembered browser may be used
	}{
		{"prompt=login", func(r *store.LoginRequest) { r.ForceLogin = true }, false},
		{"max_age exceeded", func(r *store.LoginRequest) { r.MaxAuthAge = time.Hour }, false},
		{"max_age met", func(r *store.LoginRequest) { r.MaxAuthAge = 3 * time.Hour }, true},
		{"max_age exactly met", func(r *store.LoginRequest) { r.MaxAuthAge = 2 * time.Hour }, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			b := e.browser(t)
			old := rememberMe(t, e, b, "openid")
			e.clock.Add(2 * time.Hour)
			id := e.startWith(t, tc.change)
			r := b.index(t, id)
			if tc.fresh {
				checkCode(t, e, r.location(t), "openid")
				if lr := e.get(t, id); lr.SessionID != old.ID || !lr.AuthTime.Equal(old.CreatedAt) {
					t.Errorf("remembered login: sid %q auth_time %v, want %q %v", lr.SessionID, lr.AuthTime, old.ID, old.CreatedAt)
				}
				return
			}
			if r.status != http.StatusOK || !strings.Contains(r.body, `name="phone_number"`) {
				t.Fatalf("want the phone page; %d\n%s", r.status, r.body)
			}
			b.enterPhone(t, id, testUser, true)
			e.clock.Add(time.Minute)
			e.approve(t, id)
			checkCode(t, e, b.index(t, id).location(t), "openid")
			lr := e.get(t, id)
			if !lr.AuthTime.After(old.CreatedAt) || lr.SessionID == old.ID {
				t.Errorf("auth_time %v (before: %v), sid %q (before: %q)", lr.AuthTime, old.CreatedAt, lr.SessionID, old.ID)
			}
			sessions, err := e.st.ListBrowserSessions(t.Context(), testUser)
			if err != nil || len(sessions) != 1 || sessions[0].ID != lr.SessionID || !sessions[0].CreatedAt.Equal(lr.AuthTime) {
				t.Fatalf("browser sessions %+v (%v), want only the new one", sessions, err)
			}
			// The next login uses the new session and its auth_time.
			e.clock.Add(time.Minute)
			next := e.startWith(t, func(r *store.LoginRequest) { r.MaxAuthAge = time.Hour })
			checkCode(t, e, b.index(t, next).location(t), "openid")
			if got := e.get(t, next); got.SessionID != lr.SessionID || !got.AuthTime.Equal(lr.AuthTime) {
				t.Errorf("next login: sid %q auth_time %v", got.SessionID, got.AuthTime)
			}
		})
	}
}

// TestFreshLoginNotRemembered checks that confirming again without
// "remember me" leaves the remembered session as it was.
func TestFreshLoginNotRemembered(t *testing.T) {
	e := newEnv(t)
	b := e.browser(t)
	old := rememberMe(t, e, b, "openid")
	id := e.startWith(t, func(r *store.LoginRequest) { r.ForceLogin = true })
	b.index(t, id)
	b.enterPhone(t, id, testUser, false)
	e.approve(t, id)
	checkCode(t, e, b.index(t, id).location(t), "openid")
	if sessions, _ := e.st.ListBrowserSessions(t.Context(), testUser); len(sessions) != 1 || sessions[0].ID != old.ID {
		t.Errorf("browser sessions %+v, want the old one", sessions)
	}
	checkCode(t, e, b.index(t, e.start(t)).location(t), "openid")
}

func TestLoginHint(t *testing.T) {
	e := newEnv(t)
	for hint, want := range map[string]string{
		"4712345678":  `value="&#43;47 123 45 678"`,
		"46701234567": `value="&#43;46701234567"`,
		"":            `value=""`,
		"47abc":       `value=""`,
	} {
		b := e.browser(t)
		id := e.startWith(t, func(r *store.LoginRequest) { r.LoginHint = hint })
		r := b.index(t, id)
		if !strings.Contains(r.body, want) {
			t.Errorf("login_hint %q: phone page lacks %s", hint, want)
		}
		if hint == "4712345678" {
			// Still editable: the user sends another number.
			b.enterPhone(t, id, "98765432", false)
			if lr := e.get(t, id); lr.PhoneNumber != "4798765432" {
				t.Errorf("the typed number %q did not win over the hint", lr.PhoneNumber)
			}
		}
	}
}

func TestFormatHint(t *testing.T) {
	for hint, want := range map[string]string{
		"4712345678": "+47 123 45 678", "4512345678": "+45 12 34 56 78", "358401234567": "+358401234567",
		"": "", "+4712345678": "", "47 12": "", "1234567890123456": "",
	} {
		got := formatHint(hint)
		if got != want {
			t.Errorf("formatHint(%q) = %q, want %q", hint, got, want)
		}
		if n, ok := store.NormalizePhoneNumber(got, ""); got != "" && (!ok || n != hint) {
			t.Errorf("formatHint(%q) = %q does not read back: %q %v", hint, got, n, ok)
		}
	}
}

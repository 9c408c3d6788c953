package oidc

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/vippslogin/vippslogin/internal/secret"
	"github.com/vippslogin/vippslogin/internal/store"
)

// inactivePhone is a user whose account is not active.
const inactivePhone = "4712345682"

// Vipps lists old_app and invalid_user among the token endpoint's errors,
// not the backchannel's (vipps-login-api, "Token request", "Error
// responses": "error_code=old_app: The user's Vipps app is outdated and
// does not support this login flow." and "error_code=invalid_user: No
// account exists, the user's account is not active or the user is in some
// way not eligible to use this login flow currently e.g. U15 users."). So
// the backchannel accepts a well-formed request for any number, answering
// as it answers for a user who may log in, and tells nobody who has an
// account; the poll, at once, answers access_denied with the error_code.
// The app is never asked.
func TestCIBAIneligibleUserAnsweredAtThePoll(t *testing.T) {
	e := newCIBAEnv(t)
	inactive := store.User{PhoneNumber: inactivePhone, GivenName: "Sovende", PINHash: secret.Hash(pin), Inactive: true}
	e.user(inactive)
	tests := []struct {
		name, hint, phone string
		errorCode         string
		description       string // in error_description
	}{
		{"no account", "urn:msisdn:4799999999", "4799999999", ErrorCodeInvalidUser, "no active Vipps account"},
		{"no account, older hint", "urn:mobilenumber:99999999", "4799999999", ErrorCodeInvalidUser, "no active Vipps account"},
		{"account not active", "urn:msisdn:" + inactivePhone, inactivePhone, ErrorCodeInvalidUser, "no active Vipps account"},
		{"under 15", "urn:msisdn:" + youngPhone, youngPhone, ErrorCodeInvalidUser, "under 15"},
		{"outdated app", "urn:msisdn:" + oldAppPhone, oldAppPhone, ErrorCodeOldApp, "too old"},
		// The redirect variant's browser is never sent a code; its poll
		// says why.
		{"login_to_webpage, no account", "urn:msisdn:4799999997", "4799999997", ErrorCodeInvalidUser, "no active Vipps account"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := e.start(cibaClient, cibaForm(func(v url.Values) {
				v.Set("login_hint", tt.hint)
				if strings.HasPrefix(tt.name, "login_to_webpage") {
					v.Set("requested_flow", LoginToWebpage)
					v.Set("redirect_uri", shopCallback)
				}
			}))
			id, _ := body["auth_req_id"].(string)
			if resp.StatusCode != 200 || id == "" || body["expires_in"] != float64(600) || body["interval"] != float64(5) || len(body) != 3 {
				t.Fatalf("start: %d %v; want 200 as for any user", resp.StatusCode, body)
			}
			if rs, _ := e.st.ListWaitingLoginRequests(e.ctx, tt.phone, e.clock.Now()); len(rs) != 0 {
				t.Errorf("the app of %s is asked: %+v", tt.phone, rs)
			}
			// The first poll may come at once, and every poll after says
			// the same.
			for range 2 {
				resp, body = e.poll(cibaClient, id)
				wantError(t, resp, body, 400, ErrAccessDenied)
				if body["error_code"] != tt.errorCode || !strings.Contains(body["error_description"].(string), tt.description) {
					t.Errorf("poll: %v; want error_code %s and a description with %q", body, tt.errorCode, tt.description)
				}
				e.clock.Add(5 * time.Second)
			}
			// Another client cannot read it.
			resp, body = e.poll(cibaPostClient, id)
			wantError(t, resp, body, 400, ErrInvalidGrant)
		})
	}
}

// A client registered for ping is pinged about a login that cannot be
// (CIBA Core §10.2: the ping follows the end of the authentication,
// "successful or failed"), as about one the user answered: without it, it
// would wait for a ping that never comes.
func TestCIBAIneligibleUserPinged(t *testing.T) {
	e := newCIBAEnv(t)
	now := e.clock.Now()
	const pingClient = "client-ciba-ping"
	if err := e.st.CreateClient(e.ctx, store.Client{
		ID: pingClient, SecretHash: secret.Hash(basicSecret), Name: "Ping shop", TokenEndpointAuthMethod: store.AuthSecretBasic,
		Flows: []string{store.FlowCIBA}, Scopes: store.Scopes, CIBAPingURL: "https://shop.example/ping", CreatedAt: now, UpdatedAt: now,
	}); err != nil {
		t.Fatal(err)
	}
	resp, body := e.start(pingClient, cibaForm(func(v url.Values) {
		v.Set("login_hint", "urn:msisdn:4799999999")
		v.Set("client_notification_token", "token-123")
	}))
	id, _ := body["auth_req_id"].(string)
	if resp.StatusCode != 200 || id == "" {
		t.Fatalf("start: %d %v", resp.StatusCode, body)
	}
	hooks, err := e.st.ListWebhooks(e.ctx, pingClient, 10)
	if err != nil || len(hooks) != 1 {
		t.Fatalf("webhooks %+v, %v; want one ping", hooks, err)
	}
	if h := hooks[0]; h.Event != store.EventCIBAPing || h.URL != "https://shop.example/ping" || h.Authorization != "Bearer token-123" ||
		string(h.Body) != `{"auth_req_id":"`+id+`"}` {
		t.Errorf("ping %+v", h)
	}
	if r := e.request(id); r.NotificationToken != "" {
		t.Error("the notification token is kept after its ping was enqueued")
	}
	resp, body = e.poll(pingClient, id)
	if resp.StatusCode != 400 || body["error_code"] != ErrorCodeInvalidUser {
		t.Errorf("poll after the ping: %d %v", resp.StatusCode, body)
	}

	// A poll client is not pinged.
	e.mustStart(cibaClient, cibaForm(func(v url.Values) { v.Set("login_hint", "urn:msisdn:4799999998") }))
	if hooks, _ := e.st.ListWebhooks(e.ctx, cibaClient, 10); len(hooks) != 0 {
		t.Errorf("a poll client got webhooks %+v", hooks)
	}
}

// user-exists answers whether the number has a Vipps account, and an
// account that is not active is still one: login from phone number then
// says invalid_user, as it does for a user under 15, who exists too.
func TestUserExistsInactive(t *testing.T) {
	e := newCIBAEnv(t)
	e.user(store.User{PhoneNumber: inactivePhone, PINHash: secret.Hash(pin), Inactive: true})
	for _, number := range []string{inactivePhone, youngPhone, oldAppPhone} {
		if resp, body := e.userExists(cibaClient, `{"phoneNumber": "`+number+`"}`); resp.StatusCode != 200 || body["exists"] != true {
			t.Errorf("%s: %d %v, want exists", number, resp.StatusCode, body)
		}
	}
}

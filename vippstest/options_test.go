package vippstest_test

import (
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/vippslogin/vippslogin/vippstest"
)

// A client made of every registration option: its chosen id, secret and
// redirect URI, client_secret_post, the browser flow alone and a few
// scopes are what the server holds, and a login with x/oauth2 sending the
// secret in the body works.
func TestClientOptions(t *testing.T) {
	srv := vippstest.New(t)
	m := newMerchant(t, srv, vippstest.ClientID("my-shop"), vippstest.ClientSecret("my-shop-secret"),
		vippstest.RedirectURIs("http://localhost:9000/auth/callback"), vippstest.AuthMethod("client_secret_post"),
		vippstest.Flows("browser"), vippstest.Scopes("openid", "name", "phoneNumber"))
	if c := m.client; c.ID != "my-shop" || c.Secret != "my-shop-secret" || c.RedirectURI != "http://localhost:9000/auth/callback" ||
		c.AuthMethod != "client_secret_post" || strings.Join(c.Flows, " ") != "browser" || strings.Join(c.Scopes, " ") != "openid name phoneNumber" {
		t.Errorf("client %+v", c)
	}
	m.config.Endpoint.AuthStyle = oauth2.AuthStyleInParams
	ada := srv.User(vippstest.Name("Ada", "Lovelace"))
	ada.Approve()
	if _, id := m.redeem(m.login()); id.Subject == "" {
		t.Error("the ID token has no subject")
	}

	// A scope the client was not given is refused at authorize.
	u, err := srv.Login(t.Context(), m.config.AuthCodeURL("state-12345678", oauth2.SetAuthURLParam("scope", oidc.ScopeOpenID+" email")))
	if err != nil || u.Query().Get("error") != "invalid_scope" {
		t.Errorf("a scope the client lacks: %v, %v; want invalid_scope at the redirect URI", u, err)
	}
}

// CIBAInterval is whole seconds, rounded up: a test that asks for half a
// second polls every second, never at 0.
func TestCIBAIntervalRoundsUp(t *testing.T) {
	srv := vippstest.New(t)
	m := newMerchant(t, srv, vippstest.CIBAInterval(500*time.Millisecond))
	ada := srv.User()
	var out struct {
		AuthReqID string `json:"auth_req_id"`
		Interval  int    `json:"interval"`
	}
	if st := m.post("/vipps-login-ciba/api/backchannel/authentication", map[string][]string{
		"scope": {"openid"}, "login_hint": {"urn:msisdn:" + ada.PhoneNumber}}, &out); st != 200 || out.Interval != 1 {
		t.Errorf("backchannel: %d, interval %d; want 200 and 1", st, out.Interval)
	}
}

// An unknown market fails the test at New, naming the markets there are,
// rather than giving the users Norwegian numbers.
func TestUnknownMarketFails(t *testing.T) {
	var failure any
	func() {
		defer func() { failure = recover() }() // the example TB's Fatalf panics
		runTest(func(tb testing.TB) { vippstest.New(tb, vippstest.WithMarket("GB")) })
	}()
	if msg, _ := failure.(string); !strings.Contains(msg, `WithMarket("GB")`) || !strings.Contains(msg, "NO, DK, FI, SE") {
		t.Errorf("New with market GB: %v; want a failure naming the markets", failure)
	}
}

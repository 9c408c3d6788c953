package vippstest_test

import (
	"net/url"
	"os/exec"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/vippslogin/vippslogin/vippstest"
)

// A merchant's build that imports vippstest gets neither the browser
// automation nor the repository's test helpers.
func TestLightDependencies(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	// The browser driver and the project's test helpers are for its own
	// tests; the OTLP exporter (with the OpenTelemetry SDK and part of
	// gRPC) is for the binary, which sets it up in internal/tracing/otlp.
	heavy := []string{"chromedp", "internal/testenv", "google.golang.org/grpc", "otlptrace", "go.opentelemetry.io/otel/sdk", "internal/tracing/otlp"}
	for _, dep := range strings.Fields(string(out)) {
		for _, h := range heavy {
			if strings.Contains(dep, h) {
				t.Errorf("vippstest depends on %s", dep)
			}
		}
	}
}

// An approved login ends at the redirect URI with a code that redeems for
// an ID token of the user and their userinfo.
func TestLoginApprove(t *testing.T) {
	srv := vippstest.New(t)
	m := newMerchant(t, srv)
	ada := srv.User(vippstest.Name("Ada", "Lovelace"))
	ada.Approve()
	callback := m.login()
	if callback.Query().Get("iss") != srv.Issuer() {
		t.Errorf("callback %s lacks iss", callback)
	}
	tok, _ := m.redeem(callback)
	info, err := m.provider.UserInfo(t.Context(), m.config.TokenSource(t.Context(), tok))
	if err != nil {
		t.Fatal(err)
	}
	var claims struct {
		Name  string `json:"name"`
		Phone string `json:"phone_number"`
	}
	info.Claims(&claims)
	if claims.Name != "Ada Lovelace" || claims.Phone != ada.PhoneNumber {
		t.Errorf("userinfo = %+v, want Ada's name and number %s", claims, ada.PhoneNumber)
	}
}

// Each scripted answer ends the browser login with the error Vipps sends
// for it.
func TestLoginAnswers(t *testing.T) {
	srv := vippstest.New(t)
	m := newMerchant(t, srv)
	for _, tc := range []struct {
		name   string
		script func(*vippstest.User)
		want   string
	}{
		{"reject", (*vippstest.User).Reject, "access_denied"},
		{"reject unknown", func(u *vippstest.User) { u.RejectWithReason("unknown") }, "unknown_reject_reason"},
		{"wrong challenge", (*vippstest.User).PickWrongChallenge, "wrong_challenge"},
		{"consent refused", func(u *vippstest.User) { u.Consent(false); u.Approve() }, "access_denied"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u := srv.User()
			tc.script(u)
			callback := m.login()
			if got := callback.Query().Get("error"); got != tc.want || callback.Query().Get("code") != "" {
				t.Errorf("callback %s, want error=%s", callback, tc.want)
			}
		})
	}
}

// An ignored login times out: Login moves the clock past its expiry.
func TestLoginIgnore(t *testing.T) {
	srv := vippstest.New(t, vippstest.WithClock(time.Now()))
	m := newMerchant(t, srv)
	u := srv.User()
	u.Ignore()
	before := srv.Now()
	callback := m.login()
	if q := callback.Query(); q.Get("error") != "access_denied" || !strings.Contains(q.Get("error_description"), "in time") {
		t.Errorf("callback %s, want a timed-out access_denied", callback)
	}
	if moved := srv.Now().Sub(before); moved < 4*time.Minute || moved > 6*time.Minute {
		t.Errorf("the clock moved %v, want just past the 5-minute login", moved)
	}
}

// A user whose app is too old ends the login with outdated_app_version.
func TestLoginOutdatedApp(t *testing.T) {
	srv := vippstest.New(t)
	m := newMerchant(t, srv)
	u := srv.User(vippstest.AppVersion("1.9.0"))
	u.Approve()
	if got := m.login().Query().Get("error"); got != "outdated_app_version" {
		t.Errorf("error = %q, want outdated_app_version", got)
	}
}

// Login logs in as the user with the oldest answer, or as login_hint's.
func TestLoginWhichUser(t *testing.T) {
	srv := vippstest.New(t)
	m := newMerchant(t, srv)
	if _, err := srv.Login(t.Context(), m.config.AuthCodeURL("state-12345678")); err == nil || !strings.Contains(err.Error(), "user.Approve()") {
		t.Errorf("Login with no scripted answer: %v, want an error saying to script one", err)
	}
	first, second := srv.User(), srv.User()
	second.Approve()
	first.Approve()
	if got := m.phone(m.login()); got != second.PhoneNumber {
		t.Errorf("the first login was %s's, want %s's, whose answer came first", got, second.PhoneNumber)
	}
	// first's answer is still queued; the hint picks second, who has none.
	second.Reject()
	if got := m.login(oauth2.SetAuthURLParam("login_hint", "urn:msisdn:"+second.PhoneNumber)).Query().Get("error"); got != "access_denied" {
		t.Errorf("login_hint's user did not answer: error = %q", got)
	}
	if got := m.phone(m.login()); got != first.PhoneNumber {
		t.Errorf("the last login was %s's, want %s's", got, first.PhoneNumber)
	}
}

// phone redeems the callback and returns the user's phone number, from
// userinfo.
func (m *merchant) phone(callback *url.URL) string {
	m.t.Helper()
	tok, _ := m.redeem(callback)
	info, err := m.provider.UserInfo(m.t.Context(), m.config.TokenSource(m.t.Context(), tok))
	if err != nil {
		m.t.Fatal(err)
	}
	var claims struct {
		Phone string `json:"phone_number"`
	}
	info.Claims(&claims)
	return claims.Phone
}

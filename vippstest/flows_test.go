package vippstest_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vippslogin/vippslogin/vippstest"
)

// A CIBA request takes the user's scripted answer before the client gets
// its auth_req_id; with none scripted it waits for the next one.
func TestCIBA(t *testing.T) {
	srv := vippstest.New(t, vippstest.WithClock(time.Now()))
	m := newMerchant(t, srv, vippstest.CIBAInterval(time.Second))
	u := srv.User()

	u.Approve()
	if e, idToken := m.poll(grantCIBA, m.startCIBA(u.PhoneNumber)); e.Error != "" || idToken == "" {
		t.Errorf("first poll after a scripted approval: %+v, want tokens", e)
	}

	u.Reject()
	if e, _ := m.poll(grantCIBA, m.startCIBA(u.PhoneNumber)); e.Error != "access_denied" {
		t.Errorf("after a scripted rejection: %+v, want access_denied", e)
	}

	id := m.startCIBA(u.PhoneNumber)
	if e, _ := m.poll(grantCIBA, id); e.Error != "authorization_pending" {
		t.Errorf("with no answer scripted: %+v, want authorization_pending", e)
	}
	u.Approve() // answers the waiting request at once
	srv.Advance(time.Second)
	if e, idToken := m.poll(grantCIBA, id); e.Error != "" || idToken == "" {
		t.Errorf("after an approval on demand: %+v, want tokens", e)
	}

	u.Ignore()
	id = m.startCIBA(u.PhoneNumber)
	if e, _ := m.poll(grantCIBA, id); e.Error != "authorization_pending" {
		t.Errorf("ignored: %+v, want authorization_pending", e)
	}
	srv.Advance(10 * time.Minute)
	if e, _ := m.poll(grantCIBA, id); e.Error != "expired_token" {
		t.Errorf("ignored, after the clock moved: %+v, want expired_token", e)
	}

	old := srv.User(vippstest.AppVersion("1.0.0"))
	old.Approve()
	if e, _ := m.poll(grantCIBA, m.startCIBA(old.PhoneNumber)); e.Error != "access_denied" || e.ErrorCode != "old_app" {
		t.Errorf("outdated app: %+v, want access_denied with error_code old_app", e)
	}
}

// A scanned QR code of the webhook kind reports the approved login to the
// client's webhook; one with a redirect URI sends the phone's browser
// there with a code.
func TestScanQR(t *testing.T) {
	srv := vippstest.New(t)
	posts := make(chan string, 1)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		posts <- string(b)
	}))
	t.Cleanup(hook.Close)
	m := newMerchant(t, srv, vippstest.QRWebhookURL(hook.URL))
	u := srv.User()

	u.Approve()
	if open, err := srv.ScanQR(u, srv.QRCode(m.client, "")); err != nil || open != nil {
		t.Fatalf("ScanQR = %v, %v", open, err)
	}
	select {
	case jws := <-posts:
		if strings.Count(jws, ".") != 2 {
			t.Errorf("the webhook got %q, want a compact JWS", jws)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the webhook got nothing")
	}

	qr := srv.QRCode(m.client, m.client.RedirectURI)
	if open, err := srv.ScanQR(u, qr); err != nil || open != nil {
		t.Fatalf("ScanQR with no answer = %v, %v; want it waiting", open, err)
	}
	u.Reject()
	u.Approve()
	open, err := srv.ScanQR(u, qr)
	if err != nil || open == nil || !strings.HasPrefix(open.String(), m.client.RedirectURI+"?") || open.Query().Get("code") == "" {
		t.Fatalf("ScanQR of a redirect code = %v, %v; want the redirect URI with a code", open, err)
	}
}

// Faults fail the next token or userinfo request once, as the server
// writes its errors; rotated keys sign the next token.
func TestFaults(t *testing.T) {
	srv := vippstest.New(t)
	m := newMerchant(t, srv)
	u := srv.User()

	u.Approve()
	callback := m.login()
	srv.FailNextToken("invalid_grant", "The code has expired.")
	if _, err := m.config.Exchange(t.Context(), callback.Query().Get("code")); err == nil ||
		!strings.Contains(err.Error(), "invalid_grant") || !strings.Contains(err.Error(), "The code has expired.") {
		t.Errorf("token after FailNextToken: %v, want invalid_grant", err)
	}
	tok, _ := m.redeem(callback) // the fault is used up: the code still works

	srv.FailNextUserinfo()
	if _, err := m.provider.UserInfo(t.Context(), m.config.TokenSource(t.Context(), tok)); err == nil || !strings.Contains(err.Error(), "500") {
		t.Errorf("userinfo after FailNextUserinfo: %v, want a 500", err)
	}
	if _, err := m.provider.UserInfo(t.Context(), m.config.TokenSource(t.Context(), tok)); err != nil {
		t.Errorf("userinfo after the fault: %v", err)
	}

	srv.RotateKeys()
	u.Approve()
	second, _ := m.redeem(m.login())
	if kid(t, tok) == kid(t, second) {
		t.Errorf("the token after RotateKeys was signed with the old key %s", kid(t, tok))
	}
}

// With a seed file the test knows the clients and users by their ids.
func TestSeed(t *testing.T) {
	path := filepath.Join(t.TempDir(), "seed.yaml")
	os.WriteFile(path, []byte(`clients:
  - client_id: shop
    client_secret: shop-secret-0123456789
    name: Seeded Shop
    redirect_uris: [http://localhost:3000/callback]
users:
  - phone_number: "4799999999"
    pin: "4321"
    given_name: Grace
    family_name: Hopper
`), 0o600)
	srv := vippstest.New(t, vippstest.WithSeed(path))
	grace := srv.SeededUser("4799999999", "4321")
	grace.Approve()
	u, err := srv.Login(t.Context(), srv.Issuer()+"oauth2/auth?"+url.Values{
		"client_id": {"shop"}, "response_type": {"code"}, "scope": {"openid name"},
		"redirect_uri": {"http://localhost:3000/callback"}, "state": {"state-12345678"}}.Encode())
	if err != nil || u.Query().Get("code") == "" {
		t.Errorf("Login as the seeded user: %v, %v", u, err)
	}
	if other := srv.User(vippstest.Phone("4799999998")); other.PhoneNumber != "4799999998" {
		t.Errorf("Phone option: %s", other.PhoneNumber)
	}
}

// Users get phone numbers of the market; a fixed clock moves only when
// told.
func TestMarketAndClock(t *testing.T) {
	start := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	srv := vippstest.New(t, vippstest.WithMarket("DK"), vippstest.WithClock(start))
	a, b := srv.User(), srv.User()
	if !strings.HasPrefix(a.PhoneNumber, "45") || len(a.PhoneNumber) != 10 || a.PhoneNumber == b.PhoneNumber {
		t.Errorf("DK users got %s and %s", a.PhoneNumber, b.PhoneNumber)
	}
	if !srv.Now().Equal(start) {
		t.Errorf("Now = %v, want %v", srv.Now(), start)
	}
	srv.Advance(time.Hour)
	if !srv.Now().Equal(start.Add(time.Hour)) {
		t.Errorf("after Advance: %v", srv.Now())
	}
	m := newMerchant(t, srv)
	a.Approve()
	_, id := m.redeem(m.login())
	if !id.IssuedAt.Equal(start.Add(time.Hour)) {
		t.Errorf("iat = %v, want the server's clock %v", id.IssuedAt, start.Add(time.Hour))
	}
}

// The user options reach the claims; an inactive user cannot log in.
func TestUserOptions(t *testing.T) {
	srv := vippstest.New(t)
	m := newMerchant(t, srv)
	m.config.Scopes = []string{"openid", "address", "birthDate", "email", "nin", "accountNumbers"}
	u := srv.User(vippstest.Birthdate("1906-12-09"), vippstest.Email("grace@example.com", false), vippstest.NIN("09120612345"),
		vippstest.Addresses(vippstest.Address{StreetAddress: "Navy Yard 1", PostalCode: "0150", Region: "Oslo", Country: "NO", Type: "home", Default: true}),
		vippstest.Accounts(vippstest.Account{Name: "Savings", Number: "12345678903", Bank: "Test Bank"}))
	u.Approve()
	tok, _ := m.redeem(m.login())
	info, err := m.provider.UserInfo(t.Context(), m.config.TokenSource(t.Context(), tok))
	if err != nil {
		t.Fatal(err)
	}
	var claims struct {
		Birthdate     string `json:"birthdate"`
		Email         string `json:"email"`
		EmailVerified bool   `json:"email_verified"`
		NIN           string `json:"nin"`
		Address       struct {
			StreetAddress string `json:"street_address"`
		} `json:"address"`
		Accounts []struct {
			AccountNumber string `json:"account_number"`
		} `json:"accounts"`
	}
	info.Claims(&claims)
	if claims.Birthdate != "1906-12-09" || claims.Email != "grace@example.com" || claims.EmailVerified || claims.NIN != "09120612345" ||
		claims.Address.StreetAddress != "Navy Yard 1" || len(claims.Accounts) != 1 || claims.Accounts[0].AccountNumber != "12345678903" {
		t.Errorf("userinfo = %+v", claims)
	}

	gone := srv.User(vippstest.Inactive())
	gone.Approve()
	if _, err := srv.Login(t.Context(), m.config.AuthCodeURL("state-12345678")); err == nil || !strings.Contains(err.Error(), "refused") {
		t.Errorf("Login as an inactive user: %v, want the phone page's refusal", err)
	}
}

package vippstest_test

import (
	"fmt"
	"net/url"
	"testing"

	"github.com/vippslogin/vippslogin/vippstest"
)

// testOutdatedApp is the merchant's test that its callback handles a
// user whose Vipps app is too old to confirm logins.
func testOutdatedApp(t testing.TB) {
	srv := vippstest.New(t)
	client := srv.Client()
	user := srv.User(vippstest.AppVersion("1.4.2"))
	user.Approve() // the app tries, and is refused

	authorize := srv.Issuer() + "oauth2/auth?" + url.Values{
		"client_id": {client.ID}, "response_type": {"code"}, "scope": {"openid"},
		"redirect_uri": {client.RedirectURI}, "state": {"state-12345678"},
	}.Encode()
	redirect, err := srv.Login(t.Context(), authorize)
	if err != nil {
		t.Fatal(err)
	}
	q := redirect.Query()
	fmt.Println(q.Get("error"))
	fmt.Println(q.Get("error_description"))
}

// A login by a user with an outdated app ends with Vipps' custom error
// outdated_app_version at the client's redirect URI.
func Example_outdatedApp() {
	runTest(testOutdatedApp)
	// Output:
	// outdated_app_version
	// The Vipps app is too old; update it.
}

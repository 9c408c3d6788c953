package debugger

import (
	"maps"
	"net/url"
	"strings"
	"testing"
)

// Params keeps the shown parameters as sent, the measured ones as their
// length and the present ones as "sent": no secret, code, verifier or
// phone number, and nothing it does not know.
func TestParams(t *testing.T) {
	verifier := strings.Repeat("v", 43)
	got := Params(url.Values{
		"client_id": {"shop"}, "redirect_uri": {"https://shop.example/cb"}, "scope": {"openid name"},
		"code_challenge_method": {"S256"}, "auth_method": {"client_secret_post"}, "grant_type": {"authorization_code"},
		"state": {"ståte-123"}, "nonce": {"n"}, "code_challenge": {"c"}, "code_verifier": {verifier},
		"client_secret": {"hunter2"}, "code": {"the-code"}, "auth_req_id": {"req"}, "login_hint": {"urn:msisdn:4712345678"},
		"pin": {"1236"}, "password": {"x"}, "access_token": {"tok"}, "id_token_hint": {"jwt"}, "unheard_of": {"y"},
		"client_notification_token": {""},
	})
	want := map[string]string{
		"client_id": "shop", "redirect_uri": "https://shop.example/cb", "scope": "openid name",
		"code_challenge_method": "S256", "auth_method": "client_secret_post", "grant_type": "authorization_code",
		"state_length": "9", "nonce_length": "1", "code_challenge_length": "1", "code_verifier_length": "43",
		"client_secret": Sent, "code": Sent, "auth_req_id": Sent, "login_hint": Sent,
	}
	if !maps.Equal(got, want) {
		t.Errorf("Params =\n%v\nwant\n%v", got, want)
	}
	for _, v := range got {
		for _, secret := range []string{"hunter2", "the-code", verifier, "4712345678", "1236", "tok", "jwt", "ståte"} {
			if strings.Contains(v, secret) {
				t.Errorf("Params kept %q", v)
			}
		}
	}
	long := Params(url.Values{"redirect_uri": {"https://shop.example/" + strings.Repeat("ø", 2000)}})["redirect_uri"]
	if len(long) > maxShown+len("…") || !strings.HasSuffix(long, "…") || !strings.HasPrefix(long, "https://shop.example/øø") {
		t.Errorf("a long redirect_uri is kept as %d bytes %q…", len(long), long[:30])
	}
}

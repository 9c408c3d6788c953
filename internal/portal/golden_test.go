package portal_test

import (
	"flag"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vippslogin/vippslogin/internal/admin"
	"github.com/vippslogin/vippslogin/internal/debugger"
	"github.com/vippslogin/vippslogin/internal/store"
	"github.com/vippslogin/vippslogin/internal/testenv"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// What differs from run to run is masked in the golden text: the server's
// port, generated ids and secrets.
var masks = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`public:[0-9a-f-]{36}`), "public:<uuid>"},
	{regexp.MustCompile(`/qr/[A-Za-z0-9]{8}\b`), "/qr/<qr_id>"},
	{regexp.MustCompile(`[A-Za-z0-9_-]{43}`), "<secret>"},
}

// TestGolden keeps the words of each portal page in testdata/*.txt (the
// visible text, not the markup). go test -update rewrites them.
func TestGolden(t *testing.T) {
	for _, tc := range []struct {
		name string
		walk func(t *testing.T, e *env) testenv.Page
	}{
		{"signin", func(t *testing.T, e *env) testenv.Page { return e.browser(t).get(t, "") }},
		{"signin_wrong", func(t *testing.T, e *env) testenv.Page {
			return e.browser(t).post(t, "signin", url.Values{"token": {"wrong"}})
		}},
		{"clients", func(t *testing.T, e *env) testenv.Page {
			e.shop(t)
			return e.signedIn(t).get(t, "clients/")
		}},
		{"clients_none", func(t *testing.T, e *env) testenv.Page { return e.signedIn(t).get(t, "clients/") }},
		{"client_new", func(t *testing.T, e *env) testenv.Page { return e.signedIn(t).get(t, "clients/new") }},
		{"client_created", func(t *testing.T, e *env) testenv.Page {
			return e.signedIn(t).post(t, "clients/", url.Values{"client_id": {"new"}, "name": {"New shop"},
				"flows": {"browser"}, "scopes": {"openid", "name"}, "token_endpoint_auth_method": {"client_secret_basic"}})
		}},
		{"client_problems", func(t *testing.T, e *env) testenv.Page {
			return e.signedIn(t).post(t, "clients/", url.Values{"name": {"Shop"}, "flows": {"browser"}, "scopes": {"openid"},
				"redirect_uris": {"https://shop.example/cb\nnot a url"}, "ciba_interval": {"99"}, "token_endpoint_auth_method": {"client_secret_basic"}})
		}},
		{"client_edit", func(t *testing.T, e *env) testenv.Page {
			e.shop(t)
			return e.signedIn(t).get(t, "clients/shop/")
		}},
		{"client_secret", func(t *testing.T, e *env) testenv.Page {
			e.shop(t)
			return e.signedIn(t).post(t, "clients/shop/secret", nil)
		}},
		{"client_delete", func(t *testing.T, e *env) testenv.Page {
			e.shop(t)
			return e.signedIn(t).get(t, "clients/shop/delete")
		}},
		{"client_unknown", func(t *testing.T, e *env) testenv.Page { return e.signedIn(t).get(t, "clients/nobody/") }},
		{"qrcodes", func(t *testing.T, e *env) testenv.Page {
			e.shop(t)
			if _, err := e.admin.CreateQRCode(t.Context(), "shop", admin.QRCodeRequest{Description: "Till 1"}); err != nil {
				t.Fatal(err)
			}
			e.clock.Add(time.Minute) // codes are listed oldest first
			if _, err := e.admin.CreateQRCode(t.Context(), "shop", admin.QRCodeRequest{Description: "Window", RedirectURI: "https://shop.example/callback"}); err != nil {
				t.Fatal(err)
			}
			return e.signedIn(t).get(t, "clients/shop/qr/")
		}},
		{"qrcode_problem", func(t *testing.T, e *env) testenv.Page {
			e.shop(t)
			return e.signedIn(t).post(t, "clients/shop/qr/", url.Values{"description": {strings.Repeat("x", 101)}})
		}},
		{"qrcode_print", func(t *testing.T, e *env) testenv.Page {
			e.shop(t)
			q, err := e.admin.CreateQRCode(t.Context(), "shop", admin.QRCodeRequest{Description: "Till 1"})
			if err != nil {
				t.Fatal(err)
			}
			return e.signedIn(t).get(t, "clients/shop/qr/"+q.QRID+"/print")
		}},
		{"webhooks", func(t *testing.T, e *env) testenv.Page {
			e.shop(t)
			e.webhooks(t)
			return e.signedIn(t).get(t, "clients/shop/webhooks/")
		}},
		{"users", func(t *testing.T, e *env) testenv.Page {
			e.ada(t)
			e.mustUser(t, admin.UserRequest{PhoneNumber: "4798765432", PIN: "1236", GivenName: "Unge", FamilyName: "Ungdom",
				Birthdate: start.AddDate(-15, 0, 1).Format(time.DateOnly), AppVersion: "1.0.0", Active: new(false)})
			return e.signedIn(t).get(t, "users/")
		}},
		{"users_search_none", func(t *testing.T, e *env) testenv.Page {
			e.ada(t)
			return e.signedIn(t).get(t, "users/?q=nobody")
		}},
		{"user_new", func(t *testing.T, e *env) testenv.Page { return e.signedIn(t).get(t, "users/new") }},
		{"user_problems", func(t *testing.T, e *env) testenv.Page {
			return e.signedIn(t).post(t, "users/", url.Values{"phone_number": {"123"}, "pin": {"12"}, "birthdate": {"1990-02-30"}, "given_name": {"Ola"}})
		}},
		{"user_edit", func(t *testing.T, e *env) testenv.Page {
			e.ada(t)
			if _, err := e.store.UpdateUser(t.Context(), "4712345678", func(u store.User) (store.User, error) {
				u.FailedPINAttempts, u.LockedUntil = 0, start.Add(time.Hour)
				return u, nil
			}); err != nil {
				t.Fatal(err)
			}
			return e.signedIn(t).get(t, "users/4712345678/")
		}},
		{"events", func(t *testing.T, e *env) testenv.Page {
			e.shop(t)
			e.events(t)
			return e.signedIn(t).get(t, "clients/shop/events/")
		}},
		{"events_failures", func(t *testing.T, e *env) testenv.Page {
			e.shop(t)
			e.events(t)
			return e.signedIn(t).get(t, "clients/shop/events/?outcome=failure&flow=token")
		}},
		{"events_none_match", func(t *testing.T, e *env) testenv.Page {
			e.shop(t)
			e.events(t)
			return e.signedIn(t).get(t, "clients/shop/events/?flow=qr")
		}},
		{"events_bad_filter", func(t *testing.T, e *env) testenv.Page {
			e.shop(t)
			return e.signedIn(t).get(t, "clients/shop/events/?flow=carrier-pigeon")
		}},
		{"keys", func(t *testing.T, e *env) testenv.Page {
			e.clock.Add(72 * time.Hour)
			return e.signedIn(t).get(t, "keys/")
		}},
		{"cross_origin", func(t *testing.T, e *env) testenv.Page {
			return e.signedIn(t).postFrom(t, "https://evil.example", "keys/rotate", nil)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			p := tc.walk(t, e)
			text := strings.ReplaceAll(testenv.VisibleText(p.Body), e.base, "http://B")
			for _, m := range masks {
				text = m.re.ReplaceAllString(text, m.with)
			}
			testenv.CheckGolden(t, filepath.Join("testdata", tc.name+".txt"), text, *update)
		})
	}
}

// events gives the shop's integration debugger three events: a login
// whose code was sent, a token request with the wrong PKCE verifier, and
// one with the wrong client secret.
func (e *env) events(t *testing.T) {
	t.Helper()
	var es []store.Event
	for i, ev := range []store.Event{
		{Flow: store.FlowBrowser, Step: "login", Outcome: store.OutcomeSuccess, Explanation: "The user confirmed the login; the code went to the redirect URI.",
			Params: map[string]string{"redirect_uri": "https://shop.example/callback", "scope": "openid name"}},
		{Flow: debugger.FlowToken, Step: "token", Outcome: store.OutcomeFailure, Error: "invalid_grant", Explanation: debugger.PKCEMismatch("S256"),
			Params: map[string]string{"grant_type": "authorization_code", "code_verifier": "sent (43 characters)"}},
		{Flow: debugger.FlowToken, Step: "token", Outcome: store.OutcomeFailure, Error: "invalid_client", Explanation: debugger.WrongSecret(store.AuthSecretBasic),
			Params: map[string]string{"grant_type": "authorization_code"}},
	} {
		ev.Time = start.Add(time.Duration(i) * time.Minute)
		ev.ID, ev.ClientID = debugger.NewEventID(ev.Time), "shop"
		es = append(es, ev)
	}
	if err := e.store.AddEvents(t.Context(), es); err != nil {
		t.Fatal(err)
	}
}

// webhooks puts three events in the shop's outbox: failed, delivered and
// pending.
func (e *env) webhooks(t *testing.T) {
	t.Helper()
	for _, w := range []store.Webhook{
		{ID: "failed", Attempts: 9, LastStatus: 500, LastError: "HTTP 500: down", CreatedAt: start.Add(-3 * time.Hour), ExpiresAt: start.Add(-time.Hour)},
		{ID: "delivered", Attempts: 1, LastStatus: 204, DeliveredAt: start.Add(-time.Hour), CreatedAt: start.Add(-2 * time.Hour), ExpiresAt: start.Add(time.Hour)},
		{ID: "pending", Attempts: 1, LastError: "no answer within 5s", CreatedAt: start.Add(-time.Hour), NextAttemptAt: start.Add(time.Minute), ExpiresAt: start.Add(time.Hour)},
	} {
		w.ClientID, w.Event, w.URL, w.ContentType, w.Body = "shop", store.EventConsentRevoked, "https://shop.example/hook", "text/plain", []byte("body")
		if err := e.store.EnqueueWebhook(t.Context(), w); err != nil {
			t.Fatal(err)
		}
	}
}

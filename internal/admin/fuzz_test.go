package admin

import (
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vippslogin/vippslogin/internal/jsonapi"
	"github.com/vippslogin/vippslogin/internal/redirect"
	"github.com/vippslogin/vippslogin/internal/secret"
	"github.com/vippslogin/vippslogin/internal/store"
	"github.com/vippslogin/vippslogin/internal/testenv"
)

// The admin API's fuzz targets: what a create or patch body can make the
// server store. scripts/fuzz.sh runs them with the others.

const fuzzToken = "fuzz-admin-token"

var fuzzNow = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

type fuzzEnv struct {
	api     *API
	handler http.Handler
	client  store.Client // as stored
	user    store.User   // as stored
}

func newFuzzEnv(f *testing.F) *fuzzEnv {
	f.Helper()
	st := testenv.SQLite(f)
	a := &API{Store: st, Keys: testenv.Keys(f, st, nil), Token: fuzzToken, Now: func() time.Time { return fuzzNow }}
	mux := http.NewServeMux()
	a.Mount(mux)
	ctx := f.Context()
	c := store.Client{ID: "fuzz-existing", SecretHash: secret.Hash("fuzz-secret"), Name: "Existing",
		RedirectURIs: []string{"https://shop.example/cb"}, AppCallbackURIs: []string{}, PostLogoutRedirectURIs: []string{},
		TokenEndpointAuthMethod: store.AuthSecretBasic, Flows: []string{store.FlowBrowser}, Scopes: DefaultScopes,
		CreatedAt: fuzzNow, UpdatedAt: fuzzNow}
	u := store.User{PhoneNumber: "4712345678", PINHash: secret.Hash("1236"), GivenName: "Ada", Birthdate: "1815-12-10",
		Addresses: []store.Address{}, Accounts: []store.Account{}, CreatedAt: fuzzNow, UpdatedAt: fuzzNow}
	if err := st.CreateClient(ctx, c); err != nil {
		f.Fatal(err)
	}
	if err := st.CreateUser(ctx, u); err != nil {
		f.Fatal(err)
	}
	e := &fuzzEnv{api: a, handler: jsonapi.Routes(mux)}
	var err error
	if e.client, err = st.GetClient(ctx, c.ID); err != nil {
		f.Fatal(err)
	}
	if e.user, err = st.GetUser(ctx, u.PhoneNumber); err != nil {
		f.Fatal(err)
	}
	return e
}

func (e *fuzzEnv) do(method, path, body string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, path, strings.NewReader(body))
	r.Header.Set("Authorization", "Bearer "+fuzzToken)
	r.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	e.handler.ServeHTTP(rec, r)
	return rec
}

// strictly decodes body as jsonapi.Decode promises to: one JSON object,
// no unknown fields, nothing after it. It is the oracle for what the
// handlers decoded. jsonapi.Decode also takes a bare null, as encoding/json
// does, as an object with no fields: a patch that changes nothing.
func strictly(body string, v any) bool {
	trimmed := strings.Trim(body, " \t\r\n")
	if !json.Valid([]byte(body)) || !strings.HasPrefix(trimmed, "{") && trimmed != "null" {
		return false
	}
	dec := json.NewDecoder(strings.NewReader(body))
	dec.DisallowUnknownFields()
	return dec.Decode(v) == nil
}

// unsafeURI says why raw must never be stored as a redirect or app
// callback URI, read off the bytes rather than through net/url: a control
// character or fragment, no scheme, a scheme a browser runs or reads
// locally, or an http(s) URL without a host. "" means none of these.
func unsafeURI(raw string) string {
	for i := 0; i < len(raw); i++ {
		if raw[i] < 0x20 || raw[i] == 0x7f || raw[i] == '#' {
			return "control character or fragment"
		}
	}
	scheme, rest, ok := strings.Cut(raw, ":")
	if !ok || scheme == "" || !('a' <= scheme[0]|0x20 && scheme[0]|0x20 <= 'z') {
		return "no scheme"
	}
	for i := 0; i < len(scheme); i++ {
		c := scheme[i] | 0x20
		if !('a' <= c && c <= 'z' || '0' <= scheme[i] && scheme[i] <= '9' || strings.IndexByte("+-.", scheme[i]) >= 0) {
			return "no scheme"
		}
	}
	switch strings.ToLower(scheme) {
	case "javascript", "data", "vbscript", "file":
		return "dangerous scheme"
	case "http", "https":
		authority, ok := strings.CutPrefix(rest, "//")
		if i := strings.IndexAny(authority, "/?"); i >= 0 {
			authority = authority[:i]
		}
		if at := strings.LastIndexByte(authority, '@'); at >= 0 {
			authority = authority[at+1:]
		}
		if !ok || authority == "" {
			return "no host"
		}
	}
	return ""
}

// FuzzCheckRedirectURI: a registered redirect or app callback URI that the
// admin API accepts (redirect.Problem, in dev mode or not) is never unsafe
// by unsafeURI's reading of its bytes, and is one the login pages will
// send a browser to (redirect.Target).
func FuzzCheckRedirectURI(f *testing.F) {
	for _, s := range []string{
		"https://shop.example/callback", "http://localhost:3000/callback", "merchant-app://callback", "myapp://",
		"javascript:alert(1)", "JaVaScRiPt:alert(1)", " javascript:alert(1)", "java\tscript:alert(1)", "javascript://%0aalert(1)",
		"data:text/html,<script>alert(1)</script>", "file:///etc/passwd", "vbscript:msgbox", "https://shop.example/cb#frag",
		"https:shop.example", "https:///cb", "https://@/cb", "//shop.example/cb", "/callback", "https://shop.example/%zz",
		"merchant-app:callback", "a:b", "https://[::1]/cb", "https://user@shop.example/cb", "http://shop.example/cb",
		"view-source:https://shop.example/", "blob:https://shop.example/x",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		for _, dev := range []bool{false, true} {
			if why := redirect.Problem(raw, dev); why == "" {
				if bad := unsafeURI(raw); bad != "" {
					t.Fatalf("redirect.Problem(dev=%v) accepted %q (%s)", dev, raw, bad)
				}
				if len(raw) > 2000 {
					t.Fatalf("redirect.Problem(dev=%v) accepted %d bytes", dev, len(raw))
				}
				if !redirect.Target(raw) {
					t.Fatalf("redirect.Problem(dev=%v) accepted %q, which redirect.Target refuses", dev, raw)
				}
			}
		}
	})
}

// webhookOK is what a webhook URL must be, the oracle: http(s) with a
// host, and for the QR webhook outside dev mode https unless the host is a
// loopback one.
func webhookOK(raw string, qr bool) bool {
	if raw == "" {
		return true
	}
	if unsafeURI(raw) != "" || len(raw) > 2000 {
		return false
	}
	scheme, rest, _ := strings.Cut(raw, ":")
	switch strings.ToLower(scheme) {
	case "https":
		return true
	case "http":
		if !qr {
			return true
		}
		host := strings.TrimPrefix(rest, "//")
		if i := strings.IndexAny(host, "/?"); i >= 0 {
			host = host[:i]
		}
		if at := strings.LastIndexByte(host, '@'); at >= 0 {
			host = host[at+1:]
		}
		if h, _, err := net.SplitHostPort(host); err == nil {
			host = h
		}
		host = strings.Trim(host, "[]")
		ip := net.ParseIP(host)
		return strings.EqualFold(host, "localhost") || ip != nil && ip.IsLoopback()
	}
	return false
}

// storedClientOK checks a client the API stored.
func storedClientOK(t *testing.T, c store.Client) {
	t.Helper()
	if p := validateClient(c, false); len(p) > 0 {
		t.Fatalf("stored a client that validation refuses: %q", p)
	}
	for _, list := range [][]string{c.RedirectURIs, c.AppCallbackURIs, c.PostLogoutRedirectURIs} {
		for i, u := range list {
			if bad := unsafeURI(u); bad != "" || slices.Index(list, u) != i {
				t.Fatalf("stored the URI %q (%s; list %q)", u, bad, list)
			}
		}
	}
	if !webhookOK(c.QRWebhookURL, true) || !webhookOK(c.CIBAPingURL, true) || !webhookOK(c.ConsentWebhookURL, false) {
		t.Fatalf("stored webhooks %q, %q, %q", c.QRWebhookURL, c.CIBAPingURL, c.ConsentWebhookURL)
	}
	if c.ID == "" || c.Name == "" || len(c.Flows) == 0 || len(c.Scopes) == 0 || c.SecretHash == "" {
		t.Fatalf("stored an incomplete client %+v", c)
	}
}

// FuzzClientBody: a client create or patch body either is refused with a
// 4xx, leaving the store as it was, or is stored as sent (after defaults)
// and passes every check, with no unsafe redirect URI or webhook. Never a
// 5xx.
func FuzzClientBody(f *testing.F) {
	for _, s := range []string{
		`{"name":"Shop","redirect_uris":["https://shop.example/cb"]}`,
		`{"client_id":"shop-1","client_secret":"long-enough","name":"Shop","redirect_uris":["https://shop.example/cb"],"app_callback_uris":["shop-app://cb"],"flows":["browser","ciba","qr"],"scopes":["openid","nin"],"qr_webhook_url":"https://shop.example/qr","ciba_ping_url":"http://shop.example/ping","token_endpoint_auth_method":"client_secret_post"}`,
		`{"name":"Shop","redirect_uris":["javascript:alert(1)"]}`,
		`{"name":"Shop","redirect_uris":["https://a.example/cb","https://a.example/cb"]}`,
		`{"name":"Shop","qr_webhook_url":"http://shop.example/qr"}`,
		`{"name":"Shop","qr_webhook_url":"http://127.0.0.1:9000/qr"}`,
		`{"name":"Shop","flows":["Browser"]}`,
		`{"name":"Shop","scopes":["birthdate"]}`,
		`{"name":"Shop","NAME":"Other"}`,
		`{"name":"Shop","client_id":"../../etc"}`,
		`{"name":"Shop","extra":1}`,
		`{"name":"Shop"} {}`,
		`{"name":"Shop","client_secret":"short"}`,
		`{"name":null,"redirect_uris":null}`,
		`{"client_id":"fuzz-existing","name":"Dup"}`,
		`{"client_id":"x","client_secret":"y"}`,
		`[]`, `null`, ``, `{"name":"\u0000"}`,
	} {
		f.Add(s)
	}
	e := newFuzzEnv(f)
	f.Fuzz(func(t *testing.T, body string) {
		ctx := t.Context()
		st := e.api.Store

		rec := e.do(http.MethodPost, "/admin/v1/clients", body)
		switch {
		case rec.Code >= 500:
			t.Fatalf("create: %d for %q:\n%s", rec.Code, body, rec.Body)
		case rec.Code == http.StatusCreated:
			var req ClientRequest
			var resp ClientResponse
			if !strictly(body, &req) || json.Unmarshal(rec.Body.Bytes(), &resp) != nil {
				t.Fatalf("create accepted %q, which is not a ClientRequest", body)
			}
			c, err := st.GetClient(ctx, resp.ClientID)
			if err != nil {
				t.Fatal(err)
			}
			storedClientOK(t, c)
			if req.ClientID != "" && c.ID != req.ClientID || c.Name != req.Name ||
				!slices.Equal(c.RedirectURIs, req.RedirectURIs) || c.QRWebhookURL != req.QRWebhookURL ||
				req.ClientSecret != "" && resp.ClientSecret != req.ClientSecret || !secret.Verify(c.SecretHash, resp.ClientSecret) {
				t.Fatalf("create stored %+v (answered %+v) for %q", c, resp, body)
			}
			if err := st.DeleteClient(ctx, c.ID); err != nil {
				t.Fatal(err)
			}
		}

		rec = e.do(http.MethodPatch, "/admin/v1/clients/"+e.client.ID, body)
		c, err := st.GetClient(ctx, e.client.ID)
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case rec.Code >= 500:
			t.Fatalf("patch: %d for %q:\n%s", rec.Code, body, rec.Body)
		case rec.Code == http.StatusOK:
			var patch ClientPatch
			if !strictly(body, &patch) {
				t.Fatalf("patch accepted %q, which is not a ClientPatch", body)
			}
			storedClientOK(t, c)
			if c.SecretHash != e.client.SecretHash || c.ID != e.client.ID {
				t.Fatalf("patch %q changed the id or secret", body)
			}
			if _, err := st.UpdateClient(ctx, e.client.ID, func(store.Client) (store.Client, error) { return e.client, nil }); err != nil {
				t.Fatal(err)
			}
		default:
			if !reflect.DeepEqual(c, e.client) {
				t.Fatalf("a refused patch (%d) changed the client:\n%+v\nwas\n%+v", rec.Code, c, e.client)
			}
		}
	})
}

// phoneOK is the stored form of a phone number (DESIGN §3): the MSISDN's
// 10 to 15 digits, country code first.
func phoneOK(s string) bool {
	if len(s) < 10 || len(s) > 15 || s[0] == '0' {
		return false
	}
	return strings.Trim(s, "0123456789") == ""
}

// storedUserOK checks a user the API stored.
func storedUserOK(t *testing.T, u store.User) {
	t.Helper()
	if p := validateUser(u, fuzzNow); len(p) > 0 {
		t.Fatalf("stored a user that validation refuses: %q", p)
	}
	if !phoneOK(u.PhoneNumber) {
		t.Fatalf("stored the phone number %q", u.PhoneNumber)
	}
	defaults := 0
	for _, a := range u.Addresses {
		if a.Default {
			defaults++
		}
	}
	if defaults > 1 || u.PINHash == "" {
		t.Fatalf("stored %d default addresses, PIN hash %q", defaults, u.PINHash)
	}
}

// FuzzUserBody: a user create or patch body either is refused with a 4xx,
// leaving the store as it was, or is stored as sent and passes every
// check: a phone number a login can reach, a PIN that verifies, a real
// birthdate. Never a 5xx.
func FuzzUserBody(f *testing.F) {
	for _, s := range []string{
		`{"phone_number":"4798765432","pin":"1236"}`,
		`{"phone_number":"4798765432","pin":"123456","given_name":"Ada","family_name":"Lovelace","birthdate":"1815-12-10","email":"ada@example.com","email_verified":true,"nin":"10121550047","addresses":[{"street_address":"Gate 1","postal_code":"0150","region":"Oslo","country":"NO","address_type":"home","default":true}],"accounts":[{"account_name":"Main","account_number":"12345678903","bank_name":"Bank"}],"app_version":"2.0.0"}`,
		`{"phone_number":"+4798765432","pin":"1236"}`,
		`{"phone_number":"0798765432","pin":"1236"}`,
		`{"phone_number":"98765432","pin":"1236"}`,
		`{"phone_number":"4798765432","pin":"12a4"}`,
		`{"phone_number":"4798765432","pin":"1236","birthdate":"2025-02-30"}`,
		`{"phone_number":"4798765432","pin":"1236","birthdate":"9999-01-01"}`,
		`{"phone_number":"4798765432","pin":"1236","addresses":[{"address_type":"home","default":true},{"address_type":"work","default":true}]}`,
		`{"phone_number":"4798765432","pin":"1236","email":"a@b@c"}`,
		`{"phone_number":"4712345678","pin":"1236"}`,
		`{"given_name":"Grace"}`,
		`{"pin":"9999"}`,
		`{"phone_number":"4799999999"}`,
		`{"addresses":[{"address_type":"cabin"}]}`,
		`{"nin":"1012155004"}`,
		`{"birthdate":null}`,
		`{"phone_number":"٤٧٩٨٧٦٥٤٣٢","pin":"١٢٣٤"}`,
	} {
		f.Add(s)
	}
	e := newFuzzEnv(f)
	f.Fuzz(func(t *testing.T, body string) {
		ctx := t.Context()
		st := e.api.Store

		rec := e.do(http.MethodPost, "/admin/v1/users", body)
		switch {
		case rec.Code >= 500:
			t.Fatalf("create: %d for %q:\n%s", rec.Code, body, rec.Body)
		case rec.Code == http.StatusCreated:
			var req UserRequest
			if !strictly(body, &req) {
				t.Fatalf("create accepted %q, which is not a UserRequest", body)
			}
			u, err := st.GetUser(ctx, req.PhoneNumber)
			if err != nil {
				t.Fatal(err)
			}
			storedUserOK(t, u)
			if !secret.Verify(u.PINHash, req.PIN) || u.Birthdate != req.Birthdate || u.Email != req.Email || u.NIN != req.NIN {
				t.Fatalf("create stored %+v for %q", u, body)
			}
			if err := st.DeleteUser(ctx, u.PhoneNumber); err != nil {
				t.Fatal(err)
			}
		}

		rec = e.do(http.MethodPatch, "/admin/v1/users/"+e.user.PhoneNumber, body)
		u, err := st.GetUser(ctx, e.user.PhoneNumber)
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case rec.Code >= 500:
			t.Fatalf("patch: %d for %q:\n%s", rec.Code, body, rec.Body)
		case rec.Code == http.StatusOK:
			var patch UserPatch
			if !strictly(body, &patch) {
				t.Fatalf("patch accepted %q, which is not a UserPatch", body)
			}
			storedUserOK(t, u)
			if patch.PIN != nil && !secret.Verify(u.PINHash, *patch.PIN) || patch.PIN == nil && u.PINHash != e.user.PINHash {
				t.Fatalf("patch %q left the PIN hash %q", body, u.PINHash)
			}
			if _, err := st.UpdateUser(ctx, e.user.PhoneNumber, func(store.User) (store.User, error) { return e.user, nil }); err != nil {
				t.Fatal(err)
			}
		default:
			if !reflect.DeepEqual(u, e.user) {
				t.Fatalf("a refused patch (%d) changed the user:\n%+v\nwas\n%+v", rec.Code, u, e.user)
			}
		}
	})
}

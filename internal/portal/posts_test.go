package portal_test

import (
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vippslogin/vippslogin/internal/admin"
	"github.com/vippslogin/vippslogin/internal/portal"
	"github.com/vippslogin/vippslogin/internal/secret"
	"github.com/vippslogin/vippslogin/internal/store"
	"github.com/vippslogin/vippslogin/internal/testenv"
)

// The session cookie is HttpOnly, SameSite=Strict and only for the
// portal; sign-out deletes it, and the pages then send the browser to
// sign in.
func TestSignInAndOut(t *testing.T) {
	e := newEnv(t)
	req, _ := http.NewRequest(http.MethodPost, e.base+"/portal/signin", strings.NewReader("token="+adminToken))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	cookies := resp.Cookies()
	if resp.StatusCode != http.StatusSeeOther || len(cookies) != 1 {
		t.Fatalf("sign-in = %d with cookies %v", resp.StatusCode, cookies)
	}
	c := cookies[0]
	if c.Name != portal.SessionCookie || !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Path != "/portal/" ||
		c.Secure || c.MaxAge != int(portal.SessionLifetime/time.Second) || strings.Contains(c.Value, adminToken) {
		t.Errorf("session cookie = %+v", c)
	}

	b := e.signedIn(t)
	contains(t, b.get(t, "clients/"), "Sale units", "Sign out")
	if p := b.get(t, ""); !strings.HasSuffix(p.URL.Path, "/portal/clients/") {
		t.Errorf("the portal's front page sends a signed-in browser to %s", p.URL)
	}
	p := b.post(t, "signout", nil)
	if !strings.HasSuffix(p.URL.Path, "/portal/") || !strings.Contains(p.Body, "Admin token") {
		t.Fatalf("sign-out ended at %s", p.URL)
	}
	if p := b.get(t, "clients/"); !strings.Contains(p.Body, "Admin token") {
		t.Errorf("after sign-out the clients page = %s", p.URL)
	}
}

// Without a session, every page and every form post sends the browser to
// sign in, and the post is not carried out.
func TestSignedOutRedirects(t *testing.T) {
	e := newEnv(t)
	e.shop(t)
	b := e.browser(t)
	for _, path := range []string{"clients/", "clients/new", "clients/shop/", "clients/shop/qr/", "users/", "users/new", "keys/"} {
		if p := b.get(t, path); p.Status != 200 || !strings.HasSuffix(p.URL.Path, "/portal/") || !strings.Contains(p.Body, "Admin token") {
			t.Errorf("GET %s signed out ended at %s (%d)", path, p.URL, p.Status)
		}
	}
	if p := b.post(t, "clients/shop/delete", nil); !strings.HasSuffix(p.URL.Path, "/portal/") {
		t.Errorf("POST delete signed out ended at %s", p.URL)
	}
	if _, err := e.admin.GetClient(t.Context(), "shop"); err != nil {
		t.Errorf("the client is gone after a signed-out delete: %v", err)
	}

	// A forged cookie, one of another admin token and an expired one are
	// no sessions.
	for name, value := range map[string]string{
		"forged":  "9999999999.AAAA",
		"garbage": "x",
	} {
		b := e.browser(t)
		u, _ := url.Parse(e.base + "/portal/")
		b.Client.Jar.SetCookies(u, []*http.Cookie{{Name: portal.SessionCookie, Value: value, Path: "/portal/"}})
		if p := b.get(t, "keys/"); !strings.Contains(p.Body, "Admin token") {
			t.Errorf("%s cookie opened %s", name, p.URL)
		}
	}
	b = e.signedIn(t)
	e.clock.Add(portal.SessionLifetime)
	if p := b.get(t, "keys/"); !strings.Contains(p.Body, "Admin token") {
		t.Errorf("a session %v old opened %s", portal.SessionLifetime, p.URL)
	}
}

// A wrong token is refused and counted with the admin API's wrong tokens:
// after admin.TokenAttempts in a row neither the form nor the API takes
// even the right one until admin.TokenLock has passed.
func TestWrongTokenCounted(t *testing.T) {
	e := newEnv(t)
	b := e.browser(t)
	for i := range admin.TokenAttempts - 1 {
		if p := b.post(t, "signin", url.Values{"token": {"guess"}}); p.Status != http.StatusUnauthorized || !strings.Contains(p.Body, "not the admin token") {
			t.Fatalf("wrong token %d = %d", i+1, p.Status)
		}
	}
	// The last guess is the admin API's.
	if _, err := (&admin.Client{BaseURL: e.base, Token: "guess"}).ListClients(t.Context()); err == nil {
		t.Fatal("the API took a wrong token")
	}
	p := b.post(t, "signin", url.Values{"token": {adminToken}})
	if p.Status != http.StatusTooManyRequests || !strings.Contains(p.Body, "not even the right one") {
		t.Fatalf("right token while locked = %d", p.Status)
	}
	if _, err := e.admin.ListClients(t.Context()); err == nil {
		t.Error("the admin API took the right token while locked")
	}
	e.clock.Add(admin.TokenLock)
	e.signedIn(t)
}

// secretOn is the client secret a page shows.
func secretOn(t *testing.T, p testenv.Page) string {
	t.Helper()
	m := regexp.MustCompile(`id="client_secret" value="([^"]+)"`).FindStringSubmatch(p.Body)
	if m == nil {
		t.Fatalf("%s shows no client secret", p.URL)
	}
	return m[1]
}

func (e *env) client(t *testing.T, id string) store.Client {
	t.Helper()
	c, err := e.store.GetClient(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestCreateClient(t *testing.T) {
	e := newEnv(t)
	b := e.signedIn(t)
	p := b.post(t, "clients/", url.Values{
		"client_id": {"till"}, "name": {"Till"}, "flows": {"browser", "ciba"}, "scopes": {"openid", "nin"},
		"redirect_uris":              {"https://till.example/cb\n\n  https://till.example/other  \n"},
		"post_logout_redirect_uris":  {"https://till.example/"},
		"token_endpoint_auth_method": {"client_secret_post"}, "ciba_interval": {"2"},
		"ciba_ping_url": {"https://till.example/ping"}, "consent_webhook_url": {"https://till.example/hook"},
	})
	if p.Status != 200 {
		t.Fatalf("create = %d %s", p.Status, testenv.VisibleText(p.Body))
	}
	c := e.client(t, "till")
	if !secret.Verify(c.SecretHash, secretOn(t, p)) {
		t.Error("the secret shown is not the client's")
	}
	if c.Name != "Till" || !slices.Equal(c.RedirectURIs, []string{"https://till.example/cb", "https://till.example/other"}) ||
		!slices.Equal(c.Flows, []string{"browser", "ciba"}) || !slices.Equal(c.Scopes, []string{"openid", "nin"}) ||
		c.TokenEndpointAuthMethod != store.AuthSecretPost || c.CIBAInterval != 2*time.Second || c.CIBAPingURL != "https://till.example/ping" ||
		c.ConsentWebhookURL != "https://till.example/hook" || !slices.Equal(c.PostLogoutRedirectURIs, []string{"https://till.example/"}) {
		t.Errorf("stored client = %+v", c)
	}

	// Refused: the form is shown again, filled in, with the problem next
	// to its field.
	p = b.post(t, "clients/", url.Values{"client_id": {"till"}, "name": {"Again"}, "flows": {"browser"}, "scopes": {"openid"},
		"redirect_uris": {"https://again.example/cb"}, "token_endpoint_auth_method": {"client_secret_basic"}})
	if p.Status != http.StatusConflict {
		t.Errorf("create of a taken id = %d", p.Status)
	}
	contains(t, p, "already exists", `value="Again"`, "https://again.example/cb")
	p = b.post(t, "clients/", url.Values{"name": {"X"}, "scopes": {"openid"}, "ciba_interval": {"soon"}})
	if p.Status != http.StatusBadRequest {
		t.Errorf("create without flows = %d", p.Status)
	}
	contains(t, p, "Tick at least one login product.", "ciba_interval must be a whole number")
	if cs, _ := e.admin.ListClients(t.Context()); len(cs) != 1 {
		t.Errorf("%d clients after refused creates, want 1", len(cs))
	}
}

func TestEditClient(t *testing.T) {
	e := newEnv(t)
	e.shop(t)
	b := e.signedIn(t)
	form := url.Values{"name": {"Shop 2"}, "flows": {"browser", "ciba", "qr"}, "scopes": {"openid", "name", "accountNumbers"},
		"redirect_uris":              {"https://shop.example/callback\nhttps://shop.example/new"},
		"token_endpoint_auth_method": {"client_secret_basic"}, "qr_webhook_url": {"https://shop.example/qr-hook"}, "ciba_interval": {"5"}}
	p := b.post(t, "clients/shop/", form)
	if p.Status != 200 || !strings.Contains(p.Body, "Saved.") {
		t.Fatalf("save = %d at %s", p.Status, p.URL)
	}
	c := e.client(t, "shop")
	if c.Name != "Shop 2" || len(c.RedirectURIs) != 2 || len(c.Flows) != 3 || !slices.Contains(c.Scopes, "accountNumbers") || c.ConsentWebhookURL != "" {
		t.Errorf("stored after save = %+v", c)
	}
	form.Set("redirect_uris", "https://shop.example/callback#frag")
	p = b.post(t, "clients/shop/", form)
	if p.Status != http.StatusBadRequest {
		t.Errorf("save of a bad URI = %d", p.Status)
	}
	contains(t, p, `redirect_uris[0]`, "https://shop.example/callback#frag")
	if c := e.client(t, "shop"); len(c.RedirectURIs) != 2 {
		t.Errorf("a refused save changed the client: %v", c.RedirectURIs)
	}
	if p := b.post(t, "clients/nobody/", form); p.Status != http.StatusNotFound {
		t.Errorf("save of an unknown client = %d", p.Status)
	}
}

func TestRotateAndDeleteClient(t *testing.T) {
	e := newEnv(t)
	old := e.shop(t)
	b := e.signedIn(t)
	p := b.post(t, "clients/shop/secret", nil)
	s := secretOn(t, p)
	c := e.client(t, "shop")
	if s == old.ClientSecret || !secret.Verify(c.SecretHash, s) || secret.Verify(c.SecretHash, old.ClientSecret) {
		t.Error("rotation did not replace the secret with the one shown")
	}
	contains(t, p, `data-copy="client_secret"`)

	contains(t, b.get(t, "clients/shop/delete"), "Delete this sale unit?")
	p = b.post(t, "clients/shop/delete", nil)
	if !strings.HasSuffix(p.URL.Path, "/portal/clients/") {
		t.Errorf("delete ended at %s", p.URL)
	}
	if _, err := e.store.GetClient(t.Context(), "shop"); err == nil {
		t.Error("the client is still there")
	}
	if p := b.post(t, "clients/shop/delete", nil); p.Status != http.StatusNotFound {
		t.Errorf("delete again = %d", p.Status)
	}
}

func TestQRCodes(t *testing.T) {
	e := newEnv(t)
	e.shop(t)
	b := e.signedIn(t)
	p := b.post(t, "clients/shop/qr/", url.Values{"description": {"Till 1"}, "redirect_uri": {"https://shop.example/callback"}})
	contains(t, p, "The QR code was created.", "Till 1")
	qs, err := e.admin.ListQRCodes(t.Context(), "shop")
	if err != nil || len(qs) != 1 || qs[0].RedirectURI != "https://shop.example/callback" {
		t.Fatalf("codes = %+v, %v", qs, err)
	}
	q := qs[0]
	contains(t, p, "qr/"+q.QRID+"/image")
	print := b.get(t, "clients/shop/qr/"+q.QRID+"/print")
	contains(t, print, q.URL, "Till 1", `qr/`+q.QRID+`/image?size=600`)
	if img := b.Get(e.base + "/qr/" + q.QRID + "/image?size=600"); img.Status != 200 || !strings.HasPrefix(img.Body, "\x89PNG") {
		t.Errorf("the print view's image = %d", img.Status)
	}

	p = b.post(t, "clients/shop/qr/", url.Values{"description": {"Nowhere"}, "redirect_uri": {"https://elsewhere.example/"}})
	if p.Status != http.StatusBadRequest {
		t.Errorf("a code to an unregistered URI = %d", p.Status)
	}
	contains(t, p, "is not registered", `value="Nowhere"`)

	b.post(t, "clients/shop/qr/"+q.QRID+"/delete", nil)
	if qs, _ := e.admin.ListQRCodes(t.Context(), "shop"); len(qs) != 0 {
		t.Errorf("codes after delete = %+v", qs)
	}
	if p := b.get(t, "clients/shop/qr/"+q.QRID+"/print"); p.Status != http.StatusNotFound {
		t.Errorf("print of a deleted code = %d", p.Status)
	}
}

func TestResendWebhook(t *testing.T) {
	e := newEnv(t)
	e.shop(t)
	e.webhooks(t)
	b := e.signedIn(t)
	p := b.post(t, "clients/shop/webhooks/failed/resend", nil)
	contains(t, p, "put in the outbox again")
	ws, err := e.admin.ListWebhooks(t.Context(), "shop")
	if err != nil || len(ws) != 4 || ws[0].State != "pending" || ws[0].Attempts != 0 {
		t.Fatalf("log after resend = %+v, %v", ws, err)
	}
	if p := b.post(t, "clients/shop/webhooks/delivered/resend", nil); p.Status != http.StatusConflict || !strings.Contains(p.Body, "only a failed one") {
		t.Errorf("resend of a delivered event = %d", p.Status)
	}
}

func TestCreateAndEditUser(t *testing.T) {
	e := newEnv(t)
	b := e.signedIn(t)
	p := b.post(t, "users/", url.Values{"phone_number": {"4791234567"}, "pin": {"4321"}, "given_name": {"Kari"}, "family_name": {"Nordmann"},
		"birthdate": {"1990-05-17"}, "nin": {"17059012345"}, "email": {"kari@example.com"}, "email_verified": {"true"},
		"street_address": {"Storgata 1"}, "postal_code": {"0150"}, "region": {"Oslo"}, "country": {"NO"}})
	contains(t, p, "The test user was created.", "Kari Nordmann")
	u, err := e.store.GetUser(t.Context(), "4791234567")
	if err != nil || !secret.Verify(u.PINHash, "4321") || u.Email != "kari@example.com" || !u.EmailVerified || len(u.Addresses) != 1 || !u.Addresses[0].Default {
		t.Fatalf("stored user = %+v, %v", u, err)
	}
	if p := b.post(t, "users/", url.Values{"phone_number": {"4791234567"}, "pin": {"4321"}}); p.Status != http.StatusConflict {
		t.Errorf("create of a taken number = %d", p.Status)
	}

	e.ada(t)
	p = b.post(t, "users/4712345678/", url.Values{"given_name": {"Augusta Ada"}, "family_name": {"King"}, "birthdate": {"1815-12-10"},
		"email": {"ada@example.com"}, "street_address": {"Nygata 2"}, "postal_code": {"0150"}, "region": {"Oslo"}, "country": {"NO"}})
	contains(t, p, "Saved.", "Augusta Ada King")
	ada, _ := e.store.GetUser(t.Context(), "4712345678")
	if ada.EmailVerified || len(ada.Addresses) != 2 || ada.Addresses[0].StreetAddress != "Nygata 2" || ada.Addresses[1].StreetAddress != "Work street 2" {
		t.Errorf("stored after save = %+v", ada)
	}
	p = b.post(t, "users/4712345678/", url.Values{"given_name": {"Ada"}, "birthdate": {"yesterday"}})
	if p.Status != http.StatusBadRequest {
		t.Errorf("save of a bad birth date = %d", p.Status)
	}
	contains(t, p, `<p class="field-error" role="alert">birthdate &#34;yesterday&#34;`, `value="yesterday"`)
	p = b.post(t, "users/4712345678/", url.Values{"given_name": {"Ada"}, "pin": {"1"}})
	contains(t, p, `<p class="field-error" role="alert">pin must be 4–6 digits.`)
}

// Each one-click state sets what makes the user fail a login that way.
func TestUserStates(t *testing.T) {
	e := newEnv(t)
	e.ada(t)
	b := e.signedIn(t)
	get := func() store.User {
		u, err := e.store.GetUser(t.Context(), "4712345678")
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	state := func(s string) testenv.Page {
		t.Helper()
		return b.post(t, "users/4712345678/state", url.Values{"state": {s}})
	}
	contains(t, state("too_young"), "under 15", "Make 30 years old")
	u := get()
	if u.Birthdate != start.AddDate(-15, 0, 1).Format(time.DateOnly) || u.NIN[:6] != u.Birthdate[8:10]+u.Birthdate[5:7]+u.Birthdate[2:4] {
		t.Errorf("too young: birthdate %s, nin %s", u.Birthdate, u.NIN)
	}
	state("adult")
	if u := get(); u.Birthdate != start.AddDate(-30, 0, 0).Format(time.DateOnly) {
		t.Errorf("adult: birthdate %s", u.Birthdate)
	}
	contains(t, state("outdated_app"), "outdated app")
	if u := get(); u.AppVersion != "1.0.0" {
		t.Errorf("outdated app: %q", u.AppVersion)
	}
	state("current_app")
	if u := get(); u.AppVersion != "" {
		t.Errorf("current app: %q", u.AppVersion)
	}
	contains(t, state("inactive"), "inactive", "Make active")
	if u := get(); !u.Inactive {
		t.Error("still active")
	}
	state("active")
	if u := get(); u.Inactive {
		t.Error("still inactive")
	}
	if _, err := e.store.UpdateUser(t.Context(), "4712345678", func(u store.User) (store.User, error) {
		u.FailedPINAttempts, u.LockedUntil = 0, start.Add(time.Hour)
		return u, nil
	}); err != nil {
		t.Fatal(err)
	}
	p := state("unlock")
	if u := get(); !u.LockedUntil.IsZero() || strings.Contains(p.Body, "locked out") {
		t.Errorf("unlock: locked until %v", u.LockedUntil)
	}
	contains(t, state("cancel_logins"), "There was no pending login to cancel.")
	now := start
	err := e.store.CreateLoginRequest(t.Context(), store.LoginRequest{ID: "stuck", Kind: store.KindCIBA, ClientID: "shop",
		Scopes: []string{"openid"}, PhoneNumber: "4712345678", Status: store.LoginWaiting,
		CreatedAt: now, UpdatedAt: now, ExpiresAt: now.Add(10 * time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	contains(t, state("cancel_logins"), "1 pending login was cancelled")
	if r, err := e.store.GetLoginRequest(t.Context(), "stuck"); err != nil || r.Status != store.LoginFailed || r.Error != "access_denied" {
		t.Errorf("cancel pending logins left %+v, %v", r, err)
	}
	if p := state("flying"); p.Status != http.StatusBadRequest {
		t.Errorf("unknown state = %d", p.Status)
	}
}

func TestSearchUsers(t *testing.T) {
	e := newEnv(t)
	e.ada(t)
	e.mustUser(t, admin.UserRequest{PhoneNumber: "4798765432", PIN: "1236", GivenName: "Kari", FamilyName: "Nordmann"})
	b := e.signedIn(t)
	p := b.get(t, "users/?q=nord")
	contains(t, p, "4798765432")
	if strings.Contains(p.Body, "4712345678") {
		t.Error("search nord found Ada")
	}
	contains(t, b.get(t, "users/?q=%2B47+123"), "4712345678")
}

func TestRotateKeys(t *testing.T) {
	e := newEnv(t)
	b := e.signedIn(t)
	before, _ := e.admin.ListKeys(t.Context())
	p := b.post(t, "keys/rotate", nil)
	contains(t, p, "New keys were added.")
	after, _ := e.admin.ListKeys(t.Context())
	if len(after) != len(before)+2 {
		t.Errorf("%d keys after rotation, %d before", len(after), len(before))
	}
}

// Every form post from another origin is refused and changes nothing.
func TestCrossOriginRefused(t *testing.T) {
	e := newEnv(t)
	e.shop(t)
	b := e.signedIn(t)
	for _, path := range []string{"clients/shop/delete", "clients/shop/secret", "keys/rotate", "signout", "signin"} {
		p := b.postFrom(t, "https://evil.example", path, url.Values{"token": {adminToken}})
		if p.Status != http.StatusForbidden || !strings.Contains(p.Body, "sent from another site") {
			t.Errorf("cross-origin POST %s = %d", path, p.Status)
		}
	}
	if _, err := e.admin.GetClient(t.Context(), "shop"); err != nil {
		t.Error("a cross-origin delete was carried out")
	}
	if p := b.get(t, "keys/"); !strings.Contains(p.Body, "Sign out") {
		t.Error("a cross-origin sign-out was carried out")
	}
}

// A form larger than the limit is refused.
func TestFormTooLarge(t *testing.T) {
	e := newEnv(t)
	b := e.signedIn(t)
	p := b.post(t, "clients/", url.Values{"name": {strings.Repeat("x", 70<<10)}})
	if p.Status != http.StatusBadRequest || !strings.Contains(p.Body, "64 KiB") {
		t.Errorf("a 70 KiB form = %d", p.Status)
	}
}

// The new-user form comes filled in with generated data that the admin
// API accepts as it is.
func TestCreateGeneratedUser(t *testing.T) {
	e := newEnv(t)
	b := e.signedIn(t)
	page := b.get(t, "users/new")
	form := url.Values{}
	for _, m := range regexp.MustCompile(`<input [^>]*name="([a-z_]+)" value="([^"]*)"`).FindAllStringSubmatch(page.Body, -1) {
		form.Set(m[1], m[2])
	}
	for _, m := range regexp.MustCompile(`<input type="[a-z]+" id="[a-z_]+" name="([a-z_]+)" value="([^"]*)"`).FindAllStringSubmatch(page.Body, -1) {
		form.Set(m[1], m[2])
	}
	if form.Get("phone_number") == "" || form.Get("nin") == "" || form.Get("street_address") == "" {
		t.Fatalf("the form is not filled in: %v", form)
	}
	p := b.post(t, "users/", form)
	contains(t, p, "The test user was created.")
	u, err := e.store.GetUser(t.Context(), form.Get("phone_number"))
	if err != nil || u.NIN != form.Get("nin") || u.Addresses[0].Region == "" || !secret.Verify(u.PINHash, form.Get("pin")) {
		t.Errorf("stored = %+v, %v", u, err)
	}
}

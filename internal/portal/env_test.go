package portal_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/vippslogin/vippslogin/internal/admin"
	"github.com/vippslogin/vippslogin/internal/server"
	"github.com/vippslogin/vippslogin/internal/store"
	"github.com/vippslogin/vippslogin/internal/testenv"
)

const adminToken = "portal-test-admin-token"

var start = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)

// env is a whole server (server.Server: the portal as it is mounted, the
// admin API, the QR image and static routes) on SQLite with a fake clock.
type env struct {
	srv   *server.Server
	base  string
	store store.Store
	clock *testenv.Clock
	admin *admin.Client
}

func newEnv(t *testing.T) *env {
	t.Helper()
	st := testenv.SQLite(t)
	clock := testenv.NewClock(start)
	km := testenv.Keys(t, st, clock.Now)
	ts := httptest.NewUnstartedServer(nil)
	base := "http://" + ts.Listener.Addr().String()
	s := &server.Server{BaseURL: base, Store: st, Keys: km, AdminToken: adminToken,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: clock.Now}
	ts.Config.Handler = s.Handler()
	ts.Start()
	t.Cleanup(ts.Close)
	return &env{srv: s, base: base, store: st, clock: clock, admin: &admin.Client{BaseURL: base, Token: adminToken}}
}

// browser plays a person at the portal: it keeps cookies and follows
// redirects, and its posts come from the portal's own origin, as a
// browser's form posts do.
type browser struct {
	*testenv.Browser
	e *env
}

func (e *env) browser(t *testing.T) *browser {
	return &browser{testenv.NewBrowser(t, "never"), e}
}

// signedIn is a browser signed in to the portal.
func (e *env) signedIn(t *testing.T) *browser {
	t.Helper()
	b := e.browser(t)
	if p := b.post(t, "signin", url.Values{"token": {adminToken}}); p.Status != 200 || !strings.HasSuffix(p.URL.Path, "/portal/clients/") {
		t.Fatalf("sign-in ended at %s with %d", p.URL, p.Status)
	}
	return b
}

// get opens path below B/portal/.
func (b *browser) get(t *testing.T, path string) testenv.Page {
	t.Helper()
	return b.Get(b.e.base + "/portal/" + path)
}

// post submits form to path below B/portal/, from the portal's origin.
func (b *browser) post(t *testing.T, path string, form url.Values) testenv.Page {
	t.Helper()
	return b.postFrom(t, b.e.base, path, form)
}

func (b *browser) postFrom(t *testing.T, origin, path string, form url.Values) testenv.Page {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, b.e.base+"/portal/"+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", origin)
	return b.Do(req)
}

// mustClient creates a client through the admin API, as a test's setup.
func (e *env) mustClient(t *testing.T, req admin.ClientRequest) admin.ClientResponse {
	t.Helper()
	c, err := e.admin.CreateClient(t.Context(), req)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (e *env) mustUser(t *testing.T, req admin.UserRequest) {
	t.Helper()
	if _, err := e.admin.CreateUser(t.Context(), req); err != nil {
		t.Fatal(err)
	}
}

// shop is the sale unit most tests work with.
func (e *env) shop(t *testing.T) admin.ClientResponse {
	return e.mustClient(t, admin.ClientRequest{
		ClientID: "shop", Name: "Shop", RedirectURIs: []string{"https://shop.example/callback"},
		Flows: []string{"browser", "qr"}, QRWebhookURL: "https://shop.example/qr-hook", ConsentWebhookURL: "https://shop.example/hook",
	})
}

func (e *env) ada(t *testing.T) {
	e.mustUser(t, admin.UserRequest{PhoneNumber: "4712345678", PIN: "1236", GivenName: "Ada", FamilyName: "Lovelace",
		Birthdate: "1815-12-10", Email: "ada@example.com", EmailVerified: true, NIN: "10121550047",
		Addresses: []store.Address{{StreetAddress: "Storgata 1", PostalCode: "0150", Region: "Oslo", Country: "NO", AddressType: "home", Default: true},
			{StreetAddress: "Work street 2", PostalCode: "0151", Region: "Oslo", Country: "NO", AddressType: "work"}}})
}

func contains(t *testing.T, p testenv.Page, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(p.Body, w) {
			t.Errorf("%s (%d) does not hold %q", p.URL, p.Status, w)
		}
	}
}

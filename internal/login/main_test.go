package login

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/vippslogin/vippslogin/internal/flow"
	"github.com/vippslogin/vippslogin/internal/secret"
	"github.com/vippslogin/vippslogin/internal/store"
	"github.com/vippslogin/vippslogin/internal/testenv"
)

func TestMain(m *testing.M) {
	testenv.CheapHashing()
	os.Exit(m.Run())
}

const (
	testClient   = "shop"
	testRedirect = "https://shop.example/callback"
	testUser     = "4712345678"
	// testState has spaces, reserved characters and non-ASCII: it must
	// come back byte-exact.
	testState = "state with spaces & æøå/?=+ 🙂"
)

// env is the login pages over a real SQLite store with a client and a user.
type env struct {
	st    store.Store
	srv   *httptest.Server
	clock *testenv.Clock
}

func newEnv(t *testing.T) *env {
	t.Helper()
	return newEnvOn(t, httptest.NewServer)
}

// newTLSEnv is newEnv over https, whose cookies are Secure and prefixed.
func newTLSEnv(t *testing.T) *env {
	t.Helper()
	return newEnvOn(t, httptest.NewTLSServer)
}

func newEnvOn(t *testing.T, serve func(http.Handler) *httptest.Server) *env {
	t.Helper()
	ctx := t.Context()
	st := testenv.SQLite(t)
	c := testenv.NewClock(time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC))
	if err := st.CreateClient(ctx, store.Client{
		ID: testClient, Name: "Demo Shop", RedirectURIs: []string{testRedirect},
		TokenEndpointAuthMethod: store.AuthSecretBasic, Flows: []string{store.FlowBrowser},
		Scopes: store.Scopes, CreatedAt: c.Now(), UpdatedAt: c.Now(),
	}); err != nil {
		t.Fatal(err)
	}
	for _, phone := range []string{testUser, "4798765432"} {
		if err := st.CreateUser(ctx, store.User{PhoneNumber: phone, PINHash: secret.Hash("1236"),
			GivenName: "Ada", FamilyName: "Lovelace", CreatedAt: c.Now(), UpdatedAt: c.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	e := &env{st: st, clock: c}
	mux := http.NewServeMux()
	e.srv = serve(mux)
	t.Cleanup(e.srv.Close)
	p := &Pages{Store: st, Issuer: e.srv.URL + flow.IssuerPath, BaseURL: e.srv.URL, Now: c.Now}
	p.Mount(mux)
	return e
}

// start creates a login as authorize would and returns its id.
func (e *env) start(t *testing.T, scopes ...string) string {
	t.Helper()
	if len(scopes) == 0 {
		scopes = []string{"openid"}
	}
	id := secret.New()
	now := e.clock.Now()
	err := e.st.CreateLoginRequest(t.Context(), store.LoginRequest{
		ID: id, ClientID: testClient, RedirectURI: testRedirect, Scopes: scopes, State: testState,
		Status: store.LoginCreated, CreatedAt: now, UpdatedAt: now, ExpiresAt: now.Add(flow.LoginTTL),
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// update changes the stored login, as the app or authorize would.
func (e *env) update(t *testing.T, id string, change func(*store.LoginRequest)) {
	t.Helper()
	_, err := e.st.UpdateLoginRequest(t.Context(), id, func(r store.LoginRequest) (store.LoginRequest, error) {
		change(&r)
		return r, nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// approve does what the app does when the user approves.
func (e *env) approve(t *testing.T, id string) {
	t.Helper()
	e.update(t, id, func(r *store.LoginRequest) {
		r.Status, r.SessionID, r.AuthTime = store.LoginApproved, "sid-"+id[:8], e.clock.Now()
		if r.PhoneNumber == "" { // a mobile login: the app says who
			r.PhoneNumber = testUser
		}
	})
}

func (e *env) get(t *testing.T, id string) store.LoginRequest {
	t.Helper()
	r, err := e.st.GetLoginRequest(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// browser is one browser: a cookie jar, a user agent and languages.
type browser struct {
	e      *env
	c      *http.Client
	ua     string
	header http.Header
}

func (e *env) browser(t *testing.T) *browser {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	c := &http.Client{Transport: e.srv.Client().Transport, Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return &browser{e: e, c: c, ua: "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36",
		header: http.Header{"Accept-Language": {"en-GB,en;q=0.9"}}}
}

type response struct {
	status int
	header http.Header
	body   string
}

// location is the redirect target, resolved against path.
func (r response) location(t *testing.T) *url.URL {
	t.Helper()
	if r.status != http.StatusSeeOther {
		t.Fatalf("status %d, want 303; body:\n%s", r.status, r.body)
	}
	u, err := url.Parse(r.header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func (b *browser) do(t *testing.T, method, path string, form url.Values, header http.Header) response {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(t.Context(), method, b.e.srv.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("User-Agent", b.ua)
	for k, v := range b.header {
		req.Header[k] = v
	}
	for k, v := range header {
		req.Header[k] = v
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := b.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	r := response{resp.StatusCode, resp.Header, string(data)}
	if strings.HasPrefix(r.header.Get("Content-Type"), "text/html") || r.status == http.StatusSeeOther {
		checkPageHeaders(t, path, r.header)
	}
	return r
}

// checkPageHeaders checks what every page carries: no framing, no
// referrer, no caching (issue 3 "Security on every page").
func checkPageHeaders(t *testing.T, path string, h http.Header) {
	t.Helper()
	if csp := h.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("%s: Content-Security-Policy %q lacks frame-ancestors 'none'", path, csp)
	}
	for k, want := range map[string]string{"X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer", "Cache-Control": "no-store"} {
		if got := h.Get(k); got != want {
			t.Errorf("%s: %s = %q, want %q", path, k, got, want)
		}
	}
}

func (b *browser) index(t *testing.T, id string) response {
	t.Helper()
	return b.do(t, http.MethodGet, "/vipps-login-idp/index.html?tabId="+url.QueryEscape(id), nil, nil)
}

func (b *browser) post(t *testing.T, path string, form url.Values) response {
	t.Helper()
	return b.do(t, http.MethodPost, path, form, nil)
}

// status returns the status endpoint's answer for the login.
func (b *browser) status(t *testing.T, id string) (int, string) {
	t.Helper()
	r := b.do(t, http.MethodGet, "/vipps-login-idp/api/status?tabId="+url.QueryEscape(id), nil, nil)
	if cc := r.header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("status Cache-Control = %q", cc)
	}
	return r.status, r.body
}

// enterPhone posts the phone page and expects to be sent on to index.
func (b *browser) enterPhone(t *testing.T, id, phone string, remember bool) {
	t.Helper()
	form := url.Values{"tabId": {id}, "phone_number": {phone}}
	if remember {
		form.Set("remember", "on")
	}
	r := b.post(t, "/vipps-login-idp/phone", form)
	if loc := r.location(t); loc.String() != "index.html?tabId="+url.QueryEscape(id) {
		t.Fatalf("phone: Location %q", loc)
	}
}

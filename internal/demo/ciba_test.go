package demo

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

	"github.com/vippslogin/vippslogin/internal/app"
	"github.com/vippslogin/vippslogin/internal/jsonapi"
	"github.com/vippslogin/vippslogin/internal/oidc"
	"github.com/vippslogin/vippslogin/internal/secret"
	"github.com/vippslogin/vippslogin/internal/store"
	"github.com/vippslogin/vippslogin/internal/testenv"
)

func TestMain(m *testing.M) {
	testenv.CheapHashing()
	os.Exit(m.Run())
}

// shopServer serves the provider, the app API and the shop, with the demo
// client and Ada (PIN 1236), on a clock the test moves. It starts at the
// real time: the shop checks the ID token's expiry by it.
func shopServer(t *testing.T) (*httptest.Server, *testenv.Clock) {
	t.Helper()
	ctx := t.Context()
	st := testenv.SQLite(t)
	clk := testenv.NewClock(time.Now().UTC())
	km := testenv.Keys(t, st, clk.Now)
	now := clk.Now()
	err := st.CreateClient(ctx, store.Client{ID: "demo-client", Name: "Demo Shop", SecretHash: secret.Hash("demo-secret"),
		TokenEndpointAuthMethod: store.AuthSecretBasic, Flows: []string{store.FlowBrowser, store.FlowCIBA}, Scopes: store.Scopes,
		CreatedAt: now, UpdatedAt: now})
	if err != nil {
		t.Fatal(err)
	}
	err = st.CreateUser(ctx, store.User{PhoneNumber: "4712345678", PINHash: secret.Hash("1236"), GivenName: "Ada", FamilyName: "Lovelace"})
	if err != nil {
		t.Fatal(err)
	}
	p := &oidc.Provider{Keys: km, Store: st, Now: clk.Now}
	api := &app.API{Store: st, Now: clk.Now}
	shop := &Shop{ClientID: "demo-client", ClientSecret: "demo-secret"}
	mux := http.NewServeMux()
	p.Mount(mux)
	shop.Mount(mux)
	appMux := http.NewServeMux()
	api.Mount(appMux)
	mux.Handle("/app/", jsonapi.Routes(appMux))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	p.BaseURL, api.BaseURL, shop.BaseURL = srv.URL, srv.URL, srv.URL
	return srv, clk
}

// browser is a cookie-keeping client that does not follow redirects.
func browser(t *testing.T) *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func page(t *testing.T, b *http.Client, req *http.Request) (*http.Response, string) {
	t.Helper()
	resp, err := b.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

func postForm(t *testing.T, b *http.Client, u string, form url.Values, header http.Header) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", u, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range header {
		req.Header[k] = v
	}
	return page(t, b, req)
}

func get(t *testing.T, b *http.Client, u string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", u, nil)
	return page(t, b, req)
}

func TestLogInByPhoneNumber(t *testing.T) {
	srv, clk := shopServer(t)
	b := browser(t)
	if _, home := get(t, b, srv.URL+"/demo/"); !strings.Contains(home, `name="phone_number"`) || !strings.Contains(home, `action="ciba"`) {
		t.Fatalf("the shop has no phone number form:\n%s", home)
	}
	resp, _ := postForm(t, b, srv.URL+"/demo/ciba", url.Values{"phone_number": {"+47 123 45 678"}}, nil)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "ciba" {
		t.Fatalf("start: %d, Location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if c := resp.Cookies(); len(c) != 1 || c[0].Name != cibaCookie || !c[0].HttpOnly {
		t.Errorf("cookies %v", c)
	}

	resp, waiting := get(t, b, srv.URL+"/demo/ciba")
	if resp.StatusCode != 200 || !strings.Contains(waiting, `<meta http-equiv="refresh" content="5">`) || !strings.Contains(waiting, "DEMO-") {
		t.Fatalf("wait page %d:\n%s", resp.StatusCode, waiting)
	}
	if resp.Header.Get("Content-Security-Policy") == "" {
		t.Error("the wait page has no Content-Security-Policy")
	}

	phone := &app.Client{BaseURL: srv.URL}
	if _, err := phone.SignIn(t.Context(), "4712345678", "1236"); err != nil {
		t.Fatal(err)
	}
	reqs, err := phone.Requests(t.Context(), 0)
	if err != nil || len(reqs) != 1 || !strings.Contains(waiting, reqs[0].BindingMessage) {
		t.Fatalf("the app shows %+v, %v", reqs, err)
	}
	if _, err := phone.Approve(t.Context(), reqs[0].ID, app.ApproveRequest{}); err != nil {
		t.Fatal(err)
	}
	clk.Add(5 * time.Second)
	resp, result := get(t, b, srv.URL+"/demo/ciba")
	if resp.StatusCode != 200 || !strings.Contains(result, "Welcome, Ada Lovelace!") || !strings.Contains(result, "auth_req_id") ||
		strings.Contains(result, "http-equiv") {
		t.Fatalf("result page %d:\n%s", resp.StatusCode, result)
	}
	// The login is over: the cookie is gone.
	if resp, body := get(t, b, srv.URL+"/demo/ciba"); resp.StatusCode != 400 || !strings.Contains(body, "No login from phone number") {
		t.Errorf("after the result: %d\n%s", resp.StatusCode, body)
	}
}

func TestLogInByPhoneNumberErrors(t *testing.T) {
	srv, _ := shopServer(t)
	b := browser(t)
	// Vipps answers a number with no account at the poll ("error_code=
	// invalid_user: No account exists, …"), so the login starts and the
	// waiting page's first poll shows it, with the error_code.
	resp, _ := postForm(t, b, srv.URL+"/demo/ciba", url.Values{"phone_number": {"4799999999"}}, nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Errorf("unknown number: %d, want the login started", resp.StatusCode)
	}
	resp, body := get(t, b, srv.URL+"/demo/ciba")
	if resp.StatusCode != 200 || !strings.Contains(body, "access_denied (error_code invalid_user)") {
		t.Errorf("unknown number, the waiting page: %d\n%s", resp.StatusCode, body)
	}
	resp, _ = postForm(t, b, srv.URL+"/demo/ciba", url.Values{"phone_number": {"4712345678"}}, http.Header{"Sec-Fetch-Site": {"cross-site"}})
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site form post: %d, want 403", resp.StatusCode)
	}

	// A rejection is shown as the error it is.
	postForm(t, b, srv.URL+"/demo/ciba", url.Values{"phone_number": {"4712345678"}}, nil)
	phone := &app.Client{BaseURL: srv.URL}
	if _, err := phone.SignIn(t.Context(), "4712345678", "1236"); err != nil {
		t.Fatal(err)
	}
	reqs, _ := phone.Requests(t.Context(), 0)
	if len(reqs) != 1 {
		t.Fatalf("requests %+v", reqs)
	}
	if err := phone.Reject(t.Context(), reqs[0].ID); err != nil {
		t.Fatal(err)
	}
	if resp, body := get(t, b, srv.URL+"/demo/ciba"); !strings.Contains(body, "access_denied") {
		t.Errorf("after a rejection: %d\n%s", resp.StatusCode, body)
	}
}

package app

import (
	"context"
	"crypto/rand"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/vippslogin/vippslogin/internal/flow"
	"github.com/vippslogin/vippslogin/internal/secret"
	"github.com/vippslogin/vippslogin/internal/store"
	"github.com/vippslogin/vippslogin/internal/testenv"
)

// cibaWorld is the app API with a base URL (for open_url), the client
// "Demo Shop" with a redirect URI, and Ada signed in.
type cibaWorld struct {
	clock *testenv.Clock
	st    store.Store
	ada   *Client
}

func newCIBAWorld(t *testing.T) *cibaWorld {
	t.Helper()
	c := newClock()
	api, ada, st := setup(t, c)
	api.BaseURL = "https://vipps.example"
	ctx := context.Background()
	err := st.CreateClient(ctx, store.Client{ID: "demo-client", Name: "Demo Shop",
		RedirectURIs: []string{"https://shop.example/callback"}, CreatedAt: c.Now(), UpdatedAt: c.Now()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ada.SignIn(ctx, "4712345678", "1236"); err != nil {
		t.Fatal(err)
	}
	return &cibaWorld{clock: c, st: st, ada: ada}
}

// request stores a waiting CIBA request for Ada as the backchannel endpoint
// leaves it, changed by change.
func (w *cibaWorld) request(t *testing.T, change func(*store.LoginRequest)) store.LoginRequest {
	t.Helper()
	now := w.clock.Now()
	r := store.LoginRequest{
		ID: rand.Text(), Kind: store.KindCIBA, ClientID: "demo-client", Scopes: []string{"openid", "name", "phoneNumber"},
		State: "state-123", Nonce: "nonce-123", BindingMessage: "4MZ-CQ3", PollInterval: 5 * time.Second,
		PhoneNumber: "4712345678", Status: store.LoginWaiting, CreatedAt: now, UpdatedAt: now, ExpiresAt: now.Add(10 * time.Minute),
	}
	if change != nil {
		change(&r)
	}
	if err := w.st.CreateLoginRequest(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	return r
}

func (w *cibaWorld) get(t *testing.T, id string) store.LoginRequest {
	t.Helper()
	r, err := w.st.GetLoginRequest(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestCIBARequestInTheApp(t *testing.T) {
	w := newCIBAWorld(t)
	ctx := context.Background()
	r := w.request(t, nil)
	want := Request{ID: r.ID, Kind: "ciba", Status: "waiting", ClientName: "Demo Shop", BindingMessage: "4MZ-CQ3",
		Scopes: r.Scopes, ConsentRequired: true, ExpiresAt: r.ExpiresAt}
	reqs, err := w.ada.Requests(ctx, 0)
	if err != nil || len(reqs) != 1 || !equalRequest(reqs[0], want) || reqs[0].BindingMessage != want.BindingMessage {
		t.Fatalf("Requests = %+v, %v; want only %+v", reqs, err, want)
	}
	if reqs[0].ChallengeOptions != nil {
		t.Errorf("a CIBA request offers challenges %v", reqs[0].ChallengeOptions)
	}
	// The deeplink shows it too; a consent that covers it means none asked.
	err = w.st.SaveConsent(ctx, store.Consent{PhoneNumber: "4712345678", ClientID: "demo-client",
		Scopes: []string{"name", "phoneNumber"}, CreatedAt: w.clock.Now(), UpdatedAt: w.clock.Now()})
	if err != nil {
		t.Fatal(err)
	}
	want.ConsentRequired = false
	if got, err := w.ada.Request(ctx, r.ID); err != nil || !equalRequest(got, want) {
		t.Errorf("Request = %+v, %v; want %+v", got, err, want)
	}
}

// Approving a CIBA request needs no challenge and is the consent: the
// scopes join what the user had consented to before.
func TestApproveCIBA(t *testing.T) {
	w := newCIBAWorld(t)
	ctx := context.Background()
	now := w.clock.Now()
	err := w.st.SaveConsent(ctx, store.Consent{PhoneNumber: "4712345678", ClientID: "demo-client",
		Scopes: []string{"email"}, CreatedAt: now, UpdatedAt: now})
	if err != nil {
		t.Fatal(err)
	}
	r := w.request(t, nil)
	w.clock.Add(time.Minute)
	res, err := w.ada.Approve(ctx, r.ID, ApproveRequest{})
	if err != nil || res.OpenURL != "" {
		t.Fatalf("Approve = %+v, %v", res, err)
	}
	got := w.get(t, r.ID)
	if got.Status != store.LoginApproved || !got.AuthTime.Equal(w.clock.Now()) || !got.UpdatedAt.Equal(w.clock.Now()) {
		t.Errorf("approved request = %+v", got)
	}
	if _, err := uuid.Parse(got.SessionID); err != nil {
		t.Errorf("SessionID %q is not a UUID", got.SessionID)
	}
	c, err := w.st.GetConsent(ctx, "4712345678", "demo-client")
	if err != nil || !slices.Equal(c.Scopes, []string{"name", "phoneNumber", "email"}) {
		t.Errorf("consent = %+v, %v", c, err)
	}
	if _, err := w.ada.Approve(ctx, r.ID, ApproveRequest{}); status(err) != 409 {
		t.Errorf("second Approve = %v, want 409", err)
	}
}

// login_to_webpage: the approval issues the code at once and the phone
// opens the client's redirect_uri with it.
func TestApproveCIBALoginToWebpage(t *testing.T) {
	w := newCIBAWorld(t)
	ctx := context.Background()
	r := w.request(t, func(r *store.LoginRequest) {
		r.RequestedFlow, r.RedirectURI = flow.LoginToWebpage, "https://shop.example/callback"
	})
	res, err := w.ada.Approve(ctx, r.ID, ApproveRequest{})
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(res.OpenURL)
	if err != nil || !strings.HasPrefix(res.OpenURL, "https://shop.example/callback?") || u.Query().Get("state") != "state-123" ||
		u.Query().Get("iss") != "https://vipps.example"+flow.IssuerPath {
		t.Fatalf("open_url = %q", res.OpenURL)
	}
	if got := w.get(t, r.ID); got.Status != store.LoginDone {
		t.Errorf("status %s, want done: the code is out", got.Status)
	}
	code, err := w.st.GetAuthCode(ctx, secret.Digest(u.Query().Get("code")))
	if err != nil || code.AuthReqID != r.ID || code.ClientID != "demo-client" || code.PhoneNumber != "4712345678" ||
		code.Nonce != "nonce-123" || code.SessionID == "" || !code.ExpiresAt.Equal(w.clock.Now().Add(flow.CodeTTL)) {
		t.Errorf("code = %+v, %v", code, err)
	}
}

func TestCIBAFailuresInTheApp(t *testing.T) {
	w := newCIBAWorld(t)
	ctx := context.Background()

	rejected := w.request(t, nil)
	if err := w.ada.Reject(ctx, rejected.ID); err != nil {
		t.Fatal(err)
	}
	if got := w.get(t, rejected.ID); got.Status != store.LoginFailed || got.Error != "access_denied" || got.ErrorDescription != RejectedDescription {
		t.Errorf("rejected = %+v", got)
	}

	late := w.request(t, nil)
	w.clock.Add(10 * time.Minute)
	code, body := raw(t, w.ada, "POST", "/app/v1/requests/"+late.ID+"/approve", `{}`)
	if code != 410 || body["error"] != "expired_token" {
		t.Errorf("late approve = %d %v, want 410 expired_token", code, body)
	}
	if got := w.get(t, late.ID); got.Status != store.LoginFailed || got.Error != "expired_token" {
		t.Errorf("late = %+v", got)
	}

	_, err := w.st.UpdateUser(ctx, "4712345678", func(u store.User) (store.User, error) { u.AppVersion = "1.9.9"; return u, nil })
	if err != nil {
		t.Fatal(err)
	}
	outdated := w.request(t, nil)
	code, body = raw(t, w.ada, "POST", "/app/v1/requests/"+outdated.ID+"/approve", `{}`)
	if code != 409 || body["error"] != "old_app" {
		t.Errorf("approve from an outdated app = %d %v, want 409 old_app", code, body)
	}
	if got := w.get(t, outdated.ID); got.Status != store.LoginFailed || got.Error != "old_app" {
		t.Errorf("outdated = %+v", got)
	}
}

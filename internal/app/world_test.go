package app

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/vippslogin/vippslogin/internal/flow"
	"github.com/vippslogin/vippslogin/internal/secret"
	"github.com/vippslogin/vippslogin/internal/store"
	"github.com/vippslogin/vippslogin/internal/testenv"
)

// world is the app API with a client ("Demo Shop"), the signed-in user
// 4712345678 (Ada) and a second user 4712345679 with their own app.
type world struct {
	clock *testenv.Clock
	st    store.Store
	ada   *Client
	bob   *Client
}

func newWorld(t *testing.T) *world {
	t.Helper()
	c := newClock()
	_, ada, st := setup(t, c)
	ctx := context.Background()
	if err := st.CreateClient(ctx, store.Client{ID: "demo-client", Name: "Demo Shop", CreatedAt: c.Now(), UpdatedAt: c.Now()}); err != nil {
		t.Fatal(err)
	}
	addUser(t, st, "4712345679", "")
	if _, err := ada.SignIn(ctx, "4712345678", "1236"); err != nil {
		t.Fatal(err)
	}
	bob := &Client{BaseURL: ada.BaseURL, HTTP: ada.HTTP}
	if _, err := bob.SignIn(ctx, "4712345679", "1236"); err != nil {
		t.Fatal(err)
	}
	return &world{clock: c, st: st, ada: ada, bob: bob}
}

func addUser(t *testing.T, st store.Store, phone, appVersion string) {
	t.Helper()
	err := st.CreateUser(context.Background(), store.User{PhoneNumber: phone, PINHash: secret.Hash("1236"), AppVersion: appVersion})
	if err != nil {
		t.Fatal(err)
	}
}

// login stores a waiting login as the login pages leave it: a desktop one
// for phone with challenge 42, or (phone "") an unbound mobile one.
func (w *world) login(t *testing.T, phone string) store.LoginRequest {
	t.Helper()
	now := w.clock.Now()
	r := store.LoginRequest{
		ID: rand.Text(), ClientID: "demo-client", RedirectURI: "http://localhost:3000/callback",
		Scopes: []string{"openid", "name", "email"}, State: "state-123", Locale: "en",
		PhoneNumber: phone, Mobile: phone == "", Status: store.LoginWaiting,
		CreatedAt: now, UpdatedAt: now, ExpiresAt: now.Add(flow.LoginTTL),
	}
	if phone != "" {
		r.Challenge, r.ChallengeOptions = "42", []string{"17", "42", "88"}
	}
	if err := w.st.CreateLoginRequest(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	return r
}

func (w *world) get(t *testing.T, id string) store.LoginRequest {
	t.Helper()
	r, err := w.st.GetLoginRequest(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// raw calls the API with the client's token and returns the status and the
// decoded JSON body, to see what the Go client does not show.
func raw(t *testing.T, c *Client, method, path string, body string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, c.BaseURL+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+c.Token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.HTTP.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	json.NewDecoder(resp.Body).Decode(&m)
	return resp.StatusCode, m
}

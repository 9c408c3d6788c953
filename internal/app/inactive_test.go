package app

import (
	"context"
	"strings"
	"testing"

	"github.com/vippslogin/vippslogin/internal/jsonapi"
	"github.com/vippslogin/vippslogin/internal/secret"
	"github.com/vippslogin/vippslogin/internal/store"
)

// Vipps: "the user's account is not active" is one way a user may not log
// in (error_code=invalid_user). An inactive account's app cannot sign in,
// so it confirms no login of any kind: the right PIN gets 403 saying so
// (a wrong one the usual 401, so the answer tells nothing to who lacks the
// PIN), and a session made in the moment before the account was made
// inactive (deactivating ends the others) is refused too.
func TestInactiveUserCannotSignIn(t *testing.T) {
	c := newClock()
	_, client, st := setup(t, c)
	ctx := context.Background()
	early := &Client{BaseURL: client.BaseURL, HTTP: client.HTTP}
	if _, err := early.SignIn(ctx, "4712345678", "1236"); err != nil {
		t.Fatal(err)
	}
	if _, err := st.UpdateUser(ctx, "4712345678", func(u store.User) (store.User, error) { u.Inactive = true; return u, nil }); err != nil {
		t.Fatal(err)
	}
	_, err := client.SignIn(ctx, "4712345678", "1236")
	if p, ok := err.(*jsonapi.Problem); !ok || p.Status != 403 || !strings.Contains(p.Detail, "not active") {
		t.Errorf("SignIn of an inactive user = %v, want 403 saying the account is not active", err)
	}
	if _, err := client.SignIn(ctx, "4712345678", "0000"); status(err) != 401 {
		t.Errorf("SignIn of an inactive user with a wrong PIN = %v, want 401", err)
	}
	if code, _ := whoami(t, early); code != 401 {
		t.Errorf("the session from before deactivation: %d, want 401", code)
	}
	// A session that slipped in (made at once with the deactivation) is
	// refused wherever the user is read.
	slipped := &Client{BaseURL: client.BaseURL, HTTP: client.HTTP, Token: "slipped-in-token"}
	if err := st.CreateAppSession(ctx, store.AppSession{TokenHash: secret.Digest(slipped.Token), PhoneNumber: "4712345678",
		CreatedAt: c.Now(), ExpiresAt: c.Now().Add(SessionTTL)}); err != nil {
		t.Fatal(err)
	}
	if code, body := whoami(t, slipped); code != 403 || !strings.Contains(body, "not active") {
		t.Errorf("an inactive user's session: %d %s, want 403", code, body)
	}

	if _, err := st.UpdateUser(ctx, "4712345678", func(u store.User) (store.User, error) { u.Inactive = false; return u, nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := client.SignIn(ctx, "4712345678", "1236"); err != nil {
		t.Errorf("SignIn once active again: %v", err)
	}
}

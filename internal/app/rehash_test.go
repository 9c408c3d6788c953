package app

import (
	"context"
	"strings"
	"testing"

	"github.com/vippslogin/vippslogin/internal/secret"
	"github.com/vippslogin/vippslogin/internal/store"
)

// A PIN stored at the old count of 100,000 rounds still signs in, and the
// sign-in stores it again at 600,000 (OWASP); a wrong PIN changes nothing.
func TestSignInUpgradesOldPINHash(t *testing.T) {
	defer func(n int) { secret.Iterations = n }(secret.Iterations)
	ctx := context.Background()
	_, client, st := setup(t, newClock())
	secret.Iterations = 100_000
	old := secret.Hash("4321")
	if err := st.CreateUser(ctx, store.User{PhoneNumber: "4712345699", PINHash: old}); err != nil {
		t.Fatal(err)
	}
	secret.Iterations = 600_000

	if _, err := client.SignIn(ctx, "4712345699", "0000"); status(err) != 401 {
		t.Fatalf("wrong PIN: %v, want 401", err)
	}
	if u, _ := st.GetUser(ctx, "4712345699"); u.PINHash != old {
		t.Errorf("a wrong PIN changed the stored hash to %q", u.PINHash)
	}
	if _, err := client.SignIn(ctx, "4712345699", "4321"); err != nil {
		t.Fatalf("right PIN on a 100,000-round hash: %v", err)
	}
	u, err := st.GetUser(ctx, "4712345699")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(u.PINHash, "pbkdf2-sha256$600000$") || !secret.Verify(u.PINHash, "4321") || secret.NeedsRehash(u.PINHash) {
		t.Errorf("stored hash after the sign-in = %q, want the PIN at 600000 rounds", u.PINHash)
	}
	if u.FailedPINAttempts != 0 {
		t.Errorf("failed attempts after the right PIN = %d, want 0", u.FailedPINAttempts)
	}
}

// changingStore is a real store whose next UpdateUser first lets change
// run through it: a PIN changed by an admin while a sign-in was checking
// the old one.
type changingStore struct {
	store.Store
	change func()
}

func (s *changingStore) UpdateUser(ctx context.Context, phone string, update func(store.User) (store.User, error)) (store.User, error) {
	if s.change != nil {
		s.change()
		s.change = nil
	}
	return s.Store.UpdateUser(ctx, phone, update)
}

// The upgrade of an old hash never overwrites a PIN changed meanwhile: the
// new PIN stays, and the old one no longer signs in.
func TestSignInUpgradeKeepsNewPIN(t *testing.T) {
	defer func(n int) { secret.Iterations = n }(secret.Iterations)
	ctx := context.Background()
	api, client, st := setup(t, newClock())
	secret.Iterations = 100
	if err := st.CreateUser(ctx, store.User{PhoneNumber: "4712345699", PINHash: secret.Hash("4321")}); err != nil {
		t.Fatal(err)
	}
	secret.Iterations = 200
	changed := secret.Hash("5555")
	api.Store = &changingStore{Store: st, change: func() {
		_, err := st.UpdateUser(ctx, "4712345699", func(u store.User) (store.User, error) {
			u.PINHash = changed
			return u, nil
		})
		if err != nil {
			t.Error(err)
		}
	}}
	client.SignIn(ctx, "4712345699", "4321") // checked against the old hash
	if u, _ := st.GetUser(ctx, "4712345699"); u.PINHash != changed {
		t.Errorf("stored hash = %q, want the PIN changed meanwhile (%q)", u.PINHash, changed)
	}
	if _, err := client.SignIn(ctx, "4712345699", "4321"); status(err) != 401 {
		t.Errorf("old PIN after the change: %v, want 401", err)
	}
}

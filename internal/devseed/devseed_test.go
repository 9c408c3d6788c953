package devseed

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/vippslogin/vippslogin/internal/secret"
	"github.com/vippslogin/vippslogin/internal/testenv"
)

func TestSeedIsIdempotentAndKeepsTheYoungUserYoung(t *testing.T) {
	testenv.CheapHashing()
	ctx := context.Background()
	st := testenv.SQLite(t)
	day1 := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	if err := Seed(ctx, st, "http://localhost:8080", day1); err != nil {
		t.Fatal(err)
	}
	u, err := st.GetUser(ctx, TooYoung)
	if err != nil || u.Birthdate != "2011-11-26" {
		t.Fatalf("too-young user born %q (%v), want 2011-11-26: fifteen years ago less a day", u.Birthdate, err)
	}
	c, err := st.GetClient(ctx, ClientID)
	if err != nil || !secret.Verify(c.SecretHash, ClientSecret) {
		t.Fatalf("demo client %+v (%v) does not take the demo secret", c, err)
	}

	// A restart a year later on another port: nothing duplicated, the new
	// callback added, the young user still a day short of fifteen.
	day2 := day1.AddDate(1, 0, 0)
	if err := Seed(ctx, st, "http://localhost:9090", day2); err != nil {
		t.Fatalf("second seed: %v", err)
	}
	users, _ := st.ListUsers(ctx)
	clients, _ := st.ListClients(ctx)
	if len(users) != 5 || len(clients) != 1 {
		t.Errorf("after two seeds: %d users, %d clients; want 5 and 1", len(users), len(clients))
	}
	c, _ = st.GetClient(ctx, ClientID)
	want := []string{"http://localhost:8080/demo/callback", "http://localhost:3000/callback", "demo-app://callback",
		"http://localhost:8080/demo/qr-callback", "http://localhost:9090/demo/callback", "http://localhost:9090/demo/qr-callback"}
	if !slices.Equal(c.RedirectURIs, want) {
		t.Errorf("redirect URIs = %v, want %v", c.RedirectURIs, want)
	}
	// The demo QR code follows the base URL, and stays one.
	qs, err := st.ListQRCodes(ctx, ClientID)
	if err != nil || len(qs) != 1 || qs[0].ID != QRID || qs[0].RedirectURI != "http://localhost:9090/demo/qr-callback" {
		t.Errorf("demo QR codes = %+v (%v), want %s redirecting to the new base URL", qs, err, QRID)
	}
	if u, _ := st.GetUser(ctx, TooYoung); u.Birthdate != "2012-11-26" {
		t.Errorf("too-young user born %q after a year, want 2012-11-26", u.Birthdate)
	}
	if u, _ := st.GetUser(ctx, OutdatedApp); u.AppVersion != OutdatedAppVersion {
		t.Errorf("outdated-app user has app version %q", u.AppVersion)
	}
	if u, err := st.GetUser(ctx, Inactive); err != nil || !u.Inactive {
		t.Errorf("the inactive user = %+v, %v", u, err)
	}
}

package storetest

import (
	"testing"
	"time"

	"github.com/vippslogin/vippslogin/internal/store"
)

// testDeleteExpired fills every kind of expiring record on both sides of
// now (a record expiring exactly at now is kept) and checks that the sweep
// counts and removes the expired ones across all of them, and leaves the
// rest and everything that never expires alone.
func testDeleteExpired(t *testing.T, s store.Store) {
	ctx := t.Context()
	const phone = "4712345678"
	createUsersAndClients(t, s, []string{phone}, []string{"shop"})
	must(t, "SaveConsent", s.SaveConsent(ctx, newConsent(phone, "shop")))
	sub := pairwiseSubject(t, s, phone, "shop", "sub-1")
	now := at(24 * time.Hour)

	// Of each kind, one record expired a microsecond ago, one expires at now.
	createExpiring(t, s, "expired", phone, now.Add(-time.Microsecond))
	createExpiring(t, s, "valid", phone, now)
	const kinds = 5

	n, err := s.DeleteExpired(ctx, now)
	must(t, "DeleteExpired", err)
	if n != kinds {
		t.Errorf("DeleteExpired = %d, want %d", n, kinds)
	}
	for what, err := range lookUpEach(t, s, "expired") {
		wantErr(t, what+" of an expired record", err, store.ErrNotFound)
	}
	for what, err := range lookUpEach(t, s, "valid") {
		if err != nil {
			t.Errorf("%s of a record expiring at now: %v", what, err)
		}
	}
	_, err = s.GetConsent(ctx, phone, "shop")
	must(t, "GetConsent after DeleteExpired", err)
	if got := pairwiseSubject(t, s, phone, "shop", "sub-2"); got != sub {
		t.Errorf("PairwiseSubject after DeleteExpired = %q, want %q", got, sub)
	}

	n, err = s.DeleteExpired(ctx, now)
	must(t, "DeleteExpired again", err)
	if n != 0 {
		t.Errorf("DeleteExpired again = %d, want 0", n)
	}
	n, err = s.DeleteExpired(ctx, now.Add(time.Microsecond))
	must(t, "DeleteExpired a microsecond later", err)
	if n != kinds {
		t.Errorf("DeleteExpired a microsecond later = %d, want %d", n, kinds)
	}
}

// createExpiring creates one record of each expiring kind, named after
// name, of phoneNumber and expiring at expiresAt.
func createExpiring(t *testing.T, s store.Store, name, phoneNumber string, expiresAt time.Time) {
	t.Helper()
	ctx := t.Context()
	as := newAppSession("app-"+name, phoneNumber)
	as.ExpiresAt = expiresAt
	must(t, "CreateAppSession", s.CreateAppSession(ctx, as))
	bs := newBrowserSession("browser-"+name, phoneNumber)
	bs.ExpiresAt = expiresAt
	must(t, "CreateBrowserSession", s.CreateBrowserSession(ctx, bs))
	r := newLoginRequest("login-"+name, phoneNumber)
	r.ExpiresAt = expiresAt
	must(t, "CreateLoginRequest", s.CreateLoginRequest(ctx, r))
	c := newAuthCode("code-" + name)
	c.ExpiresAt = expiresAt
	must(t, "CreateAuthCode", s.CreateAuthCode(ctx, c))
	tok := newAccessToken("token-"+name, c.Hash)
	tok.ExpiresAt = expiresAt
	must(t, "CreateAccessToken", s.CreateAccessToken(ctx, tok))
}

// lookUpEach looks up the records createExpiring made under name and reports each lookup's error by what it looked up.
func lookUpEach(t *testing.T, s store.Store, name string) map[string]error {
	t.Helper()
	ctx := t.Context()
	errs := make(map[string]error)
	_, errs["GetAppSession"] = s.GetAppSession(ctx, "app-"+name)
	_, errs["GetBrowserSessionByToken"] = s.GetBrowserSessionByToken(ctx, newBrowserSession("browser-"+name, "").TokenHash)
	_, errs["GetLoginRequest"] = s.GetLoginRequest(ctx, "login-"+name)
	_, errs["GetAccessToken"] = s.GetAccessToken(ctx, "token-"+name)
	_, errs["GetAuthCode"] = s.GetAuthCode(ctx, "code-"+name)
	return errs
}

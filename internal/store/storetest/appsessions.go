package storetest

import (
	"testing"
	"time"

	"github.com/vippslogin/vippslogin/internal/store"
)

// newAppSession is a session for phoneNumber. It expires in April 2025, in
// the past for any run of the suite, which GetAppSession must not care about.
func newAppSession(tokenHash, phoneNumber string) store.AppSession {
	return store.AppSession{
		TokenHash:   tokenHash,
		PhoneNumber: phoneNumber,
		CreatedAt:   at(0),
		ExpiresAt:   at(30 * 24 * time.Hour),
	}
}

// wantAppSession is as as every backend must return it.
func wantAppSession(as store.AppSession) store.AppSession {
	as.CreatedAt = stored(as.CreatedAt)
	as.ExpiresAt = stored(as.ExpiresAt)
	return as
}

func testAppSessionCreateGetDelete(t *testing.T, s store.Store) {
	ctx := t.Context()
	u := newUser("4712345678")
	must(t, "CreateUser", s.CreateUser(ctx, u))
	as, other := newAppSession("hash-1", u.PhoneNumber), newAppSession("hash-2", u.PhoneNumber)
	must(t, "CreateAppSession", s.CreateAppSession(ctx, as))
	must(t, "CreateAppSession", s.CreateAppSession(ctx, other))

	got, err := s.GetAppSession(ctx, as.TokenHash)
	must(t, "GetAppSession", err)
	equal(t, "GetAppSession", got, wantAppSession(as))

	_, err = s.GetAppSession(ctx, "hash-missing")
	wantErr(t, "GetAppSession of a missing session", err, store.ErrNotFound)
	wantErr(t, "DeleteAppSession of a missing session", s.DeleteAppSession(ctx, "hash-missing"), store.ErrNotFound)

	must(t, "DeleteAppSession", s.DeleteAppSession(ctx, as.TokenHash))
	_, err = s.GetAppSession(ctx, as.TokenHash)
	wantErr(t, "GetAppSession after DeleteAppSession", err, store.ErrNotFound)
	wantErr(t, "DeleteAppSession again", s.DeleteAppSession(ctx, as.TokenHash), store.ErrNotFound)

	got, err = s.GetAppSession(ctx, other.TokenHash)
	must(t, "GetAppSession of the other session", err)
	equal(t, "the other session", got, wantAppSession(other))
}

func testAppSessionCreateExists(t *testing.T, s store.Store) {
	ctx := t.Context()
	for _, p := range []string{"4711111111", "4722222222"} {
		must(t, "CreateUser", s.CreateUser(ctx, newUser(p)))
	}
	as := newAppSession("hash-1", "4711111111")
	must(t, "CreateAppSession", s.CreateAppSession(ctx, as))
	wantErr(t, "CreateAppSession of a taken token hash",
		s.CreateAppSession(ctx, newAppSession(as.TokenHash, "4722222222")), store.ErrExists)
	got, err := s.GetAppSession(ctx, as.TokenHash)
	must(t, "GetAppSession", err)
	equal(t, "session after the failed create", got, wantAppSession(as))
}

// testAppSessionUnknownUser checks that a session cannot belong to nobody:
// DeleteUser could not sign such a phone out.
func testAppSessionUnknownUser(t *testing.T, s store.Store) {
	ctx := t.Context()
	if err := s.CreateAppSession(ctx, newAppSession("hash-1", "4799999999")); err == nil {
		t.Error("CreateAppSession for a missing user succeeded")
	}
	_, err := s.GetAppSession(ctx, "hash-1")
	wantErr(t, "GetAppSession after the failed create", err, store.ErrNotFound)
}

// testAppSessionDeleteExpired checks "expired before now" at its edge: a
// session expiring at now is still valid, one a microsecond earlier is not.
func testAppSessionDeleteExpired(t *testing.T, s store.Store) {
	ctx := t.Context()
	u := newUser("4712345678")
	must(t, "CreateUser", s.CreateUser(ctx, u))
	now := time.Date(2025, time.June, 1, 12, 0, 0, 0, time.UTC)
	session := func(hash string, expiresIn time.Duration) store.AppSession {
		as := newAppSession(hash, u.PhoneNumber)
		as.CreatedAt = now.Add(-time.Hour)
		as.ExpiresAt = now.Add(expiresIn)
		return as
	}
	expired := []store.AppSession{session("hour-ago", -time.Hour), session("microsecond-ago", -time.Microsecond)}
	valid := []store.AppSession{session("now", 0), session("in-a-microsecond", time.Microsecond), session("in-an-hour", time.Hour)}
	for _, as := range append(expired, valid...) {
		must(t, "CreateAppSession", s.CreateAppSession(ctx, as))
	}

	n := deleteExpired(t, s, store.CutoffsAt(now), 2)
	if n != len(expired) {
		t.Errorf("DeleteExpired = %d, want %d", n, len(expired))
	}
	for _, as := range expired {
		_, err := s.GetAppSession(ctx, as.TokenHash)
		wantErr(t, "GetAppSession of expired session "+as.TokenHash, err, store.ErrNotFound)
	}
	for _, as := range valid {
		got, err := s.GetAppSession(ctx, as.TokenHash)
		must(t, "GetAppSession of valid session "+as.TokenHash, err)
		equal(t, "valid session "+as.TokenHash, got, wantAppSession(as))
	}

	n = deleteExpired(t, s, store.CutoffsAt(now), 2)
	if n != 0 {
		t.Errorf("DeleteExpired again = %d, want 0", n)
	}
	n = deleteExpired(t, s, store.CutoffsAt(now.Add(2*time.Hour)), 2)
	if n != len(valid) {
		t.Errorf("DeleteExpired two hours later = %d, want %d", n, len(valid))
	}
}

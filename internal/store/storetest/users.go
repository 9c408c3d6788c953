package storetest

import (
	"testing"
	"time"

	"github.com/vippslogin/vippslogin/internal/store"
)

// newUser is a user with every field set, locked out and inactive, with
// two addresses that differ in Default so that a lost bool shows.
func newUser(phoneNumber string) store.User {
	return store.User{
		PhoneNumber:   phoneNumber,
		PINHash:       "pbkdf2-sha256$100000$salt$" + phoneNumber,
		GivenName:     "Ada",
		FamilyName:    "Nordmann " + phoneNumber,
		Birthdate:     "1990-12-24",
		Email:         phoneNumber + "@example.com",
		EmailVerified: true,
		NIN:           "24129012345",
		Addresses: []store.Address{
			{StreetAddress: "Storgata 1", PostalCode: "0155", Region: "Oslo", Country: "NO", AddressType: "home", Default: true},
			{StreetAddress: "Bryggen 2\nBak", PostalCode: "5003", Region: "Bergen", Country: "NO", AddressType: "work"},
		},
		Accounts: []store.Account{
			{AccountName: "Brukskonto", AccountNumber: "12345678903", BankName: "Testbank"},
		},
		AppVersion:        "4.2.0",
		Inactive:          true,
		FailedPINAttempts: 3,
		LockedUntil:       at(15 * time.Minute),
		CreatedAt:         at(0),
		UpdatedAt:         at(time.Second),
	}
}

// wantUser is u as every backend must return it.
func wantUser(u store.User) store.User {
	u.Addresses = orEmpty(u.Addresses)
	u.Accounts = orEmpty(u.Accounts)
	u.LockedUntil = stored(u.LockedUntil)
	u.CreatedAt = stored(u.CreatedAt)
	u.UpdatedAt = stored(u.UpdatedAt)
	return u
}

func testUserCreateGet(t *testing.T, s store.Store) {
	ctx := t.Context()
	full := newUser("4712345678")
	// bare is not locked, has no addresses or accounts and false bools.
	bare := store.User{PhoneNumber: "4700000000", Accounts: []store.Account{}}
	for _, u := range []store.User{full, bare} {
		must(t, "CreateUser", s.CreateUser(ctx, u))
		got, err := s.GetUser(ctx, u.PhoneNumber)
		must(t, "GetUser", err)
		equal(t, "GetUser("+u.PhoneNumber+")", got, wantUser(u))
	}
}

func testUserCreateExists(t *testing.T, s store.Store) {
	ctx := t.Context()
	u := newUser("4712345678")
	must(t, "CreateUser", s.CreateUser(ctx, u))
	again := u
	again.GivenName = "Someone else"
	wantErr(t, "CreateUser of a taken phone number", s.CreateUser(ctx, again), store.ErrExists)
	got, err := s.GetUser(ctx, u.PhoneNumber)
	must(t, "GetUser", err)
	equal(t, "user after the failed create", got, wantUser(u))
}

func testUserCreateMany(t *testing.T, s store.Store) {
	ctx := t.Context()
	must(t, "CreateUsers of none", s.CreateUsers(ctx, nil))
	a, b, c := newUser("4712345678"), newUser("4712345679"), newUser("4712345680")
	must(t, "CreateUsers", s.CreateUsers(ctx, []store.User{a, b}))
	got, err := s.ListUsers(ctx)
	must(t, "ListUsers", err)
	equal(t, "users after CreateUsers", got, []store.User{wantUser(a), wantUser(b)})

	// One taken number (b) fails the whole batch: c is not stored either.
	wantErr(t, "CreateUsers with a taken number", s.CreateUsers(ctx, []store.User{c, b}), store.ErrExists)
	_, err = s.GetUser(ctx, c.PhoneNumber)
	wantErr(t, "GetUser of a user from the failed batch", err, store.ErrNotFound)
	// A number twice in one batch is taken by its first copy.
	wantErr(t, "CreateUsers with a repeated number", s.CreateUsers(ctx, []store.User{c, c}), store.ErrExists)
	_, err = s.GetUser(ctx, c.PhoneNumber)
	wantErr(t, "GetUser of a repeated user", err, store.ErrNotFound)
}

func testUserNotFound(t *testing.T, s store.Store) {
	ctx := t.Context()
	must(t, "CreateUser", s.CreateUser(ctx, newUser("4712345678")))
	_, err := s.GetUser(ctx, "4799999999")
	wantErr(t, "GetUser", err, store.ErrNotFound)
	_, err = s.UpdateUser(ctx, "4799999999", func(u store.User) (store.User, error) {
		t.Error("UpdateUser called update for a missing user")
		return u, nil
	})
	wantErr(t, "UpdateUser", err, store.ErrNotFound)
	wantErr(t, "DeleteUser", s.DeleteUser(ctx, "4799999999"), store.ErrNotFound)
}

func testUserList(t *testing.T, s store.Store) {
	ctx := t.Context()
	got, err := s.ListUsers(ctx)
	must(t, "ListUsers", err)
	equal(t, "ListUsers of an empty store", got, []store.User{})

	for _, p := range []string{"4790000002", "4590000000", "4790000001"} {
		must(t, "CreateUser", s.CreateUser(ctx, newUser(p)))
	}
	got, err = s.ListUsers(ctx)
	must(t, "ListUsers", err)
	want := []store.User{wantUser(newUser("4590000000")), wantUser(newUser("4790000001")), wantUser(newUser("4790000002"))}
	equal(t, "ListUsers (by phone number)", got, want)
}

func testUserUpdate(t *testing.T, s store.Store) {
	ctx := t.Context()
	u := newUser("4712345678")
	must(t, "CreateUser", s.CreateUser(ctx, u))

	// Unlock: LockedUntil goes from set to zero, the counter to 0, a bool
	// from true to false and a list to nil.
	var changed store.User
	got, err := s.UpdateUser(ctx, u.PhoneNumber, func(old store.User) (store.User, error) {
		equal(t, "update's argument", old, wantUser(u))
		old.FailedPINAttempts = 0
		old.LockedUntil = time.Time{}
		old.EmailVerified = false
		old.Email = "new@example.com"
		old.Addresses = old.Addresses[1:]
		old.Addresses[0].Default = true
		old.Accounts = nil
		old.AppVersion = "5.0.0"
		old.Inactive = false
		old.UpdatedAt = at(time.Hour)
		changed = old
		return old, nil
	})
	must(t, "UpdateUser", err)
	equal(t, "UpdateUser result", got, wantUser(changed))
	got, err = s.GetUser(ctx, u.PhoneNumber)
	must(t, "GetUser", err)
	equal(t, "GetUser after UpdateUser", got, wantUser(changed))
}

func testUserUpdateAbort(t *testing.T, s store.Store) {
	ctx := t.Context()
	u := newUser("4712345678")
	must(t, "CreateUser", s.CreateUser(ctx, u))
	_, err := s.UpdateUser(ctx, u.PhoneNumber, func(old store.User) (store.User, error) {
		old.FailedPINAttempts++
		return old, errAbort
	})
	wantErr(t, "UpdateUser with a failing update", err, errAbort)
	got, err := s.GetUser(ctx, u.PhoneNumber)
	must(t, "GetUser", err)
	equal(t, "user after the aborted update", got, wantUser(u))
}

func testUserUpdateKey(t *testing.T, s store.Store) {
	ctx := t.Context()
	u := newUser("4712345678")
	must(t, "CreateUser", s.CreateUser(ctx, u))
	_, err := s.UpdateUser(ctx, u.PhoneNumber, func(old store.User) (store.User, error) {
		old.PhoneNumber = "4787654321"
		return old, nil
	})
	if err == nil {
		t.Error("UpdateUser that changes the phone number succeeded")
	}
	got, err := s.GetUser(ctx, u.PhoneNumber)
	must(t, "GetUser", err)
	equal(t, "user after the rejected update", got, wantUser(u))
	_, err = s.GetUser(ctx, "4787654321")
	wantErr(t, "GetUser of the phone number the update tried", err, store.ErrNotFound)
}

// testUserUpdateConcurrent counts failed PIN attempts from many requests at
// once, as the login pages do: if reading, changing and writing the user is
// not one atomic step, some increments are lost (or fail).
func testUserUpdateConcurrent(t *testing.T, s store.Store) {
	ctx := t.Context()
	u := newUser("4712345678")
	must(t, "CreateUser", s.CreateUser(ctx, u))

	const n = 20
	race(t, s, n, func(int) {
		_, err := s.UpdateUser(ctx, u.PhoneNumber, func(old store.User) (store.User, error) {
			old.FailedPINAttempts++
			return old, nil
		})
		if err != nil {
			t.Errorf("UpdateUser: %v", err)
		}
	})

	got, err := s.GetUser(ctx, u.PhoneNumber)
	must(t, "GetUser", err)
	if want := u.FailedPINAttempts + n; got.FailedPINAttempts != want {
		t.Errorf("FailedPINAttempts after %d concurrent increments = %d, want %d", n, got.FailedPINAttempts, want)
	}
}

func testUserDelete(t *testing.T, s store.Store) {
	ctx := t.Context()
	gone, kept := newUser("4711111111"), newUser("4722222222")
	must(t, "CreateUser", s.CreateUser(ctx, gone))
	must(t, "CreateUser", s.CreateUser(ctx, kept))

	must(t, "DeleteUser", s.DeleteUser(ctx, gone.PhoneNumber))
	_, err := s.GetUser(ctx, gone.PhoneNumber)
	wantErr(t, "GetUser after DeleteUser", err, store.ErrNotFound)
	wantErr(t, "DeleteUser again", s.DeleteUser(ctx, gone.PhoneNumber), store.ErrNotFound)

	got, err := s.GetUser(ctx, kept.PhoneNumber)
	must(t, "GetUser of the other user", err)
	equal(t, "the other user", got, wantUser(kept))
}

// testUserDeleteAppSessions checks that a deleted user's phones are signed
// out with them, and nobody else's.
func testUserDeleteAppSessions(t *testing.T, s store.Store) {
	ctx := t.Context()
	gone, kept := newUser("4711111111"), newUser("4722222222")
	must(t, "CreateUser", s.CreateUser(ctx, gone))
	must(t, "CreateUser", s.CreateUser(ctx, kept))
	goneSessions := []store.AppSession{newAppSession("hash-1", gone.PhoneNumber), newAppSession("hash-2", gone.PhoneNumber)}
	keptSession := newAppSession("hash-3", kept.PhoneNumber)
	for _, as := range append(goneSessions, keptSession) {
		must(t, "CreateAppSession", s.CreateAppSession(ctx, as))
	}

	must(t, "DeleteUser", s.DeleteUser(ctx, gone.PhoneNumber))
	for _, as := range goneSessions {
		_, err := s.GetAppSession(ctx, as.TokenHash)
		wantErr(t, "GetAppSession of a deleted user's session", err, store.ErrNotFound)
	}
	got, err := s.GetAppSession(ctx, keptSession.TokenHash)
	must(t, "GetAppSession of the other user's session", err)
	equal(t, "the other user's session", got, wantAppSession(keptSession))
}

// testUserDeactivateEndsSessions checks that a user made inactive is
// signed out of their phones and browsers in the same update, and nobody
// else is; an update that leaves them inactive, or activates them, ends
// nothing more.
func testUserDeactivateEndsSessions(t *testing.T, s store.Store) {
	ctx := t.Context()
	active := func(phone string) store.User {
		u := newUser(phone)
		u.Inactive = false
		return u
	}
	user, other := active("4711111111"), active("4722222222")
	must(t, "CreateUser", s.CreateUser(ctx, user))
	must(t, "CreateUser", s.CreateUser(ctx, other))
	must(t, "CreateAppSession", s.CreateAppSession(ctx, newAppSession("hash-user", user.PhoneNumber)))
	must(t, "CreateAppSession", s.CreateAppSession(ctx, newAppSession("hash-other", other.PhoneNumber)))
	must(t, "CreateBrowserSession", s.CreateBrowserSession(ctx, newBrowserSession("browser-user", user.PhoneNumber)))
	must(t, "CreateBrowserSession", s.CreateBrowserSession(ctx, newBrowserSession("browser-other", other.PhoneNumber)))

	// A change that leaves the user active ends nothing.
	_, err := s.UpdateUser(ctx, user.PhoneNumber, func(u store.User) (store.User, error) { u.GivenName = "Still active"; return u, nil })
	must(t, "UpdateUser", err)
	_, err = s.GetAppSession(ctx, "hash-user")
	must(t, "GetAppSession of an active user's session", err)

	got, err := s.UpdateUser(ctx, user.PhoneNumber, func(u store.User) (store.User, error) { u.Inactive = true; return u, nil })
	must(t, "UpdateUser", err)
	if !got.Inactive {
		t.Errorf("UpdateUser returned %+v, want it inactive", got)
	}
	_, err = s.GetAppSession(ctx, "hash-user")
	wantErr(t, "GetAppSession of a deactivated user's session", err, store.ErrNotFound)
	_, err = s.GetBrowserSessionByToken(ctx, newBrowserSession("browser-user", user.PhoneNumber).TokenHash)
	wantErr(t, "GetBrowserSessionByToken of a deactivated user's session", err, store.ErrNotFound)
	bs, err := s.ListBrowserSessions(ctx, user.PhoneNumber)
	must(t, "ListBrowserSessions", err)
	equal(t, "a deactivated user's browser sessions", bs, []store.BrowserSession{})

	_, err = s.GetAppSession(ctx, "hash-other")
	must(t, "GetAppSession of another user's session", err)
	bs, err = s.ListBrowserSessions(ctx, other.PhoneNumber)
	must(t, "ListBrowserSessions", err)
	if len(bs) != 1 {
		t.Errorf("the other user has %d browser sessions, want 1", len(bs))
	}

	// Once inactive, a session made anyway survives an update that keeps
	// the user inactive or activates them: only the change to inactive
	// signs out.
	must(t, "CreateAppSession", s.CreateAppSession(ctx, newAppSession("hash-later", user.PhoneNumber)))
	_, err = s.UpdateUser(ctx, user.PhoneNumber, func(u store.User) (store.User, error) { u.FamilyName = "Renamed"; return u, nil })
	must(t, "UpdateUser", err)
	_, err = s.UpdateUser(ctx, user.PhoneNumber, func(u store.User) (store.User, error) { u.Inactive = false; return u, nil })
	must(t, "UpdateUser", err)
	_, err = s.GetAppSession(ctx, "hash-later")
	must(t, "GetAppSession after updates that did not deactivate", err)
}

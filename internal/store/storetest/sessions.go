package storetest

import (
	"testing"
	"time"

	"github.com/vippslogin/vippslogin/internal/store"
)

// newBrowserSession is a remembered browser of phoneNumber with every field
// set. Like newAppSession's, its expiry is in the past for any run of the
// suite, which the store must not care about.
func newBrowserSession(id, phoneNumber string) store.BrowserSession {
	return store.BrowserSession{
		ID:          id,
		TokenHash:   "token-" + id,
		PhoneNumber: phoneNumber,
		Description: "Firefox on Linux (" + id + ")",
		CreatedAt:   at(0),
		ExpiresAt:   at(90 * 24 * time.Hour),
	}
}

// wantBrowserSession is bs as every backend must return it.
func wantBrowserSession(bs store.BrowserSession) store.BrowserSession {
	bs.CreatedAt = stored(bs.CreatedAt)
	bs.ExpiresAt = stored(bs.ExpiresAt)
	return bs
}

func testBrowserSessionCreateGet(t *testing.T, s store.Store) {
	ctx := t.Context()
	must(t, "CreateUser", s.CreateUser(ctx, newUser("4712345678")))
	full := newBrowserSession("full", "4712345678")
	bare := store.BrowserSession{ID: "bare", TokenHash: "token-bare", PhoneNumber: "4712345678"}
	for _, bs := range []store.BrowserSession{full, bare} {
		must(t, "CreateBrowserSession", s.CreateBrowserSession(ctx, bs))
		got, err := s.GetBrowserSessionByToken(ctx, bs.TokenHash)
		must(t, "GetBrowserSessionByToken", err)
		equal(t, "GetBrowserSessionByToken("+bs.TokenHash+")", got, wantBrowserSession(bs))
	}
	_, err := s.GetBrowserSessionByToken(ctx, "token-missing")
	wantErr(t, "GetBrowserSessionByToken of a missing session", err, store.ErrNotFound)
	// The id is not the token.
	_, err = s.GetBrowserSessionByToken(ctx, full.ID)
	wantErr(t, "GetBrowserSessionByToken of a session id", err, store.ErrNotFound)
}

// testBrowserSessionCreateExists checks both keys: the public id and the
// cookie's digest.
func testBrowserSessionCreateExists(t *testing.T, s store.Store) {
	ctx := t.Context()
	must(t, "CreateUser", s.CreateUser(ctx, newUser("4712345678")))
	bs := newBrowserSession("dup", "4712345678")
	must(t, "CreateBrowserSession", s.CreateBrowserSession(ctx, bs))

	sameID := newBrowserSession(bs.ID, bs.PhoneNumber)
	sameID.TokenHash = "token-other"
	wantErr(t, "CreateBrowserSession of a taken id", s.CreateBrowserSession(ctx, sameID), store.ErrExists)
	sameToken := newBrowserSession("other", bs.PhoneNumber)
	sameToken.TokenHash = bs.TokenHash
	wantErr(t, "CreateBrowserSession of a taken token hash", s.CreateBrowserSession(ctx, sameToken), store.ErrExists)

	got, err := s.ListBrowserSessions(ctx, bs.PhoneNumber)
	must(t, "ListBrowserSessions", err)
	equal(t, "sessions after the failed creates", got, []store.BrowserSession{wantBrowserSession(bs)})
}

// testBrowserSessionUnknownUser checks that a browser cannot remember
// nobody: DeleteUser could not forget it.
func testBrowserSessionUnknownUser(t *testing.T, s store.Store) {
	ctx := t.Context()
	bs := newBrowserSession("orphan", "4799999999")
	if err := s.CreateBrowserSession(ctx, bs); err == nil {
		t.Error("CreateBrowserSession for a missing user succeeded")
	}
	_, err := s.GetBrowserSessionByToken(ctx, bs.TokenHash)
	wantErr(t, "GetBrowserSessionByToken after the failed create", err, store.ErrNotFound)
}

func testBrowserSessionList(t *testing.T, s store.Store) {
	ctx := t.Context()
	const phone, other = "4712345678", "4787654321"
	for _, p := range []string{phone, other} {
		must(t, "CreateUser", s.CreateUser(ctx, newUser(p)))
	}
	got, err := s.ListBrowserSessions(ctx, phone)
	must(t, "ListBrowserSessions", err)
	equal(t, "ListBrowserSessions of a user with none", got, []store.BrowserSession{})

	session := func(id, phoneNumber string, createdAt time.Duration) store.BrowserSession {
		bs := newBrowserSession(id, phoneNumber)
		bs.CreatedAt = at(createdAt)
		return bs
	}
	oldest, tiedA, tiedB, newest := session("z", phone, -time.Hour), session("b", phone, 0), session("c", phone, 0), session("a", phone, time.Hour)
	for _, bs := range []store.BrowserSession{newest, tiedB, session("other", other, 0), oldest, tiedA} {
		must(t, "CreateBrowserSession", s.CreateBrowserSession(ctx, bs))
	}
	got, err = s.ListBrowserSessions(ctx, phone)
	must(t, "ListBrowserSessions", err)
	want := []store.BrowserSession{wantBrowserSession(oldest), wantBrowserSession(tiedA), wantBrowserSession(tiedB), wantBrowserSession(newest)}
	equal(t, "ListBrowserSessions (oldest first, then by id)", got, want)
}

// testBrowserSessionDelete checks that the app forgets only its own user's
// browsers: another user's session id is as good as unknown.
func testBrowserSessionDelete(t *testing.T, s store.Store) {
	ctx := t.Context()
	const phone, other = "4712345678", "4787654321"
	for _, p := range []string{phone, other} {
		must(t, "CreateUser", s.CreateUser(ctx, newUser(p)))
	}
	gone, kept, theirs := newBrowserSession("gone", phone), newBrowserSession("kept", phone), newBrowserSession("theirs", other)
	for _, bs := range []store.BrowserSession{gone, kept, theirs} {
		must(t, "CreateBrowserSession", s.CreateBrowserSession(ctx, bs))
	}

	wantErr(t, "DeleteBrowserSession of another user's session",
		s.DeleteBrowserSession(ctx, phone, theirs.ID), store.ErrNotFound)
	wantErr(t, "DeleteBrowserSession of a missing session",
		s.DeleteBrowserSession(ctx, phone, "missing"), store.ErrNotFound)
	got, err := s.GetBrowserSessionByToken(ctx, theirs.TokenHash)
	must(t, "GetBrowserSessionByToken of the other user's session", err)
	equal(t, "the other user's session", got, wantBrowserSession(theirs))

	must(t, "DeleteBrowserSession", s.DeleteBrowserSession(ctx, phone, gone.ID))
	_, err = s.GetBrowserSessionByToken(ctx, gone.TokenHash)
	wantErr(t, "GetBrowserSessionByToken after DeleteBrowserSession", err, store.ErrNotFound)
	wantErr(t, "DeleteBrowserSession again", s.DeleteBrowserSession(ctx, phone, gone.ID), store.ErrNotFound)

	list, err := s.ListBrowserSessions(ctx, phone)
	must(t, "ListBrowserSessions", err)
	equal(t, "sessions left", list, []store.BrowserSession{wantBrowserSession(kept)})
}

// testBrowserSessionEnd checks that end-session removes a session by id
// alone, whoever's it is.
func testBrowserSessionEnd(t *testing.T, s store.Store) {
	ctx := t.Context()
	const phone = "4712345678"
	must(t, "CreateUser", s.CreateUser(ctx, newUser(phone)))
	gone, kept := newBrowserSession("gone", phone), newBrowserSession("kept", phone)
	for _, bs := range []store.BrowserSession{gone, kept} {
		must(t, "CreateBrowserSession", s.CreateBrowserSession(ctx, bs))
	}
	must(t, "EndBrowserSession", s.EndBrowserSession(ctx, gone.ID))
	_, err := s.GetBrowserSessionByToken(ctx, gone.TokenHash)
	wantErr(t, "GetBrowserSessionByToken after EndBrowserSession", err, store.ErrNotFound)
	wantErr(t, "EndBrowserSession again", s.EndBrowserSession(ctx, gone.ID), store.ErrNotFound)
	list, err := s.ListBrowserSessions(ctx, phone)
	must(t, "ListBrowserSessions", err)
	equal(t, "sessions left", list, []store.BrowserSession{wantBrowserSession(kept)})
}

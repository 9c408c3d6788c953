package storetest

import (
	"testing"
	"time"

	"github.com/vippslogin/vippslogin/internal/store"
)

// newCIBARequest is a waiting CIBA request for phoneNumber that expires at
// expires.
func newCIBARequest(id, phoneNumber string, expires time.Time) store.LoginRequest {
	r := newLoginRequest(id, phoneNumber)
	r.Kind = store.KindCIBA
	r.Status = store.LoginWaiting
	r.Error, r.ErrorDescription = "", ""
	r.ExpiresAt = expires
	return r
}

// testLoginRequestOneCIBAWaiting checks the database's rule that a user has
// at most one CIBA request waiting: a second is ErrExists whoever's client
// asks, while other users, other kinds and answered requests are free.
func testLoginRequestOneCIBAWaiting(t *testing.T, s store.Store) {
	ctx := t.Context()
	const phone = "4712345678"
	first := newCIBARequest("first", phone, at(time.Hour))
	must(t, "CreateLoginRequest", s.CreateLoginRequest(ctx, first))

	second := newCIBARequest("second", phone, at(time.Hour))
	second.ClientID = "another-shop"
	wantErr(t, "CreateLoginRequest of a second waiting CIBA request", s.CreateLoginRequest(ctx, second), store.ErrExists)
	_, err := s.GetLoginRequest(ctx, second.ID)
	wantErr(t, "GetLoginRequest of the refused request", err, store.ErrNotFound)

	must(t, "CreateLoginRequest for another user", s.CreateLoginRequest(ctx, newCIBARequest("other", "4787654321", at(time.Hour))))
	browser := newLoginRequest("browser", phone)
	must(t, "CreateLoginRequest of a browser login", s.CreateLoginRequest(ctx, browser))

	// Once the first is answered, the user may be asked again.
	_, err = s.UpdateLoginRequest(ctx, first.ID, func(r store.LoginRequest) (store.LoginRequest, error) {
		r.Status = store.LoginApproved
		return r, nil
	})
	must(t, "UpdateLoginRequest", err)
	must(t, "CreateLoginRequest after the first was answered", s.CreateLoginRequest(ctx, second))

	// Updating a waiting request into the rule's way is refused too.
	_, err = s.UpdateLoginRequest(ctx, first.ID, func(r store.LoginRequest) (store.LoginRequest, error) {
		r.Status = store.LoginWaiting
		return r, nil
	})
	if err == nil {
		t.Error("UpdateLoginRequest made a second CIBA request waiting")
	}
}

// testLoginRequestFailExpired checks that only the user's waiting requests
// of the kind that expired at now (one expiring exactly at now included)
// are ended, and that the freed user can be asked again.
func testLoginRequestFailExpired(t *testing.T, s store.Store) {
	ctx := t.Context()
	const phone, other = "4712345678", "4787654321"
	now := at(time.Hour)
	expired := newCIBARequest("expired", phone, now)
	untouched := []store.LoginRequest{
		newCIBARequest("other-user", other, now.Add(-time.Minute)),
		newLoginRequest("browser", phone), // a waiting browser login, expired
		func() store.LoginRequest {
			r := newCIBARequest("approved", phone, now.Add(-time.Minute))
			r.Status = store.LoginApproved
			return r
		}(),
	}
	untouched[1].ExpiresAt = now.Add(-time.Minute)
	for _, r := range append([]store.LoginRequest{expired}, untouched...) {
		must(t, "CreateLoginRequest", s.CreateLoginRequest(ctx, r))
	}

	n, err := s.FailExpiredLoginRequests(ctx, phone, store.KindCIBA, now.Add(-time.Microsecond))
	must(t, "FailExpiredLoginRequests before the expiry", err)
	equal(t, "requests ended before the expiry", n, 0)

	n, err = s.FailExpiredLoginRequests(ctx, phone, store.KindCIBA, now)
	must(t, "FailExpiredLoginRequests", err)
	equal(t, "requests ended", n, 1)
	got, err := s.GetLoginRequest(ctx, expired.ID)
	must(t, "GetLoginRequest", err)
	if got.ErrorDescription == "" {
		t.Error("the ended request has no error_description")
	}
	want := expired
	want.Status, want.Error, want.ErrorDescription, want.UpdatedAt = store.LoginFailed, "expired_token", got.ErrorDescription, now
	equal(t, "ended request", got, wantLoginRequest(want))
	for _, r := range untouched {
		got, err := s.GetLoginRequest(ctx, r.ID)
		must(t, "GetLoginRequest", err)
		equal(t, "request "+r.ID, got, wantLoginRequest(r))
	}

	n, err = s.FailExpiredLoginRequests(ctx, phone, store.KindCIBA, now)
	must(t, "FailExpiredLoginRequests again", err)
	equal(t, "requests ended the second time", n, 0)
	must(t, "CreateLoginRequest after the expired one ended", s.CreateLoginRequest(ctx, newCIBARequest("next", phone, now.Add(time.Minute))))
}

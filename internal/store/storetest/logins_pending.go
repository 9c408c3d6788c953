package storetest

import (
	"testing"
	"time"

	"github.com/vippslogin/vippslogin/internal/store"
)

// testLoginRequestListPending checks what an operator's cancel-logins
// ends: only its user's requests, every kind, only those that have not
// ended (created, waiting, approved), only those not expired at now (one
// expiring exactly at now is expired), oldest first and by id within one
// instant.
func testLoginRequestListPending(t *testing.T, s store.Store) {
	ctx := t.Context()
	const phone, other = "4712345678", "4787654321"
	now := at(time.Hour)
	request := func(id, phoneNumber, kind, status string, createdIn, expiresIn time.Duration) store.LoginRequest {
		r := newLoginRequest(id, phoneNumber)
		r.Kind, r.Status = kind, status
		r.CreatedAt = now.Add(createdIn)
		r.ExpiresAt = now.Add(expiresIn)
		return r
	}
	browser := request("z-browser", phone, store.KindLogin, store.LoginWaiting, -3*time.Minute, time.Microsecond)
	created := request("created", phone, store.KindLogin, store.LoginCreated, -2*time.Minute, time.Minute)
	ciba := request("ciba", phone, store.KindCIBA, store.LoginWaiting, -2*time.Minute, 5*time.Minute)
	qr := request("qr", phone, store.KindQR, store.LoginApproved, -time.Minute, time.Minute)
	for _, r := range []store.LoginRequest{
		qr, ciba, browser, created,
		request("expired-at-now", phone, store.KindCIBA, store.LoginApproved, -time.Minute, 0),
		request("expired", phone, store.KindLogin, store.LoginWaiting, -time.Hour, -time.Minute),
		request("failed", phone, store.KindCIBA, store.LoginFailed, -time.Minute, time.Minute),
		request("done", phone, store.KindQR, store.LoginDone, -time.Minute, time.Minute),
		request("other-user", other, store.KindCIBA, store.LoginWaiting, -time.Minute, time.Minute),
		request("no-user", "", store.KindLogin, store.LoginCreated, -time.Minute, time.Minute),
	} {
		must(t, "CreateLoginRequest", s.CreateLoginRequest(ctx, r))
	}

	got, err := s.ListPendingLoginRequests(ctx, phone, now)
	must(t, "ListPendingLoginRequests", err)
	want := []store.LoginRequest{wantLoginRequest(browser), wantLoginRequest(ciba), wantLoginRequest(created), wantLoginRequest(qr)}
	equal(t, "ListPendingLoginRequests", got, want)

	got, err = s.ListPendingLoginRequests(ctx, "4700000000", now)
	must(t, "ListPendingLoginRequests", err)
	equal(t, "ListPendingLoginRequests of a user with none", got, []store.LoginRequest{})
}

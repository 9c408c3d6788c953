package storetest

import (
	"testing"
	"time"

	"github.com/vippslogin/vippslogin/internal/store"
)

// testBacklog checks that Backlog counts only the logins that have not
// ended nor expired, by kind, and only the webhooks still owed.
func testBacklog(t *testing.T, s store.Store) {
	ctx := t.Context()
	createUsersAndClients(t, s, nil, []string{"shop"})
	now := at(time.Minute)

	b, err := s.Backlog(ctx, now)
	must(t, "Backlog of an empty store", err)
	equal(t, "empty backlog", b, store.Backlog{PendingLogins: map[string]int{}})

	login := func(id, kind, status string, expires time.Time) {
		r := newLoginRequest(id, "47"+id)
		r.Kind, r.Status, r.ExpiresAt = kind, status, expires
		must(t, "CreateLoginRequest "+id, s.CreateLoginRequest(ctx, r))
	}
	later := now.Add(time.Minute)
	login("10000001", store.KindLogin, store.LoginCreated, later)
	login("10000002", store.KindLogin, store.LoginWaiting, later)
	login("10000003", store.KindLogin, store.LoginApproved, later)
	login("10000004", store.KindLogin, store.LoginFailed, later)
	login("10000005", store.KindLogin, store.LoginDone, later)
	login("10000006", store.KindLogin, store.LoginWaiting, now) // expired at now
	login("10000007", store.KindCIBA, store.LoginWaiting, later)
	login("10000008", store.KindQR, store.LoginApproved, later)
	login("10000009", store.KindQR, store.LoginWaiting, now.Add(-time.Second))

	owed := newWebhook("owed", "shop", at(0))
	retrying := newWebhook("retrying", "shop", at(0))
	retrying.Attempts, retrying.LastStatus, retrying.NextAttemptAt = 3, 500, later
	delivered := newWebhook("delivered", "shop", at(0))
	delivered.DeliveredAt = at(time.Second)
	givenUp := newWebhook("given-up", "shop", at(0))
	givenUp.ExpiresAt = now
	enqueue(t, s, owed, retrying, delivered, givenUp)

	b, err = s.Backlog(ctx, now)
	must(t, "Backlog", err)
	equal(t, "backlog", b, store.Backlog{
		PendingLogins: map[string]int{store.KindLogin: 3, store.KindCIBA: 1, store.KindQR: 1},
		Webhooks:      2,
	})
}

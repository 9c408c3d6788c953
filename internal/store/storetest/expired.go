package storetest

import (
	"errors"
	"fmt"
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

	n := deleteExpired(t, s, store.CutoffsAt(now), 2)
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
	_, err := s.GetConsent(ctx, phone, "shop")
	must(t, "GetConsent after DeleteExpired", err)
	if got := pairwiseSubject(t, s, phone, "shop", "sub-2"); got != sub {
		t.Errorf("PairwiseSubject after DeleteExpired = %q, want %q", got, sub)
	}

	n = deleteExpired(t, s, store.CutoffsAt(now), 2)
	if n != 0 {
		t.Errorf("DeleteExpired again = %d, want 0", n)
	}
	n = deleteExpired(t, s, store.CutoffsAt(now.Add(time.Microsecond)), 2)
	if n != kinds {
		t.Errorf("DeleteExpired a microsecond later = %d, want %d", n, kinds)
	}
}

// testDeleteExpiredAbandoned checks that the sweep counts, by flow, the
// expired login requests it removes that had not ended (created, waiting
// or approved): neither the ended ones (failed, done with or without an
// error) nor those it keeps. A second sweep, finding them gone, counts
// nothing, and a later one counts the rest as they expire.
func testDeleteExpiredAbandoned(t *testing.T, s store.Store) {
	ctx := t.Context()
	now := at(24 * time.Hour)
	type login struct{ kind, status, err string }
	expired := []login{
		{store.KindLogin, store.LoginCreated, ""},
		{store.KindLogin, store.LoginWaiting, ""},
		{store.KindLogin, store.LoginApproved, ""},
		{store.KindLogin, store.LoginFailed, "access_denied"},
		{store.KindLogin, store.LoginDone, ""},
		{store.KindLogin, store.LoginDone, "access_denied"},
		{store.KindCIBA, store.LoginWaiting, ""},
		{store.KindCIBA, store.LoginApproved, ""},
		{store.KindCIBA, store.LoginFailed, "expired_token"},
		{store.KindCIBA, store.LoginDone, ""},
		{store.KindQR, store.LoginWaiting, ""},
		{store.KindQR, store.LoginFailed, "access_denied"},
		{store.KindQR, store.LoginDone, ""},
	}
	kept := []login{
		{store.KindLogin, store.LoginCreated, ""},
		{store.KindCIBA, store.LoginWaiting, ""},
		{store.KindQR, store.LoginApproved, ""},
		{store.KindQR, store.LoginDone, ""},
	}
	create := func(i int, l login, expiresAt time.Time) {
		// A phone number each: only one CIBA request per user may wait.
		r := newLoginRequest(fmt.Sprintf("login-%d", i), fmt.Sprintf("47%08d", i))
		r.Kind, r.Status, r.Error, r.ExpiresAt = l.kind, l.status, l.err, expiresAt
		if l.err == "" {
			r.ErrorDescription = ""
		}
		must(t, "CreateLoginRequest", s.CreateLoginRequest(ctx, r))
	}
	for i, l := range expired {
		create(i, l, now.Add(-time.Microsecond))
	}
	for i, l := range kept {
		create(len(expired)+i, l, now)
	}

	// Batches of 2 split the login requests' sweep into several.
	swept, err := s.DeleteExpired(ctx, store.CutoffsAt(now), 2)
	must(t, "DeleteExpired", err)
	if swept.Rows != len(expired) {
		t.Errorf("DeleteExpired removed %d, want %d", swept.Rows, len(expired))
	}
	equal(t, "abandoned", swept.Abandoned, map[string]int{store.FlowBrowser: 3, store.FlowCIBA: 2, store.FlowQR: 1})
	for i := range kept {
		_, err := s.GetLoginRequest(ctx, fmt.Sprintf("login-%d", len(expired)+i))
		must(t, "GetLoginRequest of a request expiring at now", err)
	}

	swept, err = s.DeleteExpired(ctx, store.CutoffsAt(now), 2)
	must(t, "DeleteExpired again", err)
	equal(t, "swept again", swept, store.Swept{Abandoned: map[string]int{}})

	swept, err = s.DeleteExpired(ctx, store.CutoffsAt(now.Add(time.Microsecond)), 2)
	must(t, "DeleteExpired a microsecond later", err)
	equal(t, "swept a microsecond later", swept,
		store.Swept{Rows: len(kept), Abandoned: map[string]int{store.FlowBrowser: 1, store.FlowCIBA: 1, store.FlowQR: 1}})
}

// deleteExpired runs s.DeleteExpired and returns how many records it
// removed.
func deleteExpired(t *testing.T, s store.Store, before store.Cutoffs, batch int) int {
	t.Helper()
	swept, err := s.DeleteExpired(t.Context(), before, batch)
	must(t, "DeleteExpired", err)
	return swept.Rows
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

// testDeleteExpiredBatches checks that a sweep in batches smaller than
// what expired still removes all of it, and counts it once.
func testDeleteExpiredBatches(t *testing.T, s store.Store) {
	ctx := t.Context()
	createUsersAndClients(t, s, []string{"4712345678"}, []string{"shop"})
	now := at(24 * time.Hour)
	const expired = 7
	for i := range expired + 1 {
		tok := newAccessToken(fmt.Sprintf("token-%d", i), "")
		tok.ExpiresAt = now.Add(-time.Duration(expired-i) * time.Second) // the last one at now
		must(t, "CreateAccessToken", s.CreateAccessToken(ctx, tok))
	}
	n := deleteExpired(t, s, store.CutoffsAt(now), 3)
	if n != expired {
		t.Errorf("DeleteExpired in batches of 3 = %d, want %d", n, expired)
	}
	for i := range expired {
		_, err := s.GetAccessToken(ctx, fmt.Sprintf("token-%d", i))
		wantErr(t, "GetAccessToken of an expired token", err, store.ErrNotFound)
	}
	_, err := s.GetAccessToken(ctx, fmt.Sprintf("token-%d", expired))
	must(t, "GetAccessToken of a token expiring at now", err)
}

// testDeleteExpiredCutoffs checks that each kind of record is swept by
// its own cutoff: a cutoff that has passed one record's expiry removes
// that kind only.
func testDeleteExpiredCutoffs(t *testing.T, s store.Store) {
	const phone = "4712345678"
	createUsersAndClients(t, s, []string{phone}, []string{"shop"})
	now := at(24 * time.Hour)
	createExpiring(t, s, "r", phone, now)
	past := now.Add(-time.Hour)
	for _, kind := range []struct {
		lookup string
		set    func(*store.Cutoffs)
	}{
		{"GetAppSession", func(c *store.Cutoffs) { c.AppSessions = now.Add(time.Second) }},
		{"GetBrowserSessionByToken", func(c *store.Cutoffs) { c.BrowserSessions = now.Add(time.Second) }},
		{"GetLoginRequest", func(c *store.Cutoffs) { c.LoginRequests = now.Add(time.Second) }},
		{"GetAuthCode", func(c *store.Cutoffs) { c.Codes = now.Add(time.Second) }},
		{"GetAccessToken", func(c *store.Cutoffs) { c.AccessTokens = now.Add(time.Second) }},
	} {
		c := store.CutoffsAt(past)
		kind.set(&c)
		n := deleteExpired(t, s, c, 100)
		if n != 1 {
			t.Errorf("DeleteExpired past %s's expiry only = %d, want 1", kind.lookup, n)
		}
		if err := lookUpEach(t, s, "r")[kind.lookup]; !errors.Is(err, store.ErrNotFound) {
			t.Errorf("%s after its cutoff passed: %v, want ErrNotFound", kind.lookup, err)
		}
	}
}

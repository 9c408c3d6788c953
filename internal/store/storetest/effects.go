package storetest

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/vippslogin/vippslogin/internal/store"
)

// effectsFor are the effects of a login's step that ends it, as flow does:
// its event, the consent it keeps, its code and a token, each with name in
// its key.
func effectsFor(name string) store.Effects {
	ev := newWebhook("ev-"+name, "shop", at(time.Minute))
	ev.Event = store.EventQRLogin
	consent := newConsent("4712345678", "shop")
	consent.Scopes = []string{"name", name}
	code := newAuthCode("code-" + name)
	tok := newAccessToken("token-"+name, "")
	return store.Effects{Webhook: &ev, Consent: &consent, AuthCode: &code, AccessToken: &tok}
}

// effectsStored reports which of e's records the store holds, each as the
// store returns it, or the lookup's error.
func effectsStored(t *testing.T, s store.Store, e store.Effects) (evs []store.Webhook, consent store.Consent, consentErr error, code store.AuthCode, codeErr error, tok store.AccessToken, tokErr error) {
	t.Helper()
	ctx := t.Context()
	for _, w := range webhooks(t, s, e.Webhook.ClientID) {
		if w.ID == e.Webhook.ID {
			evs = append(evs, w)
		}
	}
	consent, consentErr = s.GetConsent(ctx, e.Consent.PhoneNumber, e.Consent.ClientID)
	code, codeErr = s.GetAuthCode(ctx, e.AuthCode.Hash)
	tok, tokErr = s.GetAccessToken(ctx, e.AccessToken.Hash)
	return
}

// testLoginRequestUpdateWith checks that the effects an update returns are
// written with it, each as its own method writes it, and that none is
// written when the closure fails or returns none.
func testLoginRequestUpdateWith(t *testing.T, s store.Store) {
	ctx := t.Context()
	createUsersAndClients(t, s, []string{"4712345678"}, []string{"shop"})
	r := newLoginRequest("login", "4712345678")
	must(t, "CreateLoginRequest", s.CreateLoginRequest(ctx, r))
	done := func(old store.LoginRequest) store.LoginRequest {
		old.Status, old.UpdatedAt = store.LoginDone, at(time.Minute)
		return old
	}
	e := effectsFor("done")

	_, err := s.UpdateLoginRequestWith(ctx, r.ID, func(old store.LoginRequest) (store.LoginRequest, store.Effects, error) {
		return done(old), e, errAbort
	})
	wantErr(t, "an aborted UpdateLoginRequestWith", err, errAbort)
	evs, _, consentErr, _, codeErr, _, tokErr := effectsStored(t, s, e)
	equal(t, "events after the aborted update", len(evs), 0)
	wantErr(t, "the consent after the aborted update", consentErr, store.ErrNotFound)
	wantErr(t, "the code after the aborted update", codeErr, store.ErrNotFound)
	wantErr(t, "the token after the aborted update", tokErr, store.ErrNotFound)

	// Without effects it is a plain update.
	got, err := s.UpdateLoginRequestWith(ctx, r.ID, func(old store.LoginRequest) (store.LoginRequest, store.Effects, error) {
		old.LastPolledAt = at(40 * time.Second)
		return old, store.Effects{}, nil
	})
	must(t, "UpdateLoginRequestWith without effects", err)
	want := r
	want.LastPolledAt = at(40 * time.Second)
	equal(t, "the request updated without effects", got, wantLoginRequest(want))

	got, err = s.UpdateLoginRequestWith(ctx, r.ID, func(old store.LoginRequest) (store.LoginRequest, store.Effects, error) {
		return done(old), e, nil
	})
	must(t, "UpdateLoginRequestWith", err)
	equal(t, "the updated request", got, wantLoginRequest(done(want)))
	evs, consent, consentErr, code, codeErr, tok, tokErr := effectsStored(t, s, e)
	equal(t, "the enqueued event", evs, []store.Webhook{wantWebhook(*e.Webhook)})
	must(t, "GetConsent", consentErr)
	equal(t, "the saved consent", consent, wantConsent(*e.Consent))
	must(t, "GetAuthCode", codeErr)
	equal(t, "the created code", code, wantAuthCode(*e.AuthCode, time.Time{}))
	must(t, "GetAccessToken", tokErr)
	equal(t, "the created token", tok, wantAccessToken(*e.AccessToken))

	// A consent effect widens the stored consent (store.WidenScopes): its
	// scopes first, then the stored ones it lacks; CreatedAt stays.
	again := effectsFor("again")
	wider := *again.Consent
	wider.Scopes, wider.CreatedAt, wider.UpdatedAt = []string{"email", "name"}, at(time.Hour), at(time.Hour)
	_, err = s.UpdateLoginRequestWith(ctx, r.ID, func(old store.LoginRequest) (store.LoginRequest, store.Effects, error) {
		return old, store.Effects{Consent: &wider}, nil
	})
	must(t, "UpdateLoginRequestWith of a consent only", err)
	consent, err = s.GetConsent(ctx, wider.PhoneNumber, wider.ClientID)
	must(t, "GetConsent", err)
	wantWidened := wider
	wantWidened.Scopes = []string{"email", "name", "done"}
	wantWidened.CreatedAt = e.Consent.CreatedAt
	equal(t, "the widened consent", consent, wantConsent(wantWidened))
}

// testLoginRequestUpdateWithConsentRace ends many logins of one user at one
// client at once, each consenting to a scope of its own on top of what it
// read before any of them wrote, as concurrent consent pages and app
// approvals do: the consent ends up with every scope, none lost to a stale
// read.
func testLoginRequestUpdateWithConsentRace(t *testing.T, s store.Store) {
	ctx := t.Context()
	createUsersAndClients(t, s, []string{"4712345678"}, []string{"shop"})
	const n = 10
	for i := range n {
		must(t, "CreateLoginRequest", s.CreateLoginRequest(ctx, newLoginRequest(fmt.Sprint("login-", i), "4712345678")))
	}
	var errs [n]error
	race(t, s, n, func(i int) {
		_, errs[i] = s.UpdateLoginRequestWith(ctx, fmt.Sprint("login-", i), func(old store.LoginRequest) (store.LoginRequest, store.Effects, error) {
			c := newConsent("4712345678", "shop")
			c.Scopes = []string{fmt.Sprint("scope-", i)}
			old.Status = store.LoginDone
			return old, store.Effects{Consent: &c}, nil
		})
	})
	for i, err := range errs {
		must(t, fmt.Sprint("UpdateLoginRequestWith ", i), err)
	}
	got, err := s.GetConsent(ctx, "4712345678", "shop")
	must(t, "GetConsent", err)
	if len(got.Scopes) != n {
		t.Fatalf("the consent after %d concurrent widenings has scopes %q, want all %d", n, got.Scopes, n)
	}
	for i := range n {
		if !slices.Contains(got.Scopes, fmt.Sprint("scope-", i)) {
			t.Errorf("the consent lost scope-%d: %q", i, got.Scopes)
		}
	}
}

// testLoginRequestUpdateWithRollback checks that an update and its effects
// are one transaction: when any effect cannot be written (its key taken),
// neither the update nor any other effect is, whichever effect fails.
func testLoginRequestUpdateWithRollback(t *testing.T, s store.Store) {
	ctx := t.Context()
	createUsersAndClients(t, s, []string{"4712345678"}, []string{"shop"})
	r := newLoginRequest("login", "4712345678")
	must(t, "CreateLoginRequest", s.CreateLoginRequest(ctx, r))
	taken := effectsFor("taken")
	must(t, "EnqueueWebhook", s.EnqueueWebhook(ctx, *taken.Webhook))
	must(t, "CreateAuthCode", s.CreateAuthCode(ctx, *taken.AuthCode))
	must(t, "CreateAccessToken", s.CreateAccessToken(ctx, *taken.AccessToken))

	for _, tc := range []struct {
		name string
		take func(e *store.Effects)
	}{
		{"event", func(e *store.Effects) { e.Webhook = taken.Webhook }},
		{"code", func(e *store.Effects) { e.AuthCode = taken.AuthCode }},
		{"token", func(e *store.Effects) { e.AccessToken = taken.AccessToken }},
		{"consent", func(e *store.Effects) {
			c := *e.Consent
			c.ClientID = "missing" // no such client
			e.Consent = &c
		}},
	} {
		e := effectsFor(tc.name)
		tc.take(&e)
		_, err := s.UpdateLoginRequestWith(ctx, r.ID, func(old store.LoginRequest) (store.LoginRequest, store.Effects, error) {
			old.Status, old.UpdatedAt = store.LoginDone, at(time.Minute)
			return old, e, nil
		})
		if err == nil {
			t.Fatalf("UpdateLoginRequestWith with a taken %s succeeded", tc.name)
		}
		if tc.name != "consent" {
			wantErr(t, "UpdateLoginRequestWith with a taken "+tc.name, err, store.ErrExists)
		}
		got, err := s.GetLoginRequest(ctx, r.ID)
		must(t, "GetLoginRequest", err)
		equal(t, "the request after a taken "+tc.name, got, wantLoginRequest(r))
		fresh := effectsFor(tc.name)
		evs, _, consentErr, _, codeErr, _, tokErr := effectsStored(t, s, fresh)
		if tc.name != "event" {
			equal(t, "the event written with a taken "+tc.name, len(evs), 0)
		}
		if tc.name != "code" {
			wantErr(t, "the code written with a taken "+tc.name, codeErr, store.ErrNotFound)
		}
		if tc.name != "token" {
			wantErr(t, "the token written with a taken "+tc.name, tokErr, store.ErrNotFound)
		}
		wantErr(t, "the consent written with a taken "+tc.name, consentErr, store.ErrNotFound)
	}
	// The taken records are as they were.
	code, err := s.GetAuthCode(ctx, taken.AuthCode.Hash)
	must(t, "GetAuthCode", err)
	equal(t, "the code whose hash was taken", code, wantAuthCode(*taken.AuthCode, time.Time{}))
}

// testLoginRequestUpdateWithConcurrent races many steps that each end one
// approved login with a code of their own, as two tabs or two replicas
// finishing a login do: exactly one ends it, and only its code exists.
func testLoginRequestUpdateWithConcurrent(t *testing.T, s store.Store) {
	ctx := t.Context()
	createUsersAndClients(t, s, []string{"4712345678"}, []string{"shop"})
	r := newLoginRequest("login", "4712345678")
	r.Status = store.LoginApproved
	must(t, "CreateLoginRequest", s.CreateLoginRequest(ctx, r))
	errDone := errors.New("already done")

	const n = 20
	var errs [n]error
	race(t, s, n, func(i int) {
		_, errs[i] = s.UpdateLoginRequestWith(ctx, r.ID, func(old store.LoginRequest) (store.LoginRequest, store.Effects, error) {
			if old.Status != store.LoginApproved {
				return old, store.Effects{}, errDone
			}
			old.Status, old.SessionID = store.LoginDone, fmt.Sprint("winner-", i)
			code := newAuthCode(fmt.Sprint("code-", i))
			return old, store.Effects{AuthCode: &code}, nil
		})
	})
	winner := -1
	for i, err := range errs {
		switch {
		case err == nil && winner >= 0:
			t.Errorf("UpdateLoginRequestWith ended the login for callers %d and %d", winner, i)
		case err == nil:
			winner = i
		case !errors.Is(err, errDone):
			t.Errorf("UpdateLoginRequestWith %d: err = %v, want %v", i, err, errDone)
		}
	}
	if winner < 0 {
		t.Fatalf("no UpdateLoginRequestWith of %d ended the login", n)
	}
	got, err := s.GetLoginRequest(ctx, r.ID)
	must(t, "GetLoginRequest", err)
	equal(t, "the winner's session", got.SessionID, fmt.Sprint("winner-", winner))
	for i := range n {
		_, err := s.GetAuthCode(ctx, fmt.Sprint("code-", i))
		if i == winner {
			must(t, "GetAuthCode of the winner's code", err)
		} else {
			wantErr(t, fmt.Sprintf("GetAuthCode of loser %d's code", i), err, store.ErrNotFound)
		}
	}
}

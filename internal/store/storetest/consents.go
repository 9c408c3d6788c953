package storetest

import (
	"testing"
	"time"

	"github.com/vippslogin/vippslogin/internal/store"
)

// newConsent is phoneNumber's consent to clientID with every field set.
func newConsent(phoneNumber, clientID string) store.Consent {
	return store.Consent{
		PhoneNumber: phoneNumber,
		ClientID:    clientID,
		Scopes:      []string{"openid", "name", "email"},
		CreatedAt:   at(0),
		UpdatedAt:   at(time.Second),
	}
}

// wantConsent is c as every backend must return it.
func wantConsent(c store.Consent) store.Consent {
	c.Scopes = orEmpty(c.Scopes)
	c.CreatedAt = stored(c.CreatedAt)
	c.UpdatedAt = stored(c.UpdatedAt)
	return c
}

// createUsersAndClients creates a user per phone number and a client per id.
func createUsersAndClients(t *testing.T, s store.Store, phoneNumbers, clientIDs []string) {
	t.Helper()
	for _, p := range phoneNumbers {
		must(t, "CreateUser", s.CreateUser(t.Context(), newUser(p)))
	}
	for _, id := range clientIDs {
		must(t, "CreateClient", s.CreateClient(t.Context(), newClient(id)))
	}
}

func testConsentSaveGet(t *testing.T, s store.Store) {
	ctx := t.Context()
	createUsersAndClients(t, s, []string{"4712345678"}, []string{"shop", "bare"})
	full := newConsent("4712345678", "shop")
	bare := store.Consent{PhoneNumber: "4712345678", ClientID: "bare"}
	for _, c := range []store.Consent{full, bare} {
		must(t, "SaveConsent", s.SaveConsent(ctx, c))
		got, err := s.GetConsent(ctx, c.PhoneNumber, c.ClientID)
		must(t, "GetConsent", err)
		equal(t, "GetConsent("+c.ClientID+")", got, wantConsent(c))
	}
	_, err := s.GetConsent(ctx, "4712345678", "missing")
	wantErr(t, "GetConsent to a client without one", err, store.ErrNotFound)
	_, err = s.GetConsent(ctx, "4799999999", "shop")
	wantErr(t, "GetConsent of a user without one", err, store.ErrNotFound)
}

// testConsentSaveReplace checks the upsert: the scopes and UpdatedAt are
// replaced, CreatedAt stays the first consent's, and the other consents of
// the user and to the client are untouched.
func testConsentSaveReplace(t *testing.T, s store.Store) {
	ctx := t.Context()
	createUsersAndClients(t, s, []string{"4711111111", "4722222222"}, []string{"shop", "other"})
	first := newConsent("4711111111", "shop")
	untouched := []store.Consent{newConsent("4711111111", "other"), newConsent("4722222222", "shop")}
	for _, c := range append(untouched, first) {
		must(t, "SaveConsent", s.SaveConsent(ctx, c))
	}

	second := first
	second.Scopes = []string{"openid"}
	second.CreatedAt = at(time.Hour)
	second.UpdatedAt = at(time.Hour)
	must(t, "SaveConsent again", s.SaveConsent(ctx, second))
	want := second
	want.CreatedAt = first.CreatedAt
	got, err := s.GetConsent(ctx, first.PhoneNumber, first.ClientID)
	must(t, "GetConsent", err)
	equal(t, "consent after the second save", got, wantConsent(want))

	// A nil list replaces too.
	third := second
	third.Scopes = nil
	must(t, "SaveConsent a third time", s.SaveConsent(ctx, third))
	want.Scopes = nil
	got, err = s.GetConsent(ctx, first.PhoneNumber, first.ClientID)
	must(t, "GetConsent", err)
	equal(t, "consent after the third save", got, wantConsent(want))

	for _, c := range untouched {
		got, err := s.GetConsent(ctx, c.PhoneNumber, c.ClientID)
		must(t, "GetConsent", err)
		equal(t, "consent of "+c.PhoneNumber+" to "+c.ClientID, got, wantConsent(c))
	}
}

// testConsentUnknown checks that a consent needs its user and its client,
// or deleting either could not take it along.
func testConsentUnknown(t *testing.T, s store.Store) {
	ctx := t.Context()
	createUsersAndClients(t, s, []string{"4712345678"}, []string{"shop"})
	for _, c := range []store.Consent{newConsent("4799999999", "shop"), newConsent("4712345678", "missing")} {
		if err := s.SaveConsent(ctx, c); err == nil {
			t.Errorf("SaveConsent of %s to %s succeeded", c.PhoneNumber, c.ClientID)
		}
		_, err := s.GetConsent(ctx, c.PhoneNumber, c.ClientID)
		wantErr(t, "GetConsent after the failed save", err, store.ErrNotFound)
	}
}

func testConsentList(t *testing.T, s store.Store) {
	ctx := t.Context()
	createUsersAndClients(t, s, []string{"4711111111", "4722222222"}, []string{"c", "a", "b"})
	got, err := s.ListConsents(ctx, "4711111111")
	must(t, "ListConsents", err)
	equal(t, "ListConsents of a user with none", got, []store.Consent{})

	for _, c := range []store.Consent{
		newConsent("4711111111", "c"), newConsent("4722222222", "a"),
		newConsent("4711111111", "a"), newConsent("4711111111", "b"),
	} {
		must(t, "SaveConsent", s.SaveConsent(ctx, c))
	}
	got, err = s.ListConsents(ctx, "4711111111")
	must(t, "ListConsents", err)
	want := []store.Consent{
		wantConsent(newConsent("4711111111", "a")),
		wantConsent(newConsent("4711111111", "b")),
		wantConsent(newConsent("4711111111", "c")),
	}
	equal(t, "ListConsents (by client id)", got, want)
}

func testConsentDelete(t *testing.T, s store.Store) {
	ctx := t.Context()
	createUsersAndClients(t, s, []string{"4711111111", "4722222222"}, []string{"shop", "other"})
	gone := newConsent("4711111111", "shop")
	kept := []store.Consent{newConsent("4711111111", "other"), newConsent("4722222222", "shop")}
	for _, c := range append(kept, gone) {
		must(t, "SaveConsent", s.SaveConsent(ctx, c))
	}

	wantErr(t, "DeleteConsent of a missing consent", s.DeleteConsent(ctx, "4722222222", "other", nil), store.ErrNotFound)
	must(t, "DeleteConsent", s.DeleteConsent(ctx, gone.PhoneNumber, gone.ClientID, nil))
	_, err := s.GetConsent(ctx, gone.PhoneNumber, gone.ClientID)
	wantErr(t, "GetConsent after DeleteConsent", err, store.ErrNotFound)
	wantErr(t, "DeleteConsent again", s.DeleteConsent(ctx, gone.PhoneNumber, gone.ClientID, nil), store.ErrNotFound)

	for _, c := range kept {
		got, err := s.GetConsent(ctx, c.PhoneNumber, c.ClientID)
		must(t, "GetConsent", err)
		equal(t, "consent of "+c.PhoneNumber+" to "+c.ClientID, got, wantConsent(c))
	}
}

// testConsentDeleteNotify checks that a revocation and its webhook are one
// transaction: both happen, or neither does.
func testConsentDeleteNotify(t *testing.T, s store.Store) {
	ctx := t.Context()
	createUsersAndClients(t, s, []string{"4711111111"}, []string{"shop"})
	c := newConsent("4711111111", "shop")
	must(t, "SaveConsent", s.SaveConsent(ctx, c))
	taken := newWebhook("w-taken", "shop", at(0))
	must(t, "EnqueueWebhook", s.EnqueueWebhook(ctx, taken))

	clash := newWebhook("w-taken", "shop", at(time.Second))
	if err := s.DeleteConsent(ctx, c.PhoneNumber, c.ClientID, &clash); err == nil {
		t.Fatal("DeleteConsent with an event that cannot be enqueued succeeded")
	}
	_, err := s.GetConsent(ctx, c.PhoneNumber, c.ClientID)
	must(t, "GetConsent after the failed revocation (the consent must still be there)", err)

	ev := newWebhook("w-new", "shop", at(time.Second))
	must(t, "DeleteConsent with notify", s.DeleteConsent(ctx, c.PhoneNumber, c.ClientID, &ev))
	_, err = s.GetConsent(ctx, c.PhoneNumber, c.ClientID)
	wantErr(t, "GetConsent after DeleteConsent", err, store.ErrNotFound)
	list, err := s.ListWebhooks(ctx, "shop", 10)
	must(t, "ListWebhooks", err)
	if len(list) != 2 || list[0].ID != "w-new" {
		t.Errorf("webhooks after the revocation = %+v, want the new event enqueued before the old", list)
	}
}

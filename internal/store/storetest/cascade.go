package storetest

import (
	"testing"

	"github.com/vippslogin/vippslogin/internal/store"
)

// testUserDeleteCascades checks that a deleted user leaves nothing that is
// theirs: remembered browsers, consents and pairwise subjects go, so that
// the same phone number coming back is a new person to every client.
// Nobody else's records go with them.
func testUserDeleteCascades(t *testing.T, s store.Store) {
	ctx := t.Context()
	const gone, kept = "4711111111", "4722222222"
	createUsersAndClients(t, s, []string{gone, kept}, []string{"shop"})
	for _, p := range []string{gone, kept} {
		must(t, "CreateBrowserSession", s.CreateBrowserSession(ctx, newBrowserSession("session-"+p, p)))
		must(t, "SaveConsent", s.SaveConsent(ctx, newConsent(p, "shop")))
		pairwiseSubject(t, s, p, "shop", "sub-"+p)
	}

	must(t, "DeleteUser", s.DeleteUser(ctx, gone))
	_, err := s.GetBrowserSessionByToken(ctx, newBrowserSession("session-"+gone, gone).TokenHash)
	wantErr(t, "GetBrowserSessionByToken of the deleted user's session", err, store.ErrNotFound)
	_, err = s.GetConsent(ctx, gone, "shop")
	wantErr(t, "GetConsent of the deleted user", err, store.ErrNotFound)

	must(t, "CreateUser again", s.CreateUser(ctx, newUser(gone)))
	list, err := s.ListBrowserSessions(ctx, gone)
	must(t, "ListBrowserSessions", err)
	equal(t, "browser sessions of the re-created user", list, []store.BrowserSession{})
	consents, err := s.ListConsents(ctx, gone)
	must(t, "ListConsents", err)
	equal(t, "consents of the re-created user", consents, []store.Consent{})
	if got := pairwiseSubject(t, s, gone, "shop", "sub-new"); got != "sub-new" {
		t.Errorf("PairwiseSubject of the re-created user = %q, want the new candidate", got)
	}

	got, err := s.GetBrowserSessionByToken(ctx, newBrowserSession("session-"+kept, kept).TokenHash)
	must(t, "GetBrowserSessionByToken of the other user's session", err)
	equal(t, "the other user's session", got, wantBrowserSession(newBrowserSession("session-"+kept, kept)))
	consent, err := s.GetConsent(ctx, kept, "shop")
	must(t, "GetConsent of the other user", err)
	equal(t, "the other user's consent", consent, wantConsent(newConsent(kept, "shop")))
	if got := pairwiseSubject(t, s, kept, "shop", "sub-other"); got != "sub-"+kept {
		t.Errorf("PairwiseSubject of the other user = %q, want sub-%s", got, kept)
	}
}

// testClientDeleteCascades checks that the users' consents to a deleted
// client and their subjects at it go with it, and nothing at other clients.
func testClientDeleteCascades(t *testing.T, s store.Store) {
	ctx := t.Context()
	const phone = "4711111111"
	createUsersAndClients(t, s, []string{phone}, []string{"gone", "kept"})
	for _, c := range []string{"gone", "kept"} {
		must(t, "SaveConsent", s.SaveConsent(ctx, newConsent(phone, c)))
		pairwiseSubject(t, s, phone, c, "sub-"+c)
	}

	must(t, "DeleteClient", s.DeleteClient(ctx, "gone"))
	must(t, "CreateClient again", s.CreateClient(ctx, newClient("gone")))
	_, err := s.GetConsent(ctx, phone, "gone")
	wantErr(t, "GetConsent to the re-created client", err, store.ErrNotFound)
	if got := pairwiseSubject(t, s, phone, "gone", "sub-new"); got != "sub-new" {
		t.Errorf("PairwiseSubject at the re-created client = %q, want the new candidate", got)
	}

	consents, err := s.ListConsents(ctx, phone)
	must(t, "ListConsents", err)
	equal(t, "consents left", consents, []store.Consent{wantConsent(newConsent(phone, "kept"))})
	if got := pairwiseSubject(t, s, phone, "kept", "sub-other"); got != "sub-kept" {
		t.Errorf("PairwiseSubject at the other client = %q, want sub-kept", got)
	}
}

package storetest

import (
	"fmt"
	"slices"
	"testing"

	"github.com/vippslogin/vippslogin/internal/store"
)

// pairwiseSubject is PairwiseSubject that must succeed.
func pairwiseSubject(t *testing.T, s store.Store, phoneNumber, clientID, candidate string) string {
	t.Helper()
	sub, err := s.PairwiseSubject(t.Context(), phoneNumber, clientID, candidate)
	must(t, "PairwiseSubject", err)
	return sub
}

// testPairwiseSubjectStable checks that the first candidate sticks for its
// (user, client) pair and no other.
func testPairwiseSubjectStable(t *testing.T, s store.Store) {
	createUsersAndClients(t, s, []string{"4711111111", "4722222222"}, []string{"shop", "other"})
	const phone = "4711111111"
	for _, candidate := range []string{"sub-1", "sub-2", "sub-1"} {
		if got := pairwiseSubject(t, s, phone, "shop", candidate); got != "sub-1" {
			t.Errorf("PairwiseSubject(%q) = %q, want the first candidate sub-1", candidate, got)
		}
	}
	if got := pairwiseSubject(t, s, phone, "other", "sub-3"); got != "sub-3" {
		t.Errorf("PairwiseSubject at another client = %q, want its own candidate sub-3", got)
	}
	if got := pairwiseSubject(t, s, "4722222222", "shop", "sub-4"); got != "sub-4" {
		t.Errorf("PairwiseSubject of another user = %q, want their own candidate sub-4", got)
	}
	if got := pairwiseSubject(t, s, phone, "other", "sub-5"); got != "sub-3" {
		t.Errorf("PairwiseSubject at the other client again = %q, want sub-3", got)
	}
}

// testPairwiseSubjectTaken checks that a sub is never shared: a candidate
// that is another pair's subject is refused, and nothing is stored for the
// pair that tried it.
func testPairwiseSubjectTaken(t *testing.T, s store.Store) {
	createUsersAndClients(t, s, []string{"4711111111", "4722222222"}, []string{"shop"})
	pairwiseSubject(t, s, "4711111111", "shop", "sub-1")
	_, err := s.PairwiseSubject(t.Context(), "4722222222", "shop", "sub-1")
	wantErr(t, "PairwiseSubject with another pair's subject", err, store.ErrExists)
	if got := pairwiseSubject(t, s, "4722222222", "shop", "sub-2"); got != "sub-2" {
		t.Errorf("PairwiseSubject after the refused candidate = %q, want sub-2", got)
	}
}

// testPairwiseSubjectUnknown checks that a subject needs its user and its
// client, or deleting either could not take it along.
func testPairwiseSubjectUnknown(t *testing.T, s store.Store) {
	createUsersAndClients(t, s, []string{"4711111111"}, []string{"shop"})
	if _, err := s.PairwiseSubject(t.Context(), "4799999999", "shop", "sub-1"); err == nil {
		t.Error("PairwiseSubject of a missing user succeeded")
	}
	if _, err := s.PairwiseSubject(t.Context(), "4711111111", "missing", "sub-2"); err == nil {
		t.Error("PairwiseSubject at a missing client succeeded")
	}
}

// testPairwiseSubjectConcurrent races the first logins of one user at one
// client, each with its own candidate: all must get the same subject, one of
// the candidates, or the client would see two people.
func testPairwiseSubjectConcurrent(t *testing.T, s store.Store) {
	createUsersAndClients(t, s, []string{"4711111111"}, []string{"shop"})
	const n = 20
	var (
		candidates [n]string
		subs       [n]string
	)
	for i := range n {
		candidates[i] = fmt.Sprintf("sub-%d", i)
	}
	race(t, s, n, func(i int) {
		var err error
		subs[i], err = s.PairwiseSubject(t.Context(), "4711111111", "shop", candidates[i])
		if err != nil {
			t.Errorf("PairwiseSubject %d: %v", i, err)
		}
	})
	if t.Failed() {
		return
	}
	if !slices.Contains(candidates[:], subs[0]) {
		t.Errorf("PairwiseSubject = %q, not one of the candidates", subs[0])
	}
	for i, sub := range subs {
		if sub != subs[0] {
			t.Errorf("PairwiseSubject %d = %q, but 0 got %q", i, sub, subs[0])
		}
	}
}

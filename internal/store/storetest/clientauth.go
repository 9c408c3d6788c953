package storetest

import (
	"testing"
	"time"

	"github.com/vippslogin/vippslogin/internal/store"
)

// authFailures is GetClientAuthFailures that fails the test at once on an
// error.
func authFailures(t *testing.T, s store.Store, clientID string) store.ClientAuthFailures {
	t.Helper()
	f, err := s.GetClientAuthFailures(t.Context(), clientID)
	must(t, "GetClientAuthFailures "+clientID, err)
	return f
}

// setAuthFailures stores f as the client's failed authentications and
// returns what the closure was handed.
func setAuthFailures(t *testing.T, s store.Store, clientID string, f store.ClientAuthFailures) (before, after store.ClientAuthFailures) {
	t.Helper()
	after, err := s.UpdateClientAuthFailures(t.Context(), clientID, func(old store.ClientAuthFailures) (store.ClientAuthFailures, error) {
		before = old
		return f, nil
	})
	must(t, "UpdateClientAuthFailures "+clientID, err)
	return before, after
}

// testClientAuthFailures counts and locks a client: a new client has none,
// the update sees what was stored before and returns what a Get then
// reads (the lock in UTC to the microsecond), and the count is apart from
// the client's record, which neither changes it nor is changed by it.
func testClientAuthFailures(t *testing.T, s store.Store) {
	ctx := t.Context()
	c := newClient("shop")
	must(t, "CreateClient", s.CreateClient(ctx, c))
	must(t, "CreateClient", s.CreateClient(ctx, newClient("other")))
	equal(t, "a new client's failures", authFailures(t, s, "shop"), store.ClientAuthFailures{})

	one := store.ClientAuthFailures{Failures: 1}
	before, after := setAuthFailures(t, s, "shop", one)
	equal(t, "update's first old value", before, store.ClientAuthFailures{})
	equal(t, "update's result", after, one)
	equal(t, "failures after one", authFailures(t, s, "shop"), one)

	locked := store.ClientAuthFailures{Failures: 0, LockedUntil: at(15 * time.Minute)}
	before, after = setAuthFailures(t, s, "shop", locked)
	want := store.ClientAuthFailures{LockedUntil: stored(locked.LockedUntil)}
	equal(t, "update's second old value", before, one)
	equal(t, "update's result with a lock", after, want)
	equal(t, "failures after the lock", authFailures(t, s, "shop"), want)
	equal(t, "another client's failures", authFailures(t, s, "other"), store.ClientAuthFailures{})

	got, err := s.GetClient(ctx, "shop")
	must(t, "GetClient", err)
	equal(t, "the client after its failures changed", got, wantClient(c))
	_, err = s.UpdateClient(ctx, "shop", func(c store.Client) (store.Client, error) {
		c.Name = "Renamed"
		return c, nil
	})
	must(t, "UpdateClient", err)
	equal(t, "failures after the client changed", authFailures(t, s, "shop"), want)

	setAuthFailures(t, s, "shop", store.ClientAuthFailures{})
	equal(t, "failures after a reset", authFailures(t, s, "shop"), store.ClientAuthFailures{})
}

// testClientAuthFailuresUnknown: an unknown client has no failures to read
// or count, and counting them makes no record a client created later
// would find.
func testClientAuthFailuresUnknown(t *testing.T, s store.Store) {
	ctx := t.Context()
	_, err := s.GetClientAuthFailures(ctx, "nobody")
	wantErr(t, "GetClientAuthFailures of an unknown client", err, store.ErrNotFound)
	_, err = s.UpdateClientAuthFailures(ctx, "nobody", func(f store.ClientAuthFailures) (store.ClientAuthFailures, error) {
		t.Error("UpdateClientAuthFailures called update for an unknown client")
		return store.ClientAuthFailures{Failures: 1}, nil
	})
	wantErr(t, "UpdateClientAuthFailures of an unknown client", err, store.ErrNotFound)
	must(t, "CreateClient", s.CreateClient(ctx, newClient("nobody")))
	equal(t, "failures of the client created since", authFailures(t, s, "nobody"), store.ClientAuthFailures{})
}

// testClientAuthFailuresAbort: an update's error comes back as is and
// nothing is written.
func testClientAuthFailuresAbort(t *testing.T, s store.Store) {
	must(t, "CreateClient", s.CreateClient(t.Context(), newClient("shop")))
	setAuthFailures(t, s, "shop", store.ClientAuthFailures{Failures: 2})
	_, err := s.UpdateClientAuthFailures(t.Context(), "shop", func(f store.ClientAuthFailures) (store.ClientAuthFailures, error) {
		return store.ClientAuthFailures{Failures: 9}, errAbort
	})
	if err != errAbort {
		t.Errorf("UpdateClientAuthFailures: err = %v, want the closure's error as is", err)
	}
	equal(t, "failures after the aborted update", authFailures(t, s, "shop"), store.ClientAuthFailures{Failures: 2})
}

// testClientAuthFailuresConcurrent counts from many callers at once: no
// failure is lost, and each caller's update sees a count of its own.
func testClientAuthFailuresConcurrent(t *testing.T, s store.Store) {
	must(t, "CreateClient", s.CreateClient(t.Context(), newClient("shop")))
	const n = 20
	seen := make([]int, n)
	race(t, s, n, func(i int) {
		f, err := s.UpdateClientAuthFailures(t.Context(), "shop", func(f store.ClientAuthFailures) (store.ClientAuthFailures, error) {
			f.Failures++
			return f, nil
		})
		if err != nil {
			t.Errorf("UpdateClientAuthFailures: %v", err)
		}
		seen[i] = f.Failures
	})
	if got := authFailures(t, s, "shop").Failures; got != n {
		t.Errorf("failures after %d counted at once = %d", n, got)
	}
	counted := map[int]bool{}
	for _, c := range seen {
		counted[c] = true
	}
	if len(counted) != n {
		t.Errorf("the racing updates returned counts %v: want each of 1…%d once", seen, n)
	}
}

// testClientAuthFailuresDeleteClient: the failures go with their client, so
// a client created again under its id starts with none.
func testClientAuthFailuresDeleteClient(t *testing.T, s store.Store) {
	ctx := t.Context()
	must(t, "CreateClient", s.CreateClient(ctx, newClient("shop")))
	setAuthFailures(t, s, "shop", store.ClientAuthFailures{Failures: 3, LockedUntil: at(time.Hour)})
	must(t, "DeleteClient", s.DeleteClient(ctx, "shop"))
	_, err := s.GetClientAuthFailures(ctx, "shop")
	wantErr(t, "GetClientAuthFailures of the deleted client", err, store.ErrNotFound)
	must(t, "CreateClient", s.CreateClient(ctx, newClient("shop")))
	equal(t, "failures of the client created again", authFailures(t, s, "shop"), store.ClientAuthFailures{})
}

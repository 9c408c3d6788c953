// Package storetest is the one conformance suite every store backend runs
// (DESIGN §8): each behaviour of store.Store is written here once, so SQLite
// and PostgreSQL cannot drift apart.
//
// Beyond the doc comments on store.Store, the suite holds every backend to
// this contract:
//
//   - Times come back in UTC, truncated to microseconds (PostgreSQL's
//     precision); the zero time comes back as the zero time.
//   - Slices are never nil: a list field stored nil or empty comes back as
//     an empty, non-nil slice, and a List method with nothing to list
//     returns an empty, non-nil slice. Records are compared with
//     reflect.DeepEqual, which tells nil from empty.
//   - The store keeps CreatedAt and UpdatedAt as given; it never sets them.
//   - Errors wrap store.ErrNotFound, store.ErrExists and store.ErrUsed
//     (errors.Is), and an Update closure's error comes back unchanged.
package storetest

import (
	"errors"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/vippslogin/vippslogin/internal/store"
)

// Run runs the suite. open must return a fresh, empty store for each
// subtest and close it when that subtest ends; the Close subtest closes it
// first, so a second Close must be harmless. The subtests run one after
// another, so open may reuse one database as long as it empties it.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	tests := []struct {
		name string
		run  func(t *testing.T, s store.Store)
	}{
		{"Ping", testPing},
		{"CheckWrite", testCheckWrite},
		{"Close", testClose},

		{"ClientCreateGet", testClientCreateGet},
		{"ClientCreateExists", testClientCreateExists},
		{"ClientNotFound", testClientNotFound},
		{"ClientList", testClientList},
		{"ClientUpdate", testClientUpdate},
		{"ClientUpdateAbort", testClientUpdateAbort},
		{"ClientUpdateKey", testClientUpdateKey},
		{"ClientDelete", testClientDelete},
		{"ClientAuthFailures", testClientAuthFailures},
		{"ClientAuthFailuresUnknown", testClientAuthFailuresUnknown},
		{"ClientAuthFailuresAbort", testClientAuthFailuresAbort},
		{"ClientAuthFailuresConcurrent", testClientAuthFailuresConcurrent},
		{"ClientAuthFailuresDeleteClient", testClientAuthFailuresDeleteClient},

		{"UserCreateGet", testUserCreateGet},
		{"UserCreateExists", testUserCreateExists},
		{"UserCreateMany", testUserCreateMany},
		{"UserNotFound", testUserNotFound},
		{"UserList", testUserList},
		{"UserUpdate", testUserUpdate},
		{"UserUpdateAbort", testUserUpdateAbort},
		{"UserUpdateKey", testUserUpdateKey},
		{"UserUpdateConcurrent", testUserUpdateConcurrent},
		{"UserDelete", testUserDelete},
		{"UserDeleteAppSessions", testUserDeleteAppSessions},
		{"UserDeactivateEndsSessions", testUserDeactivateEndsSessions},

		{"SigningKeyCreateList", testSigningKeyCreateList},
		{"SigningKeyCreateExists", testSigningKeyCreateExists},
		{"SigningKeyOneInitial", testSigningKeyOneInitial},
		{"SigningKeyReseal", testSigningKeyReseal},

		{"AppSessionCreateGetDelete", testAppSessionCreateGetDelete},
		{"AppSessionCreateExists", testAppSessionCreateExists},
		{"AppSessionUnknownUser", testAppSessionUnknownUser},
		{"AppSessionDeleteExpired", testAppSessionDeleteExpired},

		{"LoginRequestCreateGet", testLoginRequestCreateGet},
		{"LoginRequestCreateExists", testLoginRequestCreateExists},
		{"LoginRequestNotFound", testLoginRequestNotFound},
		{"LoginRequestUpdate", testLoginRequestUpdate},
		{"LoginRequestUpdateAbort", testLoginRequestUpdateAbort},
		{"LoginRequestUpdateKey", testLoginRequestUpdateKey},
		{"LoginRequestUpdateConcurrent", testLoginRequestUpdateConcurrent},
		{"LoginRequestListWaiting", testLoginRequestListWaiting},
		{"LoginRequestListPending", testLoginRequestListPending},
		{"LoginRequestOneCIBAWaiting", testLoginRequestOneCIBAWaiting},
		{"LoginRequestFailExpired", testLoginRequestFailExpired},
		{"LoginRequestUpdateWith", testLoginRequestUpdateWith},
		{"LoginRequestUpdateWithRollback", testLoginRequestUpdateWithRollback},
		{"LoginRequestUpdateWithConcurrent", testLoginRequestUpdateWithConcurrent},
		{"LoginRequestUpdateWithConsentRace", testLoginRequestUpdateWithConsentRace},

		{"BrowserSessionCreateGet", testBrowserSessionCreateGet},
		{"BrowserSessionCreateExists", testBrowserSessionCreateExists},
		{"BrowserSessionUnknownUser", testBrowserSessionUnknownUser},
		{"BrowserSessionList", testBrowserSessionList},
		{"BrowserSessionDelete", testBrowserSessionDelete},
		{"BrowserSessionEnd", testBrowserSessionEnd},

		{"ConsentSaveGet", testConsentSaveGet},
		{"ConsentSaveReplace", testConsentSaveReplace},
		{"ConsentUnknown", testConsentUnknown},
		{"ConsentList", testConsentList},
		{"ConsentDelete", testConsentDelete},
		{"ConsentDeleteNotify", testConsentDeleteNotify},

		{"AuthCodeRedeem", testAuthCodeRedeem},
		{"AuthCodeCreatedUsed", testAuthCodeCreatedUsed},
		{"AuthCodeCreateExists", testAuthCodeCreateExists},
		{"AuthCodeRedeemConcurrent", testAuthCodeRedeemConcurrent},
		{"AuthCodeRedeemTokenExists", testAuthCodeRedeemTokenExists},

		{"AccessTokenCreateGet", testAccessTokenCreateGet},
		{"AccessTokenCreateExists", testAccessTokenCreateExists},
		{"AccessTokenRevoke", testAccessTokenRevoke},
		{"AccessTokenRevokeByCode", testAccessTokenRevokeByCode},

		{"PairwiseSubjectStable", testPairwiseSubjectStable},
		{"PairwiseSubjectTaken", testPairwiseSubjectTaken},
		{"PairwiseSubjectUnknown", testPairwiseSubjectUnknown},
		{"PairwiseSubjectConcurrent", testPairwiseSubjectConcurrent},

		{"WebhookEnqueueList", testWebhookEnqueueList},
		{"WebhookClaim", testWebhookClaim},
		{"WebhookClaimConcurrent", testWebhookClaimConcurrent},
		{"WebhookRecordAttempt", testWebhookRecordAttempt},
		{"WebhookDeleteExpired", testWebhookDeleteExpired},
		{"WebhookClientDeleteCascades", testWebhookClientDeleteCascades},
		{"Backlog", testBacklog},

		{"QRCodeCreateGet", testQRCodeCreateGet},
		{"QRCodeListDelete", testQRCodeListDelete},
		{"QRCodeClientDeleteCascades", testQRCodeClientDeleteCascades},

		{"CountHit", testCountHit},
		{"CountHitConcurrent", testCountHitConcurrent},
		{"CountHitDeleteExpired", testCountHitDeleteExpired},

		{"UserDeleteCascades", testUserDeleteCascades},
		{"ClientDeleteCascades", testClientDeleteCascades},
		{"DeleteExpired", testDeleteExpired},
		{"DeleteExpiredBatches", testDeleteExpiredBatches},
		{"DeleteExpiredCutoffs", testDeleteExpiredCutoffs},
		{"DeleteExpiredAbandoned", testDeleteExpiredAbandoned},

		{"EventAddList", testEventAddList},
		{"EventAddExists", testEventAddExists},
		{"EventTrim", testEventTrim},
		{"EventClientDeleteCascades", testEventClientDeleteCascades},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.run(t, open(t))
		})
	}
}

func testPing(t *testing.T, s store.Store) {
	if err := s.Ping(t.Context()); err != nil {
		t.Fatalf("Ping: %v", err)
	}
}

// testCheckWrite checks that the readiness write works again and again
// (it bumps one row, never adds one) and fails on a closed store.
func testCheckWrite(t *testing.T, s store.Store) {
	for i := range 3 {
		if err := s.CheckWrite(t.Context()); err != nil {
			t.Fatalf("CheckWrite %d: %v", i, err)
		}
	}
	s.Close()
	if err := s.CheckWrite(t.Context()); err == nil {
		t.Error("CheckWrite after Close succeeded")
	}
}

func testClose(t *testing.T, s store.Store) {
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := s.Ping(t.Context()); err == nil {
		t.Error("Ping after Close succeeded")
	}
}

// race runs fn in n goroutines that start together, after as many callers
// have pinged s at once: a backend with a pool of connections then has n
// ready, and no racer starts so late, opening its own, that it races nobody.
func race(t *testing.T, s store.Store, n int, fn func(i int)) {
	t.Helper()
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			if err := s.Ping(t.Context()); err != nil {
				t.Errorf("Ping: %v", err)
			}
		})
	}
	wg.Wait()
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			fn(i)
		})
	}
	close(start)
	wg.Wait()
}

// errAbort is what the abort tests' update closures fail with.
var errAbort = errors.New("storetest: update aborted")

// when is the fixtures' base time: nanoseconds and a zone other than UTC, so
// a backend that keeps more than microseconds or hands back the caller's
// zone fails the round trips.
var when = time.Date(2025, time.March, 14, 15, 9, 26, 535897932, time.FixedZone("CET", 60*60))

// at is when plus d.
func at(d time.Duration) time.Time { return when.Add(d) }

// stored is t as every backend must return it.
func stored(t time.Time) time.Time { return t.Truncate(time.Microsecond).UTC() }

// orEmpty is s as every backend must return it.
func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// equal reports a difference between got and want, down to nil against empty
// slices and time zones.
func equal[T any](t *testing.T, what string, got, want T) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s:\n got %#v\nwant %#v", what, got, want)
	}
}

// wantErr reports err unless it wraps target.
func wantErr(t *testing.T, what string, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Errorf("%s: err = %v, want %v", what, err, target)
	}
}

// must fails the test at once on err, for the steps that set a test up.
func must(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

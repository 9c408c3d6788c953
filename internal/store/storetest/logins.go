package storetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/vippslogin/vippslogin/internal/store"
)

// newLoginRequest is a login request with every field set, each to a
// different value, waiting for phoneNumber's app.
func newLoginRequest(id, phoneNumber string) store.LoginRequest {
	return store.LoginRequest{
		ID:                  id,
		Kind:                store.KindLogin,
		BrowserBindingHash:  "binding-" + id,
		ClientID:            "shop",
		RedirectURI:         "https://shop.example/callback",
		Scopes:              []string{"openid", "name", "phoneNumber"},
		State:               "state-" + id,
		Nonce:               "nonce-" + id,
		CodeChallenge:       "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
		CodeChallengeMethod: "S256",
		RequestedFlow:       "app_to_app",
		AppCallbackURI:      "shop://done",
		FinalRedirectIsApp:  true,
		Mobile:              true,
		Locale:              "nb",
		ACR:                 "urn:vipps:loa:substantial",
		Market:              "DK",
		LoginHint:           "4712345678",
		ForceLogin:          true,
		MaxAuthAge:          90 * time.Second,
		ResumeSecretHash:    "resume-" + id,
		BindingMessage:      "ABC-123",
		NotificationToken:   "notify-" + id,
		PollInterval:        10 * time.Second,
		LastPolledAt:        at(20 * time.Second),
		QRID:                "qr-" + id,
		QRDescription:       "Entrance of " + id,
		PhoneNumber:         phoneNumber,
		Remember:            true,
		Challenge:           "42",
		ChallengeOptions:    []string{"17", "42", "99"},
		Status:              store.LoginWaiting,
		Error:               "access_denied",
		ErrorDescription:    "user_cancelled",
		SessionID:           "sid-" + id,
		AuthTime:            at(30 * time.Second),
		CreatedAt:           at(0),
		UpdatedAt:           at(time.Second),
		ExpiresAt:           at(10 * time.Minute),
	}
}

// wantLoginRequest is r as every backend must return it.
func wantLoginRequest(r store.LoginRequest) store.LoginRequest {
	r.Scopes = orEmpty(r.Scopes)
	r.ChallengeOptions = orEmpty(r.ChallengeOptions)
	r.AuthTime = stored(r.AuthTime)
	r.LastPolledAt = stored(r.LastPolledAt)
	r.CreatedAt = stored(r.CreatedAt)
	r.UpdatedAt = stored(r.UpdatedAt)
	r.ExpiresAt = stored(r.ExpiresAt)
	return r
}

func testLoginRequestCreateGet(t *testing.T, s store.Store) {
	ctx := t.Context()
	full := newLoginRequest("full", "4712345678")
	// bare is a request before its user is known: no phone number, zero
	// times, false bools, nil lists but one, which is empty.
	bare := store.LoginRequest{ID: "bare", Status: store.LoginCreated, ChallengeOptions: []string{}}
	for _, r := range []store.LoginRequest{full, bare} {
		must(t, "CreateLoginRequest", s.CreateLoginRequest(ctx, r))
		got, err := s.GetLoginRequest(ctx, r.ID)
		must(t, "GetLoginRequest", err)
		equal(t, "GetLoginRequest("+r.ID+")", got, wantLoginRequest(r))
	}
}

func testLoginRequestCreateExists(t *testing.T, s store.Store) {
	ctx := t.Context()
	r := newLoginRequest("dup", "4712345678")
	must(t, "CreateLoginRequest", s.CreateLoginRequest(ctx, r))
	again := newLoginRequest(r.ID, "4799999999")
	wantErr(t, "CreateLoginRequest of a taken id", s.CreateLoginRequest(ctx, again), store.ErrExists)
	got, err := s.GetLoginRequest(ctx, r.ID)
	must(t, "GetLoginRequest", err)
	equal(t, "login request after the failed create", got, wantLoginRequest(r))
}

func testLoginRequestNotFound(t *testing.T, s store.Store) {
	ctx := t.Context()
	must(t, "CreateLoginRequest", s.CreateLoginRequest(ctx, newLoginRequest("present", "4712345678")))
	_, err := s.GetLoginRequest(ctx, "missing")
	wantErr(t, "GetLoginRequest", err, store.ErrNotFound)
	_, err = s.UpdateLoginRequest(ctx, "missing", func(r store.LoginRequest) (store.LoginRequest, error) {
		t.Error("UpdateLoginRequest called update for a missing request")
		return r, nil
	})
	wantErr(t, "UpdateLoginRequest", err, store.ErrNotFound)
}

func testLoginRequestUpdate(t *testing.T, s store.Store) {
	ctx := t.Context()
	r := newLoginRequest("upd", "")
	r.Status, r.Remember, r.AuthTime, r.SessionID = store.LoginCreated, false, time.Time{}, ""
	must(t, "CreateLoginRequest", s.CreateLoginRequest(ctx, r))

	// Approve: the user and the time become known, bools flip both ways, a
	// list empties and an error clears.
	var changed store.LoginRequest
	got, err := s.UpdateLoginRequest(ctx, r.ID, func(old store.LoginRequest) (store.LoginRequest, error) {
		equal(t, "update's argument", old, wantLoginRequest(r))
		old.PhoneNumber = "4712345678"
		old.Remember = true
		old.Mobile = false
		old.ChallengeOptions = nil
		old.Status = store.LoginApproved
		old.Error, old.ErrorDescription = "", ""
		old.SessionID = "sid-new"
		old.NotificationToken = "notify-new"
		old.AuthTime = at(time.Minute)
		old.UpdatedAt = at(time.Minute)
		old.ExpiresAt = at(20 * time.Minute)
		changed = old
		return old, nil
	})
	must(t, "UpdateLoginRequest", err)
	equal(t, "UpdateLoginRequest result", got, wantLoginRequest(changed))
	got, err = s.GetLoginRequest(ctx, r.ID)
	must(t, "GetLoginRequest", err)
	equal(t, "GetLoginRequest after UpdateLoginRequest", got, wantLoginRequest(changed))
}

func testLoginRequestUpdateAbort(t *testing.T, s store.Store) {
	ctx := t.Context()
	r := newLoginRequest("abort", "4712345678")
	must(t, "CreateLoginRequest", s.CreateLoginRequest(ctx, r))
	_, err := s.UpdateLoginRequest(ctx, r.ID, func(old store.LoginRequest) (store.LoginRequest, error) {
		old.Status = store.LoginApproved
		return old, errAbort
	})
	wantErr(t, "UpdateLoginRequest with a failing update", err, errAbort)
	got, err := s.GetLoginRequest(ctx, r.ID)
	must(t, "GetLoginRequest", err)
	equal(t, "login request after the aborted update", got, wantLoginRequest(r))
}

func testLoginRequestUpdateKey(t *testing.T, s store.Store) {
	ctx := t.Context()
	r := newLoginRequest("key", "4712345678")
	must(t, "CreateLoginRequest", s.CreateLoginRequest(ctx, r))
	_, err := s.UpdateLoginRequest(ctx, r.ID, func(old store.LoginRequest) (store.LoginRequest, error) {
		old.ID = "other"
		return old, nil
	})
	if err == nil {
		t.Error("UpdateLoginRequest that changes the id succeeded")
	}
	got, err := s.GetLoginRequest(ctx, r.ID)
	must(t, "GetLoginRequest", err)
	equal(t, "login request after the rejected update", got, wantLoginRequest(r))
	_, err = s.GetLoginRequest(ctx, "other")
	wantErr(t, "GetLoginRequest of the id the update tried", err, store.ErrNotFound)
}

// testLoginRequestUpdateConcurrent has many steps change one login at once,
// as the browser and the app do: if reading, changing and writing is not one
// atomic step, some changes are lost (or fail).
func testLoginRequestUpdateConcurrent(t *testing.T, s store.Store) {
	ctx := t.Context()
	r := newLoginRequest("busy", "4712345678")
	r.ChallengeOptions = nil
	must(t, "CreateLoginRequest", s.CreateLoginRequest(ctx, r))

	const n = 10
	race(t, s, n, func(i int) {
		_, err := s.UpdateLoginRequest(ctx, r.ID, func(old store.LoginRequest) (store.LoginRequest, error) {
			old.ChallengeOptions = append(old.ChallengeOptions, fmt.Sprint(i))
			return old, nil
		})
		if err != nil {
			t.Errorf("UpdateLoginRequest: %v", err)
		}
	})

	got, err := s.GetLoginRequest(ctx, r.ID)
	must(t, "GetLoginRequest", err)
	options := slices.Clone(got.ChallengeOptions)
	slices.Sort(options)
	want := []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}
	equal(t, fmt.Sprintf("ChallengeOptions after %d concurrent appends (sorted)", n), options, want)
}

// testLoginRequestListWaiting checks the app's inbox: only its user's
// requests, only those waiting, only those not expired at now (one expiring
// exactly at now is expired), oldest first and by id within one instant.
func testLoginRequestListWaiting(t *testing.T, s store.Store) {
	ctx := t.Context()
	const phone, other = "4712345678", "4787654321"
	now := at(time.Hour)
	request := func(id, phoneNumber, status string, createdIn, expiresIn time.Duration) store.LoginRequest {
		r := newLoginRequest(id, phoneNumber)
		r.Status = status
		r.CreatedAt = now.Add(createdIn)
		r.ExpiresAt = now.Add(expiresIn)
		return r
	}
	newest := request("a-newest", phone, store.LoginWaiting, -time.Minute, time.Minute)
	oldest := request("z-oldest", phone, store.LoginWaiting, -3*time.Minute, time.Microsecond)
	tiedB := request("tied-b", phone, store.LoginWaiting, -2*time.Minute, 5*time.Minute)
	tiedA := request("tied-a", phone, store.LoginWaiting, -2*time.Minute, 5*time.Minute)
	for _, r := range []store.LoginRequest{
		newest, tiedB, oldest, tiedA,
		request("expired-at-now", phone, store.LoginWaiting, -time.Minute, 0),
		request("expired", phone, store.LoginWaiting, -time.Hour, -time.Minute),
		request("created", phone, store.LoginCreated, -time.Minute, time.Minute),
		request("approved", phone, store.LoginApproved, -time.Minute, time.Minute),
		request("failed", phone, store.LoginFailed, -time.Minute, time.Minute),
		request("done", phone, store.LoginDone, -time.Minute, time.Minute),
		request("other-user", other, store.LoginWaiting, -time.Minute, time.Minute),
		request("no-user", "", store.LoginWaiting, -time.Minute, time.Minute),
	} {
		must(t, "CreateLoginRequest", s.CreateLoginRequest(ctx, r))
	}

	got, err := s.ListWaitingLoginRequests(ctx, phone, now)
	must(t, "ListWaitingLoginRequests", err)
	want := []store.LoginRequest{wantLoginRequest(oldest), wantLoginRequest(tiedA), wantLoginRequest(tiedB), wantLoginRequest(newest)}
	equal(t, "ListWaitingLoginRequests", got, want)

	got, err = s.ListWaitingLoginRequests(ctx, "4700000000", now)
	must(t, "ListWaitingLoginRequests", err)
	equal(t, "ListWaitingLoginRequests of a user with none", got, []store.LoginRequest{})
}

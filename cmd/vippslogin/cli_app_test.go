package main

import (
	"context"
	"crypto/rand"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/vippslogin/vippslogin/internal/app"
	"github.com/vippslogin/vippslogin/internal/flow"
	"github.com/vippslogin/vippslogin/internal/jsonapi"
	"github.com/vippslogin/vippslogin/internal/secret"
	"github.com/vippslogin/vippslogin/internal/store"
	"github.com/vippslogin/vippslogin/internal/testenv"
)

// appServer serves the real app API on a fresh SQLite store with the client
// "Demo Shop" and the user 4712345678 (PIN 1236), and returns the
// environment that points the CLI at it.
func appServer(t *testing.T) (map[string]string, store.Store) {
	t.Helper()
	ctx := t.Context()
	st := testenv.SQLite(t)
	now := time.Now()
	if err := st.CreateClient(ctx, store.Client{ID: "demo-client", Name: "Demo Shop", CreatedAt: now, UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}
	if err := st.CreateUser(ctx, store.User{PhoneNumber: "4712345678", PINHash: secret.Hash("1236")}); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	(&app.API{Store: st}).Mount(mux)
	srv := httptest.NewServer(jsonapi.Routes(mux))
	t.Cleanup(srv.Close)
	return map[string]string{"VIPPSLOGIN_SERVER": srv.URL}, st
}

// pendingLogin stores a waiting login as the login pages leave it: desktop
// with challenge 42 for the phone number, or mobile and unbound for "".
func pendingLogin(t *testing.T, st store.Store, phone string) store.LoginRequest {
	t.Helper()
	now := time.Now()
	r := store.LoginRequest{
		ID: rand.Text(), ClientID: "demo-client", RedirectURI: "http://localhost:3000/callback",
		Scopes: []string{"openid", "name"}, PhoneNumber: phone, Mobile: phone == "",
		Status: store.LoginWaiting, CreatedAt: now, UpdatedAt: now, ExpiresAt: now.Add(flow.LoginTTL),
	}
	if phone != "" {
		r.Challenge, r.ChallengeOptions = "42", []string{"17", "42", "88"}
	}
	if err := st.CreateLoginRequest(t.Context(), r); err != nil {
		t.Fatal(err)
	}
	return r
}

func loginStatus(t *testing.T, st store.Store, id string) store.LoginRequest {
	t.Helper()
	r, err := st.GetLoginRequest(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestAppApprove(t *testing.T) {
	env, st := appServer(t)
	r := pendingLogin(t, st, "4712345678")
	var out appOutcome
	stdout := ok(t, runApp, env, &out, "approve", "--phone", "4712345678", "--challenge", "42", "--wait", "5s")
	if out != (appOutcome{Request: r.ID, Client: "Demo Shop", Outcome: "approved"}) || strings.Count(stdout, "\n") != 1 {
		t.Errorf("approve printed %q", stdout)
	}
	if got := loginStatus(t, st, r.ID); got.Status != store.LoginApproved {
		t.Errorf("status after approve = %s", got.Status)
	}
}

// The command waits for the login the script starts after it.
func TestAppApproveWaits(t *testing.T) {
	env, st := appServer(t)
	type result struct {
		stdout string
		err    error
	}
	done := make(chan result, 1)
	go func() {
		stdout, err := cli(t, runApp, env, "approve", "--phone", "4712345678", "--pin", "1236", "--challenge", "42", "--wait", "30s")
		done <- result{stdout, err}
	}()
	r := pendingLogin(t, st, "4712345678")
	res := <-done
	if res.err != nil || !strings.Contains(res.stdout, r.ID) {
		t.Fatalf("approve = %q, %v; want request %s", res.stdout, res.err, r.ID)
	}
	if got := loginStatus(t, st, r.ID); got.Status != store.LoginApproved {
		t.Errorf("status after approve = %s", got.Status)
	}
}

func TestAppApproveMobileByID(t *testing.T) {
	env, st := appServer(t)
	r := pendingLogin(t, st, "")
	var out appOutcome
	ok(t, runApp, env, &out, "approve", "--phone", "4712345678", "--request", r.ID, "--remember")
	got := loginStatus(t, st, r.ID)
	if out.Outcome != "approved" || got.Status != store.LoginApproved || got.PhoneNumber != "4712345678" || !got.Remember {
		t.Errorf("printed %+v, stored %+v", out, got)
	}
}

func TestAppReject(t *testing.T) {
	env, st := appServer(t)
	r := pendingLogin(t, st, "4712345678")
	var out appOutcome
	ok(t, runApp, env, &out, "reject", "--phone", "4712345678")
	got := loginStatus(t, st, r.ID)
	if out.Outcome != "rejected" || got.Status != store.LoginFailed || got.Error != "access_denied" {
		t.Errorf("printed %+v, stored %+v", out, got)
	}
}

// --reason unknown has the app reject giving no reason it knows, which
// ends the login with Vipps' custom redirect error "unknown_reject_reason
// Something went wrong. Reject reason is unknown." (vipps-login-api-2.0
// "Custom error codes").
func TestAppRejectWithUnknownReason(t *testing.T) {
	env, st := appServer(t)
	r := pendingLogin(t, st, "4712345678")
	var out appOutcome
	ok(t, runApp, env, &out, "reject", "--phone", "4712345678", "--reason", "unknown")
	got := loginStatus(t, st, r.ID)
	if out != (appOutcome{Request: r.ID, Client: "Demo Shop", Outcome: "rejected", Reason: "unknown"}) ||
		got.Status != store.LoginFailed || got.Error != "unknown_reject_reason" || got.ErrorDescription != app.UnknownRejectDescription {
		t.Errorf("printed %+v, stored %+v", out, got)
	}

	// An app_to_app login goes back to the shop's app with the error, which
	// the command prints as the open_url the real app would open: "Parameters
	// state and possibly error will be passed as query parameters to the
	// app_callback_uri."
	r = pendingLogin(t, st, "4712345678")
	_, err := st.UpdateLoginRequest(t.Context(), r.ID, func(lr store.LoginRequest) (store.LoginRequest, error) {
		lr.RequestedFlow, lr.AppCallbackURI, lr.State = flow.AppToApp, "demo-app://callback", "state-123"
		return lr, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	ok(t, runApp, env, &out, "reject", "--phone", "4712345678", "--reason", "unknown")
	if out.OpenURL != "demo-app://callback?error=unknown_reject_reason&state=state-123" {
		t.Errorf("reject of an app_to_app login printed %+v, want the app callback with the error as open_url", out)
	}

	// A reason the API does not take is refused before anything waits or
	// answers, with the ones there are; the login stays open.
	r = pendingLogin(t, st, "4712345678")
	var usage *usageError
	_, err = cli(t, runApp, env, "reject", "--phone", "4712345678", "--reason", "cancelled", "--wait", "1m")
	if !errors.As(err, &usage) || !strings.Contains(err.Error(), `--reason must be "unknown"`) || !strings.Contains(err.Error(), "left out") {
		t.Errorf("reject --reason cancelled = %v, want a usage error naming the reasons", err)
	}
	if got := loginStatus(t, st, r.ID); got.Status != store.LoginWaiting {
		t.Errorf("after a refused --reason the login is %s, want waiting", got.Status)
	}
}

func TestAppErrors(t *testing.T) {
	env, st := appServer(t)
	// Nothing pending within the wait.
	start := time.Now()
	_, err := cli(t, runApp, env, "approve", "--phone", "4712345678", "--challenge", "42", "--wait", "1s")
	if err == nil || err.Error() != "no pending login for 4712345678 within 1s" {
		t.Errorf("approve with nothing pending = %v", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("gave up after %v, want about 1s", d)
	}

	// A desktop login needs the challenge; the login stays open.
	r := pendingLogin(t, st, "4712345678")
	_, err = cli(t, runApp, env, "approve", "--phone", "4712345678", "--wait", "1s")
	if err == nil || !strings.Contains(err.Error(), "--challenge <the two digits the browser shows>") {
		t.Errorf("approve without --challenge = %v", err)
	}
	if got := loginStatus(t, st, r.ID); got.Status != store.LoginWaiting {
		t.Errorf("status after a refused approve = %s, want waiting", got.Status)
	}

	// A wrong pick ends the login, and the command fails saying so.
	_, err = cli(t, runApp, env, "approve", "--phone", "4712345678", "--challenge", "17")
	if err == nil || !strings.Contains(err.Error(), "wrong_challenge") {
		t.Errorf("approve with a wrong challenge = %v", err)
	}
	if got := loginStatus(t, st, r.ID); got.Error != "wrong_challenge" {
		t.Errorf("error after a wrong challenge = %q", got.Error)
	}

	// The app API's detail, without its HTTP status.
	if _, err := cli(t, runApp, env, "approve", "--phone", "4712345678", "--pin", "0000"); err == nil || err.Error() != "sign in as 4712345678: Wrong phone number or PIN." {
		t.Errorf("approve with a wrong PIN = %v", err)
	}
	if _, err := st.UpdateUser(t.Context(), "4712345678", func(u store.User) (store.User, error) {
		u.FailedPINAttempts, u.LockedUntil = app.MaxPINAttempts, time.Now().Add(app.LockDuration)
		return u, nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := cli(t, runApp, env, "approve", "--phone", "4712345678"); err == nil ||
		!strings.HasPrefix(err.Error(), "sign in as 4712345678: Too many wrong PINs: this user is locked out for 15 more minute(s).") ||
		!strings.Contains(err.Error(), "vippslogin user unlock") || strings.Contains(err.Error(), "429") {
		t.Errorf("approve as a locked user = %v", err)
	}

	var usage *usageError
	for _, args := range [][]string{{}, {"accept"}, {"approve"}, {"approve", "--phone", "4712345678", "extra"}, {"reject", "--phone", "1", "--challenge", "42"}, {"approve", "--phone", "1", "--reason", "unknown"}} {
		if _, err := cli(t, runApp, env, args...); !errors.As(err, &usage) {
			t.Errorf("app %q = %v, want a usage error", args, err)
		}
	}
}

func TestAppHelp(t *testing.T) {
	var stderr strings.Builder
	err := runApp(context.Background(), []string{"approve", "-h"}, func(string) string { return "" }, &strings.Builder{}, &stderr)
	if !errors.Is(err, errHelp) {
		t.Errorf("approve -h = %v", err)
	}
	for _, want := range []string{"--phone", "--pin", "1236", "--challenge", "--wait", "--request", "VIPPSLOGIN_SERVER"} {
		if !strings.Contains(stderr.String(), strings.TrimPrefix(want, "-")) {
			t.Errorf("approve -h does not mention %s:\n%s", want, stderr.String())
		}
	}
}

func TestAppRejectHelp(t *testing.T) {
	var stderr strings.Builder
	err := runApp(context.Background(), []string{"reject", "-h"}, func(string) string { return "" }, &strings.Builder{}, &stderr)
	if !errors.Is(err, errHelp) {
		t.Errorf("reject -h = %v", err)
	}
	for _, want := range []string{"-reason", "unknown_reject_reason", "access_denied"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("reject -h does not mention %s:\n%s", want, stderr.String())
		}
	}
}

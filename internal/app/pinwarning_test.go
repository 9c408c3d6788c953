package app

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/vippslogin/vippslogin/internal/jsonapi"
)

// TestLastPINAttemptWarns checks the answers around the lock: the wrong PIN
// that leaves one attempt says so, in words and in attempts_left and
// lock_minutes (taken from MaxPINAttempts and LockDuration); the earlier
// ones and an unknown number do not; the lock says how long and how to
// unlock.
func TestLastPINAttemptWarns(t *testing.T) {
	_, client, _ := setup(t, newClock())
	ctx := context.Background()
	problem := func(err error) *jsonapi.Problem {
		t.Helper()
		var p *jsonapi.Problem
		if !errors.As(err, &p) {
			t.Fatalf("error %v is not a problem", err)
		}
		return p
	}
	for i := 1; i < MaxPINAttempts-1; i++ {
		p := problem(signInErr(client.SignIn(ctx, "4712345678", "9999")))
		if p.Status != 401 || p.Extensions != nil || strings.Contains(p.Detail, "attempt") {
			t.Errorf("wrong PIN %d: %d %q %v, want a plain 401", i, p.Status, p.Detail, p.Extensions)
		}
	}
	p := problem(signInErr(client.SignIn(ctx, "4712345678", "9999")))
	if p.Status != 401 || p.Detail != "Wrong phone number or PIN. 1 attempt left before a 15-minute lock." ||
		p.Extensions["attempts_left"] != 1.0 || p.Extensions["lock_minutes"] != 15.0 {
		t.Errorf("wrong PIN %d: %d %q %v, want the warning", MaxPINAttempts-1, p.Status, p.Detail, p.Extensions)
	}
	p = problem(signInErr(client.SignIn(ctx, "4712345678", "9999")))
	if p.Status != 429 || !strings.Contains(p.Detail, "15 more minute(s)") || !strings.Contains(p.Detail, "vippslogin user unlock") ||
		p.Extensions["locked_minutes"] != 15.0 {
		t.Errorf("wrong PIN %d: %d %q %v, want the lock and how to unlock", MaxPINAttempts, p.Status, p.Detail, p.Extensions)
	}
	for range MaxPINAttempts {
		if p := problem(signInErr(client.SignIn(ctx, "4799999999", "9999"))); p.Status != 401 || p.Extensions != nil {
			t.Errorf("unknown number: %d %q %v, want a plain 401", p.Status, p.Detail, p.Extensions)
		}
	}
}

func signInErr(_ Session, err error) error { return err }

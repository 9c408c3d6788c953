package debugger

import (
	"testing"
	"time"

	"github.com/vippslogin/vippslogin/internal/store"
)

// Watch records a login's end once: its failure when the error is set, or
// the code sent to the redirect URI; the steps before and after are not
// events.
func TestWatch(t *testing.T) {
	raw := newStore(t, "shop")
	rec := NewRecorder(raw, 0)
	st := Watch(raw, rec)
	ctx := t.Context()
	now := time.Date(2025, 3, 14, 15, 0, 0, 0, time.UTC)
	newLogin := func(id, kind string) store.LoginRequest {
		return store.LoginRequest{ID: id, Kind: kind, ClientID: "shop", RedirectURI: "https://shop.example/cb", Scopes: []string{"openid"},
			State: "secret-state", CodeChallenge: "challenge", CodeChallengeMethod: "S256", PhoneNumber: "4712345678",
			Status: store.LoginWaiting, CreatedAt: now, UpdatedAt: now, ExpiresAt: now.Add(10 * time.Minute)}
	}
	set := func(id string, change func(*store.LoginRequest)) {
		t.Helper()
		_, err := st.UpdateLoginRequest(ctx, id, func(lr store.LoginRequest) (store.LoginRequest, error) {
			change(&lr)
			lr.UpdatedAt = lr.UpdatedAt.Add(time.Second)
			return lr, nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}

	if err := st.CreateLoginRequest(ctx, newLogin("rejected", store.KindLogin)); err != nil {
		t.Fatal(err)
	}
	set("rejected", func(lr *store.LoginRequest) {
		lr.Status, lr.Error, lr.ErrorDescription = store.LoginFailed, "wrong_challenge", "The user picked the wrong challenge."
	})
	set("rejected", func(lr *store.LoginRequest) { lr.Status = store.LoginDone }) // the error goes back: no second event

	if err := st.CreateLoginRequest(ctx, newLogin("approved", store.KindLogin)); err != nil {
		t.Fatal(err)
	}
	set("approved", func(lr *store.LoginRequest) { lr.Status = store.LoginApproved })
	_, err := st.UpdateLoginRequestWith(ctx, "approved", func(lr store.LoginRequest) (store.LoginRequest, store.Effects, error) {
		lr.Status, lr.UpdatedAt = store.LoginDone, now.Add(time.Minute)
		return lr, store.Effects{}, nil
	})
	if err != nil {
		t.Fatal(err)
	}

	ineligible := newLogin("ineligible", store.KindCIBA)
	ineligible.Status, ineligible.Error, ineligible.ErrorDescription = store.LoginFailed, "invalid_user", "No."
	ineligible.RedirectURI = ""
	if err := st.CreateLoginRequest(ctx, ineligible); err != nil {
		t.Fatal(err)
	}
	if err := rec.Flush(ctx); err != nil {
		t.Fatal(err)
	}

	got := list(t, raw, "shop")
	if len(got) != 3 {
		t.Fatalf("events %+v, want 3", got)
	}
	// Newest first by the time of each change.
	success, failure, ciba := got[0], got[1], got[2]
	if failure.Flow != store.FlowBrowser || failure.Step != StepLogin || failure.Outcome != store.OutcomeFailure || failure.Error != "wrong_challenge" ||
		failure.Explanation != LoginFailure(store.LoginRequest{Error: "wrong_challenge"}) {
		t.Errorf("failure event %+v", failure)
	}
	if success.Outcome != store.OutcomeSuccess || success.Error != "" || success.Explanation != CodeSent(newLogin("", "")) ||
		!success.Time.Equal(now.Add(time.Minute)) {
		t.Errorf("success event %+v", success)
	}
	want := map[string]string{"redirect_uri": "https://shop.example/cb", "scope": "openid", "code_challenge_method": "S256"}
	for k, v := range want {
		if success.Params[k] != v {
			t.Errorf("params %v, want %s=%s", success.Params, k, v)
		}
	}
	if len(success.Params) != len(want) {
		t.Errorf("params %v keep more than %v", success.Params, want)
	}
	if ciba.Flow != store.FlowCIBA || ciba.Error != "invalid_user" {
		t.Errorf("CIBA event %+v", ciba)
	}
}

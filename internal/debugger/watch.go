package debugger

import (
	"context"
	"net/url"
	"strings"

	"github.com/vippslogin/vippslogin/internal/store"
)

// Watch returns st with every login's end recorded to rec: whichever
// package ends a login (the app's answer, the browser's pages noticing an
// expiry, a CIBA poll), the change goes through the store, and this sees
// it once it is committed. A login ends once, so it makes one event: a
// failure when its error is first set, a success when its code goes to
// the browser. Tokens issued are the token endpoint's to record. The rest
// of st is passed through untouched.
func Watch(st store.Store, rec *Recorder) store.Store {
	if rec == nil {
		return st
	}
	return &watched{Store: st, rec: rec}
}

type watched struct {
	store.Store
	rec *Recorder
}

// CreateLoginRequest sees a login that fails as it starts (a CIBA request
// for a user who may not log in).
func (w *watched) CreateLoginRequest(ctx context.Context, r store.LoginRequest) error {
	err := w.Store.CreateLoginRequest(ctx, r)
	if err == nil {
		w.changed(store.LoginRequest{}, r)
	}
	return err
}

func (w *watched) UpdateLoginRequest(ctx context.Context, id string, update func(store.LoginRequest) (store.LoginRequest, error)) (store.LoginRequest, error) {
	var before, after store.LoginRequest
	lr, err := w.Store.UpdateLoginRequest(ctx, id, func(old store.LoginRequest) (store.LoginRequest, error) {
		n, err := update(old)
		before, after = old, n
		return n, err
	})
	if err == nil {
		w.changed(before, after)
	}
	return lr, err
}

func (w *watched) UpdateLoginRequestWith(ctx context.Context, id string, update func(store.LoginRequest) (store.LoginRequest, store.Effects, error)) (store.LoginRequest, error) {
	var before, after store.LoginRequest
	lr, err := w.Store.UpdateLoginRequestWith(ctx, id, func(old store.LoginRequest) (store.LoginRequest, store.Effects, error) {
		n, e, err := update(old)
		before, after = old, n
		return n, e, err
	})
	if err == nil {
		w.changed(before, after)
	}
	return lr, err
}

// changed records what the committed change from before to after ended.
func (w *watched) changed(before, after store.LoginRequest) {
	e := store.Event{ClientID: after.ClientID, Time: after.UpdatedAt, Flow: store.FlowOf(after.Kind), Step: StepLogin}
	switch {
	case before.Error == "" && after.Error != "":
		e.Outcome, e.Error, e.Explanation = store.OutcomeFailure, after.Error, LoginFailure(after)
	case before.Status != store.LoginDone && after.Status == store.LoginDone && after.Error == "" && after.RedirectURI != "":
		e.Outcome, e.Explanation = store.OutcomeSuccess, CodeSent(after)
	default:
		return
	}
	e.Params = loginParams(after)
	w.rec.Record(e)
}

// loginParams is what an event of lr keeps of its request, by Params'
// rule: the stored request's parameters, not its user.
func loginParams(lr store.LoginRequest) map[string]string {
	v := url.Values{}
	set := func(k, s string) {
		if s != "" {
			v.Set(k, s)
		}
	}
	set("redirect_uri", lr.RedirectURI)
	set("scope", strings.Join(lr.Scopes, " "))
	set("code_challenge_method", lr.CodeChallengeMethod)
	set("requested_flow", lr.RequestedFlow)
	set("qr_id", lr.QRID)
	return Params(v)
}

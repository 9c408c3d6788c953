package admin

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/vippslogin/vippslogin/internal/flow"
	"github.com/vippslogin/vippslogin/internal/jsonapi"
	"github.com/vippslogin/vippslogin/internal/store"
	"github.com/vippslogin/vippslogin/internal/webhook"
)

// CancelledDescription is the error_description of a login an operator
// cancelled (cancelLogins): what the client's poll, or the browser's
// redirect, carries with access_denied.
const CancelledDescription = "The login was cancelled by the login service's support; start a new login if the user still wants to log in."

// cancelLogins answers POST /admin/v1/users/{phone_number}/cancel-logins:
// it ends every login of the user that has not ended (browser, CIBA and
// QR; waiting for the app, or approved and not yet collected) as the user's
// reject would, with access_denied and CancelledDescription, and answers
// how many it ended. It is the support desk's way out of a CIBA request
// that blocks the user (429) until it expires: one whose answer never
// reached its client, and that the user cannot or will not reject in the
// app.
//
// The error is access_denied for every kind, never expired_token: the
// request did not run out of time, the authorization server ended it
// (RFC 6749 §5.2: access_denied, "the resource owner or authorization
// server denied the request"), and a poll client told expired_token would
// read it as "start a new request" (CIBA Core §11) and put one in front of
// the user at once. The browser flows have no expired_token at all; Vipps'
// access_denied is "User cancelled the login".
//
// Each request is ended in its own transaction, under the same check as
// any other step (flow.Failing: one that ended meanwhile keeps its
// outcome), with the ping a waiting CIBA request of a ping client owes
// (CIBA Core §10.2), written with it as the app's reject writes it.
func (a *API) cancelLogins(w http.ResponseWriter, r *http.Request) error {
	ctx, phone, now := r.Context(), r.PathValue("phone_number"), a.now()
	if _, err := a.Store.GetUser(ctx, phone); err != nil {
		return notFound(err, noUser(phone))
	}
	pending, err := a.Store.ListPendingLoginRequests(ctx, phone, now)
	if err != nil {
		return err
	}
	n := 0
	for _, lr := range pending {
		ended, err := a.cancelLogin(ctx, lr, now)
		if err != nil {
			return err
		}
		if ended {
			n++
		}
	}
	return jsonapi.Write(w, http.StatusOK, CancelLoginsResponse{Cancelled: n})
}

// cancelLogin ends the pending login lr (read before, at now) and reports
// whether this call ended it: false when it ended otherwise meanwhile (the
// user answered, the client collected, the janitor swept it).
func (a *API) cancelLogin(ctx context.Context, lr store.LoginRequest, now time.Time) (bool, error) {
	ping, err := a.cancelPing(ctx, lr, now)
	if err != nil {
		return false, err
	}
	fail := flow.Failing("access_denied", CancelledDescription, now)
	ended := false
	_, err = a.Store.UpdateLoginRequestWith(ctx, lr.ID, func(cur store.LoginRequest) (store.LoginRequest, store.Effects, error) {
		ended = !store.LoginEnded(cur.Status)
		if !ended {
			return cur, store.Effects{}, nil
		}
		var e store.Effects
		if cur.Status == store.LoginWaiting {
			e.Webhook = ping
		}
		cur, err := fail(cur)
		return cur, e, err
	})
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	return ended && err == nil, err
}

// cancelPing is the ping that ending lr owes its client: a CIBA request of
// a client registered for ping (a notification token was kept) that is
// still waiting, whose client has heard nothing yet. nil for the others,
// and when the client is gone.
func (a *API) cancelPing(ctx context.Context, lr store.LoginRequest, now time.Time) (*store.Webhook, error) {
	if lr.Kind != store.KindCIBA || lr.Status != store.LoginWaiting || lr.NotificationToken == "" {
		return nil, nil
	}
	c, err := a.Store.GetClient(ctx, lr.ClientID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil || c.CIBAPingURL == "" {
		return nil, err
	}
	ev := webhook.CIBAPing(c, lr.ID, lr.NotificationToken, now)
	return &ev, nil
}

package app

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/google/uuid"

	"github.com/vippslogin/vippslogin/internal/flow"
	"github.com/vippslogin/vippslogin/internal/store"
	"github.com/vippslogin/vippslogin/internal/webhook"
)

// A CIBA request (login from phone number) reaches the app like a browser
// login, but no browser waits for it: there is no challenge, approving in
// the app is also the consent, and the client learns the answer at the
// token endpoint (and, if it is registered for ping, from a ping telling
// it to ask there), or, for login_to_webpage, through the code in the
// open_url the phone opens.

// Error codes a CIBA request ends with, as the token endpoint reads them.
const (
	cibaOldApp  = "old_app"
	cibaExpired = "expired_token"
)

// approveCIBA is approve's decision for a CIBA request.
func approveCIBA(user store.User, lr store.LoginRequest, now time.Time) (store.LoginRequest, *loginError, error) {
	if flow.Outdated(user.AppVersion) {
		e := &loginError{http.StatusConflict, cibaOldApp, "Outdated app version",
			"This Vipps app (version " + user.AppVersion + ") is too old for login from phone number; the client gets access_denied with error_code=old_app."}
		return e.fail(lr, OutdatedAppDescription, now), e, nil
	}
	lr.Status = store.LoginApproved
	lr.AuthTime = now
	lr.SessionID = uuid.NewString()
	lr.UpdatedAt = now
	return lr, nil, nil
}

// cibaPingEvent is the ping that the answer to the CIBA request lr must
// enqueue with it (CIBA Core §10.2), or nil when it needs none: one started
// without a client_notification_token (its client was not registered for
// ping then), or one whose client no longer has a ping URL (it can still
// poll). Approving and rejecting both ping: either way the client's token
// request now has its answer.
func (a *API) cibaPingEvent(ctx context.Context, lr store.LoginRequest, now time.Time) (*store.Webhook, error) {
	if lr.NotificationToken == "" {
		return nil, nil
	}
	c, err := a.Store.GetClient(ctx, lr.ClientID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errNoSuchRequest // the client is gone, and its login with it
	}
	if err != nil {
		return nil, err
	}
	if c.CIBAPingURL == "" {
		return nil, nil
	}
	ev := webhook.CIBAPing(c, lr.ID, lr.NotificationToken, now)
	return &ev, nil
}

// errExpiredCIBA is the answer to a CIBA request answered too late; the
// client's next poll gets expired_token.
func errExpiredCIBA() *loginError {
	return &loginError{http.StatusGone, cibaExpired, "Expired",
		"This request expired; the client gets expired_token and may start a new login."}
}

// approvalConsent is the consent that approving the CIBA or qr request lr
// gives, the request's scopes added to what the user consented to at the
// client, as the consent page does for a browser login; nil when the
// stored consent already covers them.
func (a *API) approvalConsent(ctx context.Context, lr store.LoginRequest, now time.Time) (*store.Consent, error) {
	need, old, err := flow.Consent(ctx, a.Store, lr.PhoneNumber, lr.ClientID, lr.Scopes)
	if err != nil || !need {
		return nil, err
	}
	c := flow.Widened(old, lr.PhoneNumber, lr.ClientID, lr.Scopes, now)
	return &c, nil
}

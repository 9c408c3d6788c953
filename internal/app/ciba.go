package app

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/vippslogin/vippslogin/internal/flow"
	"github.com/vippslogin/vippslogin/internal/store"
)

// A CIBA request (login from phone number) reaches the app like a browser
// login, but no browser waits for it: there is no challenge, approving in
// the app is also the consent, and the client learns the answer at the
// token endpoint, or, for login_to_webpage, through the code in the
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

// errExpiredCIBA is the answer to a CIBA request answered too late; the
// client's next poll gets expired_token.
func errExpiredCIBA() *loginError {
	return &loginError{http.StatusGone, cibaExpired, "Expired",
		"This request expired; the client gets expired_token and may start a new login."}
}

// finishCIBA completes an approved CIBA request outside the answer's
// transaction: it keeps the consent the approval gave and, for
// login_to_webpage, issues the code and returns the open_url that takes the
// phone's browser to the client with it.
func (a *API) finishCIBA(ctx context.Context, lr store.LoginRequest, now time.Time) (string, error) {
	if err := a.saveConsent(ctx, lr, now); err != nil {
		return "", err
	}
	if lr.RequestedFlow != flow.LoginToWebpage {
		return "", nil
	}
	open, err := flow.Complete(ctx, a.Store, a.BaseURL+flow.IssuerPath, lr.ID, now)
	if err != nil {
		return "", fmt.Errorf("complete CIBA request %s: %w", lr.ID, err)
	}
	return open, nil
}

// saveConsent adds the request's scopes to what the user consented to at
// the client, as the consent page does for a browser login.
func (a *API) saveConsent(ctx context.Context, lr store.LoginRequest, now time.Time) error {
	scopes := flow.ConsentScopes(lr.Scopes)
	if len(scopes) == 0 {
		return nil
	}
	old, err := a.Store.GetConsent(ctx, lr.PhoneNumber, lr.ClientID)
	switch {
	case err == nil && flow.Covers(old, lr.Scopes):
		return nil
	case err != nil && !errors.Is(err, store.ErrNotFound):
		return err
	}
	for _, s := range old.Scopes {
		if !slices.Contains(scopes, s) {
			scopes = append(scopes, s)
		}
	}
	return a.Store.SaveConsent(ctx, store.Consent{
		PhoneNumber: lr.PhoneNumber, ClientID: lr.ClientID, Scopes: scopes, CreatedAt: now, UpdatedAt: now,
	})
}

package app

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/google/uuid"

	"github.com/vippslogin/vippslogin/internal/flow"
	"github.com/vippslogin/vippslogin/internal/jsonapi"
	"github.com/vippslogin/vippslogin/internal/secret"
	"github.com/vippslogin/vippslogin/internal/store"
)

// Error descriptions the client receives with the login's error.
const (
	RejectedDescription       = "The user rejected the login in the Vipps app."
	WrongChallengeDescription = "The user picked the wrong challenge in the Vipps app."
	OutdatedAppDescription    = "The Vipps app is too old; update it."
)

// approve answers POST /app/v1/requests/{id}/approve.
func (a *API) approve(w http.ResponseWriter, r *http.Request) error {
	user, err := a.Authenticate(r)
	if err != nil {
		return err
	}
	var body ApproveRequest
	if r.ContentLength != 0 {
		if err := jsonapi.Decode(w, r, &body); err != nil {
			return err
		}
	}
	notify, err := a.answerEvent(r.Context(), user.PhoneNumber, r.PathValue("id"), true, a.now())
	if err != nil {
		return err
	}
	var resume string
	return a.answer(w, r, user.PhoneNumber, func(lr store.LoginRequest, now time.Time) (store.LoginRequest, *loginError, error) {
		switch lr.Kind {
		case store.KindCIBA:
			return approveCIBA(user, lr, now)
		case store.KindQR:
			return approveQR(user, lr, now)
		}
		if flow.Outdated(user.AppVersion) {
			e := &loginError{http.StatusConflict, "outdated_app_version", "Outdated app version",
				"This Vipps app (version " + user.AppVersion + ") is too old to confirm logins; the login ends with error=outdated_app_version."}
			return e.fail(lr, OutdatedAppDescription, now), e, nil
		}
		if lr.Mobile {
			lr.PhoneNumber = user.PhoneNumber
			lr.Remember = body.RememberBrowser
		} else {
			if body.Challenge == "" {
				// A client bug, not the user's pick: the login stays open.
				return lr, nil, jsonapi.Errorf(http.StatusBadRequest, "This is a desktop login: send challenge, the option the user picked among challenge_options.")
			}
			if body.Challenge != lr.Challenge {
				e := &loginError{http.StatusConflict, "wrong_challenge", "Wrong challenge",
					"That is not the challenge the browser shows; the login ends with error=wrong_challenge."}
				return e.fail(lr, WrongChallengeDescription, now), e, nil
			}
		}
		lr.Status = store.LoginApproved
		lr.AuthTime = now
		lr.SessionID = uuid.NewString()
		lr.UpdatedAt = now
		if lr.RequestedFlow == flow.AutomaticReturn {
			resume = secret.New()
			lr.ResumeSecretHash = secret.Digest(resume)
		}
		return lr, nil, nil
	}, &resume, notify)
}

// reject answers POST /app/v1/requests/{id}/reject: the client gets
// access_denied.
func (a *API) reject(w http.ResponseWriter, r *http.Request) error {
	phone, err := a.signedIn(r)
	if err != nil {
		return err
	}
	notify, err := a.answerEvent(r.Context(), phone, r.PathValue("id"), false, a.now())
	if err != nil {
		return err
	}
	return a.answer(w, r, phone, func(lr store.LoginRequest, now time.Time) (store.LoginRequest, *loginError, error) {
		return (&loginError{code: "access_denied"}).fail(lr, RejectedDescription, now), nil, nil
	}, nil, notify)
}

// answerEvent is the webhook that the answer to request id must enqueue
// with it, or nil when it needs none: the signed QR_LOGIN of an approved qr
// request of the webhook variant (qrLoginEvent), the ping of a CIBA
// request whose client asked for one (cibaPingEvent). It is made before
// the answer's transaction, which must not wait on signing keys, from one
// read of the request; answer enqueues it only if the answer wins. An
// unknown request is errNoSuchRequest, as answer would say; one the user
// may not answer needs no event (answer then says why).
func (a *API) answerEvent(ctx context.Context, phone, id string, approving bool, now time.Time) (*store.Webhook, error) {
	lr, err := a.Store.GetLoginRequest(ctx, id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil, errNoSuchRequest
	case err != nil:
		return nil, err
	case !visible(lr, phone):
		return nil, nil
	case approving && lr.Kind == store.KindQR:
		return a.qrLoginEvent(ctx, lr, now)
	case lr.Kind == store.KindCIBA:
		return a.cibaPingEvent(ctx, lr, now)
	}
	return nil, nil
}

// answer moves the request in the path on with decide, which sees a
// request that is the user's, waiting and unexpired, and returns it
// changed, plus the error the phone gets when the change ended the login.
// resume, when not nil, holds the one-time secret decide made for an
// automatic return, which goes into the open_url. notify, when not nil, is
// the webhook the answer owes the client: an approved qr request's
// (qrLoginEvent), or the ping of a CIBA request the user approved or
// rejected (cibaPingEvent). It is enqueued in the answer's transaction, and
// only if the answer wins, so it is sent once per request.
//
// Every check and the change happen in one store transaction, so that of
// two answers racing (two taps, two phones, two replicas) exactly one wins
// and the other sees it was answered. That is also why a failure is written
// here and not with flow.Fail, which would turn an approval that won the
// race into a failure.
func (a *API) answer(w http.ResponseWriter, r *http.Request, phone string,
	decide func(store.LoginRequest, time.Time) (store.LoginRequest, *loginError, error), resume *string, notify *store.Webhook) error {
	now := a.now()
	var outcome *loginError
	final, err := a.Store.UpdateLoginRequestNotify(r.Context(), r.PathValue("id"), func(lr store.LoginRequest) (store.LoginRequest, *store.Webhook, error) {
		outcome = nil
		switch {
		case !visible(lr, phone):
			return lr, nil, errNoSuchRequest
		case flow.Expired(lr, now):
			switch lr.Kind {
			case store.KindCIBA:
				outcome = errExpiredCIBA()
			case store.KindQR:
				outcome = errExpiredQR()
			default:
				outcome = errExpired()
			}
			return outcome.fail(lr, flow.TimeoutDescription, now), nil, nil
		case lr.Status != store.LoginWaiting:
			return lr, nil, errAnswered(lr.Status)
		}
		lr, e, err := decide(lr, now)
		outcome = e
		switch {
		case err != nil:
			return lr, nil, err
		case lr.Kind == store.KindQR && lr.Status == store.LoginApproved,
			lr.Kind == store.KindCIBA && lr.Status != store.LoginWaiting:
			return lr, notify, nil
		}
		return lr, nil, nil
	})
	if errors.Is(err, store.ErrNotFound) {
		return errNoSuchRequest
	}
	if err != nil {
		return err
	}
	var secret string
	if resume != nil {
		secret = *resume
	}
	open := a.openURL(final, secret)
	if outcome == nil && final.Status == store.LoginApproved {
		switch final.Kind {
		case store.KindCIBA:
			open, err = a.finishCIBA(r.Context(), final, now)
		case store.KindQR:
			open, err = a.finishQR(r.Context(), final, now)
		}
		if err != nil {
			return err
		}
	}
	if outcome != nil {
		return outcome.write(w, open)
	}
	return jsonapi.Write(w, http.StatusOK, ApproveResponse{OpenURL: open})
}

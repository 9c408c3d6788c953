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
	// UnknownRejectDescription is Vipps' own description of
	// unknown_reject_reason (vipps-login-api-2.0 "Custom error codes").
	UnknownRejectDescription = "Something went wrong. Reject reason is unknown."
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
	owed, err := a.answerEffects(r.Context(), user.PhoneNumber, r.PathValue("id"), true, a.now())
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
	}, &resume, owed)
}

// reject answers POST /app/v1/requests/{id}/reject, whose optional body
// gives the reason (rejectReasons).
func (a *API) reject(w http.ResponseWriter, r *http.Request) error {
	phone, err := a.signedIn(r)
	if err != nil {
		return err
	}
	var body RejectRequest
	if r.ContentLength != 0 {
		if err := jsonapi.Decode(w, r, &body); err != nil {
			return err
		}
	}
	if p := CheckRejectReason(body.Reason); p != nil {
		return p
	}
	ends := rejectReasons[body.Reason]
	owed, err := a.answerEffects(r.Context(), phone, r.PathValue("id"), false, a.now())
	if err != nil {
		return err
	}
	return a.answer(w, r, phone, func(lr store.LoginRequest, now time.Time) (store.LoginRequest, *loginError, error) {
		return (&loginError{code: ends.code}).fail(lr, ends.description, now), nil, nil
	}, nil, owed)
}

// rejectReasons are the reasons a rejection may give, each with the error
// and description it ends the login with (DESIGN §6). No reason is the
// user saying no, access_denied ("User cancelled the login"); RejectUnknown
// is unknown_reject_reason ("Something went wrong. Reject reason is
// unknown."): both Vipps' custom redirect errors (vipps-login-api-2.0
// "Custom error codes"), which the browser, or an app_to_app callback,
// receives. A CIBA or QR client polling the token endpoint gets
// access_denied either way, with the description: that endpoint answers
// "according to the standard" (CIBA Core §11, access_denied: "The end-user
// denied the authorization request"), and Vipps adds only the error_code
// values old_app and invalid_user to it.
var rejectReasons = map[string]struct{ code, description string }{
	"":            {"access_denied", RejectedDescription},
	RejectUnknown: {"unknown_reject_reason", UnknownRejectDescription},
}

// CheckRejectReason returns nil for a reason a rejection may give, else
// the 400 problem that names the ones there are. The CLI checks its
// --reason with it before it waits for a login to reject.
func CheckRejectReason(reason string) *jsonapi.Problem {
	if _, ok := rejectReasons[reason]; ok {
		return nil
	}
	return jsonapi.Errorf(http.StatusBadRequest,
		"reason must be %q (the app cannot say why: the login ends with unknown_reject_reason) or left out (the user said no: access_denied), not %q.", RejectUnknown, reason)
}

// answerEffects are the records that the answer to request id may write
// with it, made before the answer's transaction, which must not wait on
// signing keys nor read the store, from one read of the request: the
// webhook it owes, the signed QR_LOGIN of an approved qr request of the
// webhook variant (qrLoginEvent) or the ping of a CIBA request whose
// client asked for one (cibaPingEvent); and the consent an approved CIBA
// or qr request gives (approvalConsent). answer writes each only if the
// answer wins and calls for it. An unknown request is errNoSuchRequest, as
// answer would say; one the user may not answer needs none (answer then
// says why).
func (a *API) answerEffects(ctx context.Context, phone, id string, approving bool, now time.Time) (store.Effects, error) {
	var e store.Effects
	lr, err := a.Store.GetLoginRequest(ctx, id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return e, errNoSuchRequest
	case err != nil:
		return e, err
	case !visible(lr, phone):
		return e, nil
	case approving && lr.Kind == store.KindQR:
		e.Webhook, err = a.qrLoginEvent(ctx, lr, now)
	case lr.Kind == store.KindCIBA:
		e.Webhook, err = a.cibaPingEvent(ctx, lr, now)
	}
	if err == nil && approving && (lr.Kind == store.KindCIBA || lr.Kind == store.KindQR) {
		e.Consent, err = a.approvalConsent(ctx, lr, now)
	}
	return e, err
}

// answer moves the request in the path on with decide, which sees a
// request that is the user's, waiting and unexpired, and returns it
// changed, plus the error the phone gets when the change ended the login.
// resume, when not nil, holds the one-time secret decide made for an
// automatic return, which goes into the open_url. owed are the records the
// answer may write with it (answerEffects): the webhook, written only if
// the answer wins and is one that owes it, so it is sent once per request;
// the consent, written with an approval. An approved CIBA
// login_to_webpage request, or qr request with a redirect URI, also ends
// here with its code (flow.End), whose URL is the open_url.
//
// Every check and the change happen in one store transaction, so that of
// two answers racing (two taps, two phones, two replicas) exactly one wins
// and the other sees it was answered. That is also why a failure is written
// here and not with flow.Fail, which would turn an approval that won the
// race into a failure. And it is one write, so a crash cannot leave an
// approval without its consent, code or event.
func (a *API) answer(w http.ResponseWriter, r *http.Request, phone string,
	decide func(store.LoginRequest, time.Time) (store.LoginRequest, *loginError, error), resume *string, owed store.Effects) error {
	now := a.now()
	issuer := a.BaseURL + flow.IssuerPath
	var (
		outcome *loginError
		ended   string // the code's URL, when the answer ended the login
	)
	final, err := a.Store.UpdateLoginRequestWith(r.Context(), r.PathValue("id"), func(lr store.LoginRequest) (store.LoginRequest, store.Effects, error) {
		outcome, ended = nil, ""
		var none store.Effects
		switch {
		case !visible(lr, phone):
			return lr, none, errNoSuchRequest
		case flow.Expired(lr, now):
			switch lr.Kind {
			case store.KindCIBA:
				outcome = errExpiredCIBA()
			case store.KindQR:
				outcome = errExpiredQR()
			default:
				outcome = errExpired()
			}
			return outcome.fail(lr, flow.TimeoutDescription, now), none, nil
		case lr.Status != store.LoginWaiting:
			return lr, none, errAnswered(lr.Status)
		}
		lr, e, err := decide(lr, now)
		outcome = e
		if err != nil {
			return lr, none, err
		}
		var effects store.Effects
		if lr.Kind == store.KindQR && lr.Status == store.LoginApproved ||
			lr.Kind == store.KindCIBA && lr.Status != store.LoginWaiting {
			effects.Webhook = owed.Webhook
		}
		if outcome == nil && lr.Status == store.LoginApproved && (lr.Kind == store.KindCIBA || lr.Kind == store.KindQR) {
			effects.Consent = owed.Consent
			if endsWithCode(lr) {
				lr, effects.AuthCode, ended, err = flow.End(lr, issuer, now)
			}
		}
		return lr, effects, err
	})
	if errors.Is(err, store.ErrNotFound) {
		return errNoSuchRequest
	}
	if err != nil {
		return err
	}
	if outcome == nil && a.Answered != nil {
		a.Answered(final.Kind, final.Status != store.LoginFailed)
	}
	var secret string
	if resume != nil {
		secret = *resume
	}
	open := a.openURL(final, secret)
	if ended != "" {
		open = ended
	}
	if outcome != nil {
		return outcome.write(w, open)
	}
	return jsonapi.Write(w, http.StatusOK, ApproveResponse{OpenURL: open})
}

// endsWithCode reports whether an approved CIBA or qr request ends at once
// with a code that the phone's browser takes to the client: CIBA's
// login_to_webpage, a QR code with a redirect URI. The others' clients
// get their tokens at the token endpoint.
func endsWithCode(lr store.LoginRequest) bool {
	switch lr.Kind {
	case store.KindCIBA:
		return lr.RequestedFlow == flow.LoginToWebpage
	case store.KindQR:
		return lr.RedirectURI != ""
	}
	return false
}

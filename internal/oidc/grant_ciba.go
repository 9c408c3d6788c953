package oidc

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/vippslogin/vippslogin/internal/debugger"
	"github.com/vippslogin/vippslogin/internal/flow"
	"github.com/vippslogin/vippslogin/internal/secret"
	"github.com/vippslogin/vippslogin/internal/store"
)

// The CIBA grant types: the poll of CIBA Core §10.1 and Vipps' redirect
// variant, which redeems the code the app sent the browser.
const (
	grantCIBA         = "urn:openid:params:grant-type:ciba"
	grantCIBARedirect = "urn:vipps:params:grant-type:ciba-redirect"
)

// Lifetimes of the tokens a CIBA login gets (DESIGN §3; Vipps answers
// expires_in 300).
const (
	cibaAccessTokenTTL = 300 * time.Second
	cibaIDTokenTTL     = 600 * time.Second
	// CIBATokenPrefix starts every CIBA access token, as Vipps' do.
	CIBATokenPrefix = "ciba."
)

// cibaPoll answers a CIBA token request (CIBA Core §10.1, §11).
func (p *Provider) cibaPoll(ctx context.Context, r *http.Request, form url.Values) (*tokenResponse, error) {
	return p.pollAuthReq(ctx, r, form, cibaKind)
}

// pollAuthReq redeems an auth_req_id of kind k: the CIBA poll and the QR
// grant, whose requests share one life cycle and one set of answers (CIBA
// Core §11). One store transaction reads the request and decides: pending,
// slow_down, expired, denied, or approved, which it marks done and stores
// the access token with, so that of any number of racing polls exactly one
// gets the tokens, and a crash cannot end the request without its token.
// The ID token is signed after; a pending answer signs nothing.
func (p *Provider) pollAuthReq(ctx context.Context, r *http.Request, form url.Values, k authReqKind) (*tokenResponse, error) {
	client, err := p.authenticateClient(ctx, r, form)
	if err != nil {
		return nil, err
	}
	id := form.Get("auth_req_id")
	if id == "" {
		return nil, oauthError(ErrInvalidRequest, "The request lacks auth_req_id.")
	}
	if !slices.Contains(client.Flows, k.flow) {
		return nil, k.errNotAllowed()
	}
	now := p.now()
	var (
		outcome *Error
		won     cibaAuthn
		access  string
		none    store.Effects
	)
	_, err = p.Store.UpdateLoginRequestWith(ctx, id, func(lr store.LoginRequest) (store.LoginRequest, store.Effects, error) {
		outcome, won, access = nil, cibaAuthn{}, ""
		switch {
		case lr.Kind != k.kind || lr.ClientID != client.ID:
			return lr, none, errUnknownAuthReq()
		case lr.Status == store.LoginDone:
			if k.inBrowser(lr) {
				return lr, none, k.errInBrowser()
			}
			return lr, none, oauthError(ErrInvalidGrant, "The auth_req_id was already redeemed; its tokens were issued once.")
		case lr.Status == store.LoginFailed && lr.Error == ErrExpiredToken:
			// Polling on after expiry is the client's own mistake.
			e := cibaFailure(lr)
			e.relayed, e.explain = false, debugger.PolledAfterExpiry(lr.ExpiresAt)
			return lr, none, e
		case lr.Status == store.LoginFailed:
			return lr, none, cibaFailure(lr)
		case !now.Before(lr.ExpiresAt):
			// Ended here rather than left waiting, so the user can be asked
			// again at once.
			lr.Status, lr.Error, lr.ErrorDescription, lr.UpdatedAt = store.LoginFailed, ErrExpiredToken, flow.TimeoutDescription, now
			outcome = cibaFailure(lr)
			return lr, none, nil
		case lr.Status == store.LoginApproved:
			if k.inBrowser(lr) {
				return lr, none, k.errInBrowser()
			}
			lr.Status, lr.UpdatedAt = store.LoginDone, now
			won = cibaAuthn{
				AuthReqID: lr.ID, ClientID: lr.ClientID, PhoneNumber: lr.PhoneNumber, Scopes: lr.Scopes,
				Nonce: lr.Nonce, SessionID: lr.SessionID, ACR: lr.ACR, AuthTime: lr.AuthTime, RequestedAt: lr.CreatedAt,
				QRID: lr.QRID, QRDescription: lr.QRDescription,
			}
			var tok store.AccessToken
			access, tok = newCIBAToken(won, now)
			return lr, store.Effects{AccessToken: &tok}, nil
		}
		// Waiting. The interval is counted between polls, with slack for
		// jitter (pollTooSoon; DESIGN §4).
		if pollTooSoon(lr.LastPolledAt, now, lr.PollInterval) {
			broken := lr.PollInterval
			lr.PollInterval += cibaSlowDownStep
			outcome = explained(oauthError(ErrSlowDown, "Polled sooner than the interval; wait at least %d seconds between polls from now on.", int(lr.PollInterval/time.Second)),
				debugger.SlowDown(now.Sub(lr.LastPolledAt), broken, lr.PollInterval))
		} else {
			outcome = oauthError(ErrAuthorizationPending, "The authorization request is still pending.")
		}
		lr.LastPolledAt = now
		return lr, none, nil
	})
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil, errUnknownAuthReq()
	case err != nil:
		return nil, err
	case outcome != nil:
		return nil, outcome
	}
	return p.cibaResponse(ctx, won, access, now)
}

// pollTooSoon is the one rule for when a CIBA or QR poll is too soon:
// when it comes clearly sooner than interval after the previous one, at
// last. Vipps' document asks only that "the polling interval should adhere
// to the interval response parameter" and says to "keep polling when it
// receives authorization_pending"; it never mentions slow_down. So a poll
// up to cibaPollSlack early (a 5 s timer that fires at 4.9 s, a request
// that waited on the network) is on time, and only a client that really
// polls too fast gets slow_down and CIBA Core §11's 5 s more for good. The
// slack is at most a fifth of the interval, so that a short one (a
// client's ciba_interval of 1 s) still means something. The first poll
// (last is zero) may come at once.
func pollTooSoon(last, now time.Time, interval time.Duration) bool {
	if last.IsZero() {
		return false
	}
	return now.Sub(last) < interval-min(cibaPollSlack, interval/5)
}

// errUnknownAuthReq is the one answer for an id that does not exist and one
// of another client, so that ids reveal nothing.
func errUnknownAuthReq() *Error {
	return oauthError(ErrInvalidGrant, "The auth_req_id is unknown.")
}

// cibaFailure is the token error of a request that ended without approval:
// expired_token after expiry, else access_denied with the reason, and
// Vipps' error_code when it is one.
//
// The answer only relays how the login ended, which is the login's event
// (debugger.Watch), so it is marked relayed.
func cibaFailure(lr store.LoginRequest) *Error {
	e := relayedFailure(lr)
	e.relayed = true
	return e
}

func relayedFailure(lr store.LoginRequest) *Error {
	switch lr.Error {
	case ErrExpiredToken:
		return oauthError(ErrExpiredToken, "The auth_req_id has expired: the user did not answer in time. Start a new login.")
	case ErrorCodeOldApp, ErrorCodeInvalidUser:
		e := oauthError(ErrAccessDenied, "%s", lr.ErrorDescription)
		e.ErrorCode = lr.Error
		return e
	}
	if lr.ErrorDescription == "" {
		return oauthError(ErrAccessDenied, "The user did not approve the login.")
	}
	return oauthError(ErrAccessDenied, "%s", lr.ErrorDescription)
}

// cibaAuthn is an approved CIBA or QR login, from a request (poll) or from
// its code (redirect): what all four grants' tokens are made of.
type cibaAuthn struct {
	AuthReqID   string
	ClientID    string
	PhoneNumber string
	Scopes      []string
	Nonce       string
	SessionID   string
	ACR         string
	AuthTime    time.Time
	RequestedAt time.Time
	// QRID and QRDescription are set for a QR login: the code scanned.
	QRID          string
	QRDescription string
}

// newCIBAToken is a fresh opaque "ciba." access token for userinfo
// (DESIGN §3) for the approved CIBA or QR login a, and its record to store.
// It only computes, so a store update closure may call it.
func newCIBAToken(a cibaAuthn, now time.Time) (string, store.AccessToken) {
	access := CIBATokenPrefix + secret.New()
	return access, store.AccessToken{
		Hash:        secret.Digest(access),
		ClientID:    a.ClientID,
		PhoneNumber: a.PhoneNumber,
		Scopes:      a.Scopes,
		SessionID:   a.SessionID,
		CreatedAt:   now,
		ExpiresAt:   now.Add(cibaAccessTokenTTL),
	}
}

// cibaResponse signs the ES256 ID token of the approved CIBA or QR login a
// and answers with it and the access token (DESIGN §3).
func (p *Provider) cibaResponse(ctx context.Context, a cibaAuthn, access string, now time.Time) (*tokenResponse, error) {
	idToken, err := p.cibaIDToken(ctx, a, access, now)
	if err != nil {
		return nil, err
	}
	return &tokenResponse{
		AccessToken: access,
		IDToken:     idToken,
		ExpiresIn:   int64(cibaAccessTokenTTL / time.Second),
		Scope:       strings.Join(a.Scopes, " "),
		TokenType:   "Bearer",
	}, nil
}

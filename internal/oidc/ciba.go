package oidc

import (
	"context"
	"errors"
	"math"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/vippslogin/vippslogin/internal/flow"
	"github.com/vippslogin/vippslogin/internal/secret"
	"github.com/vippslogin/vippslogin/internal/store"
)

// Paths of Vipps' CIBA API below the base URL (DESIGN §2).
const (
	BackchannelPath = "/vipps-login-ciba/api/backchannel/authentication"
	UserExistsPath  = "/vipps-login-ciba/api/v1/user-exists"
)

// Error codes of CIBA Core §11 and §13, and Vipps' error_code values.
const (
	ErrAuthorizationPending  = "authorization_pending"
	ErrSlowDown              = "slow_down"
	ErrExpiredToken          = "expired_token"
	ErrAccessDenied          = "access_denied"
	ErrUnknownUserID         = "unknown_user_id"
	ErrInvalidBindingMessage = "invalid_binding_message"
	// ErrorCodeInvalidUser and ErrorCodeOldApp are Vipps' error_code for a
	// user who may not use CIBA (under 15) and for an outdated app.
	ErrorCodeInvalidUser = "invalid_user"
	ErrorCodeOldApp      = "old_app"
)

// CIBA timing (CIBA Core §7.3, §11; Vipps' answers).
const (
	cibaDefaultExpiry = 600 * time.Second
	cibaMinExpiry     = 60 * time.Second
	cibaMaxExpiry     = 900 * time.Second
	// cibaSlowDownStep is what slow_down adds to a request's interval,
	// which starts as its client's (store.Client.CIBAPollInterval).
	cibaSlowDownStep = 5 * time.Second
	// cibaPollSlack is how early a poll may come and still be on time
	// (pollTooSoon): ordinary timer and network jitter.
	cibaPollSlack = time.Second
	// MinCIBAAge is the age below which a user gets invalid_user.
	MinCIBAAge = 15
)

// mountCIBA registers the backchannel authentication and user-exists
// endpoints; the CIBA grants are dispatched by the token endpoint. No
// cookies and no CrossOriginProtection: these are server-to-server calls
// authenticated with the client secret.
func (p *Provider) mountCIBA(mux *http.ServeMux) {
	mux.Handle("POST "+BackchannelPath, handler(p.backchannelAuthentication))
	mux.Handle("POST "+UserExistsPath, handler(p.userExists))
}

// cibaResponse is the successful authentication request acknowledgement
// (CIBA Core §7.3).
type cibaResponse struct {
	AuthReqID string `json:"auth_req_id"`
	ExpiresIn int64  `json:"expires_in"`
	Interval  int64  `json:"interval"`
}

// backchannelAuthentication starts a login from a phone number (CIBA Core
// §7): it authenticates the client, checks every parameter and the user,
// and leaves a waiting request for the user's app. What can be known now is
// answered now: an unknown user, one under 15 (invalid_user) and an
// outdated app (old_app); the user's answer reaches the client at the token
// endpoint, and a client registered for ping (a CIBAPingURL) is also told
// when it is there (CIBA Core §10.2; the app enqueues the ping).
func (p *Provider) backchannelAuthentication(w http.ResponseWriter, r *http.Request) error {
	form, err := readForm(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	client, err := p.authenticateClient(ctx, r, form)
	if err != nil {
		return err
	}
	if !slices.Contains(client.Flows, store.FlowCIBA) {
		return oauthError(ErrUnauthorizedClient, "The client is not allowed login from phone number (CIBA).")
	}
	params, oerr := cibaParams(client, form)
	if oerr != nil {
		return oerr
	}
	now := p.now()
	interval := client.CIBAPollInterval()
	user, err := p.Store.GetUser(ctx, params.phone)
	if errors.Is(err, store.ErrNotFound) {
		return oauthError(ErrUnknownUserID, "No Vipps user has the phone number in login_hint%s.", params.hintAdvice)
	}
	if err != nil {
		return err
	}
	if tooYoung(user.Birthdate, now) {
		return deniedUser(ErrorCodeInvalidUser, "The user may not log in from phone number: Vipps users under %d cannot.", MinCIBAAge)
	}
	if flow.Outdated(user.AppVersion) {
		return deniedUser(ErrorCodeOldApp, "The user's Vipps app is too old for login from phone number; they must update it.")
	}

	req := store.LoginRequest{
		ID:                secret.New(),
		Kind:              store.KindCIBA,
		ClientID:          client.ID,
		RedirectURI:       params.redirectURI,
		Scopes:            params.scopes,
		State:             params.state,
		Nonce:             params.nonce,
		RequestedFlow:     params.requestedFlow,
		BindingMessage:    params.bindingMessage,
		NotificationToken: params.notificationToken,
		PollInterval:      interval,
		PhoneNumber:       user.PhoneNumber,
		Status:            store.LoginWaiting,
		CreatedAt:         now,
		UpdatedAt:         now,
		ExpiresAt:         now.Add(params.expiry),
	}
	err = p.Store.CreateLoginRequest(ctx, req)
	if errors.Is(err, store.ErrExists) {
		// Another request waits for the user (the database's unique index
		// refused this one). One nobody answered in time would block the
		// user for good: it is ended here, when it is in the way, rather
		// than looked for on every request, and this one stored after it.
		var ended int
		if ended, err = p.Store.FailExpiredLoginRequests(ctx, user.PhoneNumber, store.KindCIBA, now); err == nil && ended > 0 {
			err = p.Store.CreateLoginRequest(ctx, req)
		} else if err == nil {
			err = store.ErrExists
		}
	}
	if errors.Is(err, store.ErrExists) {
		return p.busyUser(ctx, user.PhoneNumber, now)
	}
	if err != nil {
		return err
	}
	return writeNoStore(w, cibaResponse{
		AuthReqID: req.ID,
		ExpiresIn: int64(params.expiry / time.Second),
		Interval:  int64(interval / time.Second),
	})
}

// deniedUser is the answer for a user who may not use CIBA: access_denied,
// which CIBA Core §13 answers with 403, and Vipps' error_code.
func deniedUser(errorCode, format string, args ...any) *Error {
	e := oauthError(ErrAccessDenied, format, args...)
	e.ErrorCode = errorCode
	e.Status = http.StatusForbidden
	return e
}

// busyUser answers a login for a user who already has a CIBA request
// waiting (the database's unique index refused the new one): 429 with
// Retry-After, the seconds until the waiting request expires.
func (p *Provider) busyUser(ctx context.Context, phone string, now time.Time) error {
	retry := 1
	waiting, err := p.Store.ListWaitingLoginRequests(ctx, phone, now)
	if err != nil {
		return err
	}
	for _, lr := range waiting {
		if lr.Kind == store.KindCIBA {
			retry = max(1, int(math.Ceil(lr.ExpiresAt.Sub(now).Seconds())))
		}
	}
	e := oauthError(ErrInvalidRequest,
		"Another login from phone number is already waiting for this user's answer; only one may wait at a time. Retry after %d seconds.", retry)
	e.Status = http.StatusTooManyRequests
	e.Header = http.Header{"Retry-After": {strconv.Itoa(retry)}}
	return e
}

// tooYoung reports whether a user born on birthdate (YYYY-MM-DD) is under
// MinCIBAAge at now. An unknown or malformed birthdate is not too young:
// only what is known to be under age is refused.
func tooYoung(birthdate string, now time.Time) bool {
	born, err := time.Parse(time.DateOnly, birthdate)
	if err != nil {
		return false
	}
	y, m, d := now.Date()
	today := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	return today.Before(born.AddDate(MinCIBAAge, 0, 0))
}

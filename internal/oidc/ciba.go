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
	"github.com/vippslogin/vippslogin/internal/webhook"
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
	ErrInvalidBindingMessage = "invalid_binding_message"
	// ErrorCodeInvalidUser and ErrorCodeOldApp are Vipps' error_code, which
	// the token endpoint answers beside access_denied (cibaRefusal): a
	// number with no account, an account that is not active or a user who
	// may not use CIBA (under 15), and an outdated app.
	ErrorCodeInvalidUser = "invalid_user"
	ErrorCodeOldApp      = "old_app"
)

// The descriptions of the two error_codes. invalid_user's is one for all
// its reasons, as Vipps' error_code is: which one it is is the user's
// business, not the merchant's.
const (
	invalidUserDescription = "The user cannot log in from phone number: the number has no active Vipps account, or its user may not use login from phone number (users under 15 may not)."
	oldAppDescription      = "The user's Vipps app is too old for login from phone number; they must update it."
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
	MinCIBAAge = flow.MinAge
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
// §7): it authenticates the client, checks every parameter, and leaves a
// waiting request for the user's app. Any well-formed number is accepted
// and answered alike, so that this endpoint tells nobody who has Vipps
// (user-exists is the way to ask): a login that cannot be, because the
// number has no active account, its user is under 15 (invalid_user) or
// their app is outdated (old_app), is stored ended with that error, which
// the token endpoint answers at the first poll, as Vipps' document lists
// these errors there. The user's answer reaches the client at the token
// endpoint too, and a client registered for ping (a CIBAPingURL) is also
// told when it is there (CIBA Core §10.2; the app enqueues the ping).
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
	exists := err == nil
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
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
		PhoneNumber:       params.phone,
		Status:            store.LoginWaiting,
		CreatedAt:         now,
		UpdatedAt:         now,
		ExpiresAt:         now.Add(params.expiry),
	}
	if code := cibaRefusal(user, exists, now); code != "" {
		err = p.refuseAtPoll(ctx, client, req, code)
	} else {
		err = p.createWaiting(ctx, req, now)
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

// cibaRefusal is the one rule for who may not log in from phone number, as
// Vipps' token endpoint says it (vipps-login-api, "Token request", "Error
// responses"): invalid_user when "No account exists, the user's account is
// not active or the user is in some way not eligible to use this login
// flow currently e.g. U15 users", and old_app when "The user's Vipps app is
// outdated and does not support this login flow"; "" when they may. user
// is the number's user when exists.
func cibaRefusal(user store.User, exists bool, now time.Time) string {
	switch {
	case !exists || user.Inactive || tooYoung(user.Birthdate, now):
		return ErrorCodeInvalidUser
	case flow.Outdated(user.AppVersion):
		return ErrorCodeOldApp
	}
	return ""
}

// refuseAtPoll stores the login req for a user who may not log in
// (cibaRefusal's errorCode) as already ended, so that the first poll
// answers access_denied with the error_code, and no app is asked. A client
// registered for ping is pinged at once, the answer being ready; the
// request keeps no notification token then.
func (p *Provider) refuseAtPoll(ctx context.Context, client store.Client, req store.LoginRequest, errorCode string) error {
	req.Status, req.Error, req.ErrorDescription = store.LoginFailed, errorCode, oldAppDescription
	if errorCode == ErrorCodeInvalidUser {
		req.ErrorDescription = invalidUserDescription
	}
	token := req.NotificationToken
	req.NotificationToken = ""
	if err := p.Store.CreateLoginRequest(ctx, req); err != nil {
		return err
	}
	if token == "" {
		return nil
	}
	// After the request, so the ping never names one that is not there; a
	// failure here fails the start, so the client never learns of a login
	// whose ping is missing.
	return p.Store.EnqueueWebhook(ctx, webhook.CIBAPing(client, req.ID, token, req.CreatedAt))
}

// createWaiting stores the waiting login req for the user's app. A user
// has one waiting at a time (the database's unique index refuses a second:
// 429).
func (p *Provider) createWaiting(ctx context.Context, req store.LoginRequest, now time.Time) error {
	err := p.Store.CreateLoginRequest(ctx, req)
	if errors.Is(err, store.ErrExists) {
		// Another request waits for the user. One nobody answered in time
		// would block the user for good: it is ended here, when it is in
		// the way, rather than looked for on every request, and this one
		// stored after it.
		var ended int
		if ended, err = p.Store.FailExpiredLoginRequests(ctx, req.PhoneNumber, store.KindCIBA, now); err == nil && ended > 0 {
			err = p.Store.CreateLoginRequest(ctx, req)
		} else if err == nil {
			err = store.ErrExists
		}
	}
	if errors.Is(err, store.ErrExists) {
		return p.busyUser(ctx, req.PhoneNumber, now)
	}
	return err
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

// tooYoung reports whether a user born on birthdate is under MinCIBAAge
// at now (flow.TooYoung, which the portal shows too).
func tooYoung(birthdate string, now time.Time) bool {
	return flow.TooYoung(birthdate, now)
}

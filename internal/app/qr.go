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
	"github.com/vippslogin/vippslogin/internal/jsonapi"
	"github.com/vippslogin/vippslogin/internal/secret"
	"github.com/vippslogin/vippslogin/internal/store"
	"github.com/vippslogin/vippslogin/internal/webhook"
)

// A login from QR code starts in the app: the user scans one of a client's
// QR codes, and the app asks to log them in there. As in CIBA there is no
// browser and no challenge, and approving is also the consent. The client
// learns of the approval from a signed webhook (a code without redirect
// URI) and redeems its auth_req_id with the qr grant, or from the code in
// the open_url the phone opens (a code with one: the qr-redirect grant).

// QR timing.
const (
	// qrPollInterval is a QR request's interval between polls of the qr
	// grant, CIBA's: a sooner poll gets slow_down.
	qrPollInterval = 5 * time.Second
	// QRRedeemTTL is how long after approval the client may redeem the
	// auth_req_id of the webhook variant: longer than the outbox tries to
	// deliver the webhook (webhook.QRLoginTTL), so that a client reached by
	// the last retry still has time to ask for its tokens.
	QRRedeemTTL = 10 * time.Minute
)

// scanQR answers POST /app/v1/qr/scan: the user scanned a QR code, and a
// qr request waits for their answer, as the response shows it.
func (a *API) scanQR(w http.ResponseWriter, r *http.Request) error {
	user, err := a.Authenticate(r)
	if err != nil {
		return err
	}
	var body ScanRequest
	if err := jsonapi.Decode(w, r, &body); err != nil {
		return err
	}
	ctx := r.Context()
	id, ok := flow.QRIDFromURL(body.URL)
	if !ok {
		return jsonapi.Errorf(http.StatusBadRequest, "That is not a Vipps login QR code: send url, what the code holds, such as %s.", flow.QRURL(a.BaseURL, "AbCd1234"))
	}
	q, err := a.Store.GetQRCode(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return jsonapi.Errorf(http.StatusNotFound, "The QR code %s does not log anyone in: it was deleted, or never existed. Ask the shop for a current one.", id)
	}
	if err != nil {
		return err
	}
	c, err := a.Store.GetClient(ctx, q.ClientID)
	if err != nil {
		return err // a code goes with its client, so it is there
	}
	if p := checkQRClient(c, q); p != nil {
		return p
	}
	now := a.now()
	lr := store.LoginRequest{
		ID:            secret.New(),
		Kind:          store.KindQR,
		ClientID:      c.ID,
		RedirectURI:   q.RedirectURI,
		Scopes:        qrScopes(c.Scopes),
		PollInterval:  qrPollInterval,
		QRID:          q.ID,
		QRDescription: q.Description,
		PhoneNumber:   user.PhoneNumber,
		Status:        store.LoginWaiting,
		CreatedAt:     now,
		UpdatedAt:     now,
		ExpiresAt:     now.Add(flow.LoginTTL),
	}
	if err := a.Store.CreateLoginRequest(ctx, lr); err != nil {
		return err
	}
	req, err := a.describe(ctx, user.PhoneNumber, lr)
	if err != nil {
		return err
	}
	return jsonapi.Write(w, http.StatusCreated, ScanResponse{Request: req})
}

// checkQRClient refuses a scan of a code that cannot log anyone in any
// more because its client changed since the code was made.
func checkQRClient(c store.Client, q store.QRCode) *jsonapi.Problem {
	switch {
	case !slices.Contains(c.Flows, store.FlowQR):
		return jsonapi.Errorf(http.StatusForbidden, "%s no longer lets users log in from QR codes (the client lacks the qr flow).", c.Name)
	case q.RedirectURI == "" && c.QRWebhookURL == "":
		return jsonapi.Errorf(http.StatusConflict, "%s has not said where to be told of QR logins (the client has no qr_webhook_url), so this code cannot log you in.", c.Name)
	case q.RedirectURI != "" && !slices.Contains(c.RedirectURIs, q.RedirectURI):
		return jsonapi.Errorf(http.StatusConflict, "This QR code sends you to %s, which %s no longer has registered as a redirect URI.", q.RedirectURI, c.Name)
	}
	return nil
}

// qrScopes are the scopes a QR login asks for. A QR code names none (in
// Vipps' API the scopes are agreed when the code is ordered), so it asks
// for openid and every scope the client is allowed: nin and accountNumbers
// only when the client was granted them.
func qrScopes(allowed []string) []string {
	scopes := []string{"openid"}
	for _, s := range allowed {
		if !slices.Contains(scopes, s) {
			scopes = append(scopes, s)
		}
	}
	return scopes
}

// approveQR is approve's decision for a qr request. The webhook variant's
// auth_req_id stays redeemable QRRedeemTTL from now, however little of the
// scan's time was left.
func approveQR(user store.User, lr store.LoginRequest, now time.Time) (store.LoginRequest, *loginError, error) {
	if flow.Outdated(user.AppVersion) {
		e := &loginError{http.StatusConflict, "outdated_app_version", "Outdated app version",
			"This Vipps app (version " + user.AppVersion + ") is too old to log in from QR codes; update it and scan again."}
		return e.fail(lr, OutdatedAppDescription, now), e, nil
	}
	lr.Status = store.LoginApproved
	lr.AuthTime = now
	lr.SessionID = uuid.NewString()
	lr.UpdatedAt = now
	if lr.RedirectURI == "" {
		lr.ExpiresAt = now.Add(QRRedeemTTL)
	}
	return lr, nil, nil
}

// errExpiredQR is the answer to a qr request answered too late.
func errExpiredQR() *loginError {
	return &loginError{http.StatusGone, cibaExpired, "Expired",
		fmt.Sprintf("This request expired after %v; scan the QR code again.", flow.LoginTTL)}
}

// qrLoginEvent is the webhook that the approval of the qr request lr must
// enqueue with it, or nil when it needs none (a code with a redirect URI,
// whose code the phone's browser takes to the client).
func (a *API) qrLoginEvent(ctx context.Context, lr store.LoginRequest, now time.Time) (*store.Webhook, error) {
	if lr.RedirectURI != "" {
		return nil, nil
	}
	c, err := a.Store.GetClient(ctx, lr.ClientID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errNoSuchRequest // the client is gone, and its login with it
	}
	if err != nil {
		return nil, err
	}
	if c.QRWebhookURL == "" {
		return nil, jsonapi.Errorf(http.StatusConflict, "%s no longer says where to be told of QR logins (the client has no qr_webhook_url), so approving would log you in nowhere.", c.Name)
	}
	if a.Keys == nil {
		return nil, errors.New("app: no signing keys (API.Keys) to sign the QR webhook with")
	}
	ev, err := webhook.QRLogin(ctx, a.Keys, c, a.BaseURL+flow.IssuerPath, lr.ID, now)
	if err != nil {
		return nil, err
	}
	return &ev, nil
}

// ScanQR tells the server the app scanned a QR code holding url, and
// returns the qr request now waiting for the user's answer. An unknown or
// deleted code is a 404 problem.
func (c *Client) ScanQR(ctx context.Context, url string) (Request, error) {
	var out ScanResponse
	err := c.do(ctx, http.MethodPost, "/app/v1/qr/scan", ScanRequest{URL: url}, &out)
	return out.Request, err
}

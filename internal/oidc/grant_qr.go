package oidc

import (
	"context"
	"net/http"
	"net/url"

	"github.com/vippslogin/vippslogin/internal/store"
)

// The QR grant types (vipps-login-api "Integrating with Vipps Login from
// QR code"): qr redeems the auth_req_id of the JWS the client's webhook
// got, qr-redirect the code the app sent the phone's browser with.
const (
	grantQR         = "urn:vipps:params:grant-type:qr"
	grantQRRedirect = "urn:vipps:params:grant-type:qr-redirect"
)

// qrPoll answers the qr grant. Its requests live as CIBA's do, so it is
// the CIBA poll for QR requests, with CIBA's answers (vipps-login-api:
// "Error responses as defined by the CIBA standard"): invalid_grant for an
// unknown id, another client's or one already redeemed, and
// authorization_pending, slow_down, access_denied or expired_token before
// approval. The client normally learns the id only from the webhook, sent
// on approval, so those mostly answer a client that guessed early.
func (p *Provider) qrPoll(ctx context.Context, r *http.Request, form url.Values) (*tokenResponse, error) {
	return p.pollAuthReq(ctx, r, form, qrKind)
}

// qrRedirect redeems the code of a QR code with a redirect URI: the app
// approved and opened redirect_uri?code=… in the phone's browser.
func (p *Provider) qrRedirect(ctx context.Context, r *http.Request, form url.Values) (*tokenResponse, error) {
	return p.redeemAuthReqCode(ctx, r, form, qrKind)
}

// authReqKind is what the CIBA and QR grants differ in: the kind of login
// request they redeem, the client flow that allows it, and the variant
// whose tokens come by a code in the browser rather than by auth_req_id.
type authReqKind struct {
	kind, flow string
	// name is the flow in words, for error descriptions.
	name          string
	redirectGrant string
}

var (
	cibaKind = authReqKind{store.KindCIBA, store.FlowCIBA, "login from phone number (CIBA)", grantCIBARedirect}
	qrKind   = authReqKind{store.KindQR, store.FlowQR, "login from QR code", grantQRRedirect}
)

// inBrowser reports whether lr's tokens are had by the code the app sends
// the browser: CIBA's login_to_webpage, a QR code with a redirect URI.
func (k authReqKind) inBrowser(lr store.LoginRequest) bool {
	if k.kind == store.KindQR {
		return lr.RedirectURI != ""
	}
	return lr.RequestedFlow == LoginToWebpage
}

// errInBrowser answers a poll of a request whose tokens are had by its
// code.
func (k authReqKind) errInBrowser() *Error {
	if k.kind == store.KindQR {
		return oauthError(ErrInvalidGrant, "This login comes from a QR code with a redirect URI: the app sends the browser there with a code, which the grant %s redeems.", grantQRRedirect)
	}
	return oauthError(ErrInvalidGrant, "This login was started with requested_flow=%s: the app sends the browser to the redirect_uri with a code, which the grant %s redeems.",
		LoginToWebpage, grantCIBARedirect)
}

// errNotAllowed answers a client without the flow the grant belongs to.
func (k authReqKind) errNotAllowed() *Error {
	return oauthError(ErrUnauthorizedClient, "The client is not allowed %s, which this grant belongs to: its flows must include '%s'.", k.name, k.flow)
}

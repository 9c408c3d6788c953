package oidc

import (
	"context"
	"net/http"
	"net/url"
	"slices"

	"github.com/vippslogin/vippslogin/internal/flow"
	"github.com/vippslogin/vippslogin/internal/secret"
	"github.com/vippslogin/vippslogin/internal/store"
)

// cibaRedirect redeems the code of a login_to_webpage login (Vipps'
// "Redirect to browser"): the app approved and opened the client's
// redirect_uri with it.
func (p *Provider) cibaRedirect(ctx context.Context, r *http.Request, form url.Values) (*tokenResponse, error) {
	return p.redeemAuthReqCode(ctx, r, form, cibaKind)
}

// redeemAuthReqCode redeems the code that the app sent the browser with
// after approving a login of kind k (the ciba-redirect and qr-redirect
// grants). Like an authorization code it is single use (a replay revokes
// the tokens it issued), bound to its client and valid flow.CodeTTL, and
// checked and its ID token signed before it is used (issueForCode). The
// token response is the browser flow's, as Vipps' examples for both grants
// show it (an ordinary access token, expires_in 3599, token_type bearer),
// and the ID token the poll's, with the auth_req_id of the login (and for
// QR the code scanned), as the document decodes it.
func (p *Provider) redeemAuthReqCode(ctx context.Context, r *http.Request, form url.Values, k authReqKind) (*tokenResponse, error) {
	client, err := p.authenticateClient(ctx, r, form)
	if err != nil {
		return nil, err
	}
	code := form.Get("code")
	if code == "" {
		return nil, oauthError(ErrInvalidRequest, "The request lacks code.")
	}
	if !slices.Contains(client.Flows, k.flow) {
		return nil, k.errNotAllowed()
	}
	now := p.now()
	hash := secret.Digest(code)
	c, err := p.codeToRedeem(ctx, hash, now)
	if err != nil {
		return nil, err
	}
	switch {
	case c.ClientID != client.ID:
		return nil, oauthError(ErrInvalidGrant, "The code was issued to another client.")
	case c.AuthReqID == "":
		return nil, oauthError(ErrInvalidGrant, "The code comes from a browser login; redeem it with grant_type=authorization_code.")
	case (c.QRID != "") != (k.kind == store.KindQR):
		other := cibaKind
		if c.QRID != "" {
			other = qrKind
		}
		return nil, oauthError(ErrInvalidGrant, "The code comes from a %s; redeem it with grant_type=%s.", other.name, other.redirectGrant)
	case !now.Before(c.ExpiresAt):
		return nil, oauthError(ErrInvalidGrant, "The code has expired; codes are valid for %s.", flow.CodeTTL)
	}
	a := cibaAuthn{
		AuthReqID: c.AuthReqID, ClientID: c.ClientID, PhoneNumber: c.PhoneNumber, Scopes: c.Scopes,
		Nonce: c.Nonce, SessionID: c.SessionID, ACR: c.ACR,
		AuthTime: c.AuthTime, RequestedAt: c.RequestedAt, QRID: c.QRID, QRDescription: c.QRDescription,
	}
	return p.issueForCode(ctx, hash, c, now, func(access string) (string, error) {
		return p.cibaIDToken(ctx, a, access, now)
	})
}

package oidc

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"

	"github.com/vippslogin/vippslogin/internal/flow"
	"github.com/vippslogin/vippslogin/internal/secret"
	"github.com/vippslogin/vippslogin/internal/store"
)

// cibaRedirect redeems the code of a login_to_webpage login (Vipps'
// "Redirect to browser"): the app approved and opened the client's
// redirect_uri with it. Like an authorization code it is single use (a
// replay revokes the tokens it issued), bound to its client and valid
// flow.CodeTTL; the tokens are the CIBA poll's, with the auth_req_id the
// client got at the start.
func (p *Provider) cibaRedirect(ctx context.Context, r *http.Request, form url.Values) (*tokenResponse, error) {
	client, err := p.authenticateClient(ctx, r, form)
	if err != nil {
		return nil, err
	}
	code := form.Get("code")
	if code == "" {
		return nil, oauthError(ErrInvalidRequest, "The request lacks code.")
	}
	if !slices.Contains(client.Flows, store.FlowCIBA) {
		return nil, oauthError(ErrUnauthorizedClient, "The client is not allowed login from phone number (CIBA), which this grant belongs to.")
	}
	now := p.now()
	hash := secret.Digest(code)
	c, err := p.Store.RedeemAuthCode(ctx, hash, now)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil, oauthError(ErrInvalidGrant, "The code is unknown.")
	case errors.Is(err, store.ErrUsed):
		if _, err := p.Store.RevokeAccessTokensByCode(ctx, hash, now); err != nil {
			return nil, err
		}
		return nil, oauthError(ErrInvalidGrant, "The code was already used; the tokens issued for it are now revoked.")
	case err != nil:
		return nil, err
	}
	switch {
	case c.ClientID != client.ID:
		return nil, oauthError(ErrInvalidGrant, "The code was issued to another client.")
	case c.AuthReqID == "":
		return nil, oauthError(ErrInvalidGrant, "The code comes from a browser login; redeem it with grant_type=authorization_code.")
	case !now.Before(c.ExpiresAt):
		return nil, oauthError(ErrInvalidGrant, "The code has expired; codes are valid for %s.", flow.CodeTTL)
	}
	return p.cibaTokens(ctx, cibaAuthn{
		AuthReqID: c.AuthReqID, ClientID: c.ClientID, PhoneNumber: c.PhoneNumber, Scopes: c.Scopes,
		Nonce: c.Nonce, SessionID: c.SessionID, ACR: c.ACR, CodeHash: hash,
		AuthTime: c.AuthTime, RequestedAt: c.RequestedAt,
	}, now)
}

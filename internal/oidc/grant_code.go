package oidc

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/base64"
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

// authorizationCode redeems an authorization code (RFC 6749 §4.1.3, OIDC
// Core §3.1.3.2) with its PKCE verifier (RFC 7636 §4.5–4.6). Every check is
// made on the code as read, and the ID token signed, before the code is
// used: a request that fails a check (a wrong verifier, redirect_uri or
// client, an expired code) leaves the code as it was. Then the store marks
// the code used and stores the access token in one transaction, exactly
// once however many requests race; a second redemption is a replay, and
// revokes what the first one issued (RFC 6749 §4.1.2: the server "SHOULD
// revoke … all tokens previously issued based on that authorization
// code").
func (p *Provider) authorizationCode(ctx context.Context, r *http.Request, form url.Values) (*tokenResponse, error) {
	client, err := p.authenticateClient(ctx, r, form)
	if err != nil {
		return nil, err
	}
	code, redirectURI, verifier := form.Get("code"), form.Get("redirect_uri"), form.Get("code_verifier")
	if code == "" {
		return nil, oauthError(ErrInvalidRequest, "The request lacks code.")
	}
	if redirectURI == "" {
		return nil, oauthError(ErrInvalidRequest, "The request lacks redirect_uri, which must be the one sent to the authorization endpoint.")
	}
	if !slices.Contains(client.Flows, store.FlowBrowser) {
		return nil, oauthError(ErrUnauthorizedClient, "The client is not allowed the browser flow, which the authorization_code grant belongs to.")
	}
	if verifier != "" && !validVerifier(verifier) {
		return nil, errBadVerifier()
	}

	now := p.now()
	hash := secret.Digest(code)
	c, err := p.codeToRedeem(ctx, hash, now)
	if err != nil {
		return nil, err
	}
	if c.ClientID != client.ID {
		return nil, oauthError(ErrInvalidGrant, "The authorization code was issued to another client.")
	}
	if c.AuthReqID != "" {
		return nil, oauthError(ErrInvalidGrant, "The code comes from a login from phone number (requested_flow=login_to_webpage); redeem it with grant_type=%s.", grantCIBARedirect)
	}
	if !now.Before(c.ExpiresAt) {
		return nil, oauthError(ErrInvalidGrant, "The authorization code has expired; codes are valid for %s.", flow.CodeTTL)
	}
	if redirectURI != c.RedirectURI {
		return nil, oauthError(ErrInvalidGrant, "The redirect_uri is not the one the authorization code was issued for.")
	}
	if err := checkVerifier(c, verifier); err != nil {
		return nil, err
	}

	return p.issueForCode(ctx, hash, c, now, func(access string) (string, error) {
		return p.browserIDToken(ctx, c, access, now)
	})
}

// issueForCode uses the checked code c (with the hash) and answers with
// the tokens of every grant that redeems a code: the authorization_code,
// ciba-redirect and qr-redirect grants, whose token responses Vipps
// documents alike (vipps-login-api-2.0 "OAuth 2.0 Token", "Redirect to
// browser" step 4, "Initiate login from QR code with redirect to browser"
// step 3): an opaque access token valid flow.AccessTokenTTL, expires_in
// 3599, token_type bearer. idToken signs the grant's ID token for the
// access token; it runs before the code is used and the access token
// stored, so that a failure leaves the code unused and no live token that
// nobody holds.
func (p *Provider) issueForCode(ctx context.Context, hash string, c store.AuthCode, now time.Time, idToken func(access string) (string, error)) (*tokenResponse, error) {
	access := secret.New()
	signed, err := idToken(access)
	if err != nil {
		return nil, err
	}
	err = p.redeem(ctx, hash, now, store.AccessToken{
		Hash:        secret.Digest(access),
		ClientID:    c.ClientID,
		PhoneNumber: c.PhoneNumber,
		Scopes:      c.Scopes,
		SessionID:   c.SessionID,
		CreatedAt:   now,
		ExpiresAt:   now.Add(flow.AccessTokenTTL),
	})
	if err != nil {
		return nil, err
	}
	return &tokenResponse{
		AccessToken: access,
		IDToken:     signed,
		ExpiresIn:   int64(flow.AccessTokenTTL / time.Second),
		Scope:       strings.Join(c.Scopes, " "),
		TokenType:   "bearer",
	}, nil
}

// codeToRedeem reads the code with the hash for a grant to check: an
// unknown code is invalid_grant, and a used one a replay (replayed).
func (p *Provider) codeToRedeem(ctx context.Context, hash string, now time.Time) (store.AuthCode, error) {
	c, err := p.Store.GetAuthCode(ctx, hash)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return c, errUnknownCode()
	case err != nil:
		return c, err
	case !c.UsedAt.IsZero():
		return c, p.replayed(ctx, hash, now, c.UsedAt)
	}
	return c, nil
}

// redeem uses the checked code and stores the access token it buys, in one
// store transaction. A request that lost the race to another redemption
// of the same code is a replay too (replayed).
func (p *Provider) redeem(ctx context.Context, hash string, now time.Time, issue store.AccessToken) error {
	c, err := p.Store.RedeemAuthCode(ctx, hash, now, issue)
	switch {
	case errors.Is(err, store.ErrUsed):
		return p.replayed(ctx, hash, now, c.UsedAt)
	case errors.Is(err, store.ErrNotFound): // deleted since it was read
		return errUnknownCode()
	}
	return err
}

// replayed answers a code used before (at usedAt), and revokes the tokens
// its first redemption issued (RFC 6749 §4.1.2).
func (p *Provider) replayed(ctx context.Context, hash string, now, usedAt time.Time) error {
	n, err := p.Store.RevokeAccessTokensByCode(ctx, hash, now)
	if err != nil {
		return err
	}
	return explained(oauthError(ErrInvalidGrant, "The code was already used; the tokens issued for it are now revoked."),
		debugger.CodeReplayed(n, usedAt))
}

// errUnknownCode answers a code that does not exist (or no longer does).
func errUnknownCode() *Error {
	return oauthError(ErrInvalidGrant, "The code is unknown.")
}

// checkVerifier checks the PKCE code_verifier against the code's challenge
// (RFC 7636 §4.6), in constant time. A code issued with a challenge needs
// the verifier; a verifier for a code issued without one is refused too,
// since it means the client and the code disagree about the flow.
func checkVerifier(c store.AuthCode, verifier string) error {
	if c.CodeChallenge == "" {
		if verifier != "" {
			return oauthError(ErrInvalidGrant, "A code_verifier was sent, but the authorization code was issued without a code_challenge.")
		}
		return nil
	}
	if verifier == "" {
		return oauthError(ErrInvalidGrant, "The request lacks code_verifier; the authorization code was issued with a code_challenge (PKCE).")
	}
	if !validVerifier(verifier) {
		return errBadVerifier()
	}
	var derived string
	switch c.CodeChallengeMethod {
	case "S256":
		sum := sha256.Sum256([]byte(verifier))
		derived = base64.RawURLEncoding.EncodeToString(sum[:])
	case "plain", "":
		derived = verifier
	default:
		return oauthError(ErrInvalidGrant, "The authorization code has an unknown code_challenge_method.")
	}
	if !secret.Equal(derived, c.CodeChallenge) {
		return explained(oauthError(ErrInvalidGrant, "The code_verifier does not match the code_challenge."),
			debugger.PKCEMismatch(cmp.Or(c.CodeChallengeMethod, "plain")))
	}
	return nil
}

// errBadVerifier answers a code_verifier that is not one (RFC 7636 §4.1).
func errBadVerifier() *Error {
	return oauthError(ErrInvalidGrant, "The code_verifier must be 43 to 128 characters of A-Z, a-z, 0-9, '-', '.', '_' and '~' (RFC 7636 section 4.1).")
}

// validVerifier reports whether v is a code_verifier as RFC 7636 §4.1
// defines it: 43–128 unreserved characters.
func validVerifier(v string) bool {
	if len(v) < 43 || len(v) > 128 {
		return false
	}
	for _, ch := range []byte(v) {
		switch {
		case 'A' <= ch && ch <= 'Z', 'a' <= ch && ch <= 'z', '0' <= ch && ch <= '9',
			ch == '-', ch == '.', ch == '_', ch == '~':
		default:
			return false
		}
	}
	return true
}

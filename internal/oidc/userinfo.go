package oidc

import (
	"errors"
	"mime"
	"net/http"
	"strings"

	"github.com/vippslogin/vippslogin/internal/flow"
	"github.com/vippslogin/vippslogin/internal/secret"
	"github.com/vippslogin/vippslogin/internal/store"
)

// userinfo is the UserInfo endpoint (OIDC Core §5.3): the claims the access
// token's scopes release about its user. The token comes as a bearer token
// in the Authorization header or, on a POST, in the access_token form field
// (RFC 6750 §2.1–2.2); an unusable one is answered as RFC 6750 §3 says.
func (p *Provider) userinfo(w http.ResponseWriter, r *http.Request) error {
	// Userinfo is readable from a browser; so are its errors.
	w.Header().Set("Access-Control-Allow-Origin", "*")
	w.Header().Set("Access-Control-Expose-Headers", "WWW-Authenticate")
	ctx := r.Context()
	tok, err := bearerToken(r)
	if err != nil {
		return err
	}
	t, err := p.Store.GetAccessToken(ctx, secret.Digest(tok))
	switch {
	case errors.Is(err, store.ErrNotFound):
		return invalidToken("The access token is unknown.")
	case err != nil:
		return err
	case !t.RevokedAt.IsZero():
		return invalidToken("The access token was revoked.")
	case !p.now().Before(t.ExpiresAt):
		return invalidToken("The access token has expired.")
	}
	u, err := p.Store.GetUser(ctx, t.PhoneNumber)
	if errors.Is(err, store.ErrNotFound) {
		return invalidToken("The user the access token was issued for no longer exists.")
	}
	if err != nil {
		return err
	}
	// The sub was stored when the ID token was issued, so this reads it. A
	// deleted client's tokens are void, and its subs went with it (DESIGN
	// §8): a sub that cannot be had is the one case that asks for the
	// client, so that every other request reads it not at all.
	sub, err := p.subject(ctx, t.PhoneNumber, t.ClientID)
	if err != nil {
		if _, cerr := p.Store.GetClient(ctx, t.ClientID); errors.Is(cerr, store.ErrNotFound) {
			return invalidToken("The client the access token was issued to no longer exists.")
		}
		return err
	}
	return writeNoStore(w, userinfoClaims(u, t.Scopes, sub, t.SessionID))
}

// bearerToken returns the access token of a userinfo request (RFC 6750 §2):
// from "Authorization: Bearer", or from the access_token field of a form
// POST. A request may use only one of the two (RFC 6750 §2: "MUST NOT
// utilize more than one method").
func bearerToken(r *http.Request) (string, error) {
	var header string
	if auth := r.Header.Get("Authorization"); auth != "" {
		scheme, rest, _ := strings.Cut(auth, " ")
		if strings.EqualFold(scheme, "Bearer") {
			header = strings.TrimSpace(rest)
			if header == "" {
				return "", invalidToken("The Authorization header has an empty bearer token.")
			}
		}
	}
	var field string
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); r.Method == http.MethodPost && mt == "application/x-www-form-urlencoded" {
		form, err := readForm(r)
		var e *Error
		if errors.As(err, &e) {
			return "", withBearerChallenge(e)
		} else if err != nil {
			return "", err
		}
		field = form.Get("access_token")
	}
	switch {
	case header != "" && field != "":
		return "", withBearerChallenge(oauthError(ErrInvalidRequest,
			"The request carries the access token twice, in the Authorization header and in the body; send it once."))
	case header != "":
		return header, nil
	case field != "":
		return field, nil
	}
	// RFC 6750 §3.1: a request without credentials gets the bare challenge.
	return "", &Error{
		Code:        ErrInvalidRequest,
		Description: "The request has no access token: send it as Authorization: Bearer <access_token>.",
		Status:      http.StatusUnauthorized,
		Header:      http.Header{"Www-Authenticate": {`Bearer realm="vippslogin"`}},
	}
}

// invalidToken is the answer to an unknown, expired or revoked access token
// (RFC 6750 §3.1): 401 with the error in the WWW-Authenticate challenge.
func invalidToken(description string) *Error {
	return withBearerChallenge(&Error{Code: ErrInvalidToken, Description: description, Status: http.StatusUnauthorized})
}

// withBearerChallenge adds the Bearer challenge carrying e's code and
// description (RFC 6750 §3). flow.ErrorDescription keeps out '"' and '\',
// which would end or escape the quoted string, and what else §3 forbids.
func withBearerChallenge(e *Error) *Error {
	e.Header = http.Header{"Www-Authenticate": {`Bearer realm="vippslogin", error="` + e.Code + `", error_description="` + flow.ErrorDescription(e.Description) + `"`}}
	return e
}

// userinfoPreflight answers a browser's CORS preflight for userinfo, which
// a bearer token in the Authorization header always causes.
func userinfoPreflight(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Access-Control-Allow-Methods", "GET, POST")
	h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type")
	h.Set("Access-Control-Max-Age", "3600")
	w.WriteHeader(http.StatusNoContent)
}

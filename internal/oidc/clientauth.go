package oidc

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/vippslogin/vippslogin/internal/store"
)

// badCredentials is the one description for an unknown client and a wrong
// secret, so that the answer does not tell which of the two it was.
const badCredentials = "Client authentication failed: unknown client_id or wrong client_secret."

// authenticateClient authenticates the client of a token-endpoint request
// (RFC 6749 §2.3.1) by the one method the client is registered for
// (Vipps: "This setting will then apply to all login transactions on this
// sales unit"): client_secret_basic, the Authorization header, or
// client_secret_post, the client_id and client_secret form fields. Using
// both at once is invalid_request (RFC 6749 §2.3: "MUST NOT use more than
// one authentication method in each request"); anything else that fails is
// invalid_client. The grants of every flow share it.
func (p *Provider) authenticateClient(ctx context.Context, r *http.Request, form url.Values) (store.Client, error) {
	basicID, basicSecret, hasBasic, err := basicCredentials(r)
	if err != nil {
		return store.Client{}, err
	}
	_, hasPostSecret := form["client_secret"]
	var id, pass, method string
	switch {
	case hasBasic && hasPostSecret:
		return store.Client{}, oauthError(ErrInvalidRequest,
			"The request authenticates the client twice, with HTTP Basic and with client_secret in the body; use only the method the client is registered for.")
	case hasBasic:
		if fid := form.Get("client_id"); fid != "" && fid != basicID {
			return store.Client{}, oauthError(ErrInvalidRequest,
				"The client_id in the body is not the one in the Authorization header.")
		}
		id, pass, method = basicID, basicSecret, store.AuthSecretBasic
	case hasPostSecret:
		id, pass, method = form.Get("client_id"), form.Get("client_secret"), store.AuthSecretPost
	default:
		id = form.Get("client_id")
	}
	if id == "" {
		return store.Client{}, oauthError(ErrInvalidClient,
			"The request has no client authentication: send the client_id and client_secret with HTTP Basic (client_secret_basic) or in the body (client_secret_post), as the client is registered.")
	}
	c, err := p.Store.GetClient(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return store.Client{}, oauthError(ErrInvalidClient, badCredentials)
	}
	if err != nil {
		return store.Client{}, err
	}
	if method != c.TokenEndpointAuthMethod {
		return store.Client{}, oauthError(ErrInvalidClient,
			"The client is registered for %s and must authenticate %s; this request %s.",
			c.TokenEndpointAuthMethod, methodHow(c.TokenEndpointAuthMethod), requestHow(method))
	}
	if !p.secrets.Verify(c.SecretHash, pass) {
		return store.Client{}, oauthError(ErrInvalidClient, badCredentials)
	}
	return c, nil
}

// basicCredentials reads the HTTP Basic credentials of r, if it has any.
// RFC 6749 §2.3.1 has the client id and secret form-url-encoded before they
// are joined and base64-encoded, so both are decoded after base64; a
// secret with '+' or '%' depends on it. Go's r.BasicAuth skips that step.
func basicCredentials(r *http.Request) (id, pass string, ok bool, err error) {
	auth := r.Header.Get("Authorization")
	if auth == "" {
		return "", "", false, nil
	}
	scheme, payload, _ := strings.Cut(auth, " ")
	if !strings.EqualFold(scheme, "Basic") {
		return "", "", false, oauthError(ErrInvalidClient,
			"The Authorization header must use the Basic scheme to authenticate the client.")
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(payload))
	if err != nil {
		return "", "", false, oauthError(ErrInvalidClient, "The Authorization header is not valid base64.")
	}
	encID, encPass, found := strings.Cut(string(raw), ":")
	if !found {
		return "", "", false, oauthError(ErrInvalidClient, "The Basic credentials lack the ':' between client_id and client_secret.")
	}
	id, err1 := url.QueryUnescape(encID)
	pass, err2 := url.QueryUnescape(encPass)
	if err1 != nil || err2 != nil {
		return "", "", false, oauthError(ErrInvalidClient,
			"The Basic credentials are not form-url-encoded as RFC 6749 §2.3.1 requires.")
	}
	return id, pass, true, nil
}

// methodHow says how a client registered for method authenticates.
func methodHow(method string) string {
	if method == store.AuthSecretPost {
		return "with client_id and client_secret in the form body"
	}
	return "with HTTP Basic in the Authorization header"
}

// requestHow says how a request authenticated: method is "" when it did not.
func requestHow(method string) string {
	switch method {
	case store.AuthSecretBasic:
		return "used HTTP Basic (client_secret_basic)"
	case store.AuthSecretPost:
		return "sent client_secret in the body (client_secret_post)"
	}
	return "sent no client_secret"
}

package oidc

import (
	"context"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/url"
)

// maxFormBody is the largest form body the token, revocation and userinfo
// endpoints read; a real request is a few hundred bytes.
const maxFormBody = 64 << 10

// Grant types the token endpoint accepts.
const grantAuthorizationCode = "authorization_code"

// TokenPath is the token endpoint's path; UserinfoPatterns are the
// ServeMux path patterns userinfo is served at (DESIGN §2).
const TokenPath = IssuerPath + "oauth2/token"

var UserinfoPatterns = []string{"/vipps-userinfo-api/userinfo", "/vipps-userinfo-api/userinfo/{$}", IssuerPath + "userinfo"}

// mountTokens registers the token, userinfo and revocation endpoints
// (DESIGN §2). The lead's Mount calls it.
func (p *Provider) mountTokens(mux *http.ServeMux) {
	mux.Handle("POST "+TokenPath, handler(p.token))
	mux.Handle("POST "+IssuerPath+"oauth2/revoke", handler(p.revoke))
	for _, path := range UserinfoPatterns {
		mux.Handle("GET "+path, handler(p.userinfo))
		mux.Handle("POST "+path, handler(p.userinfo))
		mux.HandleFunc("OPTIONS "+path, userinfoPreflight)
	}
}

// tokenResponse is a successful token response (RFC 6749 §5.1, OIDC Core
// §3.1.3.3) in the field order of Vipps' example.
type tokenResponse struct {
	AccessToken string `json:"access_token"`
	IDToken     string `json:"id_token"`
	ExpiresIn   int64  `json:"expires_in"`
	Scope       string `json:"scope"`
	TokenType   string `json:"token_type"`
}

// grantFunc redeems one grant type: it authenticates the client, checks the
// grant and returns the tokens, or an *Error.
type grantFunc func(ctx context.Context, r *http.Request, form url.Values) (*tokenResponse, error)

// grant returns the handler of a grant type, or nil for one this server
// does not support. CIBA and QR grants slot in here.
func (p *Provider) grant(grantType string) grantFunc {
	switch grantType {
	case grantAuthorizationCode:
		return p.authorizationCode
	case grantCIBA:
		return p.cibaPoll
	case grantCIBARedirect:
		return p.cibaRedirect
	case grantQR:
		return p.qrPoll
	case grantQRRedirect:
		return p.qrRedirect
	}
	return nil
}

// token is the token endpoint (RFC 6749 §3.2): a form POST dispatched on
// grant_type.
func (p *Provider) token(w http.ResponseWriter, r *http.Request) error {
	form, err := readForm(r)
	if err != nil {
		return err
	}
	gt := form.Get("grant_type")
	if gt == "" {
		return oauthError(ErrInvalidRequest, "The request lacks grant_type.")
	}
	g := p.grant(gt)
	if g == nil {
		err := oauthError(ErrUnsupportedGrantType, "The grant_type '%s' is not supported.", gt)
		p.recordToken(r, form, gt, err)
		return err
	}
	resp, err := g(r.Context(), r, form)
	p.recordToken(r, form, gt, err)
	if err != nil {
		return err
	}
	return writeNoStore(w, resp)
}

// readForm reads the application/x-www-form-urlencoded body that the token
// and revocation endpoints take (RFC 6749 §3.2, RFC 7009 §2.1). Query
// parameters are not read. A parameter sent twice is invalid_request
// (RFC 6749 §3.2: "MUST NOT be included more than once").
func readForm(r *http.Request) (url.Values, error) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/x-www-form-urlencoded" {
		return nil, oauthError(ErrInvalidRequest, "The body must be application/x-www-form-urlencoded.")
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxFormBody+1))
	if err != nil {
		return nil, oauthError(ErrInvalidRequest, "The body could not be read.")
	}
	if len(body) > maxFormBody {
		return nil, oauthError(ErrInvalidRequest, "The body is larger than %d bytes.", maxFormBody)
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, oauthError(ErrInvalidRequest, "The body is not valid form encoding.")
	}
	for k, vs := range form {
		if len(vs) > 1 {
			return nil, oauthError(ErrInvalidRequest, "The parameter %s is repeated.", k)
		}
	}
	return form, nil
}

// writeNoStore writes v as a 200 JSON response that must not be cached
// (RFC 6749 §5.1).
func writeNoStore(w http.ResponseWriter, v any) error {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	return json.NewEncoder(w).Encode(v)
}

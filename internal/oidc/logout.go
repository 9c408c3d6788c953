package oidc

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/vippslogin/vippslogin/internal/flow"
	"github.com/vippslogin/vippslogin/internal/store"
	"github.com/vippslogin/vippslogin/internal/web"
)

// rememberCookie is the login pages' remembered-browser cookie; logging out
// deletes it from the browser as well as ending its session in the store.
const rememberCookie = "vl_remember"

// endSession is RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0
// §2): it ends the remembered-browser session named by the id_token_hint's
// sid, deletes this browser's remember cookie, and sends the browser to a
// registered post_logout_redirect_uri with state, or shows that the user is
// logged out.
func (p *Provider) endSession(w http.ResponseWriter, r *http.Request) {
	params, err := authorizeParams(w, r) // the same GET-query or POST-form rules
	if err != nil {
		web.ErrorPage(w, r, http.StatusBadRequest, "Invalid logout request", err.Error())
		return
	}
	page := func(title, detail string) {
		web.ErrorPage(w, r, http.StatusBadRequest, title, detail)
	}
	for name, vs := range params {
		if len(vs) > 1 || len(vs[0]) > 8*maxParamLength {
			page("Invalid logout request", fmt.Sprintf("The parameter %s is repeated or too long.", name))
			return
		}
	}
	var clientID, sid string
	if hint := params.Get("id_token_hint"); hint != "" {
		c, err := p.verifyHint(r, hint)
		if errors.Is(err, errNoKeys) {
			// The page says nothing of the store's trouble; the log does.
			p.logError(r, "end session: signing keys", err)
			web.ErrorPage(w, r, http.StatusServiceUnavailable, "Vipps Login is unavailable", "Try again in a moment.")
			return
		}
		if err != nil {
			page("Invalid logout request", "The id_token_hint is not an ID token this server issued: "+err.Error())
			return
		}
		clientID, sid = c.clientID, c.sid
	}
	if id := params.Get("client_id"); id != "" {
		if clientID != "" && id != clientID {
			page("Invalid logout request", "client_id does not match the audience of the id_token_hint.")
			return
		}
		clientID = id
	}
	post := params.Get("post_logout_redirect_uri")
	if post != "" {
		if clientID == "" {
			page("Invalid logout request", "post_logout_redirect_uri needs an id_token_hint or a client_id, so that it can be checked against the client's registered URIs.")
			return
		}
		client, err := p.Store.GetClient(r.Context(), clientID)
		if errors.Is(err, store.ErrNotFound) {
			page("Unknown client_id", fmt.Sprintf("No client has the client_id %q.", clientID))
			return
		}
		if err != nil {
			p.logError(r, "end session: get client", err)
			web.ErrorPage(w, r, http.StatusServiceUnavailable, "Vipps Login is unavailable", "Try again in a moment.")
			return
		}
		if !slices.Contains(client.PostLogoutRedirectURIs, post) {
			page("Unregistered post_logout_redirect_uri", mismatch(post, client.PostLogoutRedirectURIs))
			return
		}
	}
	if sid != "" {
		if err := p.Store.EndBrowserSession(r.Context(), sid); err != nil && !errors.Is(err, store.ErrNotFound) {
			p.logError(r, "end session", err)
			web.ErrorPage(w, r, http.StatusServiceUnavailable, "Vipps Login is unavailable", "The logout did not complete; try again in a moment.")
			return
		}
	}
	http.SetCookie(w, &http.Cookie{
		Name: rememberCookie, Path: basePath(p.BaseURL) + "/vipps-login-idp/", MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: strings.HasPrefix(p.BaseURL, "https:"),
	})
	if post != "" {
		q := url.Values{}
		if state := params.Get("state"); state != "" {
			q.Set("state", state)
		}
		target := post
		if len(q) > 0 {
			target = flow.WithQuery(post, q)
		}
		http.Redirect(w, r, target, redirectStatus(r))
		return
	}
	web.ErrorPage(w, r, http.StatusOK, "You are logged out", "This browser no longer remembers you for Vipps Login. You can close this page.")
}

type hintClaims struct {
	clientID, sid string
}

// verifyHint checks that hint is an ID token this server signed, for this
// issuer; an expired one is still a good hint (RP-Initiated Logout §2).
func (p *Provider) verifyHint(r *http.Request, hint string) (hintClaims, error) {
	tok, err := jwt.ParseSigned(hint, []jose.SignatureAlgorithm{jose.RS256, jose.ES256})
	if err != nil {
		return hintClaims{}, errors.New("it is not a signed JWT")
	}
	set, err := p.Keys.JWKS(r.Context())
	if err != nil {
		return hintClaims{}, fmt.Errorf("%w: %w", errNoKeys, err)
	}
	var c struct {
		jwt.Claims
		SID string `json:"sid"`
	}
	if err := tok.Claims(set, &c); err != nil {
		return hintClaims{}, errors.New("its signature does not verify with this server's keys")
	}
	if c.Issuer != p.Issuer() || len(c.Audience) != 1 {
		return hintClaims{}, errors.New("it was issued by another issuer or for several audiences")
	}
	return hintClaims{clientID: c.Audience[0], sid: c.SID}, nil
}

// errNoKeys means the signing keys to check an id_token_hint with could not
// be had: the server's trouble, not the request's.
var errNoKeys = errors.New("the signing keys could not be read")

// basePath is the base URL's path without a trailing slash.
func basePath(baseURL string) string {
	u, err := url.Parse(baseURL)
	if err != nil {
		return ""
	}
	return strings.TrimRight(u.Path, "/")
}

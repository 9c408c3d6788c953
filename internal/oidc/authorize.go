package oidc

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/vippslogin/vippslogin/internal/debugger"
	"github.com/vippslogin/vippslogin/internal/flow"
	"github.com/vippslogin/vippslogin/internal/secret"
	"github.com/vippslogin/vippslogin/internal/store"
	"github.com/vippslogin/vippslogin/internal/web"
)

// Limits on the authorize request's input.
const (
	maxAuthorizeBody = 64 << 10
	maxParamLength   = 2048
	minStateLength   = 8
	maxNonceLength   = 512
	pkceMinLength    = 43
	pkceMaxLength    = 128
)

var pkceChars = regexp.MustCompile(`^[A-Za-z0-9\-._~]+$`)

// authorize starts a browser login (RFC 6749 §4.1.1, OIDC Core §3.1.2.1,
// RFC 7636 §4.3). A bad client_id or redirect_uri gets an error page and no
// redirect (RFC 6749 §4.1.2.1); every other error goes back to the
// validated redirect URI with error, error_description, state and iss.
func (p *Provider) authorize(w http.ResponseWriter, r *http.Request) {
	params, err := authorizeParams(w, r)
	if err != nil {
		web.ErrorPage(w, r, http.StatusBadRequest, "Invalid login request", err.Error())
		return
	}
	client, redirectURI, ok := p.authorizeClient(w, r, params)
	if !ok {
		return
	}
	state := params.Get("state")
	fail := func(code, description string) {
		p.recordAuthorize(client.ID, params, code, description)
		http.Redirect(w, r, flow.ErrorRedirect(redirectURI, state, p.Issuer(), code, description), redirectStatus(r))
	}
	req, oerr := p.authorizeRequest(client, redirectURI, params)
	if oerr != nil {
		p.recordAuthorize(client.ID, params, oerr.Code, cmp.Or(oerr.explain, oerr.Description))
		http.Redirect(w, r, flow.ErrorRedirect(redirectURI, state, p.Issuer(), oerr.Code, oerr.Description), redirectStatus(r))
		return
	}
	now := p.now()
	req.ID = secret.New()
	req.Status = store.LoginCreated
	req.CreatedAt, req.UpdatedAt, req.ExpiresAt = now, now, now.Add(flow.LoginTTL)
	if err := p.Store.CreateLoginRequest(r.Context(), req); err != nil {
		p.logError(r, "authorize: store login request", err)
		if errors.Is(err, store.ErrUnavailable) {
			fail(ErrTemporarilyUnavailable, "The login could not be started just now; try again in a moment.")
			return
		}
		fail("server_error", "The login could not be started; try again.")
		return
	}
	http.Redirect(w, r, p.BaseURL+flow.LoginPath+"?tabId="+url.QueryEscape(req.ID), redirectStatus(r))
}

// redirectStatus is 303 after a POST, so the browser does not repost the
// form to the next page, and 302 after a GET as Vipps answers.
func redirectStatus(r *http.Request) int {
	if r.Method == http.MethodPost {
		return http.StatusSeeOther
	}
	return http.StatusFound
}

// authorizeParams reads the request's parameters: the query on GET, the
// form body on POST (OIDC Core §3.1.2.1).
func authorizeParams(w http.ResponseWriter, r *http.Request) (url.Values, error) {
	if r.Method != http.MethodPost {
		return r.URL.Query(), nil
	}
	ct := r.Header.Get("Content-Type")
	if mt, _, _ := strings.Cut(ct, ";"); strings.TrimSpace(strings.ToLower(mt)) != "application/x-www-form-urlencoded" {
		return nil, errors.New("a POSTed login request must be a form (Content-Type: application/x-www-form-urlencoded)")
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxAuthorizeBody))
	if err != nil {
		return nil, fmt.Errorf("the login request's body is larger than %d bytes", maxAuthorizeBody)
	}
	v, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, errors.New("the login request's body is not a valid form")
	}
	return v, nil
}

// authorizeClient validates client_id and redirect_uri, the two parameters
// that decide whether an error may be sent back at all. On failure it has
// written the error page.
func (p *Provider) authorizeClient(w http.ResponseWriter, r *http.Request, params url.Values) (store.Client, string, bool) {
	page := func(title, detail string) (store.Client, string, bool) {
		web.ErrorPage(w, r, http.StatusBadRequest, title, detail)
		return store.Client{}, "", false
	}
	ids, uris := params["client_id"], params["redirect_uri"]
	switch {
	case len(ids) == 0 || ids[0] == "":
		return page("Missing client_id", "The login request has no client_id. The shop must send the client_id it got from Vipps.")
	case len(ids) > 1:
		return page("Repeated client_id", "The login request has client_id more than once; send it once.")
	case len(ids[0]) > maxParamLength:
		return page("Unknown client_id", "The client_id is too long to be one.")
	}
	client, err := p.Store.GetClient(r.Context(), ids[0])
	if errors.Is(err, store.ErrNotFound) {
		return page("Unknown client_id", fmt.Sprintf("No client has the client_id %q. Check it against the client_id the shop was given.", ids[0]))
	}
	if err != nil {
		p.logError(r, "authorize: get client", err)
		web.ErrorPage(w, r, http.StatusServiceUnavailable, "Vipps Login is unavailable", "The login could not be started; try again in a moment.")
		return store.Client{}, "", false
	}
	// From here the client is known: what the page says goes to its
	// debugger too.
	known := func(title, detail string) (store.Client, string, bool) {
		p.recordAuthorize(client.ID, params, ErrInvalidRequest, detail)
		return page(title, detail)
	}
	switch {
	case len(uris) == 0 || uris[0] == "":
		return known("Missing redirect_uri", "The login request has no redirect_uri. It is required, and must be one of the URIs registered for the client.")
	case len(uris) > 1:
		return known("Repeated redirect_uri", "The login request has redirect_uri more than once; send it once.")
	}
	if !slices.Contains(client.RedirectURIs, uris[0]) {
		return known("Unregistered redirect_uri", mismatch(uris[0], client.RedirectURIs))
	}
	return client, uris[0], true
}

// authorizeRequest checks every other parameter and returns the login
// request to store, or the OAuth error to send back.
func (p *Provider) authorizeRequest(client store.Client, redirectURI string, params url.Values) (store.LoginRequest, *Error) {
	invalid := func(format string, args ...any) (store.LoginRequest, *Error) {
		return store.LoginRequest{}, &Error{Code: "invalid_request", Description: fmt.Sprintf(format, args...)}
	}
	for name, vs := range params {
		if len(vs) > 1 {
			return invalid("The parameter %s is repeated; send each parameter once.", name)
		}
		if len(vs[0]) > maxParamLength {
			return invalid("The parameter %s is longer than %d characters.", name, maxParamLength)
		}
	}
	// Request objects (OIDC Core §6) are not supported, as discovery says:
	// refused rather than ignored, since a code_challenge or nonce sent only
	// inside one would otherwise be dropped without a word (§6.1, §6.2).
	if _, ok := params["request"]; ok {
		return store.LoginRequest{}, &Error{Code: "request_not_supported",
			Description: "Request objects (the request parameter) are not supported; send each parameter in the query or the form instead."}
	}
	if _, ok := params["request_uri"]; ok {
		return store.LoginRequest{}, &Error{Code: "request_uri_not_supported",
			Description: "request_uri is not supported; send each parameter in the query or the form instead."}
	}
	if !slices.Contains(client.Flows, store.FlowBrowser) {
		return store.LoginRequest{}, &Error{Code: "unauthorized_client", Description: "This client is not allowed to use Vipps Login in the browser."}
	}
	switch rt := params.Get("response_type"); rt {
	case "code":
	case "":
		return invalid("response_type is required and must be code.")
	default:
		return store.LoginRequest{}, &Error{Code: "unsupported_response_type", Description: fmt.Sprintf("response_type '%s' is not supported; use code.", rt)}
	}
	if rm := params.Get("response_mode"); rm != "" && rm != "query" {
		return invalid("response_mode '%s' is not supported; use query or leave it out.", rm)
	}
	state := params.Get("state")
	if len(state) < minStateLength {
		lr, e := invalid("state is required and must be at least %d characters.", minStateLength)
		return lr, explained(e, debugger.StateTooShort(len(state), minStateLength))
	}
	scopes, serr := requestScopes(client, params.Get("scope"))
	if serr != nil {
		return store.LoginRequest{}, serr
	}
	challenge, method := params.Get("code_challenge"), params.Get("code_challenge_method")
	switch {
	case challenge == "" && method != "":
		return invalid("code_challenge_method was sent without a code_challenge.")
	case challenge != "" && method == "":
		method = "plain" // RFC 7636 §4.3
	}
	if method != "" && method != "plain" && method != "S256" {
		return invalid("code_challenge_method '%s' is not supported; use S256 or plain.", method)
	}
	if challenge != "" && (len(challenge) < pkceMinLength || len(challenge) > pkceMaxLength || !pkceChars.MatchString(challenge)) {
		return invalid("code_challenge must be %d to %d characters of A-Z, a-z, 0-9, -, ., _ and ~ (RFC 7636 section 4.2).", pkceMinLength, pkceMaxLength)
	}
	if len(params.Get("nonce")) > maxNonceLength {
		return invalid("nonce is longer than %d characters.", maxNonceLength)
	}
	special, serr := specialFlow(client, params, method)
	if serr != nil {
		return store.LoginRequest{}, serr
	}
	finalIsApp := false
	switch v := params.Get("final_redirect_is_app"); v {
	case "", "false":
	case "true":
		finalIsApp = true
	default:
		return invalid("final_redirect_is_app must be true or false, not '%s'.", v)
	}
	special.Kind = store.KindLogin
	special.ClientID = client.ID
	special.RedirectURI = redirectURI
	special.Scopes = scopes
	special.State = state
	special.Nonce = params.Get("nonce")
	special.CodeChallenge = challenge
	special.CodeChallengeMethod = method
	special.FinalRedirectIsApp = finalIsApp
	special.Locale = uiLocale(params.Get("ui_locales"))
	return special, nil
}

// requestScopes parses scope: openid is required, offline is refused (no
// refresh tokens), a known scope the client was not granted is refused, and
// an unknown one is dropped, as Vipps does.
func requestScopes(client store.Client, raw string) ([]string, *Error) {
	var scopes []string
	for _, s := range strings.Fields(raw) {
		switch {
		case s == "offline" || s == "offline_access":
			return nil, &Error{Code: "invalid_scope", Description: "Vipps Login has no refresh tokens, so the scope " + s + " cannot be granted."}
		case !slices.Contains(store.Scopes, s):
			continue
		case !slices.Contains(client.Scopes, s):
			return nil, &Error{Code: "invalid_scope", Description: fmt.Sprintf("The client is not granted the scope '%s'.", s)}
		case !slices.Contains(scopes, s):
			scopes = append(scopes, s)
		}
	}
	if !slices.Contains(scopes, "openid") {
		return nil, &Error{Code: "invalid_scope", Description: "The scope must include openid."}
	}
	return scopes, nil
}

// uiLocale picks the pages' language from ui_locales (OIDC Core §3.1.2.1):
// the first of Norwegian or English listed, or "" to let the browser's
// Accept-Language decide.
func uiLocale(raw string) string {
	for _, tag := range strings.Fields(raw) {
		lang, _, _ := strings.Cut(strings.ToLower(tag), "-")
		switch lang {
		case "nb", "no", "nn":
			return "nb"
		case "en":
			return "en"
		}
	}
	return ""
}

package oidc

import (
	"cmp"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"maps"
	"net/http"
	"net/url"
	"slices"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/vippslogin/vippslogin/internal/flow"
	"github.com/vippslogin/vippslogin/internal/jsonapi"
	"github.com/vippslogin/vippslogin/internal/secret"
	"github.com/vippslogin/vippslogin/internal/store"
	"github.com/vippslogin/vippslogin/internal/web"
)

// Logout is OpenID Connect RP-Initiated Logout 1.0, in two steps because
// the browser's remember cookie is scoped to the login pages' path and
// never reaches the issuer's:
//
//  1. The end-session endpoint, where a client sends the browser (a link,
//     or a form POSTed from the client's own origin), checks the request
//     and passes it on to logoutPath, under the login pages.
//  2. There the cookie tells which session the browser holds. When the
//     id_token_hint names that session, the client's request is all it
//     takes and the session ends at once (§2). Otherwise (no hint, or the
//     hint's session is not this browser's) the user is asked first, as §2
//     says the OP should, and only the confirmation ends anything: a
//     same-origin form post with a token that only this browser's page
//     carries, which ends the session this browser holds and never the
//     one a hint names.
//
// So another site can neither log a browser out behind its user's back nor,
// with someone's ID token, end a session held by a browser that is not the
// one making the request.

// logoutPath is the logout page, under the login pages so that the
// browser's vl_remember cookie reaches it: GET asks, POST confirms.
const logoutPath = "/vipps-login-idp/logout"

// rememberCookie is the login pages' remembered-browser cookie (its bare
// name; flow.RememberToken reads it): its token's digest finds the
// store.BrowserSession the browser holds. Logging out ends that session and
// deletes the cookie, in its legacy form too (flow.SetRememberCookie).
const rememberCookie = flow.RememberCookie

// maxLogoutForm bounds the confirmation form: the client's few parameters
// and the token.
const maxLogoutForm = 64 << 10

// mountLogout registers the end-session endpoint and the logout page. The
// endpoint has no CrossOriginProtection, since a client may POST its logout
// request from its own origin (§2); the confirmation has it.
func (p *Provider) mountLogout(mux *http.ServeMux) {
	mux.Handle("GET "+IssuerPath+"oauth2/sessions/logout", p.logoutHandler(p.endSession))
	mux.Handle("POST "+IssuerPath+"oauth2/sessions/logout", p.logoutHandler(p.endSession))
	mux.Handle("GET "+logoutPath, p.logoutHandler(p.logoutPage))
	cop := web.CrossOriginProtection(p.BaseURL)
	cop.SetDenyHandler(p.logoutHandler(func(http.ResponseWriter, *http.Request) error { return errLogoutRefused }))
	mux.Handle("POST "+logoutPath, cop.Handler(p.logoutHandler(p.confirmLogout)))
}

// badLogout is a logout request that is wrong as sent: a 400 page that
// tells the client's developer what to fix.
type badLogout struct{ title, detail string }

func (e *badLogout) Error() string { return e.title + ": " + e.detail }

// errLogoutRefused is a confirmation from another origin, or without the
// token of this browser's confirmation page.
var errLogoutRefused = errors.New("logout confirmation refused")

// logoutHandler adapts a logout handler that returns an error: a
// *badLogout is its 400 page, errLogoutRefused a 403, and anything else (the
// store or the signing keys could not be read) is logged and answered 503
// with a message for people, never the error's text.
func (p *Provider) logoutHandler(h func(http.ResponseWriter, *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		web.SecurityHeaders(w.Header())
		err := h(w, r)
		if err == nil {
			return
		}
		var bad *badLogout
		if errors.As(err, &bad) {
			web.ErrorPage(w, r, http.StatusBadRequest, bad.title, bad.detail)
			return
		}
		lang := logoutLang(r, cmp.Or(r.PostForm.Get("ui_locales"), r.URL.Query().Get("ui_locales")))
		t := logoutTexts[lang]
		if errors.Is(err, errLogoutRefused) {
			web.ErrorPageLang(w, r, http.StatusForbidden, lang, t.RefusedTitle, t.RefusedDetail)
			return
		}
		p.logError(r, "logout", err)
		w.Header().Set("Retry-After", jsonapi.RetryAfter)
		web.ErrorPageLang(w, r, http.StatusServiceUnavailable, lang, t.UnavailableTitle, t.UnavailableDetail)
	})
}

// endSession is the end-session endpoint (RP-Initiated Logout 1.0 §2). It
// ends nothing itself: a request it accepts goes on to the logout page.
func (p *Provider) endSession(w http.ResponseWriter, r *http.Request) error {
	params, err := authorizeParams(w, r) // the same GET-query or POST-form rules
	if err != nil {
		return &badLogout{"Invalid logout request", err.Error()}
	}
	l, err := p.parseLogout(r, params)
	if err != nil {
		return err
	}
	target := p.BaseURL + logoutPath
	if q := l.values(true); len(q) > 0 {
		target += "?" + q.Encode()
	}
	http.Redirect(w, r, target, redirectStatus(r))
	return nil
}

// logoutPage ends the session this browser holds at once when the
// id_token_hint names it; otherwise it asks the user to confirm.
func (p *Provider) logoutPage(w http.ResponseWriter, r *http.Request) error {
	l, err := p.parseLogout(r, r.URL.Query())
	if err != nil {
		return err
	}
	held, remember, err := p.heldSession(r)
	if err != nil {
		return err
	}
	if l.sid != "" && held.ID == l.sid {
		return p.logOut(w, r, l, held.ID)
	}
	p.renderLogout(w, r, l, remember, true)
	return nil
}

// confirmLogout takes the confirmation page's form: it ends the session
// this browser holds, if any, whatever session a hint named.
func (p *Provider) confirmLogout(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxLogoutForm)
	if err := r.ParseForm(); err != nil {
		return &badLogout{"Invalid logout confirmation", "The form could not be read."}
	}
	form := r.PostForm
	remember := flow.RememberToken(r, p.BaseURL)
	if form.Get("action") != "logout" || !hmac.Equal([]byte(form.Get("csrf_token")), []byte(confirmToken(remember))) {
		return errLogoutRefused
	}
	params := url.Values{}
	for _, name := range []string{"client_id", "post_logout_redirect_uri", "state", "ui_locales"} {
		if vs, ok := form[name]; ok {
			params[name] = vs
		}
	}
	l, err := p.parseLogout(r, params)
	if err != nil {
		return err
	}
	held, _, err := p.heldSession(r)
	if err != nil {
		return err
	}
	return p.logOut(w, r, l, held.ID)
}

// confirmToken is the confirmation form's token for the browser whose
// vl_remember cookie is remember: an HMAC keyed with the cookie's value, a
// secret that only this browser has (the store keeps its digest). Another
// site can neither read it from the page nor compute it, and one browser's
// token confirms nothing for another. A browser that remembers no one has
// nothing to end, and its token is "".
func confirmToken(remember string) string {
	if remember == "" {
		return ""
	}
	mac := hmac.New(sha256.New, []byte(remember))
	mac.Write([]byte("vippslogin logout confirmation"))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// heldSession is the remembered-browser session that this browser's
// vl_remember cookie holds: the only session a request from it may end.
// remember is the cookie's value, "" when it has none; s is the zero
// session when no session has the cookie's digest (it was forgotten in the
// app, or ended).
func (p *Provider) heldSession(r *http.Request) (s store.BrowserSession, remember string, err error) {
	remember = flow.RememberToken(r, p.BaseURL)
	if remember == "" {
		return s, "", nil
	}
	s, err = p.Store.GetBrowserSessionByToken(r.Context(), secret.Digest(remember))
	if errors.Is(err, store.ErrNotFound) {
		return store.BrowserSession{}, remember, nil
	}
	if err != nil {
		return s, remember, fmt.Errorf("look up the remembered browser: %w", err)
	}
	return s, remember, nil
}

// logOut ends the session sid that this browser holds ("" when it holds
// none), deletes the browser's remember cookie, and sends the browser to
// the client's post_logout_redirect_uri with the state (RP-Initiated Logout
// 1.0 §3), or says that it is logged out.
func (p *Provider) logOut(w http.ResponseWriter, r *http.Request, l logoutRequest, sid string) error {
	if sid != "" {
		if err := p.Store.EndBrowserSession(r.Context(), sid); err != nil && !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("end browser session: %w", err)
		}
	}
	flow.SetRememberCookie(w, p.BaseURL, "", -1)
	if l.post != "" {
		target := l.post
		if l.state != "" {
			target = flow.WithQuery(l.post, url.Values{"state": {l.state}})
		}
		http.Redirect(w, r, target, redirectStatus(r))
		return nil
	}
	p.renderLogout(w, r, l, "", false)
	return nil
}

// logoutView is the data of logout.html: the question with its form
// (Confirm), or the answer that the browser is logged out.
type logoutView struct {
	web.Page
	T       logoutText
	Lead    string
	Confirm bool
	// Hidden are the form's hidden fields: the client's parameters and
	// the token.
	Hidden []hiddenField
	// CancelURL is the client's registered post_logout_redirect_uri, or "".
	CancelURL template.URL
}

type hiddenField struct{ Name, Value string }

// renderLogout shows the confirmation page (confirm) for a browser whose
// remember cookie is remember, or the logged-out page.
func (p *Provider) renderLogout(w http.ResponseWriter, r *http.Request, l logoutRequest, remember string, confirm bool) {
	lang := logoutLang(r, l.uiLocales)
	t := logoutTexts[lang]
	v := logoutView{Page: web.NewPage(r, lang, t.DoneTitle), T: t, Lead: t.DoneLead, Confirm: confirm}
	if confirm {
		v.Title, v.Lead = t.ConfirmTitle, t.ConfirmLead
		q := l.values(false)
		for _, name := range slices.Sorted(maps.Keys(q)) {
			v.Hidden = append(v.Hidden, hiddenField{name, q.Get(name)})
		}
		v.Hidden = append(v.Hidden, hiddenField{"csrf_token", confirmToken(remember)})
		// A registered URI: registration refuses javascript:, data: and
		// the like, so it may be a link (as login's renderBackToApp).
		v.CancelURL = template.URL(l.post)
	}
	web.Render(w, r, http.StatusOK, "logout.html", v)
}

// logoutRequest is a checked logout request (RP-Initiated Logout 1.0 §2).
type logoutRequest struct {
	// hint is the id_token_hint as sent, and sid the session it names.
	hint, sid string
	clientID  string
	// post is a post_logout_redirect_uri registered for clientID, or "".
	post      string
	state     string
	uiLocales string
}

// values are the request's parameters as the next step takes them: the
// logout page with the hint, the confirmation form without, since a
// confirmation ends this browser's own session whatever a hint names.
func (l logoutRequest) values(withHint bool) url.Values {
	v := url.Values{}
	for name, value := range map[string]string{
		"client_id": l.clientID, "post_logout_redirect_uri": l.post, "state": l.state, "ui_locales": l.uiLocales,
	} {
		if value != "" {
			v.Set(name, value)
		}
	}
	if withHint && l.hint != "" {
		v.Set("id_token_hint", l.hint)
	}
	return v
}

// parseLogout checks a logout request's parameters: the id_token_hint is an
// ID token this server issued, client_id is its audience, and a
// post_logout_redirect_uri is registered for the client. A wrong request is
// a *badLogout; any other error is the server's.
func (p *Provider) parseLogout(r *http.Request, params url.Values) (logoutRequest, error) {
	for name, vs := range params {
		if len(vs) > 1 || len(vs[0]) > 8*maxParamLength {
			return logoutRequest{}, &badLogout{"Invalid logout request", fmt.Sprintf("The parameter %s is repeated or too long.", name)}
		}
	}
	l := logoutRequest{state: params.Get("state"), uiLocales: params.Get("ui_locales")}
	if hint := params.Get("id_token_hint"); hint != "" {
		c, err := p.verifyHint(r, hint)
		if errors.Is(err, errNoKeys) {
			return l, err
		}
		if err != nil {
			return l, &badLogout{"Invalid logout request", "The id_token_hint is not an ID token this server issued: " + err.Error()}
		}
		l.hint, l.clientID, l.sid = hint, c.clientID, c.sid
	}
	if id := params.Get("client_id"); id != "" {
		if l.clientID != "" && id != l.clientID {
			return l, &badLogout{"Invalid logout request", "client_id does not match the audience of the id_token_hint."}
		}
		l.clientID = id
	}
	post := params.Get("post_logout_redirect_uri")
	if post == "" {
		return l, nil
	}
	if l.clientID == "" {
		return l, &badLogout{"Invalid logout request", "post_logout_redirect_uri needs an id_token_hint or a client_id, so that it can be checked against the client's registered URIs."}
	}
	client, err := p.Store.GetClient(r.Context(), l.clientID)
	if errors.Is(err, store.ErrNotFound) {
		return l, &badLogout{"Unknown client_id", fmt.Sprintf("No client has the client_id %q.", l.clientID)}
	}
	if err != nil {
		return l, fmt.Errorf("get client: %w", err)
	}
	if !slices.Contains(client.PostLogoutRedirectURIs, post) {
		return l, &badLogout{"Unregistered post_logout_redirect_uri", mismatch(post, client.PostLogoutRedirectURIs)}
	}
	l.post = post
	return l, nil
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

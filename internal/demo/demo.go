// Package demo is the demo shop of dev mode (DESIGN §7): a merchant's web
// site with a "Log in with Vipps" button that runs the real flow against
// this server, as an unchanged OpenID Connect client would (go-oidc and
// x/oauth2), and a "Log in by phone number" form that runs login from phone
// number (CIBA) from the shop's server; both show the ID token and userinfo
// they got back.
package demo

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/vippslogin/vippslogin/internal/flow"
	"github.com/vippslogin/vippslogin/internal/store"
	"github.com/vippslogin/vippslogin/internal/web"
)

// Shop is the demo shop: a relying party of this server's issuer.
type Shop struct {
	// BaseURL is the server's base URL; the shop lives at BaseURL/demo/.
	BaseURL      string
	ClientID     string
	ClientSecret string
	// HTTP reaches the server itself; http.DefaultClient when nil.
	HTTP *http.Client
	// QRID is the shop's QR code, shown for a login from QR code; none
	// when empty. Its redirect URI is BaseURL/demo/qr-callback.
	QRID string

	mu       sync.Mutex
	provider *oidc.Provider // discovered on first use: the server is not listening when Shop is made
}

// Mount registers the shop's pages.
func (s *Shop) Mount(mux *http.ServeMux) {
	mux.HandleFunc("GET /demo/{$}", s.home)
	mux.HandleFunc("GET /demo/login", s.login)
	mux.HandleFunc("GET /demo/callback", s.callback)
	// The phone number form posts from the shop's own page only; the page
	// waiting for the answer is the same URL, so the shop's relative links
	// work on both.
	mux.Handle("POST /demo/ciba", http.NewCrossOriginProtection().Handler(http.HandlerFunc(s.startCIBA)))
	mux.HandleFunc("GET /demo/ciba", s.waitCIBA)
	mux.HandleFunc("GET /demo/qr-callback", s.qrCallback)
}

// cookie holds the login's state, nonce and PKCE verifier between the
// button and the callback, as a merchant's session would.
const cookie = "demo_login"

var scopes = []string{"openid", "name", "email", "phoneNumber", "birthDate", "address"}

func (s *Shop) ctx(r *http.Request) context.Context {
	if s.HTTP != nil {
		return oidc.ClientContext(r.Context(), s.HTTP)
	}
	return r.Context()
}

func (s *Shop) oauth(ctx context.Context) (*oidc.Provider, *oauth2.Config, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.provider == nil {
		p, err := oidc.NewProvider(ctx, s.BaseURL+flow.IssuerPath)
		if err != nil {
			return nil, nil, fmt.Errorf("discover the issuer: %w", err)
		}
		s.provider = p
	}
	return s.provider, &oauth2.Config{
		ClientID:     s.ClientID,
		ClientSecret: s.ClientSecret,
		Endpoint:     s.provider.Endpoint(),
		RedirectURL:  s.BaseURL + "/demo/callback",
		Scopes:       scopes,
	}, nil
}

func (s *Shop) home(w http.ResponseWriter, r *http.Request) {
	page := web.DemoPage{Scopes: strings.Join(scopes, " ")}
	s.qrSection(&page)
	web.RenderDemo(w, r, http.StatusOK, page)
}

func (s *Shop) login(w http.ResponseWriter, r *http.Request) {
	_, cfg, err := s.oauth(s.ctx(r))
	if err != nil {
		web.RenderDemo(w, r, http.StatusBadGateway, web.DemoPage{Error: err.Error()})
		return
	}
	state, nonce, verifier := rand.Text(), rand.Text(), oauth2.GenerateVerifier()
	http.SetCookie(w, &http.Cookie{
		Name: cookie, Value: state + "." + nonce + "." + verifier, Path: "/demo/",
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: strings.HasPrefix(s.BaseURL, "https:"),
		MaxAge: int((10 * time.Minute).Seconds()),
	})
	opts := append([]oauth2.AuthCodeOption{oidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier)}, flowOptions(r.URL.Query())...)
	http.Redirect(w, r, cfg.AuthCodeURL(state, opts...), http.StatusFound)
}

// flowChoices are the special-flow parameters the shop's form may pass on
// to authorize, each with the values it offers (README "Special flows").
var flowChoices = map[string][]string{
	"requested_flow": {"no_dialog", "app_to_app", "automatic_return_from_vipps_app"},
	"prompt":         {"login", "none"},
	"ui_locales":     {"nb", "en"},
	"market":         store.Markets,
	"acr_values":     {"urn:vipps:acr:app_auth"},
}

// flowOptions turns the form's choices into authorize parameters, dropping
// anything the form does not offer.
func flowOptions(q url.Values) []oauth2.AuthCodeOption {
	var opts []oauth2.AuthCodeOption
	for name, allowed := range flowChoices {
		if v := q.Get(name); slices.Contains(allowed, v) {
			opts = append(opts, oauth2.SetAuthURLParam(name, v))
		}
	}
	if q.Get("requested_flow") == "app_to_app" {
		opts = append(opts, oauth2.SetAuthURLParam("app_callback_uri", "demo-app://callback"))
	}
	if hint := q.Get("phone"); hint != "" && len(hint) <= 15 && strings.Trim(hint, "0123456789") == "" {
		opts = append(opts, oauth2.SetAuthURLParam("login_hint", "urn:msisdn:"+hint))
	}
	return opts
}

func (s *Shop) callback(w http.ResponseWriter, r *http.Request) {
	page, status := s.finish(r)
	http.SetCookie(w, &http.Cookie{Name: cookie, Path: "/demo/", MaxAge: -1})
	web.RenderDemo(w, r, status, page)
}

// finish does what a merchant's callback does: check state, exchange the
// code with the PKCE verifier, verify the ID token and its nonce, and fetch
// userinfo.
func (s *Shop) finish(r *http.Request) (web.DemoPage, int) {
	q := r.URL.Query()
	c, err := r.Cookie(cookie)
	parts := []string{}
	if err == nil {
		parts = strings.Split(c.Value, ".")
	}
	if len(parts) != 3 || q.Get("state") != parts[0] {
		return web.DemoPage{Error: "The state does not match the login this browser started (or the demo cookie expired). Start again."}, http.StatusBadRequest
	}
	if e := q.Get("error"); e != "" {
		return web.DemoPage{Error: e + ": " + q.Get("error_description")}, http.StatusOK
	}
	ctx := s.ctx(r)
	provider, cfg, err := s.oauth(ctx)
	if err != nil {
		return web.DemoPage{Error: err.Error()}, http.StatusBadGateway
	}
	tok, err := cfg.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(parts[2]))
	if err != nil {
		return web.DemoPage{Error: "token exchange: " + err.Error()}, http.StatusBadGateway
	}
	raw, _ := tok.Extra("id_token").(string)
	return s.show(ctx, provider, raw, tok, parts[1])
}

// show verifies the ID token and its nonce, fetches userinfo and shows
// both, as a merchant does with any login's tokens.
func (s *Shop) show(ctx context.Context, provider *oidc.Provider, raw string, tok *oauth2.Token, nonce string) (web.DemoPage, int) {
	idToken, err := provider.Verifier(&oidc.Config{ClientID: s.ClientID}).Verify(ctx, raw)
	if err != nil {
		return web.DemoPage{Error: "ID token: " + err.Error()}, http.StatusBadGateway
	}
	if idToken.Nonce != nonce {
		return web.DemoPage{Error: "ID token: the nonce does not match"}, http.StatusBadGateway
	}
	info, err := provider.UserInfo(ctx, oauth2.StaticTokenSource(tok))
	if err != nil {
		return web.DemoPage{Error: "userinfo: " + err.Error()}, http.StatusBadGateway
	}
	var claims, infoClaims json.RawMessage
	idToken.Claims(&claims)
	info.Claims(&infoClaims)
	return web.DemoPage{IDToken: indent(claims), Userinfo: indent(infoClaims), Name: displayName(infoClaims), LogoutURL: s.logoutURL(provider, raw)}, http.StatusOK
}

// logoutURL is where the shop's "Log out" button sends the browser: the
// issuer's end_session_endpoint (from discovery, as a merchant finds it)
// with the ID token as id_token_hint and the shop as the registered
// post-logout redirect URI (OpenID Connect RP-Initiated Logout 1.0 §2).
// Empty when the issuer advertises none.
func (s *Shop) logoutURL(provider *oidc.Provider, rawIDToken string) string {
	var meta struct {
		EndSession string `json:"end_session_endpoint"`
	}
	if err := provider.Claims(&meta); err != nil || meta.EndSession == "" {
		return ""
	}
	return meta.EndSession + "?" + url.Values{
		"id_token_hint":            {rawIDToken},
		"post_logout_redirect_uri": {s.BaseURL + "/demo/"},
	}.Encode()
}

func indent(raw json.RawMessage) string {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return string(raw)
	}
	b, _ := json.MarshalIndent(v, "", "  ")
	return string(b)
}

func displayName(raw json.RawMessage) string {
	var v struct {
		Name string `json:"name"`
	}
	if errors.Is(json.Unmarshal(raw, &v), nil) && v.Name != "" {
		return v.Name
	}
	return "Vipps user"
}

package oidc

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/google/uuid"
	"golang.org/x/oauth2"

	"github.com/vippslogin/vippslogin/internal/secret"
	"github.com/vippslogin/vippslogin/internal/store"
	"github.com/vippslogin/vippslogin/internal/testenv"
)

func TestMain(m *testing.M) {
	testenv.CheapHashing()
	os.Exit(m.Run())
}

// Test fixtures: a client of each authentication method (the Basic one with
// a secret that only form-url-decoding gets right), and two users.
const (
	basicClient  = "client-basic"
	basicSecret  = "s3cret+with%/&:chars"
	postClient   = "client-post"
	postSecret   = "post-secret"
	shopCallback = "https://shop.example/callback"
	adaPhone     = "4712345678"
	nilsPhone    = "4712345679"
)

// tokenEnv is a provider over SQLite behind a real HTTP server, with the
// clients and users above.
type tokenEnv struct {
	t     *testing.T
	ctx   context.Context
	p     *Provider
	st    store.Store
	srv   *httptest.Server
	clock *testenv.Clock
	prov  *oidc.Provider
}

func newTokenEnv(t *testing.T) *tokenEnv {
	t.Helper()
	ctx := t.Context()
	st := testenv.SQLite(t)
	km := testenv.Keys(t, st, nil)
	clk := testenv.NewClock(time.Now().UTC().Truncate(time.Second))
	p := &Provider{Keys: km, Store: st, Now: clk.Now}
	mux := http.NewServeMux()
	p.Mount(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	p.BaseURL = srv.URL
	// The merchant finds the endpoints by discovery.
	prov, err := oidc.NewProvider(ctx, p.Issuer())
	if err != nil {
		t.Fatal(err)
	}
	e := &tokenEnv{t: t, ctx: ctx, p: p, st: st, srv: srv, clock: clk, prov: prov}
	e.client(basicClient, basicSecret, store.AuthSecretBasic)
	e.client(postClient, postSecret, store.AuthSecretPost)
	e.user(store.User{
		PhoneNumber: adaPhone, GivenName: "Ada", FamilyName: "Lovelace", Birthdate: "1815-12-10",
		Email: "ada@example.com", EmailVerified: true, NIN: "10121550047",
		Addresses: []store.Address{
			{StreetAddress: "Fancy Office Street 2", PostalCode: "0218", Region: "OSLO", Country: "NO", AddressType: "work"},
			{StreetAddress: "Suburbia 23", PostalCode: "2101", Region: "OSLO", Country: "NO", AddressType: "home", Default: true},
			{StreetAddress: "Summer House Lane 14", PostalCode: "1452", Region: "OSLO", Country: "NO", AddressType: "other"},
		},
		Accounts: []store.Account{{AccountName: "My savings", AccountNumber: "12064590675", BankName: "My bank"}},
	})
	e.user(store.User{PhoneNumber: nilsPhone, GivenName: "Nils", FamilyName: "Nilsen", Email: "nils@example.com"})
	return e
}

func (e *tokenEnv) client(id, plain, method string) {
	e.t.Helper()
	err := e.st.CreateClient(e.ctx, store.Client{
		ID: id, SecretHash: secret.Hash(plain), Name: id, RedirectURIs: []string{shopCallback},
		TokenEndpointAuthMethod: method, Flows: []string{store.FlowBrowser}, Scopes: store.Scopes,
		CreatedAt: e.clock.Now(), UpdatedAt: e.clock.Now(),
	})
	if err != nil {
		e.t.Fatal(err)
	}
}

func (e *tokenEnv) user(u store.User) {
	e.t.Helper()
	u.CreatedAt, u.UpdatedAt = e.clock.Now(), e.clock.Now()
	if err := e.st.CreateUser(e.ctx, u); err != nil {
		e.t.Fatal(err)
	}
}

// code stores a code as the login pages would, for Ada at the Basic client
// unless change says otherwise, and returns it.
func (e *tokenEnv) code(change func(*store.AuthCode)) string {
	e.t.Helper()
	now := e.clock.Now()
	plain := secret.New()
	c := store.AuthCode{
		Hash: secret.Digest(plain), ClientID: basicClient, RedirectURI: shopCallback, PhoneNumber: adaPhone,
		Scopes: []string{"openid"}, SessionID: uuid.NewString(),
		AuthTime: now.Add(-30 * time.Second), CreatedAt: now, ExpiresAt: now.Add(2 * time.Minute),
	}
	if change != nil {
		change(&c)
	}
	if err := e.st.CreateAuthCode(e.ctx, c); err != nil {
		e.t.Fatal(err)
	}
	return plain
}

// config is the merchant's OAuth 2.0 configuration for a fixture client.
func (e *tokenEnv) config(clientID string) *oauth2.Config {
	c := &oauth2.Config{
		ClientID: clientID, ClientSecret: basicSecret, RedirectURL: shopCallback,
		Endpoint: oauth2.Endpoint{TokenURL: e.prov.Endpoint().TokenURL, AuthStyle: oauth2.AuthStyleInHeader},
	}
	if clientID == postClient {
		c.ClientSecret, c.Endpoint.AuthStyle = postSecret, oauth2.AuthStyleInParams
	}
	return c
}

// exchange redeems a code as the client would, with the verifier if any.
func (e *tokenEnv) exchange(clientID, code, verifier string) (*oauth2.Token, error) {
	var opts []oauth2.AuthCodeOption
	if verifier != "" {
		opts = append(opts, oauth2.VerifierOption(verifier))
	}
	return e.config(clientID).Exchange(e.ctx, code, opts...)
}

// mustExchange redeems a code and verifies its ID token as a merchant does.
func (e *tokenEnv) mustExchange(clientID, code, verifier string) (*oauth2.Token, *oidc.IDToken) {
	e.t.Helper()
	tok, err := e.exchange(clientID, code, verifier)
	if err != nil {
		e.t.Fatal(err)
	}
	raw, _ := tok.Extra("id_token").(string)
	idt, err := e.prov.Verifier(&oidc.Config{ClientID: clientID, Now: e.clock.Now}).Verify(e.ctx, raw)
	if err != nil {
		e.t.Fatalf("verify ID token: %v", err)
	}
	if err := idt.VerifyAccessToken(tok.AccessToken); err != nil {
		e.t.Errorf("at_hash: %v", err)
	}
	return tok, idt
}

// oauthErr asserts that err is an OAuth error response with code.
func oauthErr(t *testing.T, err error, code string) {
	t.Helper()
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) {
		t.Fatalf("err = %v, want the OAuth error %s", err, code)
	}
	if re.ErrorCode != code {
		t.Errorf("error = %q (%s), want %q", re.ErrorCode, re.ErrorDescription, code)
	}
}

// do sends a request to path with a form body (if any) and returns the
// response and its JSON body.
func (e *tokenEnv) do(method, path string, form url.Values, change func(*http.Request)) (*http.Response, map[string]any) {
	e.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(e.ctx, method, e.srv.URL+path, body)
	if err != nil {
		e.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if change != nil {
		change(req)
	}
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &m); err != nil {
			e.t.Fatalf("%s %s: status %d, body not JSON: %q", method, path, resp.StatusCode, raw)
		}
	}
	return resp, m
}

func TestTokenEndpointRequestErrors(t *testing.T) {
	e := newTokenEnv(t)
	path := IssuerPath + "oauth2/token"
	basic := func(r *http.Request) { r.SetBasicAuth(basicClient, url.QueryEscape(basicSecret)) }
	good := func() url.Values {
		return url.Values{"grant_type": {"authorization_code"}, "code": {e.code(nil)}, "redirect_uri": {shopCallback}}
	}
	tests := []struct {
		name   string
		form   url.Values
		change func(*http.Request)
		want   string
	}{
		{"missing grant_type", url.Values{"code": {"x"}}, basic, ErrInvalidRequest},
		{"unsupported grant", url.Values{"grant_type": {"password"}}, basic, ErrUnsupportedGrantType},
		{"refresh tokens do not exist", url.Values{"grant_type": {"refresh_token"}}, basic, ErrUnsupportedGrantType},
		{"JSON body", good(), func(r *http.Request) { basic(r); r.Header.Set("Content-Type", "application/json") }, ErrInvalidRequest},
		{"no content type", good(), func(r *http.Request) { basic(r); r.Header.Del("Content-Type") }, ErrInvalidRequest},
		{"repeated parameter", func() url.Values { v := good(); v.Add("redirect_uri", shopCallback); return v }(), basic, ErrInvalidRequest},
		{"body too large", url.Values{"grant_type": {"authorization_code"}, "pad": {strings.Repeat("a", maxFormBody)}}, basic, ErrInvalidRequest},
		{"missing code", url.Values{"grant_type": {"authorization_code"}, "redirect_uri": {shopCallback}}, basic, ErrInvalidRequest},
		{"missing redirect_uri", url.Values{"grant_type": {"authorization_code"}, "code": {e.code(nil)}}, basic, ErrInvalidRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := e.do("POST", path, tt.form, tt.change)
			if resp.StatusCode != 400 || body["error"] != tt.want {
				t.Errorf("status %d, body %v; want 400 %s", resp.StatusCode, body, tt.want)
			}
			for h, want := range map[string]string{"Cache-Control": "no-store", "Pragma": "no-cache", "Content-Type": "application/json"} {
				if got := resp.Header.Get(h); got != want {
					t.Errorf("%s = %q, want %q", h, got, want)
				}
			}
		})
	}
	resp, err := e.srv.Client().Get(e.srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET token endpoint: status %d, want 405", resp.StatusCode)
	}
}

package vippstest_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/vippslogin/vippslogin/vippstest"
)

// shop is the merchant's code under test: its Vipps Login configuration
// (go-oidc and x/oauth2) and its callback handler.
type shop struct {
	provider *oidc.Provider
	config   oauth2.Config
}

func newShop(ctx context.Context, issuer string, c vippstest.Client) (*shop, error) {
	provider, err := oidc.NewProvider(ctx, issuer)
	if err != nil {
		return nil, err
	}
	endpoint := provider.Endpoint()
	endpoint.AuthStyle = oauth2.AuthStyleInHeader // client_secret_basic
	return &shop{provider: provider, config: oauth2.Config{
		ClientID: c.ID, ClientSecret: c.Secret, RedirectURL: c.RedirectURI,
		Endpoint: endpoint, Scopes: []string{oidc.ScopeOpenID, "name"},
	}}, nil
}

// callback is the shop's redirect URI handler: it redeems the code,
// verifies the ID token and greets the user by name.
func (s *shop) callback(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if e := q.Get("error"); e != "" {
		http.Error(w, "login failed: "+e, http.StatusUnauthorized)
		return
	}
	ctx := r.Context()
	token, err := s.config.Exchange(ctx, q.Get("code"))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	raw, _ := token.Extra("id_token").(string)
	if _, err := s.provider.Verifier(&oidc.Config{ClientID: s.config.ClientID}).Verify(ctx, raw); err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	info, err := s.provider.UserInfo(ctx, s.config.TokenSource(ctx, token))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	var claims struct {
		Name string `json:"name"`
	}
	info.Claims(&claims)
	fmt.Fprintf(w, "Welcome, %s", claims.Name)
}

// testShopLogin is the merchant's test: Ada approves the first login in
// her app and rejects the second.
func testShopLogin(t testing.TB) {
	ctx := t.Context()
	srv := vippstest.New(t)
	s, err := newShop(ctx, srv.Issuer(), srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	ada := srv.User(vippstest.Name("Ada", "Lovelace"))

	ada.Approve()
	redirect, err := srv.Login(ctx, s.config.AuthCodeURL("state-approved"))
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	s.callback(rec, httptest.NewRequest(http.MethodGet, redirect.String(), nil))
	fmt.Println(rec.Code, rec.Body.String())

	ada.Reject()
	redirect, err = srv.Login(ctx, s.config.AuthCodeURL("state-rejected"))
	if err != nil {
		t.Fatal(err)
	}
	rec = httptest.NewRecorder()
	s.callback(rec, httptest.NewRequest(http.MethodGet, redirect.String(), nil))
	fmt.Print(rec.Code, " ", rec.Body.String())
}

// A browser login with go-oidc and x/oauth2, approved and then rejected
// in the app; the shop's callback handler is called with the URL the
// browser was sent to.
func Example_browserLogin() {
	runTest(testShopLogin)
	// Output:
	// 200 Welcome, Ada Lovelace
	// 401 login failed: access_denied
}

package vippstest_test

import (
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/go-jose/go-jose/v4"
	"golang.org/x/oauth2"

	"github.com/vippslogin/vippslogin/internal/secret"
	"github.com/vippslogin/vippslogin/vippstest"
)

// TestMain checks that nothing before New lowered PBKDF2's rounds, so
// that TestHashingIsCheap sees New do it.
func TestMain(m *testing.M) {
	if secret.Iterations != 600_000 {
		panic("secret.Iterations changed before any test ran")
	}
	os.Exit(m.Run())
}

// TestHashingIsCheap: New lowers the rounds of the hashes a test process
// makes (package doc, Hashing), so that a merchant's tests need not.
func TestHashingIsCheap(t *testing.T) {
	vippstest.New(t)
	if secret.Iterations > 1000 {
		t.Errorf("after New, PINs are hashed with %d PBKDF2 rounds; want at most 1000", secret.Iterations)
	}
}

// merchant is a client's side of the tests: go-oidc and x/oauth2, as a
// merchant's code has them.
type merchant struct {
	t        *testing.T
	srv      *vippstest.Server
	client   vippstest.Client
	provider *oidc.Provider
	config   oauth2.Config
}

func newMerchant(t *testing.T, srv *vippstest.Server, opts ...vippstest.ClientOption) *merchant {
	t.Helper()
	c := srv.Client(opts...)
	p, err := oidc.NewProvider(t.Context(), srv.Issuer())
	if err != nil {
		t.Fatal(err)
	}
	// The auth style is set: x/oauth2's detection would send a failed
	// token request again with the secret in the body.
	endpoint := p.Endpoint()
	endpoint.AuthStyle = oauth2.AuthStyleInHeader
	return &merchant{t: t, srv: srv, client: c, provider: p, config: oauth2.Config{
		ClientID: c.ID, ClientSecret: c.Secret, RedirectURL: c.RedirectURI, Endpoint: endpoint,
		Scopes: []string{oidc.ScopeOpenID, "name", "phoneNumber"}}}
}

// login runs a browser login and returns where the browser was sent.
func (m *merchant) login(opts ...oauth2.AuthCodeOption) *url.URL {
	m.t.Helper()
	u, err := m.srv.Login(m.t.Context(), m.config.AuthCodeURL("state-12345678", opts...))
	if err != nil {
		m.t.Fatal(err)
	}
	if !strings.HasPrefix(u.String(), m.client.RedirectURI+"?") || u.Query().Get("state") != "state-12345678" {
		m.t.Fatalf("the browser was sent to %s, want the redirect URI with the state", u)
	}
	return u
}

// redeem exchanges the callback's code and verifies the ID token.
func (m *merchant) redeem(callback *url.URL) (*oauth2.Token, *oidc.IDToken) {
	m.t.Helper()
	tok, err := m.config.Exchange(m.t.Context(), callback.Query().Get("code"))
	if err != nil {
		m.t.Fatalf("token: %v", err)
	}
	raw, _ := tok.Extra("id_token").(string)
	id, err := m.provider.Verifier(&oidc.Config{ClientID: m.client.ID, Now: m.srv.Now}).Verify(m.t.Context(), raw)
	if err != nil {
		m.t.Fatalf("ID token: %v", err)
	}
	return tok, id
}

// oauthError is an OAuth error response.
type oauthError struct {
	Error       string `json:"error"`
	Description string `json:"error_description"`
	ErrorCode   string `json:"error_code"`
}

// post sends form to the server's path with the client's Basic
// credentials and decodes the JSON answer into out.
func (m *merchant) post(path string, form url.Values, out any) int {
	m.t.Helper()
	req, _ := http.NewRequestWithContext(m.t.Context(), http.MethodPost, m.srv.URL()+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(m.client.ID), url.QueryEscape(m.client.Secret))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		m.t.Fatal(err)
	}
	defer resp.Body.Close()
	json.NewDecoder(resp.Body).Decode(out)
	return resp.StatusCode
}

// startCIBA starts a login from phone number and returns its auth_req_id.
func (m *merchant) startCIBA(phone string) string {
	m.t.Helper()
	var out struct {
		AuthReqID string `json:"auth_req_id"`
	}
	if st := m.post("/vipps-login-ciba/api/backchannel/authentication", url.Values{
		"scope": {"openid name"}, "login_hint": {"urn:msisdn:" + phone}}, &out); st != 200 || out.AuthReqID == "" {
		m.t.Fatalf("backchannel authentication: %d %+v", st, out)
	}
	return out.AuthReqID
}

// poll polls the token endpoint for an auth_req_id once, with grant; it
// returns the error, or "" and the ID token.
func (m *merchant) poll(grant, id string) (oauthError, string) {
	m.t.Helper()
	var out struct {
		oauthError
		IDToken string `json:"id_token"`
	}
	m.post("/access-management-1.0/access/oauth2/token", url.Values{"grant_type": {grant}, "auth_req_id": {id}}, &out)
	return out.oauthError, out.IDToken
}

const grantCIBA = "urn:openid:params:grant-type:ciba"

// kid is the key id the token response's ID token was signed with.
func kid(t *testing.T, tok *oauth2.Token) string {
	t.Helper()
	raw, _ := tok.Extra("id_token").(string)
	jws, err := jose.ParseSignedCompact(raw, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		t.Fatal(err)
	}
	return jws.Signatures[0].Header.KeyID
}

// TestWithAddr: the server answers at the address it was given.
func TestWithAddr(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	srv := vippstest.New(t, vippstest.WithAddr(addr))
	if srv.URL() != "http://"+addr {
		t.Errorf("URL() = %s; want http://%s", srv.URL(), addr)
	}
	resp, err := http.Get("http://" + addr + "/access-management-1.0/access/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("discovery at the given address: %d", resp.StatusCode)
	}
}

package oidc

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/vippslogin/vippslogin/internal/store"
)

func TestRevoke(t *testing.T) {
	e := newTokenEnv(t)
	path := IssuerPath + "oauth2/revoke"
	asBasic := func(r *http.Request) { r.SetBasicAuth(basicClient, url.QueryEscape(basicSecret)) }
	post := url.Values{"client_id": {postClient}, "client_secret": {postSecret}}
	with := func(v url.Values, token string) url.Values {
		out := url.Values{"token": {token}}
		for k, vs := range v {
			out[k] = vs
		}
		return out
	}
	mine := e.login(adaPhone).AccessToken
	theirs, _ := e.mustExchange(postClient, e.code(func(c *store.AuthCode) { c.ClientID = postClient }), "")

	// Another client's token: 200, and the token still works.
	if resp, body := e.do("POST", path, with(post, mine), nil); resp.StatusCode != 200 {
		t.Fatalf("revoking another client's token: %d %v", resp.StatusCode, body)
	}
	if resp, body := e.userinfo("GET", mine); resp.StatusCode != 200 {
		t.Errorf("another client revoked the token: %d %v", resp.StatusCode, body)
	}

	// The owner revokes it: 200, no-store, and userinfo refuses it.
	resp, _ := e.do("POST", path, url.Values{"token": {mine}, "token_type_hint": {"access_token"}}, asBasic)
	if resp.StatusCode != 200 || resp.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("revoke: %d %v", resp.StatusCode, resp.Header)
	}
	if resp, body := e.userinfo("GET", mine); resp.StatusCode != 401 || body["error"] != ErrInvalidToken {
		t.Errorf("userinfo after revocation: %d %v", resp.StatusCode, body)
	}
	if resp, body := e.userinfo("GET", theirs.AccessToken); resp.StatusCode != 200 {
		t.Errorf("revocation touched another token: %d %v", resp.StatusCode, body)
	}

	tests := []struct {
		name   string
		form   url.Values
		auth   func(*http.Request)
		status int
		want   string
	}{
		{"again", url.Values{"token": {mine}}, asBasic, 200, ""},
		{"unknown token", url.Values{"token": {"no-such-token"}}, asBasic, 200, ""},
		{"post client", with(post, theirs.AccessToken), nil, 200, ""},
		{"missing token", url.Values{}, asBasic, 400, ErrInvalidRequest},
		{"no client authentication", url.Values{"token": {mine}}, nil, 401, ErrInvalidClient},
		{"wrong secret", with(url.Values{"client_id": {postClient}, "client_secret": {"wrong"}}, mine), nil, 401, ErrInvalidClient},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := e.do("POST", path, tt.form, tt.auth)
			if resp.StatusCode != tt.status || (tt.want != "" && body["error"] != tt.want) {
				t.Errorf("%d %v, want %d %s", resp.StatusCode, body, tt.status, tt.want)
			}
		})
	}
	if resp, _ := e.userinfo("GET", theirs.AccessToken); resp.StatusCode != 401 {
		t.Errorf("the post client's revocation did not take: %d", resp.StatusCode)
	}
}

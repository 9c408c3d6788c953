package oidc

import (
	"encoding/json"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/vippslogin/vippslogin/internal/secret"
	"github.com/vippslogin/vippslogin/internal/store"
)

var userinfoPaths = []string{"/vipps-userinfo-api/userinfo", "/vipps-userinfo-api/userinfo/", IssuerPath + "userinfo"}

// userinfo asks userinfo with the token in the Authorization header.
func (e *tokenEnv) userinfo(method, token string) (*http.Response, map[string]any) {
	e.t.Helper()
	return e.do(method, userinfoPaths[0], nil, func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+token) })
}

// login redeems a fresh code for the user and scopes at the Basic client.
func (e *tokenEnv) login(phone string, scopes ...string) *oauth2.Token {
	e.t.Helper()
	tok, _ := e.mustExchange(basicClient, e.code(func(c *store.AuthCode) {
		c.PhoneNumber, c.Scopes = phone, append([]string{"openid"}, scopes...)
	}), "")
	return tok
}

func TestUserinfoClaimsByScope(t *testing.T) {
	e := newTokenEnv(t)
	all := []string{"name", "email", "phoneNumber", "birthDate", "address", "nin", "accountNumbers", "api_version_2"}
	home := `{"street_address":"Suburbia 23","postal_code":"2101","region":"OSLO","country":"NO","formatted":"Suburbia 23\n2101 OSLO\nNO","address_type":"home"}`
	tests := []struct {
		name   string
		phone  string
		scopes []string
		want   string // the claims but sub and sid, as JSON
	}{
		{"openid only", adaPhone, nil, `{}`},
		{"name", adaPhone, []string{"name"}, `{"name":"Ada Lovelace","given_name":"Ada","family_name":"Lovelace"}`},
		{"email", adaPhone, []string{"email"}, `{"email":"ada@example.com","email_verified":true}`},
		{"unverified email", nilsPhone, []string{"email"}, `{"email":"nils@example.com","email_verified":false}`},
		{"phoneNumber", adaPhone, []string{"phoneNumber"}, `{"phone_number":"4712345678","phone_number_verified":true}`},
		{"birthDate", adaPhone, []string{"birthDate"}, `{"birthdate":"1815-12-10"}`},
		{"nin", adaPhone, []string{"nin"}, `{"nin":"10121550047"}`},
		{"accountNumbers", adaPhone, []string{"accountNumbers"},
			`{"accounts":[{"account_name":"My savings","account_number":"12064590675","bank_name":"My bank"}]}`},
		{"no accounts", nilsPhone, []string{"accountNumbers"}, `{"accounts":[]}`},
		{"address", adaPhone, []string{"address"}, `{"address":` + home + `,"other_addresses":[` +
			`{"street_address":"Fancy Office Street 2","postal_code":"0218","region":"OSLO","country":"NO","formatted":"Fancy Office Street 2\n0218 OSLO\nNO","address_type":"work"},` +
			`{"street_address":"Summer House Lane 14","postal_code":"1452","region":"OSLO","country":"NO","formatted":"Summer House Lane 14\n1452 OSLO\nNO","address_type":"other"}]}`},
		{"no address", nilsPhone, []string{"address"},
			`{"address":{"street_address":"","postal_code":"","region":"","country":"","formatted":"","address_type":""},"other_addresses":[]}`},
		{"every scope", adaPhone, all, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok := e.login(tt.phone, tt.scopes...)
			stored, err := e.st.GetAccessToken(e.ctx, secret.Digest(tok.AccessToken))
			if err != nil {
				t.Fatal(err)
			}
			resp, got := e.userinfo("GET", tok.AccessToken)
			if resp.StatusCode != 200 {
				t.Fatalf("status %d: %v", resp.StatusCode, got)
			}
			if got["sid"] != stored.SessionID || got["sub"] == "" {
				t.Errorf("sid = %v (want %s), sub = %v", got["sid"], stored.SessionID, got["sub"])
			}
			delete(got, "sub")
			delete(got, "sid")
			if tt.want == "" {
				keys := slices.Sorted(maps.Keys(got))
				want := []string{"accounts", "address", "birthdate", "email", "email_verified", "family_name", "given_name",
					"name", "nin", "other_addresses", "phone_number", "phone_number_verified"}
				if !slices.Equal(keys, want) {
					t.Errorf("claims %v, want %v", keys, want)
				}
				return
			}
			var want map[string]any
			if err := json.Unmarshal([]byte(tt.want), &want); err != nil {
				t.Fatal(err)
			}
			if g, w := mustJSON(t, got), mustJSON(t, want); g != w {
				t.Errorf("claims\n got %s\nwant %s", g, w)
			}
		})
	}
}

func TestUserinfoSubMatchesIDToken(t *testing.T) {
	e := newTokenEnv(t)
	for _, client := range []string{basicClient, postClient} {
		tok, idt := e.mustExchange(client, e.code(func(c *store.AuthCode) { c.ClientID = client }), "")
		info, err := e.prov.UserInfo(e.ctx, oauth2.StaticTokenSource(tok))
		if err != nil {
			t.Fatal(err)
		}
		if info.Subject != idt.Subject {
			t.Errorf("%s: userinfo sub %s, ID token sub %s", client, info.Subject, idt.Subject)
		}
	}
}

func TestUserinfoTokenPlacement(t *testing.T) {
	e := newTokenEnv(t)
	tok := e.login(adaPhone).AccessToken
	bearer := func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+tok) }
	form := url.Values{"access_token": {tok}}
	for _, path := range userinfoPaths {
		for _, m := range []string{"GET", "POST"} {
			if resp, body := e.do(m, path, nil, bearer); resp.StatusCode != 200 {
				t.Errorf("%s %s with the header: %d %v", m, path, resp.StatusCode, body)
			}
		}
		if resp, body := e.do("POST", path, form, nil); resp.StatusCode != 200 {
			t.Errorf("POST %s with the form field: %d %v", path, resp.StatusCode, body)
		} else if resp.Header.Get("Cache-Control") != "no-store" || resp.Header.Get("Access-Control-Allow-Origin") != "*" {
			t.Errorf("headers %v", resp.Header)
		}
	}
	resp, body := e.do("POST", userinfoPaths[0], form, bearer)
	if resp.StatusCode != 400 || body["error"] != ErrInvalidRequest {
		t.Errorf("token twice: %d %v, want 400 invalid_request", resp.StatusCode, body)
	}
	// A query parameter is not a place for a token (RFC 6750 §2.3 is not offered).
	resp, _ = e.do("GET", userinfoPaths[0]+"?access_token="+tok, nil, nil)
	if resp.StatusCode != 401 {
		t.Errorf("token in the query: %d, want 401", resp.StatusCode)
	}
}

func TestUserinfoRejectsTokens(t *testing.T) {
	e := newTokenEnv(t)
	expired := e.login(adaPhone).AccessToken
	e.clock.Add(3599 * time.Second)
	revoked := e.login(adaPhone).AccessToken
	if err := e.st.RevokeAccessToken(e.ctx, secret.Digest(revoked), e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	deleted := e.login(nilsPhone).AccessToken
	if err := e.st.DeleteUser(e.ctx, nilsPhone); err != nil {
		t.Fatal(err)
	}
	e.client("client-gone", basicSecret, store.AuthSecretBasic)
	orphan, _ := e.mustExchange("client-gone", e.code(func(c *store.AuthCode) { c.ClientID = "client-gone" }), "")
	if err := e.st.DeleteClient(e.ctx, "client-gone"); err != nil {
		t.Fatal(err)
	}
	for name, tok := range map[string]string{"expired": expired, "revoked": revoked, "unknown": "no-such-token", "user deleted": deleted,
		"client deleted": orphan.AccessToken} {
		resp, body := e.userinfo("GET", tok)
		www := resp.Header.Get("WWW-Authenticate")
		if resp.StatusCode != 401 || body["error"] != ErrInvalidToken ||
			!strings.HasPrefix(www, "Bearer ") || !strings.Contains(www, `error="invalid_token"`) || !strings.Contains(www, "error_description=") {
			t.Errorf("%s: %d %v, WWW-Authenticate %q", name, resp.StatusCode, body, www)
		}
	}
	resp, _ := e.do("GET", userinfoPaths[0], nil, nil)
	if www := resp.Header.Get("WWW-Authenticate"); resp.StatusCode != 401 || www != `Bearer realm="vippslogin"` {
		t.Errorf("no token: %d, WWW-Authenticate %q", resp.StatusCode, www)
	}
}

func TestUserinfoPreflight(t *testing.T) {
	e := newTokenEnv(t)
	resp, _ := e.do("OPTIONS", userinfoPaths[0], nil, nil)
	if resp.StatusCode != 204 || resp.Header.Get("Access-Control-Allow-Origin") != "*" ||
		!strings.Contains(resp.Header.Get("Access-Control-Allow-Headers"), "Authorization") {
		t.Errorf("preflight: %d %v", resp.StatusCode, resp.Header)
	}
}

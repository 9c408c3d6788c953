package oidc

import (
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"

	"github.com/vippslogin/vippslogin/internal/flow"
	"github.com/vippslogin/vippslogin/internal/secret"
	"github.com/vippslogin/vippslogin/internal/store"
)

// qrClient is a client with the qr flow, for the qr-redirect grant.
const qrClient = "client-qr"

// The ciba-redirect and qr-redirect grants answer with the browser flow's
// token response, as Vipps' documentation shows for both
// (vipps-login-api-2.0 "Redirect to browser", step 4, and "Initiate login
// from QR code with redirect to browser", step 3, the same example):
//
//	"access_token": "hel39XaKjGH5tkCvIENGPNbsSHz1DLKluOat4qP-A4.WyV61hCK1E2snVs1aOvjOWZOXOayZad0K-Qfo3lLzus",
//	"expires_in": 3599,
//	"scope": "openid",
//	"token_type": "bearer",
//
// that is, the authorization code grant's example, access token included,
// and not the poll's `"access_token": "ciba.W_IfBcSr-askdjhsakjhd",
// "token_type": "Bearer", "expires_in": 300`. The ID token stays the one the
// document decodes for them: `"alg": "ES256"`, `"aud"` a string,
// `"auth_req_id"`, and for QR `"qr_id"` and `"qr_description"`, with
// `"exp": 1643179837, "iat": 1643179237` (600 s).
func TestRedirectGrantsHaveTheBrowserShape(t *testing.T) {
	e := newCIBAEnv(t)
	err := e.st.CreateClient(e.ctx, store.Client{
		ID: qrClient, SecretHash: secret.Hash(basicSecret), Name: "QR shop", RedirectURIs: []string{shopCallback},
		TokenEndpointAuthMethod: store.AuthSecretBasic, Flows: []string{store.FlowQR}, Scopes: store.Scopes,
		CreatedAt: e.clock.Now(), UpdatedAt: e.clock.Now(),
	})
	if err != nil {
		t.Fatal(err)
	}
	// What the authorization_code grant answers, to compare with.
	browser := e.tokenResponse(basicClient, url.Values{"grant_type": {grantAuthorizationCode}, "redirect_uri": {shopCallback},
		"code": {e.code(func(c *store.AuthCode) { c.Scopes = []string{"openid", "phoneNumber", "name"} })}})

	for _, tc := range []struct {
		grant, client, qrID string
	}{
		{grantCIBARedirect, cibaClient, ""},
		{grantQRRedirect, qrClient, "oKAz7q1O"},
	} {
		t.Run(tc.grant, func(t *testing.T) {
			code := e.code(func(c *store.AuthCode) {
				c.ClientID, c.AuthReqID, c.Scopes = tc.client, "auth-req-"+tc.client, []string{"openid", "phoneNumber", "name"}
				if tc.qrID != "" {
					c.QRID, c.QRDescription = tc.qrID, "Poster in the window"
				}
			})
			form := url.Values{"grant_type": {tc.grant}, "code": {code}}
			tokens := e.tokenResponse(tc.client, form)

			if !slices.Equal(slices.Sorted(maps.Keys(tokens)), slices.Sorted(maps.Keys(browser))) {
				t.Errorf("fields %v, the authorization_code grant's %v", slices.Sorted(maps.Keys(tokens)), slices.Sorted(maps.Keys(browser)))
			}
			for _, k := range []string{"expires_in", "scope", "token_type"} {
				if tokens[k] != browser[k] {
					t.Errorf("%s = %v, the authorization_code grant's %v", k, tokens[k], browser[k])
				}
			}
			if tokens["expires_in"] != float64(3599) || tokens["token_type"] != "bearer" || tokens["scope"] != "openid phoneNumber name" {
				t.Errorf("token response %v", tokens)
			}
			access, _ := tokens["access_token"].(string)
			if strings.HasPrefix(access, CIBATokenPrefix) || len(access) < 43 {
				t.Errorf("access_token %q: want an ordinary one of 256 bits, as the browser flow's", access)
			}

			raw, _ := tokens["id_token"].(string)
			idt, err := e.prov.Verifier(&oidc.Config{ClientID: tc.client, Now: e.clock.Now}).Verify(e.ctx, raw)
			if err != nil {
				t.Fatalf("verify the ID token: %v", err)
			}
			if err := idt.VerifyAccessToken(access); err != nil {
				t.Errorf("at_hash: %v", err)
			}
			header, payload := jwtParts(t, raw)
			if header["alg"] != "ES256" || payload["aud"] != tc.client || payload["auth_req_id"] != "auth-req-"+tc.client ||
				jsonNumber(payload["exp"])-jsonNumber(payload["iat"]) != 600 || payload["qr_id"] != nilIfEmpty(tc.qrID) {
				t.Errorf("ID token %v %v", header, payload)
			}
			// The document's decoded ID tokens of these grants carry no
			// nonce, and none was sent: unlike the browser flow's "nonce": "",
			// the claim is left out.
			if nonce, ok := payload["nonce"]; ok {
				t.Errorf("nonce %#v in an ID token of a login that sent none", nonce)
			}

			// The access token works at userinfo for the browser's hour,
			// 3599 s, and not a second more.
			e.clock.Add(flow.AccessTokenTTL - time.Second)
			if resp, info := e.userinfo("GET", access); resp.StatusCode != http.StatusOK || info["name"] != "Ada Lovelace" {
				t.Errorf("userinfo after 3598 s: %d %v", resp.StatusCode, info)
			}
			e.clock.Add(time.Second)
			if resp, _ := e.userinfo("GET", access); resp.StatusCode != http.StatusUnauthorized {
				t.Errorf("userinfo after 3599 s: %d, want 401", resp.StatusCode)
			}
		})
	}
}

// A second redemption of a redirect code is refused and revokes the
// ordinary access token the first one got, as for an authorization code
// (RFC 6749 §4.1.2).
func TestRedirectGrantReplayRevokes(t *testing.T) {
	e := newCIBAEnv(t)
	code := e.code(func(c *store.AuthCode) { c.ClientID, c.AuthReqID = cibaClient, "auth-req-1" })
	form := url.Values{"grant_type": {grantCIBARedirect}, "code": {code}}
	access := e.tokenResponse(cibaClient, form)["access_token"].(string)
	if resp, _ := e.userinfo("GET", access); resp.StatusCode != http.StatusOK {
		t.Fatalf("userinfo: %d", resp.StatusCode)
	}
	resp, body := e.do("POST", IssuerPath+"oauth2/token", form, asClient(cibaClient))
	wantError(t, resp, body, http.StatusBadRequest, ErrInvalidGrant)
	if resp, _ := e.userinfo("GET", access); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("userinfo after the replay: %d, want 401", resp.StatusCode)
	}
}

// tokenResponse posts form to the token endpoint as client and returns the
// successful answer.
func (e *tokenEnv) tokenResponse(client string, form url.Values) map[string]any {
	e.t.Helper()
	resp, body := e.do("POST", IssuerPath+"oauth2/token", form, asClient(client))
	if resp.StatusCode != http.StatusOK {
		e.t.Fatalf("%s: %d %v", form.Get("grant_type"), resp.StatusCode, body)
	}
	return body
}

// nilIfEmpty is s as a decoded JSON claim: nil (absent) when empty.
func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

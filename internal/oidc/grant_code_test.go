package oidc

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/vippslogin/vippslogin/internal/store"
)

func TestCodeExchange(t *testing.T) {
	e := newTokenEnv(t)
	verifier := oauth2.GenerateVerifier()
	tests := []struct {
		name, client      string
		challenge, method string
	}{
		{"basic, S256", basicClient, oauth2.S256ChallengeFromVerifier(verifier), "S256"},
		{"basic, plain", basicClient, verifier, "plain"},
		{"basic, plain by default", basicClient, verifier, ""},
		{"basic, no PKCE", basicClient, "", ""},
		{"post, S256", postClient, oauth2.S256ChallengeFromVerifier(verifier), "S256"},
		{"post, no PKCE", postClient, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code := e.code(func(c *store.AuthCode) {
				c.ClientID, c.CodeChallenge, c.CodeChallengeMethod = tt.client, tt.challenge, tt.method
				c.Scopes = []string{"openid", "name", "email"}
			})
			v := verifier
			if tt.challenge == "" {
				v = ""
			}
			tok, idt := e.mustExchange(tt.client, code, v)
			if tok.TokenType != "bearer" || tok.Extra("expires_in") != float64(3599) || tok.Extra("scope") != "openid name email" {
				t.Errorf("token_type %q, expires_in %v, scope %v", tok.TokenType, tok.Extra("expires_in"), tok.Extra("scope"))
			}
			if len(tok.AccessToken) < 43 {
				t.Errorf("access token %q is shorter than 256 bits", tok.AccessToken)
			}
			if idt.Subject == "" {
				t.Error("no sub")
			}
		})
	}
}

func TestIDTokenClaims(t *testing.T) {
	e := newTokenEnv(t)
	sid := "session-1"
	authTime := e.clock.Now().Add(-time.Minute)
	code := e.code(func(c *store.AuthCode) {
		c.Nonce, c.SessionID, c.AuthTime, c.ACR = "nonce-123", sid, authTime, "urn:vipps:acr:2"
	})
	tok, idt := e.mustExchange(basicClient, code, "")
	raw := tok.Extra("id_token").(string)

	header, _, _ := strings.Cut(raw, ".")
	var h map[string]any
	decodeSegment(t, header, &h)
	if h["alg"] != "RS256" || h["typ"] != "JWT" || !strings.HasPrefix(h["kid"].(string), "public:") {
		t.Errorf("header = %v", h)
	}
	var c map[string]any
	if err := idt.Claims(&c); err != nil {
		t.Fatal(err)
	}
	now := e.clock.Now().Unix()
	sum := sha256.Sum256([]byte(tok.AccessToken))
	want := map[string]any{
		"iss": e.p.Issuer(), "aud": []any{basicClient}, "iat": float64(now), "exp": float64(now + 3600),
		"auth_time": float64(authTime.Unix()), "rat": float64(authTime.Unix()), "sid": sid,
		"nonce": "nonce-123", "acr": "urn:vipps:acr:2",
		"at_hash": base64.RawURLEncoding.EncodeToString(sum[:16]),
	}
	for k, v := range want {
		if got, _ := json.Marshal(c[k]); string(got) != mustJSON(t, v) {
			t.Errorf("%s = %s, want %s", k, got, mustJSON(t, v))
		}
	}
	for _, k := range []string{"sub", "jti"} {
		if s, _ := c[k].(string); len(s) != 36 {
			t.Errorf("%s = %v, want a UUID", k, c[k])
		}
	}

	// Without a nonce the claim is there and empty, as in Vipps' example
	// ID token (vipps-login-api-2.0 "ID Token", "Example body":
	// `"nonce": "",`, decoded from the example token response, whose
	// authorization request sent none). Without acr_values there is no acr.
	_, idt = e.mustExchange(basicClient, e.code(nil), "")
	c = nil
	idt.Claims(&c)
	if nonce, ok := c["nonce"]; !ok || nonce != "" {
		t.Errorf(`nonce = %#v (present: %v), want "" as Vipps' example`, nonce, ok)
	}
	if idt.Nonce != "" {
		t.Errorf("go-oidc reads the nonce as %q", idt.Nonce)
	}
	if _, ok := c["acr"]; ok {
		t.Errorf("acr present without being asked for: %v", c["acr"])
	}
}

func TestPairwiseSubject(t *testing.T) {
	e := newTokenEnv(t)
	_, first := e.mustExchange(basicClient, e.code(nil), "")
	_, again := e.mustExchange(basicClient, e.code(nil), "")
	_, other := e.mustExchange(postClient, e.code(func(c *store.AuthCode) { c.ClientID = postClient }), "")
	_, nils := e.mustExchange(basicClient, e.code(func(c *store.AuthCode) { c.PhoneNumber = nilsPhone }), "")
	if first.Subject != again.Subject {
		t.Errorf("sub changed between two logins: %s, %s", first.Subject, again.Subject)
	}
	if first.Subject == other.Subject {
		t.Errorf("two clients see the same sub %s", first.Subject)
	}
	if first.Subject == nils.Subject {
		t.Errorf("two users have the same sub %s", first.Subject)
	}
}

func TestCodeErrors(t *testing.T) {
	e := newTokenEnv(t)
	verifier := oauth2.GenerateVerifier()
	s256 := func(c *store.AuthCode) {
		c.CodeChallenge, c.CodeChallengeMethod = oauth2.S256ChallengeFromVerifier(verifier), "S256"
	}
	tests := []struct {
		name     string
		client   string
		change   func(*store.AuthCode)
		config   func(*oauth2.Config)
		code     string // sent instead of the stored one when set
		verifier string
		want     string
	}{
		{name: "unknown code", code: "no-such-code", want: ErrInvalidGrant},
		{name: "another client's code", client: postClient, want: ErrInvalidGrant},
		{name: "wrong redirect_uri", config: func(c *oauth2.Config) { c.RedirectURL += "/" }, want: ErrInvalidGrant},
		{name: "expired code", change: func(c *store.AuthCode) { c.ExpiresAt = e.clock.Now() }, want: ErrInvalidGrant},
		{name: "missing verifier", change: s256, want: ErrInvalidGrant},
		{name: "wrong verifier", change: s256, verifier: oauth2.GenerateVerifier(), want: ErrInvalidGrant},
		{name: "short verifier", change: s256, verifier: "abc", want: ErrInvalidGrant},
		{name: "S256 verifier sent as plain", change: func(c *store.AuthCode) {
			c.CodeChallenge, c.CodeChallengeMethod = oauth2.S256ChallengeFromVerifier(verifier), "plain"
		}, verifier: verifier, want: ErrInvalidGrant},
		{name: "verifier without challenge", verifier: verifier, want: ErrInvalidGrant},
		{name: "wrong secret", config: func(c *oauth2.Config) { c.ClientSecret = "wrong" }, want: ErrInvalidClient},
		{name: "unknown client", config: func(c *oauth2.Config) { c.ClientID = "nobody" }, want: ErrInvalidClient},
		{name: "basic client posting its secret", config: func(c *oauth2.Config) { c.Endpoint.AuthStyle = oauth2.AuthStyleInParams }, want: ErrInvalidClient},
		{name: "post client using Basic", client: postClient, change: func(c *store.AuthCode) { c.ClientID = postClient },
			config: func(c *oauth2.Config) { c.Endpoint.AuthStyle = oauth2.AuthStyleInHeader }, want: ErrInvalidClient},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code := e.code(tt.change)
			if tt.code != "" {
				code = tt.code
			}
			client := tt.client
			if client == "" {
				client = basicClient
			}
			conf := e.config(client)
			if tt.config != nil {
				tt.config(conf)
			}
			var opts []oauth2.AuthCodeOption
			if tt.verifier != "" {
				opts = append(opts, oauth2.VerifierOption(tt.verifier))
			}
			_, err := conf.Exchange(e.ctx, code, opts...)
			oauthErr(t, err, tt.want)
		})
	}
}

// A request that fails a check does not use the code up: every check is
// made on the code as read, before it is redeemed, so a malformed or wrong
// code_verifier, a wrong redirect_uri or another client leave the code to
// the client that has it right.
func TestCodeKeptByFailedChecks(t *testing.T) {
	e := newTokenEnv(t)
	verifier := oauth2.GenerateVerifier()
	code := e.code(func(c *store.AuthCode) {
		c.CodeChallenge, c.CodeChallengeMethod = oauth2.S256ChallengeFromVerifier(verifier), "S256"
	})
	_, err := e.exchange(basicClient, code, "short")
	oauthErr(t, err, ErrInvalidGrant)
	_, err = e.exchange(basicClient, code, oauth2.GenerateVerifier())
	oauthErr(t, err, ErrInvalidGrant)
	_, err = e.exchange(basicClient, code, "")
	oauthErr(t, err, ErrInvalidGrant)
	_, err = e.exchange(postClient, code, verifier)
	oauthErr(t, err, ErrInvalidGrant)
	conf := e.config(basicClient)
	conf.RedirectURL += "/"
	_, err = conf.Exchange(e.ctx, code, oauth2.VerifierOption(verifier))
	oauthErr(t, err, ErrInvalidGrant)
	e.mustExchange(basicClient, code, verifier)
}

func TestCodeExpiresByTheClock(t *testing.T) {
	e := newTokenEnv(t)
	code := e.code(nil)
	e.clock.Add(2 * time.Minute)
	_, err := e.exchange(basicClient, code, "")
	oauthErr(t, err, ErrInvalidGrant)
}

func TestCodeReplayRevokesTokens(t *testing.T) {
	e := newTokenEnv(t)
	code := e.code(nil)
	tok, _ := e.mustExchange(basicClient, code, "")
	if _, err := e.prov.UserInfo(e.ctx, oauth2.StaticTokenSource(tok)); err != nil {
		t.Fatalf("userinfo before the replay: %v", err)
	}
	_, err := e.exchange(basicClient, code, "")
	oauthErr(t, err, ErrInvalidGrant)
	resp, body := e.userinfo("GET", tok.AccessToken)
	if resp.StatusCode != 401 || body["error"] != ErrInvalidToken {
		t.Errorf("userinfo after the replay: status %d, %v; want 401 invalid_token", resp.StatusCode, body)
	}
}

func TestCodeRedeemedOnceUnderRace(t *testing.T) {
	e := newTokenEnv(t)
	code := e.code(nil)
	var (
		wg        sync.WaitGroup
		mu        sync.Mutex
		successes int
		others    []error
	)
	for range 20 {
		wg.Go(func() {
			_, err := e.exchange(basicClient, code, "")
			mu.Lock()
			defer mu.Unlock()
			var re *oauth2.RetrieveError
			switch {
			case err == nil:
				successes++
			case errors.As(err, &re) && re.ErrorCode == ErrInvalidGrant:
			default:
				others = append(others, err)
			}
		})
	}
	wg.Wait()
	if successes != 1 || len(others) > 0 {
		t.Errorf("%d successes (want 1), unexpected errors: %v", successes, others)
	}
}

func decodeSegment(t *testing.T, seg string, v any) {
	t.Helper()
	raw, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		t.Fatal(err)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

package oidc

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"testing"

	josejson "github.com/go-jose/go-jose/v4/json"
	"github.com/go-jose/go-jose/v4/jwt"
)

// FuzzIDTokenHint: logout's id_token_hint (RP-Initiated Logout §2) names a
// client only when it is a JWS this server signed, for this issuer and one
// audience. The fuzzer picks the claims and algorithm, the server's own key
// signs them, and then the fuzzer may cut and splice the compact token
// anywhere. Logout with post_logout_redirect_uri registered for the
// browser client (and no client_id) redirects iff the hint was accepted for
// that client, so: a redirect means the claims the server signed had its
// issuer and the one audience fuzz-browser, whatever was spliced; an
// untouched token with those claims always redirects; nothing is a 5xx.
// The seeds go through the handler, not verifyHint itself, so that they
// outlive a change of that function's signature.
func FuzzIDTokenHint(f *testing.F) {
	issuer := fuzzBase + IssuerPath
	good := `{"iss":"` + issuer + `","aud":["fuzz-browser"],"sub":"s","exp":1,"iat":1,"sid":"sid-1"}`
	f.Add(good, false, uint16(0), uint8(0), "")
	f.Add(good, true, uint16(0), uint8(0), "")
	f.Add(`{"iss":"`+issuer+`","aud":"fuzz-browser"}`, true, uint16(0), uint8(0), "")
	f.Add(`{"iss":"`+issuer+`","aud":["fuzz-browser","fuzz-other"]}`, false, uint16(0), uint8(0), "")
	f.Add(`{"iss":"https://evil.example/","aud":"fuzz-browser"}`, false, uint16(0), uint8(0), "")
	f.Add(`{"iss":"`+issuer+`","aud":"fuzz-other","aud":"fuzz-browser"}`, false, uint16(0), uint8(0), "")
	f.Add(`{"iss":"`+issuer+`","aud":"fuzz-browser","exp":"soon"}`, false, uint16(0), uint8(0), "")
	f.Add(good, false, uint16(0), uint8(36), "eyJhbGciOiJub25lIn0")        // alg none
	f.Add(good, true, uint16(0), uint8(255), "eyJhbGciOiJIUzI1NiJ9.e30.x") // HS256
	f.Add(good, true, uint16(500), uint8(1), "A")                          // a payload byte
	f.Add(good, true, uint16(9999), uint8(1), "")                          // the signature's last byte
	f.Add(good, false, uint16(9999), uint8(0), "==")
	f.Add("not json", false, uint16(3), uint8(2), ".")
	e := newFuzzEnv(f)
	f.Fuzz(func(t *testing.T, claims string, es256 bool, at uint16, cut uint8, insert string) {
		if !json.Valid([]byte(claims)) {
			claims = good
		}
		alg := "RS256"
		if es256 {
			alg = "ES256"
		}
		tok, err := e.p.Keys.Sign(t.Context(), alg, json.RawMessage(claims))
		if err != nil {
			t.Fatal(err)
		}
		i := int(at) % (len(tok) + 1)
		j := min(len(tok), i+int(cut))
		hint := tok[:i] + insert + tok[j:]

		rec := e.serve(false, "oauth2/sessions/logout", url.Values{
			"id_token_hint": {hint}, "post_logout_redirect_uri": {fuzzPostLogout[0]}}.Encode())
		// The claims as go-jose reads them: it refuses duplicate keys,
		// where encoding/json would keep the last.
		var signed jwt.Claims
		wellTyped := josejson.Unmarshal([]byte(claims), &signed) == nil
		forUs := wellTyped && signed.Issuer == issuer && slices.Equal(signed.Audience, jwt.Audience{fuzzBrowser})
		switch {
		case rec.Code >= 500:
			t.Fatalf("status %d for the hint %q:\n%s", rec.Code, hint, rec.Body)
		case rec.Code == http.StatusFound:
			if !forUs {
				t.Fatalf("logout accepted the hint %q, made from the claims %s", hint, claims)
			}
		case hint == tok && forUs:
			t.Fatalf("logout refused the untouched hint for %s: %d\n%s", claims, rec.Code, rec.Body)
		}
	})
}

package oidc

import (
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/vippslogin/vippslogin/internal/store"
)

// basicHeader is the Authorization header of RFC 6749 §2.3.1: id and
// secret form-url-encoded, joined with ':', base64-encoded.
func basicHeader(id, pass string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(id)+":"+url.QueryEscape(pass)))
}

func basicOf(header string) (id, pass string, ok bool, err error) {
	r := httptest.NewRequest(http.MethodPost, "/token", nil)
	if header != "" {
		r.Header.Set("Authorization", header)
	}
	return basicCredentials(r)
}

// FuzzBasicCredentials: HTTP Basic decoding gives back exactly the id and
// secret that url.QueryEscape and base64 encoded, whatever their bytes;
// and for any header at all, it either refuses with invalid_client or
// returns credentials that survive another encode and decode unchanged.
func FuzzBasicCredentials(f *testing.F) {
	f.Add("client-basic", "s3cret+with%/&:chars", "")
	f.Add("", "", "Basic Og==")
	f.Add("a:b", "c d", "basic YTpi")
	f.Add("æøå", "🙂\x00\xff", "Basic   YTpi  ")
	f.Add("id", "pw", "Basic YSUyOmI=")
	f.Add("id", "pw", "Bearer abc")
	f.Add("id", "pw", "Basic !!!")
	f.Add("id", "pw", "BasicYTpi")
	f.Add("id", "pw", "Basic YWI=")
	f.Fuzz(func(t *testing.T, id, pass, header string) {
		gotID, gotPass, ok, err := basicOf(basicHeader(id, pass))
		if err != nil || !ok || gotID != id || gotPass != pass {
			t.Fatalf("basicCredentials(encode(%q, %q)) = %q, %q, %v, %v", id, pass, gotID, gotPass, ok, err)
		}

		gotID, gotPass, ok, err = basicOf(header)
		switch {
		case header == "":
			if ok || err != nil {
				t.Fatalf("no header: ok %v, err %v", ok, err)
			}
		case err != nil:
			var oe *Error
			if ok || !errors.As(err, &oe) || oe.Code != ErrInvalidClient {
				t.Fatalf("basicCredentials(%q) error %#v with ok %v, want invalid_client", header, err, ok)
			}
		case !ok:
			t.Fatalf("basicCredentials(%q): neither credentials nor an error", header)
		default:
			if scheme, _, _ := strings.Cut(header, " "); !strings.EqualFold(scheme, "basic") {
				t.Fatalf("basicCredentials(%q) accepted the scheme %q", header, scheme)
			}
			againID, againPass, ok, err := basicOf(basicHeader(gotID, gotPass))
			if !ok || err != nil || againID != gotID || againPass != gotPass {
				t.Fatalf("basicCredentials(%q) = %q, %q, which do not roundtrip (%q, %q, %v)", header, gotID, gotPass, againID, againPass, err)
			}
		}
	})
}

// s256 is code_challenge = BASE64URL(SHA256(code_verifier)), RFC 7636
// §4.2, written out here as the oracle.
func s256(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// FuzzPKCE: the token endpoint's PKCE check (RFC 7636 §4.6) accepts a
// code_verifier exactly when it is a well-formed verifier (§4.1) whose S256
// (or, for plain, itself) is the code's challenge; a code without a
// challenge accepts only the absence of a verifier.
func FuzzPKCE(f *testing.F) {
	rfc := "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk" // RFC 7636 Appendix B
	f.Add(rfc, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", true)
	f.Add(rfc, rfc, false)
	f.Add(rfc[:42], s256(rfc[:42]), true)
	f.Add(strings.Repeat("a", 128), s256(strings.Repeat("a", 128)), true)
	f.Add(strings.Repeat("a", 129), s256(strings.Repeat("a", 129)), true)
	f.Add(rfc+"=", s256(rfc+"="), true)
	f.Add(rfc, "e9melhoa2owvfremtjguchaoek1t8urwbugjsstw-cm", true)
	f.Add("", "", true)
	f.Add(rfc, "", false)
	f.Add(strings.Repeat("é", 43), strings.Repeat("é", 43), false)
	f.Fuzz(func(t *testing.T, verifier, challenge string, useS256 bool) {
		check := func(c store.AuthCode, v string, want bool) {
			t.Helper()
			err := checkVerifier(c, v)
			if (err == nil) != want {
				t.Fatalf("checkVerifier(challenge %q, method %q; verifier %q) = %v, want accepted %v", c.CodeChallenge, c.CodeChallengeMethod, v, err, want)
			}
			var oe *Error
			if err != nil && (!errors.As(err, &oe) || oe.Code != ErrInvalidGrant) {
				t.Fatalf("checkVerifier error %#v, want invalid_grant", err)
			}
		}
		valid := validVerifierSyntax(verifier)
		// The S256 of the verifier itself: accepted iff the verifier is well-formed.
		check(store.AuthCode{CodeChallenge: s256(verifier), CodeChallengeMethod: "S256"}, verifier, valid)
		if verifier != "" {
			check(store.AuthCode{CodeChallenge: verifier, CodeChallengeMethod: "plain"}, verifier, valid)
		}
		// An arbitrary challenge.
		method, derived := "plain", verifier
		if useS256 {
			method, derived = "S256", s256(verifier)
		}
		if challenge == "" {
			check(store.AuthCode{}, verifier, verifier == "")
			return
		}
		check(store.AuthCode{CodeChallenge: challenge, CodeChallengeMethod: method}, verifier, valid && derived == challenge)
	})
}

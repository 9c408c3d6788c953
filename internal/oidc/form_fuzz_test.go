package oidc

import (
	"errors"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// FuzzReadForm: the token, revocation and CIBA endpoints' form reader
// accepts a body exactly when it is form encoding of at most maxFormBody
// bytes with no parameter repeated, and then returns what the form says.
func FuzzReadForm(f *testing.F) {
	const form = "application/x-www-form-urlencoded"
	f.Add(form, "grant_type=authorization_code&code=abc&redirect_uri=https%3A%2F%2Fshop.example%2Fcallback")
	f.Add(form+"; charset=UTF-8", "client_id=a&client_secret=b%2Bc")
	f.Add(form, "code=a&code=b")
	f.Add(form, "code=a&Code=b")
	f.Add(form, "a=%zz")
	f.Add(form, "a;b=c")
	f.Add(form, "=&=&")
	f.Add("application/json", `{"code":"a"}`)
	f.Add("APPLICATION/X-WWW-FORM-URLENCODED", "a=b")
	f.Add("", "a=b")
	f.Fuzz(func(t *testing.T, contentType, body string) {
		r := httptest.NewRequest(http.MethodPost, "/token", strings.NewReader(body))
		r.Header.Set("Content-Type", contentType)
		got, err := readForm(r)
		want, perr := url.ParseQuery(body)
		repeated := slices.ContainsFunc(slices.Collect(maps.Values(want)), func(vs []string) bool { return len(vs) > 1 })
		if err != nil {
			var oe *Error
			if !errors.As(err, &oe) || oe.Code != ErrInvalidRequest || oe.Description == "" {
				t.Fatalf("readForm error %#v, want an invalid_request *Error with a description", err)
			}
			// Completeness: a well-formed, small, unrepeated form in the
			// plain form media type is never refused.
			if contentType == form && len(body) <= maxFormBody && perr == nil && !repeated {
				t.Fatalf("readForm refused the form %q: %v", body, err)
			}
			return
		}
		if len(body) > maxFormBody {
			t.Fatalf("readForm accepted a body of %d bytes, over %d", len(body), maxFormBody)
		}
		if perr != nil {
			t.Fatalf("readForm accepted %q, which is not form encoding: %v", body, perr)
		}
		for k, vs := range got {
			if len(vs) != 1 {
				t.Fatalf("readForm accepted the parameter %q %d times", k, len(vs))
			}
		}
		if !maps.EqualFunc(got, want, slices.Equal) {
			t.Fatalf("readForm(%q) = %v, want %v", body, got, want)
		}
	})
}

// FuzzAuthorizeParams: a login request, by GET query or POST form, either
// starts a login that stores exactly the parameters sent (each sent once
// and within the length limits, the PKCE challenge well-formed), or
// redirects an error to a redirect URI registered byte for byte, or (and
// only when client_id or redirect_uri cannot be trusted, or the POST body
// is not a form) shows an error page. Never a 5xx.
func FuzzAuthorizeParams(f *testing.F) {
	e := newFuzzEnv(f)
	good := validAuthorize()
	f.Add(false, good.Encode())
	f.Add(true, good.Encode())
	for _, change := range []func(url.Values){
		func(v url.Values) { v.Add("state", "another-state") },
		func(v url.Values) { v.Add("client_id", fuzzBrowser) },
		func(v url.Values) { v.Set("redirect_uri", fuzzRedirects[0]+"/") },
		func(v url.Values) { v.Set("redirect_uri", strings.ToUpper(fuzzRedirects[0])) },
		func(v url.Values) { v.Set("redirect_uri", fuzzRedirects[3]) },
		func(v url.Values) {
			v.Set("code_challenge", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM")
			v.Set("code_challenge_method", "S256")
		},
		func(v url.Values) { v.Set("code_challenge", "short") },
		func(v url.Values) { v.Set("nonce", strings.Repeat("n", 513)) },
		func(v url.Values) { v.Set("state", strings.Repeat("s", 2049)) },
		func(v url.Values) { v.Set("scope", "openid offline") },
		func(v url.Values) { v.Set("request", "eyJhbGciOiJub25lIn0.e30.") },
		func(v url.Values) {
			v.Set("requested_flow", "app_to_app")
			v.Set("app_callback_uri", fuzzAppCallbacks[0])
		},
		func(v url.Values) { v.Set("login_hint", "urn:mobilenumber:12345678") },
	} {
		v := validAuthorize()
		change(v)
		f.Add(false, v.Encode())
	}
	f.Add(false, "client_id=fuzz-browser&redirect_uri=https://shop.example/callback&state=%zz&response_type=code")
	f.Add(true, "client_id=fuzz-browser;redirect_uri=x")
	f.Fuzz(func(t *testing.T, post bool, raw string) {
		rec := e.serve(post, "oauth2/auth", raw)
		// The handler reads the query as r.URL.Query does (malformed pairs
		// dropped) and a POST body as url.ParseQuery (malformed refused).
		params, perr := url.ParseQuery(raw)
		loc := rec.Header().Get("Location")
		ids, uris := params["client_id"], params["redirect_uri"]
		trusted := (!post || perr == nil) && len(ids) == 1 && ids[0] == fuzzBrowser &&
			len(uris) == 1 && exactlyIn(uris[0], fuzzRedirects)
		switch {
		case rec.Code >= 500:
			t.Fatalf("status %d for %q:\n%s", rec.Code, raw, rec.Body)
		case strings.HasPrefix(loc, loginLocation):
			accepted(t, e, params, strings.TrimPrefix(loc, loginLocation))
		case loc != "":
			if !trusted {
				t.Fatalf("redirected to %q for the untrusted request %q", loc, raw)
			}
			redirectedError(t, e, params, loc)
		default:
			if rec.Code != http.StatusBadRequest {
				t.Fatalf("status %d and no redirect for %q", rec.Code, raw)
			}
			if trusted {
				t.Fatalf("error page for a request with a good client_id and redirect_uri (%q); the error must be redirected:\n%s", raw, rec.Body)
			}
		}
	})
}

// accepted checks the login request that params started.
func accepted(t *testing.T, e *fuzzEnv, params url.Values, tabID string) {
	t.Helper()
	for k, vs := range params {
		if len(vs) != 1 {
			t.Fatalf("a login started with %q sent %d times", k, len(vs))
		}
		if len(vs[0]) > maxParamLength {
			t.Fatalf("a login started with %q of %d bytes, over %d", k, len(vs[0]), maxParamLength)
		}
	}
	if params.Has("request") || params.Has("request_uri") {
		t.Fatalf("a login started with a request object: %v", params)
	}
	id, err := url.QueryUnescape(tabID)
	if err != nil {
		t.Fatal(err)
	}
	lr, err := e.p.Store.GetLoginRequest(t.Context(), id)
	if err != nil {
		t.Fatalf("the login request %q is not stored: %v", id, err)
	}
	client := e.clients[fuzzBrowser]
	get := params.Get
	switch {
	case lr.ClientID != fuzzBrowser || get("client_id") != fuzzBrowser:
		t.Fatalf("stored client %q for client_id %q", lr.ClientID, get("client_id"))
	case lr.RedirectURI != get("redirect_uri") || !exactlyIn(lr.RedirectURI, client.RedirectURIs):
		t.Fatalf("stored redirect URI %q for %q; registered %q", lr.RedirectURI, get("redirect_uri"), client.RedirectURIs)
	case lr.State != get("state") || len(lr.State) < minStateLength:
		t.Fatalf("stored state %q for %q", lr.State, get("state"))
	case lr.Nonce != get("nonce") || len(lr.Nonce) > maxNonceLength:
		t.Fatalf("stored nonce %q for %q", lr.Nonce, get("nonce"))
	case get("response_type") != "code":
		t.Fatalf("a login started with response_type %q", get("response_type"))
	case lr.CodeChallenge != get("code_challenge"):
		t.Fatalf("stored code_challenge %q for %q", lr.CodeChallenge, get("code_challenge"))
	case lr.CodeChallenge != "" && !validVerifierSyntax(lr.CodeChallenge):
		t.Fatalf("a login started with the malformed code_challenge %q", lr.CodeChallenge)
	case lr.CodeChallenge != "" && lr.CodeChallengeMethod != "plain" && lr.CodeChallengeMethod != "S256":
		t.Fatalf("stored code_challenge_method %q", lr.CodeChallengeMethod)
	case lr.CodeChallenge == "" && (lr.CodeChallengeMethod != "" || get("code_challenge_method") != ""):
		t.Fatalf("a code_challenge_method %q without a challenge", get("code_challenge_method"))
	case lr.AppCallbackURI != get("app_callback_uri") || lr.AppCallbackURI != "" && !exactlyIn(lr.AppCallbackURI, client.AppCallbackURIs):
		t.Fatalf("stored app callback %q for %q", lr.AppCallbackURI, get("app_callback_uri"))
	case !slices.Contains(lr.Scopes, "openid"):
		t.Fatalf("a login without openid: %q", lr.Scopes)
	}
	for i, s := range lr.Scopes {
		if !slices.Contains(client.Scopes, s) || slices.Index(lr.Scopes, s) != i || !slices.Contains(strings.Fields(get("scope")), s) {
			t.Fatalf("stored scopes %q for scope %q", lr.Scopes, get("scope"))
		}
	}
}

// redirectedError checks an error redirect: to the redirect URI sent, with
// an error, the state sent and the issuer.
func redirectedError(t *testing.T, e *fuzzEnv, params url.Values, loc string) {
	t.Helper()
	uri := params.Get("redirect_uri")
	if !strings.HasPrefix(loc, uri) {
		t.Fatalf("error redirected to %q, not to the redirect_uri %q", loc, uri)
	}
	u, err := url.Parse(loc)
	if err != nil {
		t.Fatalf("error redirect %q: %v", loc, err)
	}
	q := u.Query()
	if q.Get("error") == "" || q.Get("iss") != e.p.Issuer() {
		t.Fatalf("error redirect %q lacks error or iss", loc)
	}
	if states := params["state"]; len(states) == 1 && q.Get("state") != states[0] {
		t.Fatalf("error redirect %q does not carry the state %q", loc, states[0])
	}
}

package oidc

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vippslogin/vippslogin/internal/secret"
	"github.com/vippslogin/vippslogin/internal/store"
)

// descriptionChars is the grammar of error_description (RFC 6749 §4.1.2.1,
// §5.2: %x20-21 / %x23-5B / %x5D-7E), written out here rather than taken
// from the code under test.
var descriptionChars = regexp.MustCompile(`^[\x20\x21\x23-\x5b\x5d-\x7e]*$`)

// bearerChallenge is the whole WWW-Authenticate of a userinfo error (RFC
// 6750 §3): a description outside the grammar, or a '"' that ends the
// quoted string early, does not match.
var bearerChallenge = regexp.MustCompile(`^Bearer realm="vippslogin"(?:, error="([a-z_]+)", error_description="([\x20\x21\x23-\x5b\x5d-\x7e]*)")?$`)

// Characters RFC 6749 forbids in a description, sent as parameter values
// that error descriptions quote back.
// A header may carry only the ones that are not control characters.
const (
	forbidden       = "\"q\\ \u00e6\u00a7\n\t\x01\x7f"
	forbiddenHeader = "\"q\\ \u00e6\u00a7"
)

// TestEveryErrorDescriptionIsValid sends bad requests to every endpoint
// that answers with an OAuth error (authorize's redirect, token with every
// grant type, backchannel authentication, user-exists, userinfo, revoke)
// and checks every error_description that leaves the server, in the JSON
// body, the redirect's query and the Bearer challenge, against RFC 6749's
// character set (issue 11, point 2).
func TestEveryErrorDescriptionIsValid(t *testing.T) {
	e := newCIBAEnv(t)
	now := e.clock.Now()
	// A CIBA client registered for ping, which must send a
	// client_notification_token.
	const pingClient = "client-ciba-ping"
	if err := e.st.CreateClient(e.ctx, store.Client{
		ID: pingClient, SecretHash: secret.Hash(basicSecret), Name: "Ping shop", RedirectURIs: []string{shopCallback},
		TokenEndpointAuthMethod: store.AuthSecretBasic, Flows: []string{store.FlowCIBA}, Scopes: store.Scopes,
		CIBAPingURL: "https://shop.example/ping", CreatedAt: now, UpdatedAt: now,
	}); err != nil {
		t.Fatal(err)
	}

	// A CIBA request polled once, so that the next poll is too soon, and
	// one that ended with a stored description holding every forbidden
	// character, as a store written by an older version could hold.
	pending := e.mustStart(cibaClient, cibaForm(nil))
	if resp, body := e.poll(cibaClient, pending); body["error"] != ErrAuthorizationPending {
		t.Fatalf("first poll: %d %v", resp.StatusCode, body)
	}
	denied := e.mustStart(cibaPostClient, cibaForm(func(v url.Values) { v.Set("login_hint", "urn:msisdn:"+nilsPhone) }))
	if _, err := e.st.UpdateLoginRequest(e.ctx, denied, func(lr store.LoginRequest) (store.LoginRequest, error) {
		lr.Status, lr.Error, lr.ErrorDescription = store.LoginFailed, ErrAccessDenied, "The user said "+forbidden+" (RFC 6749 §4.1.2.1)."
		return lr, nil
	}); err != nil {
		t.Fatal(err)
	}
	// Logins the poll refuses: no account (the hint's advice in the
	// description), too young, an outdated app.
	noAccount := e.mustStart(cibaClient, cibaForm(func(v url.Values) { v.Set("login_hint", "urn:msisdn:4799999999") }))
	young := e.mustStart(cibaClient, cibaForm(func(v url.Values) { v.Set("login_hint", "urn:msisdn:"+youngPhone) }))
	oldApp := e.mustStart(cibaClient, cibaForm(func(v url.Values) { v.Set("login_hint", "urn:msisdn:"+oldAppPhone) }))
	pkceCode := e.code(func(c *store.AuthCode) { c.CodeChallenge, c.CodeChallengeMethod = goodPKCE, "S256" })

	basic := func(id string) func(*http.Request) {
		return func(r *http.Request) { r.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(basicSecret)) }
	}
	header := func(value string) func(*http.Request) {
		return func(r *http.Request) { r.Header.Set("Authorization", value) }
	}
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	token, revoke, userinfo := IssuerPath+"oauth2/token", IssuerPath+"oauth2/revoke", userinfoPaths[0]
	authorize := func(change func(url.Values)) string {
		q := url.Values{
			"client_id": {basicClient}, "redirect_uri": {shopCallback}, "response_type": {"code"},
			"scope": {"openid name"}, "state": {goodState}, "code_challenge": {goodPKCE}, "code_challenge_method": {"S256"},
		}
		change(q)
		return IssuerPath + "oauth2/auth?" + q.Encode()
	}
	grant := func(gt string, more ...string) url.Values {
		v := url.Values{"grant_type": {gt}}
		for i := 0; i+1 < len(more); i += 2 {
			v.Set(more[i], more[i+1])
		}
		return v
	}
	repeated := func(v url.Values) url.Values { v["sc\u00f8pe\""] = []string{"a", "b"}; return v }

	tests := []struct {
		name   string
		method string
		path   string
		form   url.Values // the body, if any
		change func(*http.Request)
		code   string
	}{
		// Authorize: errors go back to the redirect URI.
		{"authorize response_type", "GET", authorize(func(v url.Values) { v.Set("response_type", "token") }), nil, nil, "unsupported_response_type"},
		{"authorize response_type forbidden", "GET", authorize(func(v url.Values) { v.Set("response_type", forbidden) }), nil, nil, "unsupported_response_type"},
		{"authorize response_mode", "GET", authorize(func(v url.Values) { v.Set("response_mode", "fragment\"") }), nil, nil, ErrInvalidRequest},
		{"authorize repeated parameter", "GET", authorize(func(v url.Values) { repeated(v) }), nil, nil, ErrInvalidRequest},
		{"authorize short state", "GET", authorize(func(v url.Values) { v.Set("state", "\u00e6") }), nil, nil, ErrInvalidRequest},
		{"authorize offline scope", "GET", authorize(func(v url.Values) { v.Set("scope", "openid offline_access") }), nil, nil, ErrInvalidScope},
		{"authorize ungranted scope", "GET", authorize(func(v url.Values) { v.Set("client_id", cibaClient); v.Set("scope", "openid accountNumbers") }), nil, nil, ErrInvalidScope},
		{"authorize code_challenge_method", "GET", authorize(func(v url.Values) { v.Set("code_challenge_method", forbidden) }), nil, nil, ErrInvalidRequest},
		{"authorize code_challenge", "GET", authorize(func(v url.Values) { v.Set("code_challenge", "short") }), nil, nil, ErrInvalidRequest},
		{"authorize final_redirect_is_app", "GET", authorize(func(v url.Values) { v.Set("final_redirect_is_app", "ja\u00a7") }), nil, nil, ErrInvalidRequest},
		{"authorize requested_flow", "GET", authorize(func(v url.Values) { v.Set("requested_flow", forbidden) }), nil, nil, ErrInvalidRequest},
		{"authorize app_callback_uri", "GET", authorize(func(v url.Values) {
			v.Set("requested_flow", "app_to_app")
			v.Set("app_callback_uri", "shop-app://\u00e6\"x")
		}), nil, nil, "app_callback_uri_not_registered"},
		{"authorize prompt", "GET", authorize(func(v url.Values) { v.Set("prompt", "\u00e6\"") }), nil, nil, ErrInvalidRequest},
		{"authorize prompt none and login", "GET", authorize(func(v url.Values) { v.Set("prompt", "none login") }), nil, nil, ErrInvalidRequest},
		{"authorize max_age", "GET", authorize(func(v url.Values) { v.Set("max_age", forbidden) }), nil, nil, ErrInvalidRequest},
		{"authorize login_hint", "GET", authorize(func(v url.Values) { v.Set("login_hint", forbidden) }), nil, nil, ErrInvalidRequest},
		{"authorize market", "GET", authorize(func(v url.Values) { v.Set("market", "\u00d8\"") }), nil, nil, ErrInvalidRequest},
		{"authorize request object", "GET", authorize(func(v url.Values) { v.Set("request", "x") }), nil, nil, "request_not_supported"},

		// Token endpoint: the request, client authentication, every grant.
		{"token no grant_type", "POST", token, url.Values{"code": {"x"}}, basic(basicClient), ErrInvalidRequest},
		{"token grant_type", "POST", token, grant("password"), basic(basicClient), ErrUnsupportedGrantType},
		{"token grant_type forbidden", "POST", token, grant(forbidden), basic(basicClient), ErrUnsupportedGrantType},
		{"token repeated parameter", "POST", token, repeated(grant(grantAuthorizationCode)), basic(basicClient), ErrInvalidRequest},
		{"token not a form", "POST", token, grant(grantAuthorizationCode), func(r *http.Request) { r.Header.Set("Content-Type", "text/plain") }, ErrInvalidRequest},
		{"token no client authentication", "POST", token, grant(grantAuthorizationCode, "code", "x", "redirect_uri", shopCallback), nil, ErrInvalidClient},
		{"token Basic not form-url-encoded", "POST", token, grant(grantAuthorizationCode), header("Basic " + b64("%zz:"+forbidden)), ErrInvalidClient},
		{"token Basic not base64", "POST", token, grant(grantAuthorizationCode), header("Basic \u00a7\u00a7"), ErrInvalidClient},
		{"token Basic without colon", "POST", token, grant(grantAuthorizationCode), header("Basic " + b64("client")), ErrInvalidClient},
		{"token not Basic", "POST", token, grant(grantAuthorizationCode), header("Digest " + forbiddenHeader), ErrInvalidClient},
		{"token wrong secret", "POST", token, grant(grantAuthorizationCode), header("Basic " + b64(basicClient+":wrong")), ErrInvalidClient},
		{"token wrong method", "POST", token, grant(grantAuthorizationCode, "client_id", basicClient, "client_secret", basicSecret), nil, ErrInvalidClient},
		{"token two methods", "POST", token, grant(grantAuthorizationCode, "client_secret", "x"), basic(basicClient), ErrInvalidRequest},
		{"code: unknown", "POST", token, grant(grantAuthorizationCode, "code", forbidden, "redirect_uri", shopCallback), basic(basicClient), ErrInvalidGrant},
		{"code: no redirect_uri", "POST", token, grant(grantAuthorizationCode, "code", "x"), basic(basicClient), ErrInvalidRequest},
		{"code: bad code_verifier", "POST", token, grant(grantAuthorizationCode, "code", pkceCode, "redirect_uri", shopCallback, "code_verifier", forbidden), basic(basicClient), ErrInvalidGrant},
		{"code: client without the browser flow", "POST", token, grant(grantAuthorizationCode, "code", "x", "redirect_uri", shopCallback), basic(pingClient), ErrUnauthorizedClient},
		{"ciba: no auth_req_id", "POST", token, grant(grantCIBA), basic(cibaClient), ErrInvalidRequest},
		{"ciba: unknown auth_req_id", "POST", token, grant(grantCIBA, "auth_req_id", forbidden), basic(cibaClient), ErrInvalidGrant},
		{"ciba: client without CIBA", "POST", token, grant(grantCIBA, "auth_req_id", pending), basic(basicClient), ErrUnauthorizedClient},
		{"ciba: too soon", "POST", token, grant(grantCIBA, "auth_req_id", pending), basic(cibaClient), ErrSlowDown},
		{"ciba: denied with a stored description", "POST", token, grant(grantCIBA, "auth_req_id", denied, "client_id", cibaPostClient, "client_secret", postSecret), nil, ErrAccessDenied},
		{"ciba: no account, with the hint's advice", "POST", token, grant(grantCIBA, "auth_req_id", noAccount), basic(cibaClient), ErrAccessDenied},
		{"ciba: under 15", "POST", token, grant(grantCIBA, "auth_req_id", young), basic(cibaClient), ErrAccessDenied},
		{"ciba: old app", "POST", token, grant(grantCIBA, "auth_req_id", oldApp), basic(cibaClient), ErrAccessDenied},
		{"ciba-redirect: no code", "POST", token, grant(grantCIBARedirect), basic(cibaClient), ErrInvalidRequest},
		{"ciba-redirect: unknown code", "POST", token, grant(grantCIBARedirect, "code", forbidden, "redirect_uri", shopCallback), basic(cibaClient), ErrInvalidGrant},
		{"ciba-redirect: client without CIBA", "POST", token, grant(grantCIBARedirect, "code", "x", "redirect_uri", shopCallback), basic(basicClient), ErrUnauthorizedClient},
		{"qr: client without QR", "POST", token, grant(grantQR, "auth_req_id", forbidden), basic(cibaClient), ErrUnauthorizedClient},
		{"qr: no auth_req_id", "POST", token, grant(grantQR), basic(cibaClient), ErrInvalidRequest},
		{"qr-redirect: client without QR", "POST", token, grant(grantQRRedirect, "code", forbidden, "redirect_uri", shopCallback), basic(cibaClient), ErrUnauthorizedClient},

		// Backchannel authentication and user-exists.
		{"backchannel client without CIBA", "POST", BackchannelPath, cibaForm(nil), basic(basicClient), ErrUnauthorizedClient},
		{"backchannel bad Basic", "POST", BackchannelPath, cibaForm(nil), header("Basic " + b64("%zz:x")), ErrInvalidClient},
		{"backchannel repeated parameter", "POST", BackchannelPath, repeated(cibaForm(nil)), basic(cibaClient), ErrInvalidRequest},
		{"backchannel login_hint", "POST", BackchannelPath, cibaForm(func(v url.Values) { v.Set("login_hint", forbidden) }), basic(cibaClient), ErrInvalidRequest},
		{"backchannel requested_flow", "POST", BackchannelPath, cibaForm(func(v url.Values) { v.Set("requested_flow", forbidden) }), basic(cibaClient), ErrInvalidRequest},
		{"backchannel redirect_uri", "POST", BackchannelPath, cibaForm(func(v url.Values) {
			v.Set("requested_flow", LoginToWebpage)
			v.Set("scope", "openid")
			v.Set("redirect_uri", "https://shop.example/callback/"+forbidden+strings.Repeat("x", 50))
		}), basic(cibaClient), ErrInvalidRequest},
		{"backchannel ungranted scope", "POST", BackchannelPath, cibaForm(func(v url.Values) { v.Set("scope", "openid accountNumbers") }), basic(cibaClient), ErrInvalidScope},
		{"backchannel unknown scopes", "POST", BackchannelPath, cibaForm(func(v url.Values) { v.Set("scope", forbidden) }), basic(cibaClient), ErrInvalidScope},
		{"backchannel binding_message", "POST", BackchannelPath, cibaForm(func(v url.Values) { v.Set("binding_message", forbidden) }), basic(cibaClient), ErrInvalidBindingMessage},
		{"backchannel requested_expiry", "POST", BackchannelPath, cibaForm(func(v url.Values) { v.Set("requested_expiry", forbidden) }), basic(cibaClient), ErrInvalidRequest},
		{"backchannel no notification token", "POST", BackchannelPath, cibaForm(nil), basic(pingClient), ErrInvalidRequest},
		{"backchannel bad notification token", "POST", BackchannelPath, cibaForm(func(v url.Values) { v.Set("client_notification_token", forbidden) }), basic(pingClient), ErrInvalidRequest},
		{"backchannel user already waiting", "POST", BackchannelPath, cibaForm(nil), basic(cibaClient), ErrInvalidRequest},
		{"user-exists bad JSON", "POST", UserExistsPath, nil, func(r *http.Request) {
			body := `{"phoneNumber" "` + forbidden + `"}`
			r.Body, r.ContentLength = io.NopCloser(strings.NewReader(body)), int64(len(body))
			r.Header.Set("Content-Type", "application/json")
			basic(cibaClient)(r)
		}, ErrInvalidRequest},
		{"user-exists wrong type", "POST", UserExistsPath, nil, func(r *http.Request) {
			body := `{"phoneNumber": ["\u00e6"]}`
			r.Body, r.ContentLength = io.NopCloser(strings.NewReader(body)), int64(len(body))
			r.Header.Set("Content-Type", "application/json")
			basic(cibaClient)(r)
		}, ErrInvalidRequest},

		// Userinfo: the description is in the Bearer challenge too.
		{"userinfo unknown token", "GET", userinfo, nil, header("Bearer " + forbiddenHeader), ErrInvalidToken},
		{"userinfo empty bearer", "GET", userinfo, nil, header("Bearer "), ErrInvalidToken},
		{"userinfo token twice", "POST", userinfo, url.Values{"access_token": {"x"}}, header("Bearer y"), ErrInvalidRequest},
		{"userinfo repeated parameter", "POST", userinfo, repeated(url.Values{"access_token": {"x"}}), nil, ErrInvalidRequest},
		{"userinfo no token", "GET", userinfo, nil, nil, ErrInvalidRequest},

		// Revocation.
		{"revoke no token", "POST", revoke, url.Values{}, basic(basicClient), ErrInvalidRequest},
		{"revoke bad Basic", "POST", revoke, url.Values{"token": {"x"}}, header("Basic " + b64("%zz:"+forbidden)), ErrInvalidClient},
		{"revoke repeated parameter", "POST", revoke, repeated(url.Values{"token": {"x"}}), basic(basicClient), ErrInvalidRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, descriptions := e.errorDescriptions(t, tt.method, tt.path, tt.form, tt.change)
			if code != tt.code {
				t.Errorf("error = %q, want %q (descriptions %q)", code, tt.code, descriptions)
			}
			if len(descriptions) == 0 {
				t.Fatalf("no error_description came back")
			}
			for where, d := range descriptions {
				if d == "" || !descriptionChars.MatchString(d) {
					t.Errorf("%s error_description %q is empty or holds characters RFC 6749 forbids", where, d)
				}
			}
			if c, ok := descriptions["challenge"]; ok && c != descriptions["body"] {
				t.Errorf("the challenge says %q, the body %q", c, descriptions["body"])
			}
		})
	}
}

// errorDescriptions sends a request without following redirects and returns
// the OAuth error it answered with and every error_description in the
// answer, by where it was: "redirect" (the Location query), "body" (the
// JSON) and "challenge" (WWW-Authenticate: Bearer).
func (e *cibaEnv) errorDescriptions(t *testing.T, method, path string, form url.Values, change func(*http.Request)) (string, map[string]string) {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(e.ctx, method, e.srv.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if change != nil {
		change(req)
	}
	c := *e.srv.Client()
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	c.Timeout = 10 * time.Second
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)

	var code string
	found := map[string]string{}
	if loc := resp.Header.Get("Location"); loc != "" {
		u, err := url.Parse(loc)
		if err != nil {
			t.Fatalf("Location %q: %v", loc, err)
		}
		q := u.Query()
		code = q.Get("error")
		if q.Has("error_description") {
			found["redirect"] = q.Get("error_description")
		}
	}
	var m struct {
		Error       *string `json:"error"`
		Description *string `json:"error_description"`
	}
	if json.Unmarshal(raw, &m) == nil && m.Error != nil {
		code = *m.Error
		if m.Description != nil {
			found["body"] = *m.Description
		}
	}
	if ch := resp.Header.Get("WWW-Authenticate"); strings.HasPrefix(ch, "Bearer") {
		sm := bearerChallenge.FindStringSubmatch(ch)
		switch {
		case sm == nil:
			t.Errorf("WWW-Authenticate %q is not a valid Bearer challenge (RFC 6750 §3)", ch)
		case sm[1] != "":
			found["challenge"] = sm[2]
		}
	}
	if code == "" {
		t.Errorf("%s %s: status %d, no OAuth error: %s", method, path, resp.StatusCode, raw)
	}
	return code, found
}

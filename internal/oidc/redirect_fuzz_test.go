package oidc

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// FuzzRedirectURIExact: every place that compares a URI the request sent
// with the client's registered ones matches exactly (Vipps; RFC 6749
// §3.1.2.3, OIDC Core §3.1.2.1): the URI is accepted iff it is byte-equal to
// a registered entry. No case folding, no unescaping, no trailing-slash or
// prefix tolerance. The places: authorize's redirect_uri, authorize's
// app_callback_uri (app_to_app), CIBA login_to_webpage's redirect_uri and
// logout's post_logout_redirect_uri.
func FuzzRedirectURIExact(f *testing.F) {
	e := newFuzzEnv(f)
	// Each seed costs four requests, so the near misses are spread over
	// the registered URIs rather than multiplied by them.
	for _, s := range append(append(append([]string{}, fuzzRedirects...), fuzzAppCallbacks...), fuzzPostLogout...) {
		f.Add(s)
		f.Add(strings.TrimSuffix(s, "/") + "/")
	}
	f.Add(strings.ToUpper(fuzzRedirects[0]))
	f.Add(fuzzRedirects[0] + "#x")
	f.Add(fuzzRedirects[0] + "?")
	f.Add(" " + fuzzAppCallbacks[0])
	f.Add(fuzzPostLogout[0] + "\x00")
	f.Add("https://shop.example/cb?y=%2F&x=1")
	f.Add("https://shop.example/cb?x=1&y=/")
	f.Add("https://shop.example/café")
	f.Add("https://shop.example/caf%c3%a9")
	f.Add("https://SHOP.example/callback")
	f.Add("https://shop.example:443/callback")
	f.Add("https://shop.example/./callback")
	f.Add("https://shop.example/callback/..")
	f.Add("merchant-app:/callback")
	f.Add("")
	browser := e.clients[fuzzBrowser]
	f.Fuzz(func(t *testing.T, sent string) {
		// authorize: client_id and redirect_uri only, so that a registered
		// URI gets an error (no response_type) redirected to it.
		rec := e.serve(false, "oauth2/auth", url.Values{"client_id": {fuzzBrowser}, "redirect_uri": {sent}}.Encode())
		loc := rec.Header().Get("Location")
		if exactlyIn(sent, browser.RedirectURIs) {
			if rec.Code != http.StatusFound || !strings.HasPrefix(loc, sent) {
				t.Fatalf("authorize: registered redirect_uri %q got %d, Location %q", sent, rec.Code, loc)
			}
		} else if rec.Code != http.StatusBadRequest || loc != "" {
			t.Fatalf("authorize: unregistered redirect_uri %q got %d, Location %q", sent, rec.Code, loc)
		}

		// authorize app_to_app: the login starts iff app_callback_uri is
		// registered, among the redirect URIs ("registered as a redirect
		// uri", Vipps) or in the deprecated app callback list.
		v := validAuthorize()
		v.Set("requested_flow", "app_to_app")
		v.Set("app_callback_uri", sent)
		rec = e.serve(false, "oauth2/auth", v.Encode())
		loc = rec.Header().Get("Location")
		registered := exactlyIn(sent, browser.RedirectURIs) || exactlyIn(sent, browser.AppCallbackURIs)
		if started := strings.HasPrefix(loc, loginLocation); started != registered {
			t.Fatalf("authorize: app_callback_uri %q got %d, Location %q; registered %q and %q", sent, rec.Code, loc, browser.RedirectURIs, browser.AppCallbackURIs)
		}

		// CIBA login_to_webpage.
		form := url.Values{"login_hint": {fuzzGoodHint}, "scope": {"openid name"},
			"requested_flow": {LoginToWebpage}, "redirect_uri": {sent}}
		req, oerr := cibaParams(e.clients[fuzzCIBA], form)
		if (oerr == nil) != exactlyIn(sent, e.clients[fuzzCIBA].RedirectURIs) || oerr == nil && req.redirectURI != sent {
			t.Fatalf("CIBA: redirect_uri %q: %+v, %v", sent, req, oerr)
		}

		// logout: handed on to the logout page (which can see the remember
		// cookie) iff post_logout_redirect_uri is registered or not sent;
		// an unregistered one is a 400 that redirects nowhere.
		rec = e.serve(false, "oauth2/sessions/logout", url.Values{"client_id": {fuzzBrowser}, "post_logout_redirect_uri": {sent}}.Encode())
		loc = rec.Header().Get("Location")
		if sent == "" || exactlyIn(sent, browser.PostLogoutRedirectURIs) {
			u, err := url.Parse(loc)
			if rec.Code != http.StatusFound || err != nil || !strings.HasSuffix(u.Path, "/vipps-login-idp/logout") || u.Query().Get("post_logout_redirect_uri") != sent {
				t.Fatalf("logout: registered post_logout_redirect_uri %q got %d, Location %q", sent, rec.Code, loc)
			}
		} else if loc != "" || rec.Code != http.StatusBadRequest {
			t.Fatalf("logout: unregistered post_logout_redirect_uri %q got %d, Location %q", sent, rec.Code, loc)
		}
	})
}

package flow

import (
	"net/http"
	"net/url"
	"strings"
)

// The login pages' cookies, by their bare names: CookieName gives the name
// a browser holds them under. The login pages set them; logout deletes the
// remember cookie and reads it to know which session the browser holds.
const (
	// BrowserCookie identifies the browser for the length of its session;
	// a login is bound to its digest.
	BrowserCookie = "vl_browser"
	// RememberCookie is a remembered browser: its digest finds a
	// store.BrowserSession, which the user can forget from the app
	// (vipps-login-api-2.0 "Remembered flow").
	RememberCookie = "vl_remember"
)

// loginScope is the login pages' path below the base URL.
const loginScope = "/vipps-login-idp/"

// Cookie is a cookie of the pages under scope (a path below the base URL,
// such as "/vipps-login-idp/" or "/portal/") of the server at baseURL: the
// one place the attributes of this server's cookies are decided. HttpOnly;
// SameSite=Lax, since clients send browsers to the pages with a top-level
// navigation (a caller may change it on the result). maxAge 0 makes a
// session cookie, -1 deletes it.
//
// Over https the name carries a cookie prefix (RFC 6265bis §4.1.3), which
// the browser enforces, so that neither a plain-http page of the host nor a
// sibling subdomain can plant or overwrite the cookie:
//   - a base URL with no path gets "__Host-": Secure, no Domain, Path "/";
//   - a base URL with a path prefix gets "__Secure-", with Path the base
//     path + scope. A "__Host-" cookie must have Path "/", so two
//     deployments under different paths of one host would share and
//     overwrite each other's cookies of the same name.
//
// Over http the cookie has its bare name and is not Secure.
func Cookie(baseURL, scope, name, value string, maxAge int) *http.Cookie {
	https, base := splitBase(baseURL)
	c := &http.Cookie{
		Name:     CookieName(baseURL, name),
		Value:    value,
		Path:     base + scope,
		MaxAge:   maxAge,
		HttpOnly: true,
		Secure:   https,
		SameSite: http.SameSiteLaxMode,
	}
	if https && base == "" {
		c.Path = "/"
	}
	return c
}

// CookieName is the name under which a browser holds the cookie name of the
// server at baseURL: the name a handler reads (see Cookie for the rule).
func CookieName(baseURL, name string) string {
	switch https, base := splitBase(baseURL); {
	case !https:
		return name
	case base == "":
		return "__Host-" + name
	default:
		return "__Secure-" + name
	}
}

// splitBase tells whether baseURL is https and returns its path without a
// trailing slash ("" for the host's root).
func splitBase(baseURL string) (https bool, path string) {
	u, err := url.Parse(baseURL)
	if err != nil {
		return strings.HasPrefix(baseURL, "https://"), ""
	}
	return u.Scheme == "https", strings.TrimRight(u.Path, "/")
}

// PageCookie is a cookie of the login pages of the server at baseURL (see
// Cookie).
func PageCookie(baseURL, name, value string, maxAge int) *http.Cookie {
	return Cookie(baseURL, loginScope, name, value, maxAge)
}

// RememberToken is the value of the browser's remember cookie, "" when it
// has none. A browser may still hold the cookie under its bare name, as
// servers before cookie prefixes set it over https: the cookie lives 90
// days, so that name is read when the prefixed one is absent, and
// SetRememberCookie deletes it.
func RememberToken(r *http.Request, baseURL string) string {
	for _, name := range []string{CookieName(baseURL, RememberCookie), RememberCookie} {
		if c, err := r.Cookie(name); err == nil && c.Value != "" {
			return c.Value
		}
	}
	return ""
}

// SetRememberCookie gives the browser the remember cookie with value, or
// deletes it when maxAge is -1. Either way it deletes the cookie's legacy
// form (RememberToken), so a browser ends up holding at most one.
//
// The browser cookie has no such transition: it lasts a browser session and
// is read only under its prefixed name. A legacy one is ignored, not
// deleted (one Set-Cookie fewer on every new browser), and goes when the
// browser closes; a login begun before the upgrade and continued after it
// is refused as another browser's, and the user starts it again.
func SetRememberCookie(w http.ResponseWriter, baseURL, value string, maxAge int) {
	http.SetCookie(w, PageCookie(baseURL, RememberCookie, value, maxAge))
	if CookieName(baseURL, RememberCookie) == RememberCookie {
		return
	}
	_, base := splitBase(baseURL)
	http.SetCookie(w, &http.Cookie{
		Name:     RememberCookie,
		Path:     base + loginScope,
		MaxAge:   -1,
		HttpOnly: true,
		Secure:   true,
		SameSite: http.SameSiteLaxMode,
	})
}

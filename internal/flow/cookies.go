package flow

import (
	"net/http"
	"net/url"
	"strings"
)

// The login pages' cookies. The login pages set them; logout deletes the
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

// PageCookie is a cookie of the login pages of the server at baseURL: the
// one place their attributes are decided. HttpOnly; SameSite=Lax, since the
// client sends the browser to the pages with a top-level navigation;
// Secure when the base URL is https; limited to the login pages' path,
// below the base URL's. maxAge 0 makes a session cookie, -1 deletes it.
func PageCookie(baseURL, name, value string, maxAge int) *http.Cookie {
	path := "/vipps-login-idp/"
	if u, err := url.Parse(baseURL); err == nil {
		path = strings.TrimRight(u.Path, "/") + path
	}
	return &http.Cookie{
		Name:     name,
		Value:    value,
		Path:     path,
		MaxAge:   maxAge,
		HttpOnly: true,
		Secure:   strings.HasPrefix(baseURL, "https://"),
		SameSite: http.SameSiteLaxMode,
	}
}

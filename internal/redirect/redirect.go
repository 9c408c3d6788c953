// Package redirect owns the rule for where vippslogin may send a browser:
// which redirect, app callback and post-logout URIs a client may register,
// and which of them the login pages may open as an app. The admin API
// checks a URI with Problem when it is registered; the pages check the
// scheme again with Target and App where they send the browser, so that a
// row written before a rule existed cannot slip through.
package redirect

import (
	"fmt"
	"net"
	"net/url"
	"strings"
)

// MaxLength is the longest URI a client may register.
const MaxLength = 2000

// browserSchemes are schemes a browser handles itself, by running code,
// reading local or in-memory data or showing its own pages. None of them
// is a way back to a merchant's site or app, and several turn a redirect
// into script running on our origin (javascript:, data:, vbscript:).
var browserSchemes = map[string]bool{
	"javascript": true, "vbscript": true, "data": true, "file": true,
	"blob": true, "filesystem": true, "about": true, "view-source": true,
	"chrome": true, "chrome-extension": true, "resource": true, "jar": true,
	"ws": true, "wss": true, "ftp": true,
}

// Problem says what is wrong with raw as a URI a client registers to have
// browsers sent to (redirect_uris, app_callback_uris,
// post_logout_redirect_uris), or returns "". Allowed are https:// with a
// host; http:// to a loopback host, or to any host in dev mode (Vipps:
// "Must be https in the production environment"); and an app's own custom
// scheme with a path after it ("myapp://callback"), which is not one of
// the schemes a browser handles itself. No fragment (#), at most
// MaxLength characters.
func Problem(raw string, dev bool) string {
	if len(raw) > MaxLength {
		return fmt.Sprintf("is longer than %d characters", MaxLength)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "is not a valid URL"
	}
	if u.Scheme == "" {
		return "must be an absolute URL with a scheme, such as https://example.com/callback or myapp://callback"
	}
	if strings.Contains(raw, "#") {
		return "must not have a fragment (#…)"
	}
	switch scheme := strings.ToLower(u.Scheme); {
	case scheme == "https" || scheme == "http":
		if u.Host == "" {
			return "must name a host, such as https://example.com/callback"
		}
		if scheme == "http" && !dev && !Loopback(u.Hostname()) {
			return "must use https://; plain http:// is allowed only to a loopback host (localhost, 127.0.0.1, [::1]) or in dev mode"
		}
	case browserSchemes[scheme]:
		return fmt.Sprintf("uses the %s: scheme, which cannot be a redirect target", scheme)
	default:
		rest := strings.TrimPrefix(raw[len(u.Scheme)+1:], "//")
		if strings.Trim(rest, "/") == "" {
			return fmt.Sprintf("uses a custom scheme and so needs a path after it, such as %s://callback", u.Scheme)
		}
	}
	return ""
}

// Target reports whether a browser may be sent to raw: its scheme is
// https, http, or an app's custom scheme (App). It checks the scheme only;
// that raw is registered to the client is the caller's to know.
func Target(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" {
		return false
	}
	switch scheme := strings.ToLower(u.Scheme); {
	case scheme == "https" || scheme == "http":
		return u.Host != ""
	case browserSchemes[scheme]:
		return false
	}
	return true
}

// App reports whether raw goes to an app by its own custom scheme
// (demo-app://callback): a safe Target that is not a web page.
func App(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil {
		return false
	}
	scheme := strings.ToLower(u.Scheme)
	return Target(raw) && scheme != "https" && scheme != "http"
}

// Loopback reports whether host is localhost or a loopback address.
func Loopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

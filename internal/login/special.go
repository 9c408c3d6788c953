package login

import (
	"strings"

	"github.com/vippslogin/vippslogin/internal/flow"
	"github.com/vippslogin/vippslogin/internal/store"
)

// The error_description of a no_dialog login (prompt=none is stored as
// one) that would need the user (vipps-login-api-2.0 "No dialog flow": "no
// interaction will be requested from the user in this flow").
const (
	loginRequiredDescription       = "The user must log in, but no login dialog may be shown (requested_flow=no_dialog or prompt=none)."
	interactionRequiredDescription = "The user must consent to share the requested information, but no consent dialog may be shown (requested_flow=no_dialog or prompt=none)."
)

// fresh reports whether the remembered browser session s may log lr in
// without the app: not when the client forces a new login (prompt=login,
// max_age=0), nor when the session's authentication is older than max_age
// allows (OpenID Connect Core §3.1.2.1). Then the user confirms in the app
// again, and the ID token's auth_time is that new confirmation.
func (p *Pages) fresh(lr store.LoginRequest, s store.BrowserSession) bool {
	if lr.ForceLogin {
		return false
	}
	return lr.MaxAuthAge <= 0 || p.now().Sub(s.CreatedAt) <= lr.MaxAuthAge
}

// interactive reports whether the login may show the user a page to act
// on. A no_dialog login may not: a form posted for one anyway is ignored
// and the browser sent to the login's page, which ends it.
func interactive(lr store.LoginRequest) bool {
	return lr.RequestedFlow != flow.NoDialog
}

// formatHint shows the phone number of login_hint (MSISDN digits, e.g.
// 4712345678) as a person would type it, "+47 123 45 678", for the phone
// page to start with; the user can still change it. Anything but digits
// is not shown.
func formatHint(msisdn string) string {
	if msisdn == "" || len(msisdn) > 15 || strings.Trim(msisdn, "0123456789") != "" {
		return ""
	}
	if rest, ok := strings.CutPrefix(msisdn, "47"); ok && len(rest) == 8 {
		return "+47 " + rest[:3] + " " + rest[3:5] + " " + rest[5:]
	}
	if rest, ok := strings.CutPrefix(msisdn, "45"); ok && len(rest) == 8 {
		return "+45 " + rest[:2] + " " + rest[2:4] + " " + rest[4:6] + " " + rest[6:]
	}
	return "+" + msisdn
}

package debugger

import (
	"net/url"
	"strconv"
	"unicode/utf8"
)

// The one rule for what of a request an event keeps (Params). Only
// parameters named here are kept at all; anything else a request carries
// is dropped unread, so that a parameter added later stays out until it
// is placed in one of these lists.
var (
	// shown are kept as sent: they configure a login, and a developer
	// needs to see exactly what was sent to find a mismatch. None is a
	// secret or says who the user is. auth_method is not a request
	// parameter: the token endpoint adds how the client authenticated
	// (client_secret_basic, client_secret_post, none). qr_id is the
	// public id printed on a QR code. The webhook_ ones describe a
	// delivery attempt: its event, its URL without query or user info,
	// the HTTP status and the attempt's number.
	shown = []string{
		"client_id", "redirect_uri", "response_type", "response_mode", "scope",
		"code_challenge_method", "requested_flow", "prompt", "max_age", "acr_values",
		"ui_locales", "market", "final_redirect_is_app", "app_callback_uri", "grant_type",
		"auth_method", "qr_id",
		"webhook_event", "webhook_url", "webhook_status", "webhook_attempt",
	}
	// measured are kept as their length only: the values are secrets
	// (code_verifier), values only the client and the user should know
	// (state, nonce, code_challenge) or words the user reads
	// (binding_message), and their length is what a check is about (a
	// state too short, a verifier outside 43–128 characters).
	measured = []string{"state", "nonce", "code_challenge", "code_verifier", "binding_message"}
	// present are kept as "sent" only: credentials and one-time values
	// (client_secret, code, auth_req_id, client_notification_token) and
	// the user's phone number (login_hint), never shown in any part.
	present = []string{"client_secret", "code", "auth_req_id", "client_notification_token", "login_hint"}
)

// Sent is what Params keeps of a parameter in present.
const Sent = "sent"

// maxShown bounds a shown value: a 2 KB redirect_uri is kept, a longer
// value is cut.
const maxShown = 2048

// Params is the part of a request's parameters an event may keep: the
// shown ones as sent (cut to maxShown bytes), the measured ones as
// "<name>_length", the present ones as Sent, nothing else. A repeated
// parameter keeps its first value.
func Params(form url.Values) map[string]string {
	p := map[string]string{}
	for _, name := range shown {
		if vs, ok := form[name]; ok && len(vs) > 0 {
			p[name] = clip(vs[0], maxShown)
		}
	}
	for _, name := range measured {
		if vs, ok := form[name]; ok && len(vs) > 0 {
			p[name+"_length"] = strconv.Itoa(utf8.RuneCountInString(vs[0]))
		}
	}
	for _, name := range present {
		if vs, ok := form[name]; ok && len(vs) > 0 && vs[0] != "" {
			p[name] = Sent
		}
	}
	return p
}

// clip cuts s to at most n bytes, on a rune boundary, marking the cut.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

package admin

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/vippslogin/vippslogin/internal/jsonapi"
	"github.com/vippslogin/vippslogin/internal/redirect"
	"github.com/vippslogin/vippslogin/internal/store"
)

// DefaultScopes are the scopes a new client gets when it names none: every
// scope in store.Scopes except nin and accountNumbers, which share a national
// identity number and bank accounts and so must be granted explicitly.
// Read-only.
var DefaultScopes = slices.DeleteFunc(slices.Clone(store.Scopes), func(s string) bool {
	return s == "nin" || s == "accountNumbers"
})

// DefaultFlows are the flows a new client gets when it names none: the
// browser flow, which every Vipps Login integration uses. Read-only.
var DefaultFlows = []string{store.FlowBrowser}

// MinSecretLength is the shortest client secret the API accepts when one is
// given rather than generated: short enough for a memorable test secret like
// demo-secret, long enough to rule out an accidental "x".
const MinSecretLength = 8

var addrTypes = []string{"home", "work", "other"}

// problems collects every mistake in a body, so that one answer lists them
// all instead of making the sender fix them one round trip at a time.
type problems []string

func (p *problems) addf(format string, args ...any) {
	*p = append(*p, fmt.Sprintf(format, args...))
}

// err is a 400 Problem listing every mistake, or nil when there are none.
func (p problems) err() error {
	if len(p) == 0 {
		return nil
	}
	return jsonapi.Errorf(http.StatusBadRequest, "%s", strings.Join(p, " "))
}

// validateClient checks a client record as it would be stored, after
// defaults or a patch were applied; dev allows plain http:// to any host
// in the redirect URIs and the QR webhook.
func validateClient(c store.Client, dev bool) problems {
	var p problems
	if !validClientID(c.ID) {
		p.addf("client_id %q must be 1–100 characters, each a letter, digit, '.', '_' or '-'.", c.ID)
	}
	p.name("name", c.Name, true)
	p.uriList("redirect_uris", c.RedirectURIs, dev)
	p.uriList("app_callback_uris", c.AppCallbackURIs, dev)
	p.uriList("post_logout_redirect_uris", c.PostLogoutRedirectURIs, dev)
	if !slices.Contains(store.AuthMethods, c.TokenEndpointAuthMethod) {
		p.addf("token_endpoint_auth_method %q is not supported; use %q or %q.", c.TokenEndpointAuthMethod, store.AuthSecretBasic, store.AuthSecretPost)
	}
	if len(c.Flows) == 0 {
		p.addf("flows must list at least one of %s.", strings.Join(store.Flows, ", "))
	}
	p.subset("flows", c.Flows, store.Flows)
	if len(c.Scopes) == 0 {
		p.addf("scopes must list at least one of %s.", strings.Join(store.Scopes, ", "))
	}
	p.subset("scopes", c.Scopes, store.Scopes)
	p.webhook("qr_webhook_url", c.QRWebhookURL)
	p.webhook("ciba_ping_url", c.CIBAPingURL)
	if !dev {
		p.secureWebhook("qr_webhook_url", c.QRWebhookURL, "its body logs a user in")
		p.secureWebhook("ciba_ping_url", c.CIBAPingURL, "it carries the client_notification_token as a bearer token")
	}
	p.webhook("consent_webhook_url", c.ConsentWebhookURL)
	return p
}

func validClientID(id string) bool {
	if id == "" || len(id) > 100 {
		return false
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

// secret checks a client secret given rather than generated.
func (p *problems) secret(s string) {
	if utf8.RuneCountInString(s) < MinSecretLength {
		p.addf("client_secret must be at least %d characters; leave it out to have a strong one generated.", MinSecretLength)
	}
}

func (p *problems) name(field, v string, required bool) {
	switch n := utf8.RuneCountInString(v); {
	case required && strings.TrimSpace(v) == "":
		p.addf("%s is required (at most 100 characters).", field)
	case n > 100:
		p.addf("%s is %d characters long; at most 100 are allowed.", field, n)
	}
}

func (p *problems) uriList(field string, uris []string, dev bool) {
	for i, u := range uris {
		if why := redirect.Problem(u, dev); why != "" {
			p.addf("%s[%d] %q %s.", field, i, u, why)
		} else if slices.Index(uris, u) < i {
			p.addf("%s lists %q twice.", field, u)
		}
	}
}

// webhook checks an optional URL the server POSTs to. A fragment is
// refused: it is never sent, and it can make a URL read as another host
// than the one posted to ("https://s#op.example/" posts to s).
func (p *problems) webhook(field, raw string) {
	if raw == "" {
		return
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || strings.Contains(raw, "#") || len(raw) > 2000 {
		p.addf("%s %q must be an absolute http:// or https:// URL with a host and no fragment (#…), at most 2000 characters, or left out.", field, raw)
	}
}

// secureWebhook refuses a plain http:// URL to a host other than a
// loopback one (localhost, 127.0.0.0/8, ::1) for a webhook that carries a
// credential, why: the QR webhook's JWS is redeemable for tokens and the
// CIBA ping carries the client's bearer token, so neither may cross a
// network in the clear. A merchant testing on the same machine may still
// use http://localhost.
func (p *problems) secureWebhook(field, raw, why string) {
	u, err := url.Parse(raw)
	if raw == "" || err != nil || u.Scheme != "http" || redirect.Loopback(u.Hostname()) {
		return // fine, or webhook already said what is wrong
	}
	p.addf("%s %q must use https://: %s. Plain http:// is allowed only to a loopback host (localhost, 127.0.0.1, [::1]) or in dev mode.", field, raw, why)
}

// subset checks that every value is allowed and listed once, and suggests
// the right spelling when only the case is wrong ("birthdate" → "birthDate").
func (p *problems) subset(field string, values, allowed []string) {
	for i, v := range values {
		switch {
		case slices.Contains(allowed, v):
			if slices.Index(values, v) < i {
				p.addf("%s lists %q twice.", field, v)
			}
		case slices.ContainsFunc(allowed, func(a string) bool { return strings.EqualFold(a, v) }):
			right := allowed[slices.IndexFunc(allowed, func(a string) bool { return strings.EqualFold(a, v) })]
			p.addf("%s[%d] %q is not allowed; did you mean %q? Names are case-sensitive.", field, i, v, right)
		default:
			p.addf("%s[%d] %q is not allowed; allowed: %s.", field, i, v, strings.Join(allowed, ", "))
		}
	}
}

// validateUser checks a user record as it would be stored; now bounds the
// birthdate. The PIN is checked separately, since the record holds its hash.
func validateUser(u store.User, now time.Time) problems {
	var p problems
	if !store.ValidPhoneNumber(u.PhoneNumber) {
		p.addf("phone_number %q must be an MSISDN of 10–15 digits, such as 4712345678, digits only, with the country code (which never starts with 0) and no '+'.", u.PhoneNumber)
	}
	p.name("given_name", u.GivenName, false)
	p.name("family_name", u.FamilyName, false)
	if u.Birthdate != "" {
		if d, err := time.Parse(time.DateOnly, u.Birthdate); err != nil {
			p.addf("birthdate %q must be a real date as YYYY-MM-DD, such as 1815-12-10.", u.Birthdate)
		} else if d.After(now) {
			p.addf("birthdate %s is in the future.", u.Birthdate)
		}
	}
	if local, domain, _ := strings.Cut(u.Email, "@"); u.Email != "" && (local == "" || domain == "" || strings.Contains(domain, "@")) {
		p.addf("email %q must hold one '@' with text on both sides, such as ada@example.com.", u.Email)
	}
	if u.NIN != "" && (len(u.NIN) != 11 || !digits(u.NIN)) {
		p.addf("nin %q must be 11 digits (a Norwegian national identity number), or left out.", u.NIN)
	}
	defaults := 0
	for i, a := range u.Addresses {
		if a.Default {
			defaults++
		}
		if !slices.Contains(addrTypes, a.AddressType) {
			p.addf("addresses[%d].address_type %q must be one of %s.", i, a.AddressType, strings.Join(addrTypes, ", "))
		}
	}
	if defaults > 1 {
		p.addf("addresses has %d entries with \"default\": true; at most one may be the default.", defaults)
	}
	for i, a := range u.Accounts {
		if a.AccountNumber == "" {
			p.addf("accounts[%d].account_number is required.", i)
		}
	}
	return p
}

// pin checks a PIN as the app's keypad takes it.
func (p *problems) pin(pin string) {
	switch {
	case pin == "":
		p.addf("pin is required: 4–6 digits the user types in the app.")
	case len(pin) < 4 || len(pin) > 6 || !digits(pin):
		p.addf("pin must be 4–6 digits.")
	}
}

func digits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

package oidc

import (
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vippslogin/vippslogin/internal/flow"
	"github.com/vippslogin/vippslogin/internal/store"
)

// LoginToWebpage is the requested_flow of CIBA's redirect-to-browser
// variant: the app opens the client's redirect_uri with a code.
const LoginToWebpage = flow.LoginToWebpage

// Limits on the backchannel request's parameters.
const (
	cibaMaxParam = 2048
	cibaMaxNonce = 512
	// cibaMaxNotificationToken is CIBA Core §7.1's limit on
	// client_notification_token.
	cibaMaxNotificationToken = 1024
)

var (
	// bindingMessage is Vipps' format for binding_message.
	bindingMessage = regexp.MustCompile(`^[A-Z0-9-]{5,8}$`)
	// b64token is the syntax of a Bearer credential (RFC 6750
	// §2.1), which client_notification_token must follow (CIBA Core §7.1).
	b64token = regexp.MustCompile(`^[A-Za-z0-9._~+/-]+=*$`)
)

// cibaRequest is a backchannel request's parameters once checked.
type cibaRequest struct {
	phone          string
	scopes         []string
	bindingMessage string
	state, nonce   string
	expiry         time.Duration
	requestedFlow  string
	redirectURI    string
	// notificationToken is client_notification_token, kept for a client
	// registered for ping only.
	notificationToken string
}

// cibaParams checks the parameters of a backchannel authentication request
// (CIBA Core §7.1, Vipps' "Authentication Request") for client.
func cibaParams(client store.Client, form url.Values) (cibaRequest, *Error) {
	invalid := func(format string, args ...any) (cibaRequest, *Error) {
		return cibaRequest{}, oauthError(ErrInvalidRequest, format, args...)
	}
	for name, vs := range form {
		if len(vs[0]) > cibaMaxParam {
			return invalid("The parameter %s is longer than %d characters.", name, cibaMaxParam)
		}
	}
	var req cibaRequest
	if form.Has("request") || form.Has("request_uri") {
		// Refused rather than ignored, as at authorize: what a signed
		// request carried would be dropped without a word.
		return invalid("Signed authentication requests (request, request_uri; CIBA Core section 7.1.1) are not supported; send each parameter in the form instead.")
	}
	if form.Has("login_hint_token") || form.Has("id_token_hint") {
		return invalid("Send exactly one hint, login_hint; login_hint_token and id_token_hint are not supported.")
	}
	hint := form.Get("login_hint")
	if hint == "" {
		return invalid("login_hint is required: urn:msisdn:<phone number with country code>, such as urn:msisdn:4712345678.")
	}
	var err *Error
	if req.phone, err = parseLoginHint(hint, ""); err != nil {
		return cibaRequest{}, err
	}

	req.requestedFlow = form.Get("requested_flow")
	switch req.requestedFlow {
	case "":
		if form.Has("redirect_uri") {
			return invalid("redirect_uri is only used with requested_flow=%s.", LoginToWebpage)
		}
	case LoginToWebpage:
		req.redirectURI = form.Get("redirect_uri")
		if req.redirectURI == "" {
			return invalid("requested_flow=%s needs redirect_uri, one of the URIs registered for the client.", LoginToWebpage)
		}
		if !slices.Contains(client.RedirectURIs, req.redirectURI) {
			return invalid("%s", mismatch(req.redirectURI, client.RedirectURIs))
		}
	default:
		return invalid("requested_flow '%s' is not supported; leave it out, or use %s.", req.requestedFlow, LoginToWebpage)
	}

	if req.scopes, err = cibaScopes(client, form, req.requestedFlow == LoginToWebpage); err != nil {
		return cibaRequest{}, err
	}
	req.bindingMessage = form.Get("binding_message")
	if form.Has("binding_message") && !bindingMessage.MatchString(req.bindingMessage) {
		return cibaRequest{}, oauthError(ErrInvalidBindingMessage,
			"binding_message must be 5 to 8 characters of A-Z, 0-9 and '-' (^[A-Z0-9-]{5,8}$), such as 4MZ-CQ3.")
	}
	req.state, req.nonce = form.Get("state"), form.Get("nonce")
	if len(req.nonce) > cibaMaxNonce {
		return invalid("nonce is longer than %d characters.", cibaMaxNonce)
	}
	req.expiry = cibaDefaultExpiry
	if raw := form.Get("requested_expiry"); form.Has("requested_expiry") {
		n, err := strconv.Atoi(raw)
		if err != nil || n < int(cibaMinExpiry/time.Second) || n > int(cibaMaxExpiry/time.Second) {
			return invalid("requested_expiry must be a whole number of seconds from %d to %d, not '%s'.",
				int(cibaMinExpiry/time.Second), int(cibaMaxExpiry/time.Second), raw)
		}
		req.expiry = time.Duration(n) * time.Second
	}
	if req.notificationToken, err = notificationToken(client, form); err != nil {
		return cibaRequest{}, err
	}
	return req, nil
}

// notificationToken checks client_notification_token (CIBA Core §7.1). A
// client registered for ping (it has a CIBAPingURL) must send one, a bearer
// token of at most 1024 characters, which its ping will carry. A poll
// client has no use for one: §7.1 requires it only of ping and push
// clients, so one sent anyway is ignored, not refused, and not kept.
func notificationToken(client store.Client, form url.Values) (string, *Error) {
	if client.CIBAPingURL == "" {
		return "", nil
	}
	token := form.Get("client_notification_token")
	switch {
	case token == "":
		return "", oauthError(ErrInvalidRequest,
			"client_notification_token is required: the client is registered for ping delivery, and the ping to its ciba_ping_url carries it as the bearer token.")
	case len(token) > cibaMaxNotificationToken:
		return "", oauthError(ErrInvalidRequest, "client_notification_token is longer than %d characters.", cibaMaxNotificationToken)
	case !b64token.MatchString(token):
		return "", oauthError(ErrInvalidRequest,
			"client_notification_token must be a bearer token (RFC 6750 section 2.1): letters, digits and -._~+/, then optional '=' padding.")
	}
	return token, nil
}

// parseLoginHint reads the phone number of a login_hint, the backchannel's
// and authorize's alike (Vipps: "login_hint ... urn:msisdn:4712345678" or
// "urn:mobilenumber:12345678"): urn:msisdn: and the number with its
// country code, as the store keeps numbers (store.ValidPhoneNumber), or
// urn:mobilenumber: and a mobile number's national digits, read in market
// (store.NormalizePhoneNumber; the backchannel has none, so Norway's).
// Anything else is invalid_request, which says only how a hint is written.
func parseLoginHint(hint, market string) (phone string, _ *Error) {
	if n, ok := strings.CutPrefix(hint, "urn:msisdn:"); ok {
		if !store.ValidPhoneNumber(n) {
			advice := ""
			if len(n) == 8 && strings.Trim(n, "0123456789") == "" {
				advice = " An MSISDN starts with the country code: a Norwegian number is urn:msisdn:47 and its 8 digits."
			}
			return "", oauthError(ErrInvalidRequest,
				"login_hint urn:msisdn: must be followed by the phone number's digits with the country code and no '+' (10 to 15 digits), such as urn:msisdn:4712345678.%s", advice)
		}
		return n, nil
	}
	if n, ok := strings.CutPrefix(hint, "urn:mobilenumber:"); ok {
		// National digits only: the rule must add the country code.
		phone, ok := "", n != "" && strings.Trim(n, "0123456789") == ""
		if ok {
			phone, ok = store.NormalizePhoneNumber(n, market)
			ok = ok && phone != n
		}
		if !ok {
			return "", oauthError(ErrInvalidRequest,
				"login_hint urn:mobilenumber: must be followed by a mobile number's digits, such as urn:mobilenumber:12345678 (8 digits in Norway).")
		}
		return phone, nil
	}
	return "", oauthError(ErrInvalidRequest,
		"login_hint must be urn:msisdn:<phone number with country code>, such as urn:msisdn:4712345678, or urn:mobilenumber:<8 digits>.")
}

// cibaScopes parses scope as authorize does (unknown scopes dropped,
// offline refused, nin and accountNumbers only when granted), with Vipps'
// CIBA rules: scope is required, the legacy nnin is refused, and openid is
// required only for login_to_webpage.
func cibaScopes(client store.Client, form url.Values, needOpenID bool) ([]string, *Error) {
	raw := form.Get("scope")
	if strings.TrimSpace(raw) == "" {
		return nil, oauthError(ErrInvalidRequest, "scope is required, such as scope=openid name phoneNumber.")
	}
	var scopes []string
	for _, s := range strings.Fields(raw) {
		switch {
		case s == "nnin":
			return nil, oauthError(ErrInvalidScope, "The legacy scope nnin is not supported; use nin.")
		case s == "offline" || s == "offline_access":
			return nil, oauthError(ErrInvalidScope, "Vipps Login has no refresh tokens, so the scope %s cannot be granted.", s)
		case !slices.Contains(store.Scopes, s):
			continue
		case !slices.Contains(client.Scopes, s):
			return nil, oauthError(ErrInvalidScope, "The client is not granted the scope '%s'.", s)
		case !slices.Contains(scopes, s):
			scopes = append(scopes, s)
		}
	}
	switch {
	case needOpenID && !slices.Contains(scopes, "openid"):
		return nil, oauthError(ErrInvalidScope, "requested_flow=%s needs the scope openid.", LoginToWebpage)
	case len(scopes) == 0:
		return nil, oauthError(ErrInvalidScope, "scope has no scope Vipps Login knows (%s).", strings.Join(store.Scopes, " "))
	}
	return scopes, nil
}

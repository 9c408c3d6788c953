package oidc

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vippslogin/vippslogin/internal/flow"
	"github.com/vippslogin/vippslogin/internal/redirect"
	"github.com/vippslogin/vippslogin/internal/store"
)

// ACRAppAuth is the one acr value Vipps knows: the user confirmed in the app.
const ACRAppAuth = "urn:vipps:acr:app_auth"

var (
	maxAgeSyntax   = regexp.MustCompile(`^[0-9]{1,9}$`)
	appFlowsNeeded = []string{flow.AppToApp, flow.AppToAppV2}
)

// specialFlow reads the parameters of Vipps' special flows and OIDC's
// prompt, max_age, acr_values and login_hint (vipps-login-api-2.0 "Using
// the special flows", OIDC Core §3.1.2.1) into the fields of a login request.
func specialFlow(client store.Client, params url.Values, pkceMethod string) (store.LoginRequest, *Error) {
	invalid := func(format string, args ...any) (store.LoginRequest, *Error) {
		return store.LoginRequest{}, &Error{Code: "invalid_request", Description: fmt.Sprintf(format, args...)}
	}
	var r store.LoginRequest
	switch f := params.Get("requested_flow"); f {
	case "", flow.NoDialog, flow.AppToApp, flow.AppToAppV2, flow.AutomaticReturn:
		r.RequestedFlow = f
	default:
		return invalid("requested_flow '%s' is unknown; use no_dialog, app_to_app, app_to_app_v2 or automatic_return_from_vipps_app, or leave it out.", f)
	}

	callback := params.Get("app_callback_uri")
	switch {
	case slices.Contains(appFlowsNeeded, r.RequestedFlow) && callback == "":
		return invalid("requested_flow=%s needs app_callback_uri, the URI that takes the user back to the app.", r.RequestedFlow)
	case !slices.Contains(appFlowsNeeded, r.RequestedFlow) && callback != "":
		return invalid("app_callback_uri is only used with requested_flow=app_to_app.")
	case callback != "":
		if e := checkAppCallback(client, callback); e != nil {
			return store.LoginRequest{}, e
		}
	}
	r.AppCallbackURI = callback
	if r.RequestedFlow == flow.AppToAppV2 && pkceMethod != "S256" {
		return invalid("requested_flow=app_to_app_v2 needs PKCE with code_challenge_method=S256.")
	}

	for _, p := range strings.Fields(params.Get("prompt")) {
		switch p {
		case "none":
			if r.RequestedFlow != "" && r.RequestedFlow != flow.NoDialog {
				return invalid("prompt=none cannot be combined with requested_flow=%s.", r.RequestedFlow)
			}
			r.RequestedFlow = flow.NoDialog
		case "login":
			r.ForceLogin = true
		case "consent", "select_account":
			// One Vipps account per phone, and consent is asked whenever
			// it does not cover the scopes: nothing to do.
		default:
			return invalid("prompt '%s' is unknown; use none or login.", p)
		}
	}
	if slices.Contains(strings.Fields(params.Get("prompt")), "none") && len(strings.Fields(params.Get("prompt"))) > 1 {
		return invalid("prompt=none cannot be combined with other prompt values (OIDC Core section 3.1.2.1).")
	}

	if v := params.Get("max_age"); v != "" {
		if !maxAgeSyntax.MatchString(v) {
			return invalid("max_age must be a whole number of seconds, not '%s'.", v)
		}
		n, _ := strconv.Atoi(v)
		if n == 0 {
			r.ForceLogin = true
		} else {
			r.MaxAuthAge = time.Duration(n) * time.Second
		}
	}
	if slices.Contains(strings.Fields(params.Get("acr_values")), ACRAppAuth) {
		r.ACR = ACRAppAuth
	}
	if m := params.Get("market"); m != "" {
		if !slices.Contains(store.Markets, strings.ToUpper(m)) {
			return invalid("market must be one of NO, DK, FI and SE, not '%s'.", m)
		}
		r.Market = strings.ToUpper(m)
	}
	if hint := params.Get("login_hint"); hint != "" {
		phone, err := parseLoginHint(hint, r.Market)
		if err != nil {
			return store.LoginRequest{}, err
		}
		r.LoginHint = phone
	}
	return r, nil
}

// checkAppCallback says whether callback may be a login's app_callback_uri
// (vipps-login-api-2.0 "App integration", "Custom error codes"): a URI of
// a form a browser may be sent to ("invalid_app_callback_uri The app
// callback uri is not on a valid format"), registered "as a redirect uri"
// ("app_callback_uri_not_registered"): among the client's redirect_uris,
// where the Vipps portal has merchants add both URIs. The app_callback_uris
// list that vippslogin once required instead still counts, so that clients
// registered that way keep working; it is deprecated.
//
// The form is redirect.Problem's, the rule every registered URI passed. Its
// dev setting only decides whether a plain http:// URI to a host other than
// a loopback one may be registered; that is the registration's question,
// already answered for every URI the client has, so here any host is fine.
func checkAppCallback(client store.Client, callback string) *Error {
	if why := redirect.Problem(callback, true); why != "" {
		return &Error{Code: "invalid_app_callback_uri",
			Description: "The app_callback_uri " + why + "."}
	}
	if slices.Contains(client.RedirectURIs, callback) || slices.Contains(client.AppCallbackURIs, callback) {
		return nil
	}
	desc := fmt.Sprintf("The app_callback_uri '%s' is not registered as a redirect URI of this client; add it to the client's redirect URIs (merchant portal or admin API), exactly as sent.", callback)
	if registered := slices.Concat(client.RedirectURIs, client.AppCallbackURIs); len(registered) > 0 {
		near := closest(callback, registered)
		desc += fmt.Sprintf(" The closest registered one is '%s': %s.", near, difference(callback, near))
	}
	return &Error{Code: "app_callback_uri_not_registered", Description: desc}
}

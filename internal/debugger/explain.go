package debugger

import (
	"fmt"
	"time"

	"github.com/vippslogin/vippslogin/internal/flow"
	"github.com/vippslogin/vippslogin/internal/store"
)

// Each function here owns the words of one outcome: the call site that
// sees the outcome records what the function says. A redirect_uri that is
// not registered is the exception: the authorize endpoint's error page
// already explains it (which registered URI is closest, and how the two
// differ), and its event carries that same text.

// WrongAuthMethod explains a token request that proved the client's secret
// by another method than the client is registered for.
func WrongAuthMethod(registered, used string) string {
	return fmt.Sprintf("The client_secret was right, but it was sent as %s while this client is registered for %s: %s. "+
		"Vipps applies the one registered method to every token request of the sale unit. Either configure the client "+
		"library to use %s (many libraries default to client_secret_basic), or change the client's token_endpoint_auth_method "+
		"to %s in the merchant portal or the admin API.",
		used, registered, howTo(registered), registered, used)
}

// howTo says how a client registered for method sends its secret.
func howTo(method string) string {
	if method == store.AuthSecretPost {
		return "client_id and client_secret as form fields in the request body"
	}
	return "an Authorization: Basic header of the form-url-encoded client_id and client_secret"
}

// WrongSecret explains a client_secret that did not match the client's,
// sent by method. The client gets the answer of an unknown client; only
// the debugger tells the merchant which it was.
func WrongSecret(method string) string {
	return fmt.Sprintf("The client_id is known, but the client_secret sent (%s) is not this client's secret. "+
		"Check for a secret rotated in the merchant portal but not in the shop's configuration, a secret of another "+
		"client or environment, and stray white space. With client_secret_basic, the id and secret are form-url-encoded "+
		"before base64 (RFC 6749 section 2.3.1), which matters for a secret with '+', '%%' or ':'.", method)
}

// CodeReplayed explains a code redeemed a second time: revoked is how many
// tokens of its first redemption this one revoked, usedAt when that was
// (zero when not known).
func CodeReplayed(revoked int, usedAt time.Time) string {
	first := "before"
	if !usedAt.IsZero() {
		first = "at " + usedAt.UTC().Format(time.RFC3339)
	}
	return fmt.Sprintf("The authorization code was already redeemed %s. A code is single use; a second redemption is treated as "+
		"a stolen code (RFC 6749 section 4.1.2), so the %d access token(s) issued for it are now revoked and the user must log in again. "+
		"Look for a token request sent twice: a retry after a timeout, a callback page loaded twice (reload, back button, "+
		"a prefetch), or two servers handling one callback.", first, revoked)
}

// PKCEMismatch explains a code_verifier that does not match the code's
// code_challenge, which was made with method.
func PKCEMismatch(method string) string {
	if method == "S256" {
		return "The code_verifier does not match the code_challenge sent to the authorize endpoint with code_challenge_method=S256: " +
			"the challenge must be BASE64URL(SHA-256(code_verifier)), base64url without '=' padding. Check that the token request " +
			"sends the verifier made for this very login (not one of another login, tab or retry, as when the verifier is kept " +
			"in a session that a second login overwrote) and that the challenge was not encoded with standard base64 or hex."
	}
	return "The code_verifier does not match the code_challenge sent to the authorize endpoint with code_challenge_method=plain " +
		"(plain is what a code_challenge without a method means, RFC 7636 section 4.3): the verifier must equal the challenge " +
		"exactly. A client that sent an S256 challenge must also send code_challenge_method=S256, or the challenge is taken as plain."
}

// StateTooShort explains a state shorter than the minimum.
func StateTooShort(length, minimum int) string {
	if length == 0 {
		return fmt.Sprintf("The authorize request has no state. Vipps requires one of at least %d characters: a random value the "+
			"client keeps (say, in the session) and compares with the state on the callback, against cross-site request forgery.", minimum)
	}
	return fmt.Sprintf("The state sent is %d character(s) long; Vipps requires at least %d. Make it a random value of 16 or more "+
		"characters that the client keeps and compares with the state on the callback.", length, minimum)
}

// SlowDown explains a CIBA or QR poll that came too soon: since the
// previous poll, interval the poll interval it broke, next the interval
// the login has from now on.
func SlowDown(since, interval, next time.Duration) string {
	return fmt.Sprintf("The client polled %s after its previous poll, but the poll interval is %s (the backchannel answer's "+
		"\"interval\"). slow_down raised this login's interval to %s (CIBA Core section 11): wait at least that long between polls "+
		"from now on, and start each wait when the previous answer arrives.",
		since.Round(time.Millisecond), interval, next)
}

// PolledAfterExpiry explains a poll of a login that had expired at
// expiredAt without an answer from the user.
func PolledAfterExpiry(expiredAt time.Time) string {
	return "The client polled for a login that expired at " + expiredAt.UTC().Format(time.RFC3339) + " without an answer " +
		"from the user, and got expired_token. An expired auth_req_id never becomes valid: stop polling once expires_in has " +
		"passed or expired_token has come, and start a new login."
}

// LoginFailure explains how the login lr ended without success: its Error
// and ErrorDescription are what the client gets.
func LoginFailure(lr store.LoginRequest) string {
	switch {
	case lr.Error == "expired_token":
		return fmt.Sprintf("The user did not answer in the Vipps app before the login expired at %s (%s after it started); "+
			"it was noticed when the client polled. Check that the phone number is the user's and that the app is installed and "+
			"signed in; the client may start a new login.", stamp(lr.ExpiresAt), lr.ExpiresAt.Sub(lr.CreatedAt).Round(time.Second))
	case lr.ErrorDescription == flow.TimeoutDescription:
		return fmt.Sprintf("The user did not answer in the Vipps app before the login expired at %s (%s after it started): "+
			"the browser was sent back with error=%s. Nothing is wrong with the integration; the user may try again.",
			stamp(lr.ExpiresAt), lr.ExpiresAt.Sub(lr.CreatedAt).Round(time.Second), lr.Error)
	}
	switch lr.Error {
	case "access_denied":
		return "The user rejected the login in the Vipps app. Nothing is wrong with the integration: show the user a way to try again."
	case "unknown_reject_reason":
		return "The app ended the login without saying why (unknown_reject_reason): treat it as a rejection and let the user try again."
	case "wrong_challenge":
		return "The user picked another challenge in the Vipps app than the one the browser showed, so the login ended with " +
			"wrong_challenge. This protects against someone else's login being confirmed; the user may try again."
	case "outdated_app_version", "old_app":
		return "The user's Vipps app is too old to confirm logins (older than " + flow.MinAppVersion + "); the user must update " +
			"the app. The client should tell the user so rather than show a generic error."
	case "invalid_user":
		return "The phone number has no active Vipps account that may log in from phone number (no account, an inactive one, " +
			"or a user under 15). Check the number's format (country code and digits, e.g. 4712345678) and that it is the user's."
	case "login_required":
		return "requested_flow=no_dialog (or prompt=none) needs a browser that remembers the user, and this one did not: " +
			"send the user through an ordinary login once with remember me, or drop no_dialog."
	case "interaction_required":
		return "requested_flow=no_dialog (or prompt=none) cannot ask the user anything, but this login needed the user's " +
			"consent to the scopes: run an ordinary login once so that the consent is given."
	}
	return fmt.Sprintf("The login ended with error=%s: %s", lr.Error, lr.ErrorDescription)
}

// CodeSent explains a login that ended with a code sent to the client's
// redirect_uri.
func CodeSent(lr store.LoginRequest) string {
	return fmt.Sprintf("The user approved; the browser was sent to the redirect_uri with a code. The client must redeem it at "+
		"the token endpoint within %s, once, with the same redirect_uri%s.", flow.CodeTTL, verifierNote(lr.CodeChallengeMethod))
}

func verifierNote(method string) string {
	if method == "" {
		return ""
	}
	return " and the code_verifier of its code_challenge (" + method + ")"
}

// TokensIssued explains a token request that got its tokens.
func TokensIssued(grantType string) string {
	return "The token endpoint issued an access token and an ID token for grant_type=" + grantType + "."
}

// WebhookFailed explains a failed attempt to deliver the client's webhook
// of kind event to url: status is the answer's HTTP status (0 for none),
// reason the error, attempt its number, timeout the time an attempt has,
// and giveUp whether it was the last.
func WebhookFailed(event, url string, status int, reason string, attempt int, timeout time.Duration, giveUp bool) string {
	what := fmt.Sprintf("Delivering the %s webhook to %s failed on attempt %d: %s.", event, url, attempt, reason)
	switch {
	case status >= 500:
		what += " The receiver answered with a server error: look in its logs for this request (its Webhook-Id header names it)."
	case status >= 300 && status < 400:
		what += " Webhooks do not follow redirects: register the final URL."
	case status >= 400:
		what += " The receiver refused the request: check that the URL is right and that it accepts a POST without a session or CSRF token."
	default:
		what += fmt.Sprintf(" No answer came: check that the URL is reachable from this server, and that the receiver answers "+
			"within %s (do slow work after answering).", timeout)
	}
	if giveUp {
		return what + " That was the last attempt: the event is not delivered."
	}
	return what + " It will be retried with backoff."
}

// WebhookDelivered explains a webhook the receiver accepted.
func WebhookDelivered(event, url string, status, attempt int) string {
	return fmt.Sprintf("The %s webhook was delivered to %s (HTTP %d) on attempt %d.", event, url, status, attempt)
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

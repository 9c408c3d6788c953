package debugger

import (
	"strings"
	"testing"
	"time"

	"github.com/vippslogin/vippslogin/internal/flow"
	"github.com/vippslogin/vippslogin/internal/store"
)

// Each explanation names what went wrong and what to do, with the
// specifics its caller gives it.
func TestExplanations(t *testing.T) {
	start := time.Date(2025, 3, 14, 15, 0, 0, 0, time.UTC)
	login := func(code, description string) store.LoginRequest {
		return store.LoginRequest{Error: code, ErrorDescription: description, CreatedAt: start, ExpiresAt: start.Add(5 * time.Minute)}
	}
	tests := []struct {
		name, got string
		want      []string
	}{
		{"wrong auth method", WrongAuthMethod(store.AuthSecretPost, store.AuthSecretBasic),
			[]string{"sent as client_secret_basic", "registered for client_secret_post", "form fields in the request body"}},
		{"wrong auth method, basic", WrongAuthMethod(store.AuthSecretBasic, store.AuthSecretPost),
			[]string{"sent as client_secret_post", "registered for client_secret_basic", "Authorization: Basic"}},
		{"wrong secret", WrongSecret(store.AuthSecretBasic), []string{"client_id is known", "(client_secret_basic)", "rotated", "form-url-encoded"}},
		{"code replayed", CodeReplayed(2, start), []string{"already redeemed at 2025-03-14T15:00:00Z", "2 access token(s)", "revoked", "sent twice"}},
		{"code replayed, time unknown", CodeReplayed(0, time.Time{}), []string{"already redeemed before", "0 access token(s)"}},
		{"PKCE S256", PKCEMismatch("S256"), []string{"code_challenge_method=S256", "BASE64URL(SHA-256(code_verifier))", "padding"}},
		{"PKCE plain", PKCEMismatch("plain"), []string{"code_challenge_method=plain", "equal the challenge exactly", "must also send code_challenge_method=S256"}},
		{"state too short", StateTooShort(3, 8), []string{"3 character(s) long", "at least 8"}},
		{"no state", StateTooShort(0, 8), []string{"has no state", "at least 8"}},
		{"slow down", SlowDown(1200*time.Millisecond, 5*time.Second, 10*time.Second), []string{"1.2s after its previous poll", "interval is 5s", "raised this login's interval to 10s"}},
		{"polled after expiry", PolledAfterExpiry(start), []string{"expired at 2025-03-14T15:00:00Z", "expired_token", "stop polling"}},
		{"CIBA expired", LoginFailure(login("expired_token", flow.TimeoutDescription)), []string{"did not answer", "2025-03-14T15:05:00Z", "5m0s after it started", "client polled"}},
		{"browser expired", LoginFailure(login("access_denied", flow.TimeoutDescription)), []string{"did not answer", "error=access_denied", "Nothing is wrong with the integration"}},
		{"rejected", LoginFailure(login("access_denied", "The user rejected the login in the Vipps app.")), []string{"rejected the login"}},
		{"unknown reject reason", LoginFailure(login("unknown_reject_reason", "x")), []string{"without saying why"}},
		{"wrong challenge", LoginFailure(login("wrong_challenge", "x")), []string{"another challenge", "than the one the browser showed"}},
		{"outdated app", LoginFailure(login("outdated_app_version", "x")), []string{"too old", flow.MinAppVersion}},
		{"old app (CIBA)", LoginFailure(login("old_app", "x")), []string{"too old"}},
		{"invalid user", LoginFailure(login("invalid_user", "x")), []string{"no active Vipps account", "under 15", "4712345678"}},
		{"login required", LoginFailure(login("login_required", "x")), []string{"no_dialog", "remembers the user"}},
		{"interaction required", LoginFailure(login("interaction_required", "x")), []string{"no_dialog", "consent"}},
		{"other", LoginFailure(login("server_error", "It broke.")), []string{"error=server_error: It broke."}},
		{"code sent", CodeSent(store.LoginRequest{CodeChallengeMethod: "S256"}), []string{"approved", "within 2m0s", "code_verifier", "(S256)"}},
		{"code sent without PKCE", CodeSent(store.LoginRequest{}), []string{"same redirect_uri."}},
		{"tokens issued", TokensIssued("authorization_code"), []string{"grant_type=authorization_code"}},
		{"webhook 500", WebhookFailed(store.EventQRLogin, "https://shop.example/qr", 500, "HTTP 500: boom", 2, 5*time.Second, false),
			[]string{"QR_LOGIN webhook to https://shop.example/qr failed on attempt 2: HTTP 500: boom", "server error", "Webhook-Id", "retried"}},
		{"webhook timeout, last attempt", WebhookFailed(store.EventCIBAPing, "https://shop.example/ping", 0, "no answer within 5s", 7, 5*time.Second, true),
			[]string{"No answer came", "within 5s", "last attempt"}},
		{"webhook 404", WebhookFailed(store.EventConsentRevoked, "https://shop.example/hook", 404, "HTTP 404", 1, time.Second, false), []string{"refused the request"}},
		{"webhook redirect", WebhookFailed(store.EventConsentRevoked, "https://shop.example/hook", 302, "HTTP 302", 1, time.Second, false), []string{"do not follow redirects"}},
		{"webhook delivered", WebhookDelivered(store.EventQRLogin, "https://shop.example/qr", 204, 3), []string{"delivered", "HTTP 204", "attempt 3"}},
	}
	for _, tt := range tests {
		for _, w := range tt.want {
			if !strings.Contains(tt.got, w) {
				t.Errorf("%s: %q does not say %q", tt.name, tt.got, w)
			}
		}
	}
}

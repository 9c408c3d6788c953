package oidc

import (
	"testing"

	"github.com/vippslogin/vippslogin/internal/app"
)

// A CIBA login the app rejects for an unknown reason is access_denied at
// the token endpoint, with the reason in the description and no
// error_code. unknown_reject_reason is one of the "custom error codes that
// you might see on the redirect"; the CIBA token endpoint instead answers
// "according to the standard" (CIBA Core §11: "access_denied The end-user
// denied the authorization request"), and the Vipps guide adds to it only
// "error_code=old_app" and "error_code=invalid_user".
func TestCIBARejectedForAnUnknownReason(t *testing.T) {
	e := newCIBAEnv(t)
	phone := e.phone(adaPhone)
	for _, tt := range []struct {
		reason, description string
	}{
		{"", app.RejectedDescription},
		{app.RejectUnknown, "Something went wrong. Reject reason is unknown."},
	} {
		id := e.mustStart(cibaClient, cibaForm(nil))
		if _, err := phone.RejectWith(e.ctx, id, app.RejectRequest{Reason: tt.reason}); err != nil {
			t.Fatal(err)
		}
		resp, body := e.poll(cibaClient, id)
		wantError(t, resp, body, 400, ErrAccessDenied)
		if _, has := body["error_code"]; has || body["error_description"] != tt.description {
			t.Errorf("rejected with reason %q: %v; want access_denied saying %q, without error_code", tt.reason, body, tt.description)
		}
	}
}

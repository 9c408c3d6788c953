package app

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/vippslogin/vippslogin/internal/flow"
	"github.com/vippslogin/vippslogin/internal/store"
)

// A rejection that gives the reason "unknown" ends the login with Vipps'
// custom error unknown_reject_reason. The Vipps Login API lists it among
// the "custom error codes that you might see on the redirect":
// "unknown_reject_reason Something went wrong. Reject reason is unknown."
// A rejection without a reason stays the user saying no: "access_denied
// User cancelled the login".
func TestRejectWithUnknownReason(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	issuer := "https://vipps.example" + flow.IssuerPath

	// The browser that started the login is sent back with the error.
	r := w.login(t, "4712345678")
	if _, err := w.ada.RejectWith(ctx, r.ID, RejectRequest{Reason: RejectUnknown}); err != nil {
		t.Fatal(err)
	}
	if got := w.get(t, r.ID); got.Status != store.LoginFailed || got.Error != "unknown_reject_reason" || got.ErrorDescription != UnknownRejectDescription {
		t.Errorf("rejected for an unknown reason: %+v", got)
	}
	back, err := flow.Complete(ctx, w.st, issuer, r.ID, w.clock.Now(), nil, nil)
	u, _ := url.Parse(back)
	if err != nil || !strings.HasPrefix(back, r.RedirectURI+"?") || u.Query().Get("error") != "unknown_reject_reason" ||
		u.Query().Get("error_description") != UnknownRejectDescription || u.Query().Get("state") != r.State {
		t.Errorf("the browser is sent to %q (%v); want the redirect URI with error=unknown_reject_reason and the state", back, err)
	}

	// Without a body, or with an empty one, it is the user saying no.
	for _, body := range []string{"", "{}", `{"reason":""}`} {
		r := w.login(t, "4712345678")
		if code, ans := raw(t, w.ada, "POST", "/app/v1/requests/"+r.ID+"/reject", body); code != 200 {
			t.Fatalf("reject with body %q = %d %v", body, code, ans)
		}
		if got := w.get(t, r.ID); got.Error != "access_denied" || got.ErrorDescription != RejectedDescription {
			t.Errorf("reject with body %q: %+v, want access_denied", body, got)
		}
	}

	// app_to_app: "Parameters state and possibly error will be passed as
	// query parameters to the app_callback_uri."
	r = w.login(t, "4712345678")
	_, err = w.st.UpdateLoginRequest(ctx, r.ID, func(lr store.LoginRequest) (store.LoginRequest, error) {
		lr.RequestedFlow, lr.AppCallbackURI = flow.AppToApp, "demo-app://callback"
		return lr, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	code, ans := raw(t, w.ada, "POST", "/app/v1/requests/"+r.ID+"/reject", `{"reason":"unknown"}`)
	open, _ := ans["open_url"].(string)
	u, _ = url.Parse(open)
	if code != 200 || !strings.HasPrefix(open, "demo-app://callback?") || u.Query().Get("error") != "unknown_reject_reason" || u.Query().Get("state") != r.State {
		t.Errorf("app_to_app reject = %d %v; want open_url demo-app://callback with error=unknown_reject_reason and the state", code, ans)
	}
}

// A reason the API does not know is a mistake of the app, not an answer:
// 400 with the reasons there are, and the login stays open. The body is
// read as every app API body is: JSON only, no unknown fields, bounded.
func TestRejectReasonRefused(t *testing.T) {
	w := newWorld(t)
	r := w.login(t, "4712345678")
	for _, tt := range []struct {
		body   string
		status int
		detail string
	}{
		{`{"reason":"cancelled"}`, 400, `reason must be "unknown"`},
		{`{"reason":"Unknown"}`, 400, "or left out"},
		{`{"reason":5}`, 400, "reason"},
		{`{"reason":"unknown","why":"x"}`, 400, "why"},
		{`{"reason":"unknown"} {}`, 400, "exactly one"},
		{`{"reason":"` + strings.Repeat("x", 2<<20) + `"}`, 413, "larger than"},
	} {
		code, ans := raw(t, w.ada, "POST", "/app/v1/requests/"+r.ID+"/reject", tt.body)
		if detail, _ := ans["detail"].(string); code != tt.status || !strings.Contains(detail, tt.detail) {
			t.Errorf("reject with %.40s = %d %q, want %d with %q", tt.body, code, detail, tt.status, tt.detail)
		}
	}
	if got := w.get(t, r.ID); got.Status != store.LoginWaiting {
		t.Errorf("after refused rejections the login is %s, want still waiting", got.Status)
	}
}

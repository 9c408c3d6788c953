package admin_test

import (
	"testing"
	"time"

	"github.com/vippslogin/vippslogin/internal/admin"
	"github.com/vippslogin/vippslogin/internal/store"
)

// An operator's cancel-logins ends every login of the user that has not
// ended, of every kind, with access_denied: the support desk's way out of
// a CIBA request that blocks the user's next one (429) until it expires.
// The user's other requests, and other users', are left as they are; a
// waiting CIBA request of a ping client is pinged with its end, so the
// client polls and learns it; and the user may start a new login from
// phone number at once.
func TestCancelLogins(t *testing.T) {
	e := newEnv(t, token)
	ctx := t.Context()
	st := e.api.Store
	for _, phone := range []string{"4712345678", "4712345679"} {
		u := validUser()
		u.PhoneNumber = phone
		if _, err := e.client.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	err := st.CreateClient(ctx, store.Client{ID: "shop", Name: "Shop", Flows: []string{store.FlowCIBA, store.FlowBrowser, store.FlowQR},
		CIBAPingURL: "https://shop.example/ping", CreatedAt: now, UpdatedAt: now})
	if err != nil {
		t.Fatal(err)
	}
	request := func(id, phone, kind, status string, expiresIn time.Duration) store.LoginRequest {
		t.Helper()
		r := store.LoginRequest{ID: id, Kind: kind, ClientID: "shop", Scopes: []string{"openid"}, PhoneNumber: phone,
			Status: status, CreatedAt: now.Add(-time.Minute), UpdatedAt: now.Add(-time.Minute), ExpiresAt: now.Add(expiresIn)}
		if kind == store.KindCIBA {
			r.NotificationToken = "notify-" + id
		}
		if err := st.CreateLoginRequest(ctx, r); err != nil {
			t.Fatal(err)
		}
		return r
	}
	cancelled := []store.LoginRequest{
		request("stuck-ciba", "4712345678", store.KindCIBA, store.LoginWaiting, 9*time.Minute),
		request("browser", "4712345678", store.KindLogin, store.LoginWaiting, 4*time.Minute),
		request("approved-qr", "4712345678", store.KindQR, store.LoginApproved, time.Minute),
	}
	kept := []store.LoginRequest{
		request("expired", "4712345678", store.KindLogin, store.LoginWaiting, 0),
		request("done", "4712345678", store.KindCIBA, store.LoginDone, time.Minute),
		request("others", "4712345679", store.KindCIBA, store.LoginWaiting, 9*time.Minute),
	}

	n, err := e.client.CancelLogins(ctx, "4712345678")
	if err != nil || n != len(cancelled) {
		t.Fatalf("CancelLogins = %d, %v; want %d", n, err, len(cancelled))
	}
	for _, r := range cancelled {
		got, err := st.GetLoginRequest(ctx, r.ID)
		if err != nil || got.Status != store.LoginFailed || got.Error != "access_denied" ||
			got.ErrorDescription != admin.CancelledDescription || !got.UpdatedAt.Equal(now) {
			t.Errorf("cancelled %s = %+v, %v; want failed with access_denied", r.ID, got, err)
		}
	}
	for _, r := range kept {
		if got, err := st.GetLoginRequest(ctx, r.ID); err != nil || got.Status != r.Status || got.Error != "" {
			t.Errorf("%s = %+v, %v; want it left %s", r.ID, got, err, r.Status)
		}
	}
	hooks, err := st.ListWebhooks(ctx, "shop", 10)
	if err != nil || len(hooks) != 1 || hooks[0].Event != store.EventCIBAPing ||
		string(hooks[0].Body) != `{"auth_req_id":"stuck-ciba"}` || hooks[0].Authorization != "Bearer notify-stuck-ciba" {
		t.Errorf("webhooks = %+v, %v; want the one ping of the waiting CIBA request", hooks, err)
	}

	// Nothing is left to cancel, and the user is free to be asked again.
	if n, err := e.client.CancelLogins(ctx, "4712345678"); err != nil || n != 0 {
		t.Errorf("a second CancelLogins = %d, %v; want 0", n, err)
	}
	request("next-ciba", "4712345678", store.KindCIBA, store.LoginWaiting, 10*time.Minute)

	_, err = e.client.CancelLogins(ctx, "4799999999")
	problem(t, err, 404, `No user has phone_number "4799999999"`)
	if a := send(t, e.url, "POST", "/admin/v1/users/4712345678/cancel-logins", "", ""); a.status != 401 {
		t.Errorf("cancel-logins without the token = %d, want 401", a.status)
	}
}

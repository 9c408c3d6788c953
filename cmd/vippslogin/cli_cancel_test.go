package main

import (
	"strings"
	"testing"
	"time"

	"github.com/vippslogin/vippslogin/internal/admin"
	"github.com/vippslogin/vippslogin/internal/store"
)

// vippslogin user cancel-logins ends the user's stuck login from phone
// number and prints how many it ended; an unknown user is the API's 404.
func TestUserCancelLoginsCommand(t *testing.T) {
	url, st := adminServer(t)
	env := map[string]string{"VIPPSLOGIN_ADMIN_TOKEN": cliToken, "VIPPSLOGIN_SERVER": url}
	ok(t, runUser, env, nil, "create", "--phone", "4712345678", "--pin", "1236")
	now := time.Now()
	err := st.CreateLoginRequest(t.Context(), store.LoginRequest{ID: "stuck", Kind: store.KindCIBA, ClientID: "shop",
		Scopes: []string{"openid"}, PhoneNumber: "4712345678", Status: store.LoginWaiting,
		CreatedAt: now, UpdatedAt: now, ExpiresAt: now.Add(10 * time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	var out admin.CancelLoginsResponse
	ok(t, runUser, env, &out, "cancel-logins", "4712345678")
	if out.Cancelled != 1 {
		t.Errorf("cancel-logins printed %+v, want 1 cancelled", out)
	}
	if r, err := st.GetLoginRequest(t.Context(), "stuck"); err != nil || r.Status != store.LoginFailed || r.Error != "access_denied" {
		t.Errorf("the stuck request = %+v, %v; want it failed with access_denied", r, err)
	}
	ok(t, runUser, env, &out, "cancel-logins", "4712345678")
	if out.Cancelled != 0 {
		t.Errorf("a second cancel-logins printed %+v, want 0", out)
	}
	if _, err := cli(t, runUser, env, "cancel-logins", "4799999999"); err == nil || !strings.Contains(err.Error(), "No user has") {
		t.Errorf("cancel-logins of an unknown user = %v, want the API's 404", err)
	}
}

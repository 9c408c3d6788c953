package admin_test

import (
	"testing"

	"github.com/vippslogin/vippslogin/internal/admin"
	"github.com/vippslogin/vippslogin/internal/store"
)

// Vipps' token endpoint answers error_code=invalid_user when "No account
// exists, the user's account is not active or the user is in some way not
// eligible". A user's active (DESIGN §5) is that account state: true
// unless given, false on create or patch, true again on a patch; and a
// patch to false signs the user out of their app.
func TestUserActive(t *testing.T) {
	e := newEnv(t, token)
	ctx := t.Context()
	no, yes := false, true

	u, err := e.client.CreateUser(ctx, validUser())
	if err != nil || !u.Active {
		t.Fatalf("CreateUser without active = %+v, %v; want active", u, err)
	}
	off := validUser()
	off.PhoneNumber, off.Active = "4712345679", &no
	u, err = e.client.CreateUser(ctx, off)
	if stored, _ := e.api.Store.GetUser(ctx, off.PhoneNumber); err != nil || u.Active || !stored.Inactive {
		t.Errorf("CreateUser with active false = %+v, %v; stored Inactive %v", u, err, stored.Inactive)
	}
	batch := validUser()
	batch.PhoneNumber, batch.Active = "4712345680", &no
	if _, err := e.client.CreateUsers(ctx, []admin.UserRequest{batch}); err != nil {
		t.Fatal(err)
	}
	if got, _ := e.client.GetUser(ctx, batch.PhoneNumber); got.Active {
		t.Errorf("a batch user created with active false is %+v", got)
	}

	if err := e.api.Store.CreateAppSession(ctx, store.AppSession{TokenHash: "phone", PhoneNumber: "4712345678", CreatedAt: now, ExpiresAt: now.AddDate(0, 0, 1)}); err != nil {
		t.Fatal(err)
	}
	u, err = e.client.UpdateUser(ctx, "4712345678", admin.UserPatch{Active: &no})
	if err != nil || u.Active {
		t.Errorf("UpdateUser active false = %+v, %v", u, err)
	}
	if _, err := e.api.Store.GetAppSession(ctx, "phone"); err == nil {
		t.Error("a deactivated user's app is still signed in")
	}
	email := "new@example.com"
	if u, err = e.client.UpdateUser(ctx, "4712345678", admin.UserPatch{Email: &email}); err != nil || u.Active {
		t.Errorf("a patch without active = %+v, %v; want the user left inactive", u, err)
	}
	if u, err = e.client.UpdateUser(ctx, "4712345678", admin.UserPatch{Active: &yes}); err != nil || !u.Active {
		t.Errorf("UpdateUser active true = %+v, %v", u, err)
	}
	a := send(t, e.url, "PATCH", "/admin/v1/users/4712345678", "Bearer "+token, `{"active": "no"}`)
	if a.status != 400 {
		t.Errorf("PATCH active \"no\" = %d %s, want 400", a.status, a.body)
	}
}

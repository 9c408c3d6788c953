package admin_test

import (
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/vippslogin/vippslogin/internal/admin"
	"github.com/vippslogin/vippslogin/internal/secret"
	"github.com/vippslogin/vippslogin/internal/store"
	"github.com/vippslogin/vippslogin/internal/testenv"
)

// The calls a seed file needs to be applied twice with nothing changed
// (issue 15): a chosen secret set, a consent put, a QR code with a chosen
// qr_id, and patches that change nothing and so write nothing.

// newClockEnv is newEnv on a clock that starts at now and moves when told.
func newClockEnv(t *testing.T) (env, *testenv.Clock) {
	t.Helper()
	e := newEnv(t, token)
	clock := testenv.NewClock(now)
	e.api.Now = clock.Now // before the first request
	return e, clock
}

func TestSetSecret(t *testing.T) {
	e, clock := newClockEnv(t)
	ctx := t.Context()
	c, err := e.client.CreateClient(ctx, admin.ClientRequest{ClientID: "shop", Name: "Shop", RedirectURIs: []string{"https://shop.example/cb"}})
	if err != nil {
		t.Fatal(err)
	}
	clock.Add(time.Minute)
	got, err := e.client.SetSecret(ctx, "shop", "fixed-ci-secret")
	stored, _ := e.api.Store.GetClient(ctx, "shop")
	if err != nil || got.ClientSecret != "" || !secret.Verify(stored.SecretHash, "fixed-ci-secret") || secret.Verify(stored.SecretHash, c.ClientSecret) {
		t.Fatalf("SetSecret = %+v, %v; the stored hash takes the chosen secret %v, the old one %v",
			got, err, secret.Verify(stored.SecretHash, "fixed-ci-secret"), secret.Verify(stored.SecretHash, c.ClientSecret))
	}
	if !got.UpdatedAt.Equal(clock.Now()) {
		t.Errorf("updated_at after a new secret = %v, want %v", got.UpdatedAt, clock.Now())
	}

	// The same secret again writes nothing: neither the hash (a new salt)
	// nor updated_at changes.
	clock.Add(time.Minute)
	again, err := e.client.SetSecret(ctx, "shop", "fixed-ci-secret")
	if after, _ := e.api.Store.GetClient(ctx, "shop"); err != nil || after.SecretHash != stored.SecretHash || !again.UpdatedAt.Equal(got.UpdatedAt) {
		t.Errorf("setting the same secret again = %+v, %v; hash kept %v", again, err, after.SecretHash == stored.SecretHash)
	}

	_, err = e.client.SetSecret(ctx, "shop", "short")
	problem(t, err, http.StatusBadRequest, "client_secret must be at least 8 characters")
	_, err = e.client.SetSecret(ctx, "nope", "fixed-ci-secret")
	problem(t, err, http.StatusNotFound, `No client has client_id "nope"`)
}

func TestPatchThatChangesNothingKeepsUpdatedAt(t *testing.T) {
	e, clock := newClockEnv(t)
	ctx := t.Context()
	req := admin.ClientRequest{ClientID: "shop", Name: "Shop", RedirectURIs: []string{"https://shop.example/cb"}, Flows: []string{"browser", "ciba"}}
	c, err := e.client.CreateClient(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	clock.Add(time.Minute)
	name, uris, flows := "Shop", []string{"https://shop.example/cb"}, []string{"browser", "ciba"}
	same := admin.ClientPatch{Name: &name, RedirectURIs: &uris, Flows: &flows, PostLogoutRedirectURIs: &[]string{}}
	if got, err := e.client.UpdateClient(ctx, "shop", same); err != nil || !got.UpdatedAt.Equal(c.UpdatedAt) {
		t.Errorf("a client patch that changes nothing: updated_at %v (%v), want %v as created", got.UpdatedAt, err, c.UpdatedAt)
	}
	name = "Shop 2"
	if got, err := e.client.UpdateClient(ctx, "shop", same); err != nil || !got.UpdatedAt.Equal(clock.Now()) {
		t.Errorf("a client patch that renames: updated_at %v (%v), want %v", got.UpdatedAt, err, clock.Now())
	}

	u, err := e.client.CreateUser(ctx, validUser())
	if err != nil {
		t.Fatal(err)
	}
	created, _ := e.api.Store.GetUser(ctx, u.PhoneNumber)
	clock.Add(time.Minute)
	pin, email := "1236", "ada@example.com"
	got, err := e.client.UpdateUser(ctx, u.PhoneNumber, admin.UserPatch{PIN: &pin, Email: &email, Addresses: &[]store.Address{}})
	stored, _ := e.api.Store.GetUser(ctx, u.PhoneNumber)
	if err != nil || !got.UpdatedAt.Equal(u.UpdatedAt) || stored.PINHash != created.PINHash {
		t.Errorf("a user patch with the PIN and e-mail they have: updated_at %v (%v), want %v; PIN hash kept %v",
			got.UpdatedAt, err, u.UpdatedAt, stored.PINHash == created.PINHash)
	}

	// The same PIN still unlocks a user locked out by wrong PINs.
	if _, err := e.api.Store.UpdateUser(ctx, u.PhoneNumber, func(u store.User) (store.User, error) {
		u.FailedPINAttempts, u.LockedUntil = 5, clock.Now().Add(time.Hour)
		return u, nil
	}); err != nil {
		t.Fatal(err)
	}
	got, err = e.client.UpdateUser(ctx, u.PhoneNumber, admin.UserPatch{PIN: &pin})
	stored, _ = e.api.Store.GetUser(ctx, u.PhoneNumber)
	if err != nil || got.LockedUntil != nil || stored.FailedPINAttempts != 0 || stored.PINHash != created.PINHash || !got.UpdatedAt.Equal(clock.Now()) {
		t.Errorf("the same PIN on a locked user = %+v, %v; failures %d, hash kept %v", got, err, stored.FailedPINAttempts, stored.PINHash == created.PINHash)
	}

	// Another PIN is hashed and stored.
	clock.Add(time.Minute)
	other := "654321"
	got, err = e.client.UpdateUser(ctx, u.PhoneNumber, admin.UserPatch{PIN: &other})
	stored, _ = e.api.Store.GetUser(ctx, u.PhoneNumber)
	if err != nil || !secret.Verify(stored.PINHash, other) || !got.UpdatedAt.Equal(clock.Now()) {
		t.Errorf("a new PIN = %+v, %v; the stored hash takes it: %v", got, err, secret.Verify(stored.PINHash, other))
	}
	_, err = e.client.UpdateUser(ctx, "4799999999", admin.UserPatch{PIN: &pin})
	problem(t, err, http.StatusNotFound, `No user has phone_number "4799999999"`)
}

func TestPutConsent(t *testing.T) {
	e, clock := newClockEnv(t)
	ctx := t.Context()
	if _, err := e.client.CreateClient(ctx, admin.ClientRequest{ClientID: "shop", Name: "Shop", RedirectURIs: []string{"https://shop.example/cb"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.CreateUser(ctx, validUser()); err != nil {
		t.Fatal(err)
	}
	const phone = "4712345678"

	got, err := e.client.PutConsent(ctx, phone, "shop", []string{"openid", "name", "email"})
	if err != nil || !slices.Equal(got.Scopes, []string{"name", "email"}) || got.PhoneNumber != phone || got.ClientID != "shop" || !got.CreatedAt.Equal(now) {
		t.Fatalf("PutConsent = %+v, %v; want name and email (openid needs no consent)", got, err)
	}
	if c, err := e.api.Store.GetConsent(ctx, phone, "shop"); err != nil || !slices.Equal(c.Scopes, got.Scopes) {
		t.Errorf("stored consent = %+v, %v", c, err)
	}
	a := send(t, e.url, "PUT", "/admin/v1/users/"+phone+"/consents/shop", "Bearer "+token, `{"scopes": ["name", "email"]}`)
	if a.status != http.StatusOK {
		t.Errorf("putting the same consent again = %d %s, want 200", a.status, a.body)
	}

	// The same scopes again write nothing; others replace them, narrower
	// too, where a login only ever widens a consent.
	clock.Add(time.Minute)
	if again, err := e.client.PutConsent(ctx, phone, "shop", []string{"name", "email"}); err != nil || !again.UpdatedAt.Equal(now) {
		t.Errorf("the same consent again = %+v, %v; want updated_at kept", again, err)
	}
	if narrower, err := e.client.PutConsent(ctx, phone, "shop", []string{"email"}); err != nil || !slices.Equal(narrower.Scopes, []string{"email"}) ||
		!narrower.UpdatedAt.Equal(clock.Now()) || !narrower.CreatedAt.Equal(now) {
		t.Errorf("a narrower consent = %+v, %v", narrower, err)
	}

	for _, tt := range []struct {
		phone, client string
		scopes        []string
		status        int
		want          string
	}{
		{"4799999999", "shop", []string{"name"}, 404, `No user has phone_number "4799999999"`},
		{phone, "nope", []string{"name"}, 404, `No client has client_id "nope"`},
		{phone, "shop", []string{"nin"}, 400, `scopes[0] "nin" is not among client "shop"'s scopes`},
		{phone, "shop", []string{"Email"}, 400, `did you mean "email"`},
		{phone, "shop", []string{"openid"}, 400, "at least one scope that needs consent"},
		{phone, "shop", nil, 400, "at least one scope that needs consent"},
	} {
		_, err := e.client.PutConsent(ctx, tt.phone, tt.client, tt.scopes)
		problem(t, err, tt.status, tt.want)
	}
}

func TestQRCodeWithChosenID(t *testing.T) {
	e := newEnv(t, token)
	ctx := t.Context()
	for _, id := range []string{"shop", "other"} {
		if _, err := e.client.CreateClient(ctx, admin.ClientRequest{ClientID: id, Name: id, Flows: []string{"qr"},
			RedirectURIs: []string{"https://shop.example/cb"}}); err != nil {
			t.Fatal(err)
		}
	}
	q, err := e.client.CreateQRCode(ctx, "shop", admin.QRCodeRequest{QRID: "Counter1", Description: "Till 1", RedirectURI: "https://shop.example/cb"})
	if err != nil || q.QRID != "Counter1" {
		t.Fatalf("CreateQRCode with qr_id = %+v, %v", q, err)
	}
	if got, err := e.client.GetQRCode(ctx, "shop", "Counter1"); err != nil || got.Description != "Till 1" {
		t.Errorf("GetQRCode = %+v, %v", got, err)
	}
	for _, client := range []string{"shop", "other"} {
		_, err = e.client.CreateQRCode(ctx, client, admin.QRCodeRequest{QRID: "Counter1", Description: "Till 2", RedirectURI: "https://shop.example/cb"})
		problem(t, err, http.StatusConflict, `The qr_id "Counter1" is taken`)
	}
	_, err = e.client.CreateQRCode(ctx, "shop", admin.QRCodeRequest{QRID: "Till-1", Description: "Till 3", RedirectURI: "https://shop.example/cb"})
	problem(t, err, http.StatusBadRequest, `qr_id "Till-1" must be 8 letters`)
}

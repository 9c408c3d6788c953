package admin_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/vippslogin/vippslogin/internal/admin"
	"github.com/vippslogin/vippslogin/internal/jsonapi"
	"github.com/vippslogin/vippslogin/internal/secret"
	"github.com/vippslogin/vippslogin/internal/store"
)

// batchUser is a valid user of a batch, numbered i.
func batchUser(i int, pin string) admin.UserRequest {
	return admin.UserRequest{
		PhoneNumber: fmt.Sprintf("4790%08d", i), PIN: pin, GivenName: "Bench", FamilyName: fmt.Sprintf("User %d", i),
		Birthdate: "1990-01-01", Email: fmt.Sprintf("bench%d@example.com", i), EmailVerified: true,
		Addresses: []store.Address{{StreetAddress: "Gata 1", PostalCode: "0150", Region: "Oslo", Country: "NO", AddressType: "home", Default: true}},
	}
}

// A full batch of 10,000 users, larger than any other call's 1 MiB, is
// created in one call; users who share a PIN share its one hash.
func TestCreateUsersBatch(t *testing.T) {
	e := newEnv(t, token)
	ctx := t.Context()
	users := make([]admin.UserRequest, admin.MaxBatchUsers)
	for i := range users {
		pin := "2580"
		if i%2 == 1 {
			pin = "13579"
		}
		users[i] = batchUser(i, pin)
	}
	body, _ := json.Marshal(admin.UserBatch{Users: users})
	if len(body) <= jsonapi.MaxBody {
		t.Fatalf("the batch is %d bytes; the test wants one above jsonapi.MaxBody", len(body))
	}
	start := time.Now()
	n, err := e.client.CreateUsers(ctx, users)
	if err != nil || n != admin.MaxBatchUsers {
		t.Fatalf("CreateUsers = %d, %v; want %d", n, err, admin.MaxBatchUsers)
	}
	t.Logf("%d users in one call: %v", n, time.Since(start))

	list, err := e.client.ListUsers(ctx)
	if err != nil || len(list) != admin.MaxBatchUsers {
		t.Fatalf("ListUsers = %d users, %v", len(list), err)
	}
	got, err := e.client.GetUser(ctx, users[7].PhoneNumber)
	if err != nil || got.FamilyName != "User 7" || got.Email != users[7].Email || !got.EmailVerified ||
		len(got.Addresses) != 1 || got.Addresses[0].Region != "Oslo" || !got.CreatedAt.Equal(now) {
		t.Errorf("GetUser = %+v, %v", got, err)
	}
	u0, _ := e.api.Store.GetUser(ctx, users[0].PhoneNumber)
	u1, _ := e.api.Store.GetUser(ctx, users[1].PhoneNumber)
	u2, _ := e.api.Store.GetUser(ctx, users[2].PhoneNumber)
	if !secret.Verify(u0.PINHash, "2580") || !secret.Verify(u1.PINHash, "13579") || secret.Verify(u1.PINHash, "2580") {
		t.Error("the stored PIN hashes do not verify the users' PINs")
	}
	if u0.PINHash != u2.PINHash || u0.PINHash == u1.PINHash {
		t.Error("users with one PIN should share its one hash, and users with another PIN have another")
	}
}

// A mistake names the user by index, every mistake is listed (up to a
// limit), and a refused batch creates nobody.
func TestCreateUsersBatchValidation(t *testing.T) {
	e := newEnv(t, token)
	ctx := t.Context()
	users := []admin.UserRequest{batchUser(0, "1236"), batchUser(1, "1236"), batchUser(2, "1236"), batchUser(3, "1236"), batchUser(4, "1236")}
	users[3].PhoneNumber = "+47 123"
	users[1].PIN = "12"
	users[4].Birthdate = "2999-01-01"
	_, err := e.client.CreateUsers(ctx, users)
	problem(t, err, 400, `users[3].phone_number "+47 123" must be an MSISDN`, "users[1].pin must be 4–6 digits", "users[4].birthdate 2999-01-01 is in the future")
	if list, _ := e.client.ListUsers(ctx); len(list) != 0 {
		t.Errorf("a refused batch created %d users", len(list))
	}

	users = []admin.UserRequest{batchUser(0, "1236"), batchUser(1, "1236"), batchUser(0, "1236")}
	_, err = e.client.CreateUsers(ctx, users)
	problem(t, err, 400, "users[2].phone_number 479000000000 repeats users[0]'s")

	many := make([]admin.UserRequest, 30)
	for i := range many {
		many[i] = batchUser(i, "")
	}
	_, err = e.client.CreateUsers(ctx, many)
	problem(t, err, 400, "users[19].pin is required", "… and 10 more problems.")
	var p *jsonapi.Problem
	if errors.As(err, &p) && strings.Contains(p.Detail, "users[20]") {
		t.Errorf("the detail lists more than 20 problems: %s", p.Detail)
	}
}

func TestCreateUsersBatchSize(t *testing.T) {
	e := newEnv(t, token)
	ctx := t.Context()
	_, err := e.client.CreateUsers(ctx, nil)
	problem(t, err, 400, "users must list 1 to 10000 users; it lists 0")
	users := make([]admin.UserRequest, admin.MaxBatchUsers+1)
	for i := range users {
		users[i] = admin.UserRequest{PhoneNumber: fmt.Sprintf("4791%08d", i), PIN: "1236"}
	}
	_, err = e.client.CreateUsers(ctx, users)
	problem(t, err, 400, "it lists 10001", "Split a larger batch")
	if list, _ := e.client.ListUsers(ctx); len(list) != 0 {
		t.Errorf("an oversized batch created %d users", len(list))
	}
	a := send(t, e.url, "POST", "/admin/v1/users/batch", "Bearer "+token, `{"users": "many"}`)
	if a.status != 400 || !strings.Contains(a.detail, `"users" must be an array`) {
		t.Errorf("users as a string = %d %s", a.status, a.body)
	}
}

// A batch with a number that is already a user's is a 409 naming it, and
// none of the batch's other users is created.
func TestCreateUsersBatchConflict(t *testing.T) {
	e := newEnv(t, token)
	ctx := t.Context()
	if _, err := e.client.CreateUser(ctx, batchUser(2, "1236")); err != nil {
		t.Fatal(err)
	}
	_, err := e.client.CreateUsers(ctx, []admin.UserRequest{batchUser(0, "1236"), batchUser(1, "1236"), batchUser(2, "1236"), batchUser(3, "1236")})
	problem(t, err, 409, "users[2].phone_number 479000000002 is already a user", "no user in the batch was created")
	list, _ := e.client.ListUsers(ctx)
	if len(list) != 1 || list[0].PhoneNumber != "479000000002" {
		t.Errorf("after the refused batch the users are %+v, want only the one that was there", list)
	}
}

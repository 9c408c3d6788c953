package admin

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/vippslogin/vippslogin/internal/jsonapi"
	"github.com/vippslogin/vippslogin/internal/secret"
	"github.com/vippslogin/vippslogin/internal/store"
)

// MaxBatchUsers is the most users one POST /admin/v1/users/batch creates:
// enough for a load test's users in a few calls, small enough that one
// transaction and one answer stay quick.
const MaxBatchUsers = 10_000

// maxBatchBody bounds a batch's body: 10,000 users with addresses and
// accounts, where a single call's 1 MiB (jsonapi.MaxBody) would hold only a
// few thousand bare ones.
const maxBatchBody = 16 << 20

// maxBatchProblems is how many mistakes a refused batch lists; one mistake
// made 10,000 times needs saying only a few times.
const maxBatchProblems = 20

// createUsers adds a batch of test users in one store transaction, all or
// none: a load test or a CI seed makes thousands of users in seconds, where
// one call per user would take minutes. Each user is checked exactly as
// POST /admin/v1/users checks it (newUser), and a mistake names the user by
// its index, such as users[3].phone_number. PBKDF2 runs once per distinct
// PIN, not once per user: a batch's users usually share one test PIN, and
// a hash shared by users who share a PIN tells nobody more than the PIN.
func (a *API) createUsers(w http.ResponseWriter, r *http.Request) error {
	var req UserBatch
	if err := jsonapi.DecodeMax(w, r, &req, maxBatchBody); err != nil {
		return err
	}
	if n := len(req.Users); n == 0 || n > MaxBatchUsers {
		return jsonapi.Errorf(http.StatusBadRequest, "users must list 1 to %d users; it lists %d. Split a larger batch into several calls.", MaxBatchUsers, n)
	}
	now := a.now()
	users := make([]store.User, len(req.Users))
	var all problems
	first := make(map[string]int, len(req.Users)) // phone number → index of its first user
	for i, ur := range req.Users {
		u, p := newUser(ur, now)
		for _, msg := range p {
			all.addf("users[%d].%s", i, msg)
		}
		if j, ok := first[u.PhoneNumber]; ok {
			all.addf("users[%d].phone_number %s repeats users[%d]'s.", i, u.PhoneNumber, j)
		} else {
			first[u.PhoneNumber] = i
		}
		users[i] = u
	}
	if len(all) > maxBatchProblems {
		all = append(all[:maxBatchProblems:maxBatchProblems], fmt.Sprintf("… and %d more problems.", len(all)-maxBatchProblems))
	}
	if err := all.err(); err != nil {
		return err
	}
	hashes := map[string]string{} // PIN → its hash, made once
	for i, ur := range req.Users {
		h, ok := hashes[ur.PIN]
		if !ok {
			h = secret.Hash(ur.PIN)
			hashes[ur.PIN] = h
		}
		users[i].PINHash = h
	}
	err := a.Store.CreateUsers(r.Context(), users)
	if errors.Is(err, store.ErrExists) {
		return a.batchConflict(r, users)
	}
	if err != nil {
		return err
	}
	return jsonapi.Write(w, http.StatusCreated, UserBatchResponse{Created: len(users)})
}

// batchConflict is the 409 for a batch the store refused because a phone
// number is taken. The store does not say which, so the first taken one is
// looked up: this costs a read per user, but only on this error path.
func (a *API) batchConflict(r *http.Request, users []store.User) error {
	for i, u := range users {
		_, err := a.Store.GetUser(r.Context(), u.PhoneNumber)
		if err == nil {
			return jsonapi.Errorf(http.StatusConflict, "users[%d].phone_number %s is already a user; no user in the batch was created.", i, u.PhoneNumber)
		}
		if !errors.Is(err, store.ErrNotFound) {
			return err
		}
	}
	// Taken by a create that raced this batch and has since been deleted.
	return jsonapi.Errorf(http.StatusConflict, "A phone number in the batch was taken while it was being created; no user in the batch was created. Send it again.")
}

package admin

import (
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/vippslogin/vippslogin/internal/jsonapi"
	"github.com/vippslogin/vippslogin/internal/secret"
	"github.com/vippslogin/vippslogin/internal/store"
)

// createUser adds a test user. The PIN is hashed with secret.Hash (a person
// chose it) and never shown again; the record is validated whole before the
// one store call, so a failed create leaves nothing behind.
func (a *API) createUser(w http.ResponseWriter, r *http.Request) error {
	var req UserRequest
	if err := jsonapi.Decode(w, r, &req); err != nil {
		return err
	}
	now := a.now()
	u, p := newUser(req, now)
	if err := p.err(); err != nil {
		return err
	}
	u.PINHash = secret.Hash(req.PIN)
	if err := a.Store.CreateUser(r.Context(), u); err != nil {
		return exists(err, fmt.Sprintf("A user with phone_number %s already exists.", u.PhoneNumber))
	}
	stored, err := a.Store.GetUser(r.Context(), u.PhoneNumber)
	if err != nil {
		return err
	}
	return jsonapi.Write(w, http.StatusCreated, userResponse(stored, now))
}

// newUser is the record a create makes of req, without its PIN hash, and
// what is wrong with it: the one check a single create and a batch share.
func newUser(req UserRequest, now time.Time) (store.User, problems) {
	u := store.User{
		PhoneNumber:   req.PhoneNumber,
		GivenName:     req.GivenName,
		FamilyName:    req.FamilyName,
		Birthdate:     req.Birthdate,
		Email:         req.Email,
		EmailVerified: req.EmailVerified,
		NIN:           req.NIN,
		Addresses:     nonNil(req.Addresses),
		Accounts:      nonNil(req.Accounts),
		AppVersion:    req.AppVersion,
		Inactive:      req.Active != nil && !*req.Active,
		CreatedAt:     now,
		UpdatedAt:     now,
	}
	p := validateUser(u, now)
	p.pin(req.PIN)
	return u, p
}

// MaxSearchLength bounds GET /admin/v1/users?search=.
const MaxSearchLength = 100

// listUsers answers every user, or with ?search= those whose phone number,
// name or e-mail address holds the search text (case-insensitive; a phone
// number's "+", spaces and leading country code may be typed or not).
func (a *API) listUsers(w http.ResponseWriter, r *http.Request) error {
	search := strings.TrimSpace(r.URL.Query().Get("search"))
	if utf8.RuneCountInString(search) > MaxSearchLength {
		return jsonapi.Errorf(http.StatusBadRequest, "search is longer than %d characters.", MaxSearchLength)
	}
	us, err := a.Store.ListUsers(r.Context())
	if err != nil {
		return err
	}
	now := a.now()
	list := UserList{Users: []UserResponse{}}
	for _, u := range us {
		if search == "" || userMatches(u, search) {
			list.Users = append(list.Users, userResponse(u, now))
		}
	}
	return jsonapi.Write(w, http.StatusOK, list)
}

// userMatches reports whether the user's phone number, name or e-mail
// address holds search. The phone number is compared by its digits, so
// that "+47 123 45 678" finds 4712345678.
func userMatches(u store.User, search string) bool {
	if digits := strings.Map(func(r rune) rune {
		switch {
		case r >= '0' && r <= '9':
			return r
		case r == '+' || r == ' ' || r == '-':
			return -1
		}
		return 'x' // not a phone number: matches no digits
	}, search); digits != "" && strings.Contains(u.PhoneNumber, digits) {
		return true
	}
	s := strings.ToLower(search)
	for _, field := range []string{u.GivenName + " " + u.FamilyName, u.Email} {
		if strings.Contains(strings.ToLower(field), s) {
			return true
		}
	}
	return false
}

func (a *API) getUser(w http.ResponseWriter, r *http.Request) error {
	phone := r.PathValue("phone_number")
	u, err := a.Store.GetUser(r.Context(), phone)
	if err != nil {
		return notFound(err, noUser(phone))
	}
	return jsonapi.Write(w, http.StatusOK, userResponse(u, a.now()))
}

// updateUser applies a UserPatch. phone_number is decoded only to refuse it
// with a clearer word than "unknown field".
func (a *API) updateUser(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		UserPatch
		PhoneNumber *string `json:"phone_number"`
	}
	if err := jsonapi.Decode(w, r, &body); err != nil {
		return err
	}
	if body.PhoneNumber != nil {
		return jsonapi.Errorf(http.StatusBadRequest, "phone_number cannot be changed: it identifies the user. Delete the user and create one with the new number.")
	}
	phone := r.PathValue("phone_number")
	var pinHash string
	if body.PIN != nil {
		var p problems
		p.pin(*body.PIN)
		if err := p.err(); err != nil {
			return err
		}
		// Outside the transaction, both: they are slow on purpose. The PIN
		// the user has keeps its hash, so that a seed file applied twice
		// leaves the user as they were; the hash read is one of this very
		// PIN, right to store even if another PIN was set meanwhile.
		old, err := a.Store.GetUser(r.Context(), phone)
		if err != nil {
			return notFound(err, noUser(phone))
		}
		if pinHash = old.PINHash; !secret.Verify(old.PINHash, *body.PIN) {
			pinHash = secret.Hash(*body.PIN)
		}
	}
	now := a.now()
	u, err := a.Store.UpdateUser(r.Context(), phone, func(u store.User) (store.User, error) {
		before := u
		applyUserPatch(&u, body.UserPatch)
		if pinHash != "" {
			// A PIN in the patch is how an operator unlocks a user locked
			// out by wrong PINs.
			u.PINHash, u.FailedPINAttempts, u.LockedUntil = pinHash, 0, time.Time{}
		}
		if !sameUser(before, u) {
			u.UpdatedAt = now // a patch that changes nothing leaves updated_at as it was
		}
		return u, validateUser(u, now).err()
	})
	if err != nil {
		return notFound(err, noUser(phone))
	}
	return jsonapi.Write(w, http.StatusOK, userResponse(u, now))
}

func applyUserPatch(u *store.User, p UserPatch) {
	set(&u.GivenName, p.GivenName)
	set(&u.FamilyName, p.FamilyName)
	set(&u.Birthdate, p.Birthdate)
	set(&u.Email, p.Email)
	set(&u.EmailVerified, p.EmailVerified)
	set(&u.NIN, p.NIN)
	set(&u.Addresses, p.Addresses)
	set(&u.Accounts, p.Accounts)
	set(&u.AppVersion, p.AppVersion)
	if p.Active != nil {
		// The store signs a user made inactive out of app and browsers.
		u.Inactive = !*p.Active
	}
}

// sameUser reports whether two records of a user hold the same: every
// field the API shows, the PIN's hash and the wrong PINs counted.
func sameUser(a, b store.User) bool {
	return reflect.DeepEqual(userResponse(a, time.Time{}), userResponse(b, time.Time{})) &&
		a.PINHash == b.PINHash && a.FailedPINAttempts == b.FailedPINAttempts && a.LockedUntil.Equal(b.LockedUntil)
}

// unlockUser ends a lock set by wrong PINs and clears their count, so
// that the user can sign in to the app at once with their PIN. A user who
// is not locked is answered as they are.
func (a *API) unlockUser(w http.ResponseWriter, r *http.Request) error {
	phone := r.PathValue("phone_number")
	now := a.now()
	u, err := a.Store.UpdateUser(r.Context(), phone, func(u store.User) (store.User, error) {
		u.FailedPINAttempts, u.LockedUntil = 0, time.Time{}
		u.UpdatedAt = now
		return u, nil
	})
	if err != nil {
		return notFound(err, noUser(phone))
	}
	return jsonapi.Write(w, http.StatusOK, userResponse(u, now))
}

func (a *API) deleteUser(w http.ResponseWriter, r *http.Request) error {
	phone := r.PathValue("phone_number")
	if err := a.Store.DeleteUser(r.Context(), phone); err != nil {
		return notFound(err, noUser(phone))
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func noUser(phone string) string {
	return fmt.Sprintf("No user has phone_number %q (digits only, with country code, such as 4712345678).", phone)
}

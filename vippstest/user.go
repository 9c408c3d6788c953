package vippstest

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/vippslogin/vippslogin/internal/admin"
	"github.com/vippslogin/vippslogin/internal/store"
)

// User is a test user with a phone whose answers the test scripts (see
// the package documentation).
type User struct {
	// PhoneNumber is the user's number as an MSISDN, country code first
	// and without '+', as it appears in the phone_number claim.
	PhoneNumber string
	PIN         string

	srv   *Server
	phone phone
}

// DefaultPIN is a user's PIN unless PIN gives another.
const DefaultPIN = "1236"

// UserOption configures a user that Server.User creates.
type UserOption func(*userRequest)

// userRequest is what the options set: the admin API's request.
type userRequest = admin.UserRequest

// Phone gives the user a chosen phone number (an MSISDN such as
// 4712345678) instead of a generated one.
func Phone(msisdn string) UserOption { return func(r *userRequest) { r.PhoneNumber = msisdn } }

// PIN gives the user a chosen PIN of 4 to 6 digits instead of DefaultPIN.
func PIN(pin string) UserOption { return func(r *userRequest) { r.PIN = pin } }

// Name sets the user's given and family name.
func Name(given, family string) UserOption {
	return func(r *userRequest) { r.GivenName, r.FamilyName = given, family }
}

// Birthdate sets the user's date of birth, YYYY-MM-DD; a user under 15
// cannot log in from phone number (invalid_user).
func Birthdate(date string) UserOption { return func(r *userRequest) { r.Birthdate = date } }

// Email sets the user's e-mail address and whether it is verified.
func Email(address string, verified bool) UserOption {
	return func(r *userRequest) { r.Email, r.EmailVerified = address, verified }
}

// NIN sets the user's national identity number (11 digits).
func NIN(nin string) UserOption { return func(r *userRequest) { r.NIN = nin } }

// Address is one of a user's addresses.
type Address struct {
	StreetAddress, PostalCode, Region, Country string
	// Type is home, work or other.
	Type string
	// Default makes it the address in the address claim.
	Default bool
}

// Addresses sets the user's addresses.
func Addresses(addrs ...Address) UserOption {
	return func(r *userRequest) {
		r.Addresses = nil
		for _, a := range addrs {
			r.Addresses = append(r.Addresses, store.Address{StreetAddress: a.StreetAddress, PostalCode: a.PostalCode,
				Region: a.Region, Country: a.Country, AddressType: a.Type, Default: a.Default})
		}
	}
}

// Account is one of a user's bank accounts.
type Account struct{ Name, Number, Bank string }

// Accounts sets the user's bank accounts.
func Accounts(accounts ...Account) UserOption {
	return func(r *userRequest) {
		r.Accounts = nil
		for _, a := range accounts {
			r.Accounts = append(r.Accounts, store.Account{AccountName: a.Name, AccountNumber: a.Number, BankName: a.Bank})
		}
	}
}

// AppVersion sets the version of the user's app; one older than 2.0.0
// ends their logins with outdated_app_version (CIBA: old_app).
func AppVersion(v string) UserOption { return func(r *userRequest) { r.AppVersion = v } }

// Inactive makes the account inactive: the user cannot log in, and login
// from phone number answers invalid_user.
func Inactive() UserOption {
	return func(r *userRequest) {
		active := false
		r.Active = &active
	}
}

// User creates a user through the admin API: an adult named Test User
// with a generated phone number of the server's market and DefaultPIN,
// unless the options say otherwise. It fails the test if the admin API
// refuses the user.
func (s *Server) User(opts ...UserOption) *User {
	s.t.Helper()
	for {
		req := admin.UserRequest{PIN: DefaultPIN, GivenName: "Test", FamilyName: "User", Birthdate: "1990-01-01"}
		generated := false
		for _, opt := range opts {
			opt(&req)
		}
		if req.PhoneNumber == "" {
			req.PhoneNumber, generated = s.nextPhone(), true
		}
		if req.Email == "" {
			req.Email, req.EmailVerified = req.PhoneNumber+"@example.com", true
		}
		_, err := s.admin.CreateUser(s.t.Context(), req)
		if p := problem(err); generated && p != nil && p.Status == http.StatusConflict {
			continue // a seed file's user has it
		}
		if err != nil {
			s.t.Fatalf("vippstest: create user: %v", err)
		}
		return s.addUser(req.PhoneNumber, req.PIN)
	}
}

// SeededUser is the user with the phone number and PIN that a seed file
// (WithSeed) created, so that the test can script their phone.
func (s *Server) SeededUser(msisdn, pin string) *User {
	s.t.Helper()
	if _, err := s.admin.GetUser(s.t.Context(), msisdn); err != nil {
		s.t.Fatalf("vippstest: seeded user %s: %v", msisdn, err)
	}
	return s.addUser(msisdn, pin)
}

func (s *Server) addUser(msisdn, pin string) *User {
	u := &User{PhoneNumber: msisdn, PIN: pin, srv: s}
	u.phone.app.BaseURL = s.base
	s.mu.Lock()
	s.users = append(s.users, u)
	s.mu.Unlock()
	return u
}

// nextPhone is a phone number of the server's market that no earlier
// call returned: a mobile number as its country writes them (8 digits
// in Norway and Denmark, 9 in Finland and Sweden).
func (s *Server) nextPhone() string {
	s.mu.Lock()
	s.phones++
	n := s.phones
	s.mu.Unlock()
	national := map[string]string{"DK": "2", "FI": "40", "SE": "70"}[s.market]
	if national == "" {
		national = "9"
	}
	return store.CountryCode(s.market) + national + fmt.Sprintf("%07d", n)
}

// Approve makes the user approve their next request (picking the right
// challenge in a browser login).
func (u *User) Approve() { u.script(answer{kind: approve}) }

// Reject makes the user reject their next request: the client gets
// access_denied.
func (u *User) Reject() { u.script(answer{kind: reject}) }

// RejectWithReason makes the user's app reject their next request giving
// reason; "unknown", the one reason there is, ends a browser login with
// unknown_reject_reason.
func (u *User) RejectWithReason(reason string) { u.script(answer{kind: reject, reason: reason}) }

// PickWrongChallenge makes the user pick a challenge that the browser
// does not show in their next browser login: it ends with wrong_challenge.
func (u *User) PickWrongChallenge() { u.script(answer{kind: wrongChallenge}) }

// Ignore makes the user leave their next request unanswered, so that it
// expires once the clock has passed its expiry (Login moves the clock
// there itself).
func (u *User) Ignore() { u.script(answer{kind: ignore}) }

// Consent sets whether the user accepts the consent page of their later
// browser logins; they do until told otherwise.
func (u *User) Consent(accept bool) {
	u.phone.mu.Lock()
	u.phone.refuseConsent = !accept
	u.phone.mu.Unlock()
}

// script gives a to the request waiting for an answer, or queues it for
// the next request.
func (u *User) script(a answer) {
	u.srv.mu.Lock()
	u.srv.seq++
	a.seq = u.srv.seq
	u.srv.mu.Unlock()
	if req, ok := u.phone.offer(a); ok {
		if _, err := u.perform(u.srv.t.Context(), req, a, ""); err != nil {
			u.srv.t.Errorf("vippstest: %s's phone: %v", u.PhoneNumber, err)
		}
	}
}

// arrived is what the phone does when a CIBA or QR request reaches it:
// answer it with the first scripted answer, or leave it waiting for the
// next one. It returns the URL the app opens after answering, if any.
func (u *User) arrived(ctx context.Context, req request) (string, error) {
	a, ok := u.phone.take(req)
	if !ok {
		return "", nil
	}
	return u.perform(ctx, req, a, "")
}

// problem is err's problem answer, or nil.
func problem(err error) *jsonapiProblem {
	var p *jsonapiProblem
	if errors.As(err, &p) {
		return p
	}
	return nil
}

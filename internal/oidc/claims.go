package oidc

import (
	"slices"
	"strings"

	"github.com/vippslogin/vippslogin/internal/store"
)

// addressClaim is an address as userinfo returns it (OIDC Core §5.1.1,
// Vipps' userinfo API): every key always present, empty strings when the
// user has no address.
type addressClaim struct {
	StreetAddress string `json:"street_address"`
	PostalCode    string `json:"postal_code"`
	Region        string `json:"region"`
	Country       string `json:"country"`
	Formatted     string `json:"formatted"`
	AddressType   string `json:"address_type"`
}

// userinfoResponse is userinfo's answer: sub and sid always, and a claim
// only when its pointer is set, even to an empty value, so that a scope
// shows all its claims for every user. The fields are in the order of
// their names, the order a map of the same claims would be written in.
type userinfoResponse struct {
	Accounts            *[]store.Account `json:"accounts,omitempty"`
	Address             *addressClaim    `json:"address,omitempty"`
	Birthdate           *string          `json:"birthdate,omitempty"`
	Email               *string          `json:"email,omitempty"`
	EmailVerified       *bool            `json:"email_verified,omitempty"`
	FamilyName          *string          `json:"family_name,omitempty"`
	GivenName           *string          `json:"given_name,omitempty"`
	Name                *string          `json:"name,omitempty"`
	NIN                 *string          `json:"nin,omitempty"`
	OtherAddresses      *[]addressClaim  `json:"other_addresses,omitempty"`
	PhoneNumber         *string          `json:"phone_number,omitempty"`
	PhoneNumberVerified *bool            `json:"phone_number_verified,omitempty"`
	SID                 string           `json:"sid"`
	Sub                 string           `json:"sub"`
}

// userinfoClaims returns the claims the scopes release (OIDC Core §5.4,
// DESIGN §3), and no others: sub and sid always; each scope's claims all
// present, even when the user left a field empty, so a client sees the
// same keys for every user.
func userinfoClaims(u store.User, scopes []string, sub, sid string) *userinfoResponse {
	c := &userinfoResponse{Sub: sub, SID: sid}
	for _, scope := range scopes {
		switch scope {
		case "name":
			name := strings.TrimSpace(u.GivenName + " " + u.FamilyName)
			c.Name, c.GivenName, c.FamilyName = &name, &u.GivenName, &u.FamilyName
		case "email":
			c.Email, c.EmailVerified = &u.Email, &u.EmailVerified
		case "phoneNumber":
			// The number is the one the user logs in with, confirmed in the app.
			verified := true
			c.PhoneNumber, c.PhoneNumberVerified = &u.PhoneNumber, &verified
		case "birthDate":
			c.Birthdate = &u.Birthdate
		case "address":
			def, others := addressClaims(u.Addresses)
			c.Address, c.OtherAddresses = &def, &others
		case "nin":
			c.NIN = &u.NIN
		case "accountNumbers":
			if u.Accounts == nil {
				u.Accounts = []store.Account{}
			}
			c.Accounts = &u.Accounts
		}
	}
	return c
}

// addressClaims splits a user's addresses into the default one and the
// others (Vipps: "The claim 'address' returns the address set as 'default'
// … 'other_addresses' returns all other addresses"). With none marked
// default, the first one is. A user with no address gets an address of
// empty strings and no others.
func addressClaims(addrs []store.Address) (addressClaim, []addressClaim) {
	others := []addressClaim{}
	if len(addrs) == 0 {
		return addressClaim{}, others
	}
	def := slices.IndexFunc(addrs, func(a store.Address) bool { return a.Default })
	if def < 0 {
		def = 0
	}
	for i, a := range addrs {
		if i != def {
			others = append(others, toAddressClaim(a))
		}
	}
	return toAddressClaim(addrs[def]), others
}

// toAddressClaim is a as an address claim, formatted by formattedAddress.
func toAddressClaim(a store.Address) addressClaim {
	return addressClaim{
		StreetAddress: a.StreetAddress,
		PostalCode:    a.PostalCode,
		Region:        a.Region,
		Country:       a.Country,
		Formatted:     formattedAddress(a),
		AddressType:   a.AddressType,
	}
}

// formattedAddress is the address claim's "formatted" member: the street
// (with its "Unit, floor or other details" line, if any), then postal code
// and region on one line, then the country, separated by newlines
// ("Suburbia 23\n2101 OSLO\nNO"). Empty parts are left out; an address
// with none is "".
//
// vipps-login-api-2.0 has two examples that disagree. This follows the one
// in its API reference ("Userinfo": "Suburbia 23\\n2101 OSLO\\nNO"), which
// the Login and CIBA OpenAPI documents, the newer Userinfo API guide and
// the Userinfo OpenAPI document ("Robert Levins gate 5\n0154 Oslo") all
// share, and which is how a Norwegian address is written (postal code and
// town on one line). The call-by-call examples of the CIBA and QR flows
// put postal code and region on lines of their own
// ("jghj khhjhhkjh\n0603\nOSLO\nNO"): one hand-edited response (its sub
// is not even a UUID) repeated in each flow. The FAQ says nothing of the
// format. The doubled
// backslash of the reference example is the document's JSON escaping:
// OIDC Core §5.1.1 separates lines with a newline character, as here.
func formattedAddress(a store.Address) string {
	var lines []string
	for _, line := range []string{a.StreetAddress, strings.TrimSpace(a.PostalCode + " " + a.Region), a.Country} {
		if line != "" {
			lines = append(lines, line)
		}
	}
	return strings.Join(lines, "\n")
}

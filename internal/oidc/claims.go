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

// userinfoClaims returns the claims the scopes release (OIDC Core §5.4,
// DESIGN §3), and no others: sub and sid always; each scope's claims all
// present, even when the user left a field empty, so a client sees the
// same keys for every user.
func userinfoClaims(u store.User, scopes []string, sub, sid string) map[string]any {
	claims := map[string]any{"sub": sub, "sid": sid}
	for _, scope := range scopes {
		switch scope {
		case "name":
			claims["name"] = strings.TrimSpace(u.GivenName + " " + u.FamilyName)
			claims["given_name"] = u.GivenName
			claims["family_name"] = u.FamilyName
		case "email":
			claims["email"] = u.Email
			claims["email_verified"] = u.EmailVerified
		case "phoneNumber":
			claims["phone_number"] = u.PhoneNumber
			// The number is the one the user logs in with, confirmed in the app.
			claims["phone_number_verified"] = true
		case "birthDate":
			claims["birthdate"] = u.Birthdate
		case "address":
			claims["address"], claims["other_addresses"] = addressClaims(u.Addresses)
		case "nin":
			claims["nin"] = u.NIN
		case "accountNumbers":
			accounts := u.Accounts
			if accounts == nil {
				accounts = []store.Account{}
			}
			claims["accounts"] = accounts
		}
	}
	return claims
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

// toAddressClaim formats an address as Vipps does: street, then postal code
// and region, then country, one per line ("Suburbia 23\n2101 OSLO\nNO").
func toAddressClaim(a store.Address) addressClaim {
	var lines []string
	for _, line := range []string{a.StreetAddress, strings.TrimSpace(a.PostalCode + " " + a.Region), a.Country} {
		if line != "" {
			lines = append(lines, line)
		}
	}
	return addressClaim{
		StreetAddress: a.StreetAddress,
		PostalCode:    a.PostalCode,
		Region:        a.Region,
		Country:       a.Country,
		Formatted:     strings.Join(lines, "\n"),
		AddressType:   a.AddressType,
	}
}

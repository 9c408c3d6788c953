package oidc

import (
	"strings"
	"testing"

	"github.com/vippslogin/vippslogin/internal/store"
)

// TestFormattedAddress pins the one rule for an address claim's
// "formatted" member to the example of vipps-login-api-2.0's API
// reference, "Userinfo", example response:
//
//	"address": {
//	    "street_address": "Suburbia 23",
//	    "postal_code": "2101",
//	    "region": "OSLO",
//	    "country": "NO",
//	    "formatted": "Suburbia 23\\n2101 OSLO\\nNO",
//	    "address_type": "home"
//
// and not to the CIBA and QR call-by-call examples'
// "jghj khhjhhkjh\n0603\nOSLO\nNO" (see formattedAddress for why).
func TestFormattedAddress(t *testing.T) {
	for _, tc := range []struct {
		name string
		addr store.Address
		want string
	}{
		{"the API reference's example", store.Address{StreetAddress: "Suburbia 23", PostalCode: "2101", Region: "OSLO", Country: "NO"},
			"Suburbia 23\n2101 OSLO\nNO"},
		{"its other addresses", store.Address{StreetAddress: "Fancy Office Street 2", PostalCode: "0218", Region: "OSLO", Country: "NO"},
			"Fancy Office Street 2\n0218 OSLO\nNO"},
		{"the Userinfo API's example, without a country", store.Address{StreetAddress: "Robert Levins gate 5", PostalCode: "0154", Region: "Oslo"},
			"Robert Levins gate 5\n0154 Oslo"},
		{"the CIBA example's address, by the same rule", store.Address{StreetAddress: "jghj khhjhhkjh", PostalCode: "0603", Region: "OSLO", Country: "NO"},
			"jghj khhjhhkjh\n0603 OSLO\nNO"},
		// "Scopes", address: the «Unit, floor or other details» field
		// follows the street after a newline, inside street_address.
		{"a unit line", store.Address{StreetAddress: "Suburbia 23\nUnit B5", PostalCode: "2101", Region: "OSLO", Country: "NO"},
			"Suburbia 23\nUnit B5\n2101 OSLO\nNO"},
		{"no postal code", store.Address{StreetAddress: "Suburbia 23", Region: "OSLO", Country: "NO"}, "Suburbia 23\nOSLO\nNO"},
		{"no region", store.Address{StreetAddress: "Suburbia 23", PostalCode: "2101", Country: "NO"}, "Suburbia 23\n2101\nNO"},
		{"no street", store.Address{PostalCode: "2101", Region: "OSLO", Country: "NO"}, "2101 OSLO\nNO"},
		{"nothing", store.Address{}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.addr.AddressType = "home"
			c := toAddressClaim(tc.addr)
			if c.Formatted != tc.want {
				t.Errorf("formatted = %q, want %q", c.Formatted, tc.want)
			}
			// The reference's "\\n" is its JSON escaping: the claim has
			// newline characters (OIDC Core §5.1.1), not backslashes.
			if strings.Contains(c.Formatted, `\`) {
				t.Errorf("formatted %q has a backslash", c.Formatted)
			}
			want := addressClaim{StreetAddress: tc.addr.StreetAddress, PostalCode: tc.addr.PostalCode, Region: tc.addr.Region,
				Country: tc.addr.Country, Formatted: tc.want, AddressType: "home"}
			if c != want {
				t.Errorf("claim = %+v, want %+v", c, want)
			}
		})
	}
}

// TestEveryAddressFormattedAlike: the default address and every other
// address are formatted by the one rule.
func TestEveryAddressFormattedAlike(t *testing.T) {
	addrs := []store.Address{
		{StreetAddress: "Fancy Office Street 2", PostalCode: "0218", Region: "OSLO", Country: "NO", AddressType: "work"},
		{StreetAddress: "Suburbia 23", PostalCode: "2101", Region: "OSLO", Country: "NO", AddressType: "home", Default: true},
		{StreetAddress: "Summer House Lane 14", PostalCode: "1452", Region: "OSLO", Country: "NO", AddressType: "other"},
	}
	def, others := addressClaims(addrs)
	got := []string{def.Formatted}
	for _, o := range others {
		got = append(got, o.Formatted)
	}
	want := []string{"Suburbia 23\n2101 OSLO\nNO", "Fancy Office Street 2\n0218 OSLO\nNO", "Summer House Lane 14\n1452 OSLO\nNO"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("formatted = %q, want %q", got, want)
	}
}

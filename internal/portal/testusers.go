package portal

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/vippslogin/vippslogin/internal/admin"
	"github.com/vippslogin/vippslogin/internal/store"
)

// Generated test users: realistic Norwegian data, drawn at random. None
// of it is a secret, so math/rand is enough.

var (
	givenNames  = []string{"Ola", "Kari", "Ingrid", "Lars", "Sofie", "Jonas", "Nora", "Emil", "Astrid", "Henrik", "Sigrid", "Magnus", "Maja", "Jakob", "Ida", "Tobias", "Thea", "Sander", "Marte", "Øystein"}
	familyNames = []string{"Nordmann", "Hansen", "Johansen", "Olsen", "Larsen", "Andersen", "Pedersen", "Nilsen", "Kristiansen", "Jensen", "Karlsen", "Johnsen", "Berg", "Haugen", "Hagen", "Bakken", "Solberg", "Dahl", "Lie", "Sæther"}
	streets     = []string{"Storgata", "Kirkegata", "Dronningens gate", "Bergensveien", "Skolegata", "Parkveien", "Fjordveien", "Sjøgata", "Elvegata", "Bjørkeveien", "Granveien", "Solbakken"}
	towns       = []struct{ postalCode, town string }{
		{"0150", "Oslo"}, {"5003", "Bergen"}, {"7011", "Trondheim"}, {"4006", "Stavanger"}, {"9008", "Tromsø"},
		{"3015", "Drammen"}, {"4610", "Kristiansand"}, {"1606", "Fredrikstad"}, {"2317", "Hamar"}, {"8006", "Bodø"},
	}
)

// generateUser draws a test user: a mobile number, a 4-digit PIN, a name,
// a birth date from 1950 to 2004, a national identity number for that
// date with valid check digits, an e-mail address at example.com and a
// home address.
func generateUser(rng *rand.Rand) admin.UserRequest {
	given, family := pick(rng, givenNames), pick(rng, familyNames)
	born := time.Date(1950, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, rng.IntN(55*365))
	town := towns[rng.IntN(len(towns))]
	return admin.UserRequest{
		PhoneNumber: fmt.Sprintf("47%d%07d", 4+5*rng.IntN(2), rng.IntN(10_000_000)),
		PIN:         fmt.Sprintf("%04d", rng.IntN(10_000)),
		GivenName:   given, FamilyName: family,
		Birthdate:     born.Format(time.DateOnly),
		NIN:           nationalID(rng, born),
		Email:         asciiName(given) + "." + asciiName(family) + "@example.com",
		EmailVerified: true,
		Addresses: []store.Address{{
			StreetAddress: fmt.Sprintf("%s %d", pick(rng, streets), 1+rng.IntN(120)),
			PostalCode:    town.postalCode, Region: town.town, Country: "NO", AddressType: "home", Default: true,
		}},
	}
}

func pick(rng *rand.Rand, from []string) string { return from[rng.IntN(len(from))] }

// asciiName is name for an e-mail address: lower case, æ ø å spelt out.
func asciiName(name string) string {
	return strings.NewReplacer("æ", "ae", "ø", "o", "å", "a", " ", "").Replace(strings.ToLower(name))
}

// nationalID draws a Norwegian national identity number (fødselsnummer)
// for someone born on born: DDMMYY, an individual number in the range of
// the birth's century, and the two mod-11 check digits. An individual
// number whose check digit would be 10 has no valid number, so another is
// drawn.
func nationalID(rng *rand.Rand, born time.Time) string {
	lo, hi := 0, 499 // born 1900–1999
	if born.Year() >= 2000 {
		lo, hi = 500, 999
	}
	for {
		base := born.Format("020106") + fmt.Sprintf("%03d", lo+rng.IntN(hi-lo+1))
		if nin, ok := withCheckDigits(base); ok {
			return nin
		}
	}
}

// withCheckDigits appends the two check digits to the first nine digits
// of a national identity number, or reports false when there are none
// (a check digit of 10).
func withCheckDigits(nine string) (string, bool) {
	d := make([]int, 0, 11)
	for _, c := range nine {
		d = append(d, int(c-'0'))
	}
	for _, weights := range [][]int{{3, 7, 6, 1, 8, 9, 4, 5, 2}, {5, 4, 3, 2, 7, 6, 5, 4, 3, 2}} {
		sum := 0
		for i, w := range weights {
			sum += w * d[i]
		}
		k := (11 - sum%11) % 11
		if k == 10 {
			return "", false
		}
		d = append(d, k)
	}
	var b strings.Builder
	for _, x := range d {
		b.WriteByte(byte('0' + x))
	}
	return b.String(), true
}

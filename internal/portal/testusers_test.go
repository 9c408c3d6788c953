package portal

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// The check digits are those of a number worked through in public
// (fnrinfo.no, "Beregning av kontrollsiffer": 311299567 → 31129956715),
// and a number whose first check digit would be 10 has none.
func TestCheckDigits(t *testing.T) {
	for _, nin := range []string{"31129956715"} {
		if got, ok := withCheckDigits(nin[:9]); !ok || got != nin {
			t.Errorf("withCheckDigits(%s) = %s, %v; want %s", nin[:9], got, ok, nin)
		}
	}
	if _, ok := withCheckDigits("010101003"); ok {
		t.Error("010101003 has a first check digit of 10 and so no number")
	}
}

// Generated users have a number for their birth date, in the century's
// range of individual numbers, with valid check digits.
func TestGenerateUser(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 500 {
		u := generateUser(rng)
		born, err := time.Parse(time.DateOnly, u.Birthdate)
		if err != nil || born.Year() < 1950 || born.Year() > 2004 {
			t.Fatalf("birthdate %q", u.Birthdate)
		}
		n := u.NIN
		if full, ok := withCheckDigits(n[:9]); !ok || full != n || n[:6] != born.Format("020106") {
			t.Fatalf("nin %s for %s", n, u.Birthdate)
		}
		if individual := n[6:9]; (born.Year() >= 2000) != (individual >= "500") {
			t.Fatalf("nin %s: individual number out of the range of %d", n, born.Year())
		}
		if len(u.PhoneNumber) != 10 || !strings.HasPrefix(u.PhoneNumber, "474") && !strings.HasPrefix(u.PhoneNumber, "479") {
			t.Fatalf("phone %s is no Norwegian mobile number", u.PhoneNumber)
		}
		if strings.ContainsAny(u.Email, "æøåÆØÅ ") || !strings.HasSuffix(u.Email, "@example.com") {
			t.Fatalf("email %s", u.Email)
		}
	}
}

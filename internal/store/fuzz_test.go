package store

import (
	"strings"
	"testing"
)

// asciiDigits keeps the ASCII digits of s.
func asciiDigits(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if '0' <= s[i] && s[i] <= '9' {
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// fuzzMarkets are the markets a number is read in: "" is no market.
var fuzzMarkets = []string{"", "NO", "DK", "FI", "SE"}

// FuzzNormalizePhoneNumber: the one phone number rule. What
// NormalizePhoneNumber returns, in any market, is a stored-form number
// (ASCII digits, 10–15, no leading 0) made of the digits typed, less a
// "00" prefix, or the market's country code before them, less a trunk 0;
// normalising it again changes nothing, in any market; and every
// stored-form number is read back unchanged when typed as is, with "+" or
// "00", or spaced out.
func FuzzNormalizePhoneNumber(f *testing.F) {
	for _, s := range []string{
		"4712345678", "12345678", "+47 123 45 678", "0047 12345678", "(+47) 123.45.678", "+46 70 123 45 67",
		"123456789", "0712345678", "0012345678", "+12345678", "123456789012345", "1234567890123456",
		"４７１２３４５６７８", "٤٧١٢٣٤٥٦٧٨", "47\u00a012345678", "++4712345678", "+0047 12345678", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, typed string) {
		for _, market := range fuzzMarkets {
			checkNormalize(t, typed, market)
		}
	})
}

func checkNormalize(t *testing.T, typed, market string) {
	out, ok := NormalizePhoneNumber(typed, market)
	if ok {
		if len(out) < 10 || len(out) > 15 || out[0] == '0' || asciiDigits(out) != out {
			t.Fatalf("NormalizePhoneNumber(%q, %q) = %q, not a stored-form number", typed, market, out)
		}
		if !ValidPhoneNumber(out) {
			t.Fatalf("NormalizePhoneNumber(%q, %q) = %q, which ValidPhoneNumber refuses", typed, market, out)
		}
		for _, m := range fuzzMarkets {
			if again, ok := NormalizePhoneNumber(out, m); !ok || again != out {
				t.Fatalf("NormalizePhoneNumber(%q, %q) = %q, but that normalises to %q, %v in %q", typed, market, out, again, ok, m)
			}
		}
		cc, d := CountryCode(market), asciiDigits(typed)
		if out != d && "00"+out != d && out != cc+d && out != cc+strings.TrimPrefix(d, "0") {
			t.Fatalf("NormalizePhoneNumber(%q, %q) = %q, not the digits typed (%q)", typed, market, out, d)
		}
	} else if out != "" {
		t.Fatalf("NormalizePhoneNumber(%q, %q) refused but returned %q", typed, market, out)
	}

	if ValidPhoneNumber(typed) {
		spaced := typed[:2] + " " + typed[2:5] + " " + typed[5:]
		for _, form := range []string{typed, "+" + typed, "00" + typed, spaced, "+" + spaced} {
			if got, ok := NormalizePhoneNumber(form, market); !ok || got != typed {
				t.Fatalf("the stored-form %q typed as %q reads as %q, %v in %q", typed, form, got, ok, market)
			}
		}
	}
}

// TestNormalizePhoneNumberByMarket: "phone numbers follow the market": a
// Danish user who types 8 digits on a market=DK login is a Danish number,
// not a Norwegian one (issue 12, point 7).
func TestNormalizePhoneNumberByMarket(t *testing.T) {
	for _, tc := range []struct{ typed, market, want string }{
		{"12345678", "", "4712345678"},
		{"12345678", "NO", "4712345678"},
		{"123 45 678", "NO", "4712345678"},
		{"12 34 56 78", "DK", "4512345678"},
		{"040 123 4567", "FI", "358401234567"},
		{"401234567", "FI", "358401234567"},
		{"070-123 45 67", "SE", "46701234567"},
		{"+47 123 45 678", "DK", "4712345678"},
		{"0047 12345678", "FI", "4712345678"},
		{"4712345678", "DK", "4712345678"},
		{"4512345678", "NO", "4512345678"},
		{"1234567", "DK", ""},
		{"123456789", "NO", ""},
		{"0712345678", "NO", ""},
	} {
		got, ok := NormalizePhoneNumber(tc.typed, tc.market)
		if got != tc.want || ok != (tc.want != "") {
			t.Errorf("NormalizePhoneNumber(%q, %q) = %q, %v; want %q", tc.typed, tc.market, got, ok, tc.want)
		}
	}
}

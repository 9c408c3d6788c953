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

// FuzzNormalizePhoneNumber: the one phone number rule. What
// NormalizePhoneNumber returns is a stored-form number (ASCII digits,
// 10–15, no leading 0) made of the digits typed, less a "00" prefix or plus
// Norway's 47; normalising it again changes nothing; and every stored-form
// number is read back unchanged when typed as is, with "+" or "00", or
// spaced out.
func FuzzNormalizePhoneNumber(f *testing.F) {
	for _, s := range []string{
		"4712345678", "12345678", "+47 123 45 678", "0047 12345678", "(+47) 123.45.678", "+46 70 123 45 67",
		"123456789", "0712345678", "0012345678", "+12345678", "123456789012345", "1234567890123456",
		"４７１２３４５６７８", "٤٧١٢٣٤٥٦٧٨", "47\u00a012345678", "++4712345678", "+0047 12345678", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, typed string) {
		out, ok := NormalizePhoneNumber(typed)
		if ok {
			if len(out) < 10 || len(out) > 15 || out[0] == '0' || asciiDigits(out) != out {
				t.Fatalf("NormalizePhoneNumber(%q) = %q, not a stored-form number", typed, out)
			}
			if !ValidPhoneNumber(out) {
				t.Fatalf("NormalizePhoneNumber(%q) = %q, which ValidPhoneNumber refuses", typed, out)
			}
			if again, ok := NormalizePhoneNumber(out); !ok || again != out {
				t.Fatalf("NormalizePhoneNumber(%q) = %q, but that normalises to %q, %v", typed, out, again, ok)
			}
			if d := asciiDigits(typed); out != d && "00"+out != d && out != "47"+d {
				t.Fatalf("NormalizePhoneNumber(%q) = %q, not the digits typed (%q)", typed, out, d)
			}
		} else if out != "" {
			t.Fatalf("NormalizePhoneNumber(%q) refused but returned %q", typed, out)
		}

		if ValidPhoneNumber(typed) {
			spaced := typed[:2] + " " + typed[2:5] + " " + typed[5:]
			for _, form := range []string{typed, "+" + typed, "00" + typed, spaced, "+" + spaced} {
				if got, ok := NormalizePhoneNumber(form); !ok || got != typed {
					t.Fatalf("the stored-form %q typed as %q reads as %q, %v", typed, form, got, ok)
				}
			}
		}
	})
}

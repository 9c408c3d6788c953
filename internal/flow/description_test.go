package flow

import (
	"strings"
	"testing"
)

// validDescription reports whether s is a valid error_description
// (RFC 6749 §5.2: %x20-21 / %x23-5B / %x5D-7E), written straight from the
// grammar rather than from the code under test.
func validDescription(s string) bool {
	for i := range len(s) {
		c := s[i]
		if !(c >= 0x20 && c <= 0x21 || c >= 0x23 && c <= 0x5b || c >= 0x5d && c <= 0x7e) {
			return false
		}
	}
	return true
}

func TestErrorDescription(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"allowed is kept", "The code is unknown; start a new login (max 5 min) [a-z] {x} ~!#$%&'()*+,-./:<=>?@^_`|", "The code is unknown; start a new login (max 5 min) [a-z] {x} ~!#$%&'()*+,-./:<=>?@^_`|"},
		{"empty", "", ""},
		{"double quote", `response_type "token" is not supported`, "response_type 'token' is not supported"},
		{"backslash", `C:\path\x`, "C:/path/x"},
		{"section sign", "as RFC 6749 §2.3.1 requires", "as RFC 6749 section 2.3.1 requires"},
		{"section sign and space", "RFC 6749 § 5.2", "RFC 6749 section 5.2"},
		{"section sign at the end", "see §", "see section "},
		{"ellipsis", "https://shop.example/a-long…", "https://shop.example/a-long..."},
		{"newline", "line one\nline two", "line one line two"},
		{"carriage return", "a\r\nb", "a  b"},
		{"tab", "a\tb", "a b"},
		{"no-break space", "a\u00a0b", "a b"},
		{"NUL", "a\x00b", "a?b"},
		{"other C0 control", "a\x1bb\x01", "a?b?"},
		{"DEL", "a\x7fb", "a?b"},
		{"C1 control", "a\u0085b\u009bc", "a b?c"},
		{"non-ASCII letter", "market 'Ø' is unknown", "market '?' is unknown"},
		{"multi-byte rune is one ?", "scope '😀'", "scope '?'"},
		{"invalid UTF-8", "a\xffb\xc3", "a?b?"},
		{"replacement character", "a\ufffdb", "a?b"},
		{"Go %q escapes", `"\u00e6\n"`, "'/u00e6/n'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ErrorDescription(tt.in)
			if got != tt.want {
				t.Errorf("ErrorDescription(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if !validDescription(got) {
				t.Errorf("ErrorDescription(%q) = %q holds characters RFC 6749 forbids", tt.in, got)
			}
			if again := ErrorDescription(got); again != got {
				t.Errorf("not idempotent: %q then %q", got, again)
			}
		})
	}
}

// TestErrorDescriptionEveryByte feeds every byte, alone and around a
// multi-byte rune, and checks that what comes out is valid and that the
// allowed bytes pass unchanged.
func TestErrorDescriptionEveryByte(t *testing.T) {
	for c := range 256 {
		s := string([]byte{byte(c)})
		for _, in := range []string{s, "x" + s + "x", s + "æ" + s} {
			got := ErrorDescription(in)
			if !validDescription(got) {
				t.Errorf("ErrorDescription(%q) = %q holds characters RFC 6749 forbids", in, got)
			}
		}
		if validDescription(s) && ErrorDescription(s) != s {
			t.Errorf("ErrorDescription(%q) = %q; an allowed byte must pass unchanged", s, ErrorDescription(s))
		}
	}
}

func BenchmarkErrorDescription(b *testing.B) {
	clean := "The code is unknown, expired or already used; start a new login."
	dirty := strings.Repeat(`grant_type "pässword" §5.2 `, 3)
	b.Run("clean", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			ErrorDescription(clean)
		}
	})
	b.Run("dirty", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			ErrorDescription(dirty)
		}
	})
}

package flow

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/vippslogin/vippslogin/internal/store"
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
		{"section sign at the end", "see §", "see section"},
		{"section sign and newline", "§\n1", "section 1"},
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

// TestEndKeepsTheDescriptionValid ends a failed login, as the login pages
// and the app API do through End, with a stored description that holds
// forbidden characters: the redirect carries it in the allowed set.
func TestEndKeepsTheDescriptionValid(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	r := store.LoginRequest{
		ID: "tab-1", Status: store.LoginFailed, RedirectURI: "https://shop.example/callback?x=1", State: "state-123",
		Error: "access_denied", ErrorDescription: "The user said \"no\" \\ (§4.1.2.1)\n\tæ\x00",
	}
	ended, code, to, err := End(r, "https://vipps.example/access-management-1.0/access/", now)
	if err != nil || code != nil || ended.Status != store.LoginDone {
		t.Fatalf("End = %v, code %v, status %s", err, code, ended.Status)
	}
	u, err := url.Parse(to)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	want := "The user said 'no' / (section 4.1.2.1)  ??"
	if got := q.Get("error_description"); got != want || !validDescription(got) {
		t.Errorf("error_description = %q, want %q", got, want)
	}
	if q.Get("error") != "access_denied" || q.Get("state") != "state-123" || q.Get("x") != "1" || q.Get("iss") == "" {
		t.Errorf("redirect = %s, want error, state, iss and the URI's own query", to)
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
